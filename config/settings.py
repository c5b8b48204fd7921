"""Settings, read from the environment only (see .env.example).

Two shapes run the same code:
- embedded (no DATABASE_URL / REDIS_URL): SQLite file, in-memory channel layer, RQ jobs run inline;
- scaled: DATABASE_URL=postgres://…, REDIS_URL=redis://… → PostgreSQL, Redis channel layer, RQ workers.
"""
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or (
    # Only acceptable because an embedded/dev run has no secrets worth protecting; production
    # deployments must set SECRET_KEY (`manage.py check --deploy` flags the default).
    "django-insecure-embedded-only-change-me"
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

REDIS_URL = os.environ.get("REDIS_URL", "").strip()
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
EMBEDDED = not REDIS_URL

INSTALLED_APPS = [
    "daphne",
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "unfold.contrib.inlines",
    "unfold.contrib.import_export",
    "unfold.contrib.simple_history",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "import_export",
    "django_rq",
    "channels",
    "tournaments",
    "admin_ui",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tournaments.login_throttle.LoginThrottleMiddleware",  # security: admin login throttling
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The lobby is a sub-package of the one domain app, not an app: its templates are listed here.
        "DIRS": [BASE_DIR / "admin_ui" / "templates", BASE_DIR / "tournaments" / "lobby" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "config.sqlite"  # Django's SQLite backend, batching by the real limit
    # WAL + a busy timeout let the web process and inline jobs share the file without
    # "database is locked" under ordinary embedded use.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME") or None}
# PostgreSQL connection pool for web processes (DB_POOL_MAX_SIZE > 0; the Procfile, run_scaled and
# bench/load.py set it). Each thread that serves requests or WebSocket connections (config/asgi.py)
# opens its own connection: under daphne, 1,000 arriving participants once meant hundreds of
# connections per process, PostgreSQL's max_connections (100) was exhausted and joins/pages failed
# with 500 ("too many clients"). The pool bounds a process to DB_POOL_MAX_SIZE connections; a
# request beyond that waits (up to DB_POOL_TIMEOUT s) for one instead of failing. Django's own
# psycopg_pool integration (5.1+); it requires non-persistent connections (CONN_MAX_AGE = 0).
DB_POOL_MAX_SIZE = int(os.environ.get("DB_POOL_MAX_SIZE", "0"))
if DB_POOL_MAX_SIZE > 0 and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(2, DB_POOL_MAX_SIZE), "max_size": DB_POOL_MAX_SIZE,
        "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "60"))}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "tournaments" / "lobby" / "static"]  # the lobby's CSS/JS (a sub-package, not an app)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Embedded mode serves static files straight from the apps (no collectstatic step for `make run`);
# scaled deployments run collectstatic at release and WhiteNoise serves the compressed copies.
WHITENOISE_USE_FINDERS = EMBEDDED or DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "/admin/"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Command Center <noreply@localhost>")

# --- Channels -------------------------------------------------------------------------------
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": os.environ.get("CHANNEL_LAYER_BACKEND", "channels_redis.pubsub.RedisPubSubChannelLayer"),
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- RQ ---------------------------------------------------------------------------------------
_rq_connection = {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 600}
RQ_QUEUES = {
    name: {**_rq_connection, "ASYNC": bool(REDIS_URL) and not env_bool("RQ_INLINE", False)}
    for name in ("default", "payouts", "certificates", "notifications")
}
# WarmWorker: RQ's forking Worker that builds the certificate fonts once before forking (tournaments/worker.py)
RQ = {"COMMIT_MODE": "on_db_commit", "WORKER_CLASS": "tournaments.worker.WarmWorker"}
# Embedded mode has no Redis, so jobs run in-process right after the transaction commits.
JOBS_INLINE = not REDIS_URL or env_bool("RQ_INLINE", False)
# Backoff between RQ retries (seconds; they need `rqworker --with-scheduler`).
JOBS_RETRY_INTERVALS = [int(s) for s in env_list("JOBS_RETRY_INTERVALS", "10,30,60")]

# --- Payouts, certificates, webhooks, schedules (issue 7) --------------------------------------
PAYOUT_BATCH_SIZE = int(os.environ.get("PAYOUT_BATCH_SIZE", "200"))  # recipients per transaction in a payout run
PAYOUT_TEST_DELAY = float(os.environ.get("PAYOUT_TEST_DELAY", "0"))  # test hook only: sleep between recipients
# Absolute address of this site, printed in certificate QR codes (https://cc.example.org).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CERTIFICATE_UPLOAD_MAX_BYTES = int(os.environ.get("CERTIFICATE_UPLOAD_MAX_BYTES", str(5 * 1024 * 1024)))
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5"))
# Webhooks go to organizers' servers on the internet; loopback only for development and tests.
WEBHOOKS_ALLOW_LOOPBACK = env_bool("WEBHOOKS_ALLOW_LOOPBACK", False)
MATCH_REMINDER_MINUTES = int(os.environ.get("MATCH_REMINDER_MINUTES", "15"))
UNPAID_REGISTRATION_EXPIRY_HOURS = int(os.environ.get("UNPAID_REGISTRATION_EXPIRY_HOURS", "48"))  # 0 = never

# --- Caches -----------------------------------------------------------------------------------
if REDIS_URL:
    # ops: tolerant of a Redis outage (config/cache.py) — rate limits fail open instead of 500s.
    CACHES = {"default": {"BACKEND": "config.cache.ResilientRedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- History ----------------------------------------------------------------------------------
# States change only through transitions; the admin's "revert" would rewrite them silently.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = False

# --- Import / export --------------------------------------------------------------------------
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = True

# --- Domain knobs -----------------------------------------------------------------------------
# Two matches of one participant closer than this are a scheduling conflict.
MATCH_CONFLICT_WINDOW_MINUTES = int(os.environ.get("MATCH_CONFLICT_WINDOW_MINUTES", "45"))

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and not EMBEDDED)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# >>> security (issue 10 item 4; owned by the "security" helper) >>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>
# A deployment whose public address is https (PUBLIC_BASE_URL, also printed in certificate QR codes)
# is HTTPS-only by default: HSTS, redirect to https. Cookies are secure whenever DEBUG is off in the
# scaled shape (SECURE_COOKIES above). Behind a TLS-terminating load balancer set
# SECURE_PROXY_SSL_HEADER_ENABLED=true so Django trusts X-Forwarded-Proto. `manage.py check --deploy`
# is clean with these defaults (tests/security/test_throttling_and_deploy.py runs it). Loopback
# scaled runs and the services test tier (http://127.0.0.1) keep plain HTTP.
_HTTPS_SITE = not DEBUG and PUBLIC_BASE_URL.startswith("https://")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _HTTPS_SITE)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(31536000 if _HTTPS_SITE else 0)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _HTTPS_SITE)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _HTTPS_SITE)  # the header only; listing needs a manual submission
if env_bool("SECURE_PROXY_SSL_HEADER_ENABLED", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readiness$"]  # load-balancer probes speak plain HTTP
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
# Admin login throttle (tournaments/login_throttle.py): failed attempts per username and per address.
LOGIN_THROTTLE = {"attempts": int(os.environ.get("LOGIN_THROTTLE_ATTEMPTS", "5")),
                  "window": int(os.environ.get("LOGIN_THROTTLE_WINDOW", "900"))}
# <<< security <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<

# --- ops: logging (structured JSON) -------------------------------------------------------------
# LOG_FORMAT=json (default when scaled) prints one JSON object per line with request_id / job_id /
# tournament_id from the current context (tournaments/observability.py); text keeps `make run` readable.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if EMBEDDED else "json").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "tournaments.observability.JsonFormatter"},
        "text": {"format": "%(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json" if LOG_FORMAT == "json" else "text"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"},
                # our request log line replaces Django's "Not Found: /x" / "Internal Server Error" lines
                "django.request": {"level": "ERROR"},
                # `make run` keeps runserver's own access lines; JSON deployments get ours instead
                "commandcenter.request": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"}},
}
# --- end ops: logging ---------------------------------------------------------------------------

# --- ops: metrics --------------------------------------------------------------------------------
# GET /metrics (Prometheus text): staff session or "Authorization: Bearer $METRICS_TOKEN".
# Several processes: set PROMETHEUS_MULTIPROC_DIR (an empty directory shared by the web processes;
# `make run-scaled` does) and prometheus_client aggregates their files (multiprocess mode).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
MIDDLEWARE.insert(0, "tournaments.observability.RequestLogMiddleware")
# --- end ops: metrics ----------------------------------------------------------------------------

# --- ops: outbox ---------------------------------------------------------------------------------
# Scaled mode writes job enqueues and lobby events to tournaments.OutboxMessage in the business
# transaction and delivers them after commit (or when Redis is back). Embedded mode never does.
OUTBOX_EVENTS = env_bool("OUTBOX_EVENTS", True)
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "5"))  # for non-connection errors only
# A persistent connection (DB_CONN_MAX_AGE > 0) is checked before reuse, so a PostgreSQL restart
# costs the requests made while it is down (clean 503s) and nothing after it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("DB_CONN_HEALTH_CHECKS", True)
# --- end ops: outbox -----------------------------------------------------------------------------


def environment_badge(request):
    """Unfold's environment badge: organizers must always know whether they're on a demo."""
    return (_("Embedded"), "warning") if EMBEDDED else (_("Production"), "danger")


UNFOLD = {
    "SITE_TITLE": _("Command Center"),
    "SITE_HEADER": _("Tournament Command Center"),
    "SITE_SYMBOL": "emoji_events",
    "ENVIRONMENT": "config.settings.environment_badge",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "DASHBOARD_CALLBACK": "admin_ui.dashboard.dashboard_callback",
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        "navigation": "admin_ui.navigation.sidebar_navigation",
    },
}
