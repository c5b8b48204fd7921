"""One Django bootstrap for the benchmarks that need the ORM.

A throw-away SQLite file unless $BENCH_DATABASE_URL names another database; no Redis (jobs inline);
migrated; mail kept in memory and media in a temporary folder. Safe to call from several bench
modules in one ``bench/run.py`` process: Django is set up once and they share that database.
"""
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> str:
    """Set Django up (once) and return the database vendor name for the table captions."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django
    from django.apps import apps

    if not apps.ready:
        os.environ["DATABASE_URL"] = (os.environ.get("BENCH_DATABASE_URL")
                                      or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")
        os.environ.pop("REDIS_URL", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = Path(tempfile.mkdtemp())
    return connection.vendor
