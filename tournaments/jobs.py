"""RQ entry points (thin: they call services) and the one way services schedule work.

``enqueue`` always waits for the surrounding transaction to commit. Scaled mode hands the job to
RQ with a business-key ``job_id`` so the same work is never queued twice; embedded mode (no Redis)
runs it in-process right after commit, which keeps `make run` dependency-free.
"""
import logging

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(func, *args, queue: str = "default", job_id: str | None = None, **kwargs) -> None:
    transaction.on_commit(lambda: _dispatch(func, args, kwargs, queue, job_id))


def _dispatch(func, args, kwargs, queue, job_id):
    if settings.JOBS_INLINE:
        try:
            func(*args, **kwargs)
        except Exception:  # inline jobs must not turn a committed request into a 500
            logger.exception("Inline job %s failed", getattr(func, "__name__", func))
        return
    import django_rq
    from rq import Retry

    options = {"retry": Retry(max=3, interval=[10, 30, 60])}
    if job_id:
        options["job_id"] = job_id
    django_rq.get_queue(queue).enqueue(func, *args, **kwargs, **options)


# ---- job functions --------------------------------------------------------------------------------

def send_notification_email(notification_id: int) -> None:
    from .services.notifications import deliver_email

    deliver_email(notification_id)
