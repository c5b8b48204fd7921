"""Settings for bench/load.py's web processes: the project's settings, with the per-address lobby
limits lifted (the load generator is one loopback address playing 1,000 people; per-registration
limits stay on) and mail discarded. Never used outside the load run."""
from config.settings import *  # noqa: F401,F403

LOBBY_RATE_LIMITS = {"join": (1_000_000, 60), "verify": (1_000_000, 60)}
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "handlers": {"console": {"class": "logging.StreamHandler"}},
           "root": {"handlers": ["console"], "level": "WARNING"}}
