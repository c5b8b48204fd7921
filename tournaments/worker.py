"""The RQ worker class (``RQ["WORKER_CLASS"]``): RQ's forking ``Worker``, warmed up once before its
first job.

RQ forks a fresh work horse for every job, so anything a job builds lazily in its process (the
certificate fonts: ~110 ms to parse four TrueType files, plus ~5 ms per 128-character block of a
font the first time a document uses it; the job modules' imports) was rebuilt by every job and lost
when the horse exited — for a batch of 250 certificates, ~1–1.5 ms per certificate. Doing it once in
the parent worker, before it forks, hands it to every horse for free (fork shares the memory). RQ
has no start-up hook, so this is the smallest subclass that adds one: ``bootstrap`` runs once, when
the worker starts, before it waits for work. Nothing here touches the database (a connection opened
before a fork must not be shared with the children).
"""
import importlib
import logging
import time

from rq.worker import Worker

logger = logging.getLogger(__name__)

# modules the job functions import lazily (tournaments.jobs imports them inside the functions)
JOB_MODULES = (
    "tournaments.services.certificates",
    "tournaments.services.notifications",
    "tournaments.services.payouts",
    "tournaments.services.schedules",
    "tournaments.services.seasons",
    "tournaments.webhooks",
    "tournaments.outbox",
)


def warm_up() -> float:
    """Import the job modules, build the URL resolver and the certificate fonts (every block);
    returns the seconds it took. A failure is logged and skipped: a cold worker still works, only slower."""
    started = time.perf_counter()
    for name in JOB_MODULES:
        try:
            importlib.import_module(name)
        except Exception:
            logger.warning("Worker warm-up could not import %s", name, exc_info=True)
    try:  # the URL resolver (built on the first reverse(), ~0.2 s) and the active language's catalog
        from django.conf import settings
        from django.urls import get_resolver
        from django.utils import translation

        get_resolver().reverse_dict  # noqa: B018 - populates the resolver
        translation.activate(settings.LANGUAGE_CODE)
        translation.gettext("Certificate of Achievement")
    except Exception:
        logger.warning("Worker warm-up could not prepare the URL resolver", exc_info=True)
    try:
        from . import certificate_pdf

        certificate_pdf.warm_up()
    except Exception:
        logger.warning("Worker warm-up could not prepare the certificate fonts", exc_info=True)
    return time.perf_counter() - started


class WarmWorker(Worker):
    """RQ's ``Worker`` (one forked horse per job) that calls ``warm_up`` once at start-up."""

    def bootstrap(self, *args, **kwargs):
        super().bootstrap(*args, **kwargs)
        seconds = warm_up()
        self.log.info("Worker %s: warmed up in %.0f ms", self.name, seconds * 1000)
