"""RQ entry points (thin: they call services) and the one way services schedule work.

``enqueue`` always waits for the surrounding transaction to commit. Scaled mode hands the job to
RQ with a business-key ``job_id`` so the same work is never queued twice, and retries it with
backoff; embedded mode (no Redis) runs it in-process right after commit (retrying at once, without
sleeping), which keeps `make run` dependency-free.

Both modes run the job through ``execute``, which records the run in ``JobRun`` (status, times,
error, progress) so the Command Center's Jobs page works with or without Redis. Long jobs call
``report_progress``; it lands in ``JobRun.progress`` and in the RQ job's ``meta``.
"""
import contextvars
import datetime
import importlib
import logging
import os
import socket
import traceback
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

ACTIVE_RQ_STATES = {"queued", "started", "scheduled", "deferred"}
_current = contextvars.ContextVar("commandcenter_job", default=None)
_inline_meta = contextvars.ContextVar("commandcenter_inline_job_meta", default=None)


def _func_path(func) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def _resolve(path: str):
    module, _dot, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _retry_intervals() -> list[int]:
    return list(getattr(settings, "JOBS_RETRY_INTERVALS", [10, 30, 60]))


def enqueue(func, *args, queue: str = "default", job_id: str | None = None, tournament_id: int | None = None,
            target: dict | None = None, **kwargs) -> None:
    """Run ``func(*args, **kwargs)`` as a job once the current transaction commits.

    ``tournament_id`` scopes the job on the Jobs page (organizers see their own); ``target`` links it
    to the object it works on (``{"model": "payoutrun", "id": 3, "label": "…"}``).
    """
    from . import observability, outbox

    meta = {"tournament_id": tournament_id, "target": target or {}, "request_id": observability.current_request_id()}
    func_path = _func_path(func)
    if not outbox.jobs_enabled():  # embedded: run in-process after commit, exactly as before
        transaction.on_commit(lambda: _dispatch(func_path, list(args), kwargs, queue, job_id, meta))
        return
    # Scaled: the JobRun and the outbox row are written in the caller's transaction, so the job
    # exists exactly when the business change does; the drain after commit hands it to RQ (or
    # later, when Redis is back).
    job_id = job_id or _new_job_id(func_path)
    _record(func_path, list(args), queue, job_id, meta)
    outbox.add("job", job_id, {"func": func_path, "args": _jsonable(list(args)), "kwargs": kwargs, "queue": queue,
                               "job_id": job_id, "meta": meta})


def _new_job_id(func_path):
    return f"{func_path.rsplit('.', 1)[-1]}-{uuid.uuid4().hex[:16]}"


def _record(func_path, args, queue, job_id, meta):
    from .models import JobRun

    try:
        with transaction.atomic():
            JobRun.objects.update_or_create(job_id=job_id, defaults=dict(
                func=func_path, queue=queue, args=_jsonable(args), status=JobRun.Status.QUEUED, error="", progress={},
                started_at=None, finished_at=None, tournament_id=meta.get("tournament_id"), target=meta.get("target") or {},
                enqueued_at=timezone.now(),
            ))
    except Exception:  # book-keeping must never stop the work itself
        logger.exception("Could not record job %s", job_id)


def _dispatch(func_path, args, kwargs, queue, job_id, meta):
    job_id = job_id or _new_job_id(func_path)
    _record(func_path, args, queue, job_id, meta)
    if settings.JOBS_INLINE:
        token = _inline_meta.set(meta)
        try:
            _run_inline(func_path, job_id, args, kwargs)
        finally:
            _inline_meta.reset(token)
        return
    hand_to_rq(func_path, args, kwargs, queue, job_id, meta)


def hand_to_rq(func_path, args, kwargs, queue, job_id, meta):
    """Queue one job on RQ unless the same business key is already queued or running (idempotent,
    so the outbox may call it again for a message it could not mark delivered)."""
    from rq import Retry
    from rq.exceptions import DuplicateJobError

    rq_queue = _queue(queue)
    existing = _fetch(job_id)
    if existing is not None:
        if existing.get_status(refresh=False) in ACTIVE_RQ_STATES and not is_orphaned(existing):
            logger.info("Job %s is already queued; not queued again", job_id)
            return
        existing.delete()  # a finished or failed run of the same work: start afresh
    try:
        rq_queue.enqueue(execute, func_path, job_id, args, kwargs, job_id=job_id, unique=True, meta=meta,
                         retry=Retry(max=3, interval=_retry_intervals()), description=func_path)
    except DuplicateJobError:  # a concurrent request queued it a moment ago
        logger.info("Job %s is already queued; not queued again", job_id)


def _run_inline(func_path, job_id, args, kwargs):
    attempts = 4 if getattr(settings, "JOBS_INLINE_RETRY", True) else 1  # like RQ's Retry(max=3), minus the waiting
    for attempt in range(attempts):
        try:
            execute(func_path, job_id, args, kwargs)
            return
        except Exception:  # inline jobs must not turn a committed request into a 500
            if attempt + 1 >= attempts:
                logger.exception("Inline job %s failed", job_id)
                return


def execute(func_path: str, job_id: str, args, kwargs):
    """Run one attempt of a job, recording it in ``JobRun`` (both modes call this)."""
    import time

    from django.db.models import F

    from . import observability
    from .models import JobRun
    from .services.errors import DomainError

    token = _current.set(job_id)
    meta = _current_meta()
    context = [(observability.job_id_var, observability.job_id_var.set(job_id)),
               (observability.tournament_id_var, observability.tournament_id_var.set(meta.get("tournament_id"))),
               (observability.request_id_var, observability.request_id_var.set(meta.get("request_id")
                                                                               or observability.request_id_var.get()))]
    JobRun.objects.filter(job_id=job_id).update(status=JobRun.Status.STARTED, started_at=timezone.now(),
                                                 attempts=F("attempts") + 1, error="", finished_at=None)
    started, outcome = time.perf_counter(), "failed"
    try:
        result = _resolve(func_path)(*args, **(kwargs or {}))
        outcome = "finished"
    except DomainError as exc:  # a refusal, not an accident: retrying cannot change it
        outcome = "refused"
        JobRun.objects.filter(job_id=job_id).update(status=JobRun.Status.FAILED, finished_at=timezone.now(), error=str(exc)[:4000])
        logger.warning("Job %s refused: %s", job_id, exc)
        return None
    except Exception as exc:
        JobRun.objects.filter(job_id=job_id).update(
            status=JobRun.Status.FAILED, finished_at=timezone.now(),
            error=(f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exc(limit=-4)))[-4000:])
        raise
    finally:
        _current.reset(token)
        _log_job(func_path, job_id, outcome, time.perf_counter() - started)
        for var, value in reversed(context):
            var.reset(value)
    JobRun.objects.filter(job_id=job_id).update(status=JobRun.Status.FINISHED, finished_at=timezone.now())
    return result


def _current_meta() -> dict:
    """The RQ job's meta (tournament id, request id) when running on a worker."""
    if settings.JOBS_INLINE:
        return dict(_inline_meta.get() or {})
    try:
        from rq import get_current_job

        job = get_current_job()
    except Exception:
        return {}
    return dict(job.meta or {}) if job is not None else {}


def _log_job(func_path, job_id, outcome, duration):
    from . import observability

    logging.getLogger("commandcenter.job").log(
        logging.INFO if outcome != "failed" else logging.WARNING, "job %s %s", job_id, outcome,
        extra={"fields": {"event": "job", "func": func_path.rsplit(".", 1)[-1], "outcome": outcome,
                          "duration_ms": round(duration * 1000, 2)}})
    try:
        observability.metrics()["jobs"].labels(func_path.rsplit(".", 1)[-1], outcome).inc()
    except Exception:
        logger.debug("job metric failed", exc_info=True)


def current_job_id() -> str | None:
    return _current.get()


def report_progress(done: int, total: int, message: str = "") -> None:
    """Tell the Jobs page how far the running job is (no-op outside a job)."""
    job_id = _current.get()
    if job_id is None:
        return
    from .models import JobRun

    progress = {"done": int(done), "total": int(total), "message": str(message)[:200]}
    JobRun.objects.filter(job_id=job_id).update(progress=progress)
    if not settings.JOBS_INLINE:
        from rq import get_current_job

        job = get_current_job()
        if job is not None:
            job.meta["progress"] = progress
            job.save_meta()


def _jsonable(args):
    return [a if isinstance(a, (int, str, float, bool, type(None), list, dict)) else str(a) for a in args]


# ---- RQ helpers (scaled mode) ---------------------------------------------------------------------

def _queue(name: str):
    import django_rq

    return django_rq.get_queue(name, commit_mode="auto")  # enqueue() already waited for the commit


def _fetch(job_id: str):
    if settings.JOBS_INLINE:
        return None
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    import django_rq

    try:
        return Job.fetch(job_id, connection=django_rq.get_connection("default"))
    except NoSuchJobError:
        return None


def is_orphaned(job) -> bool:
    """A job RQ still calls *started* although its worker is gone (killed, machine lost)."""
    from rq.worker import Worker

    if job.get_status(refresh=False) != "started":
        return False
    name = getattr(job, "worker_name", None)
    if not name:
        return True
    worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + name, connection=job.connection)
    if worker is None:
        return True
    if worker.hostname == socket.gethostname() and worker.pid and not _pid_alive(worker.pid):
        return True
    beat = worker.last_heartbeat
    if beat is None:
        return False
    if timezone.is_naive(beat):
        beat = beat.replace(tzinfo=datetime.timezone.utc)
    return (timezone.now() - beat).total_seconds() > 600


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _jobrun_is_stale(run) -> bool:
    """Embedded mode: a run left *started* by a process that died long ago."""
    return bool(run.started_at and (timezone.now() - run.started_at).total_seconds() > 600)


def ensure_not_queued(job_id: str, what: str = "") -> None:
    """Refuse to queue work that is already waiting or running (the business-key check)."""
    from .models import JobRun
    from .services.errors import DomainError

    message = _("%(what)s is already queued or running (job %(id)s); wait for it to finish.") % {
        "what": what or _("This job"), "id": job_id}
    if not settings.JOBS_INLINE:
        from . import outbox
        from .models import OutboxMessage

        if OutboxMessage.objects.filter(kind="job", key=job_id, delivered_at__isnull=True, failed_at__isnull=True).exists():
            raise DomainError(message, code="already_queued")  # written, waiting for Redis
        try:
            job = _fetch(job_id)
        except outbox.connection_errors():
            job = None  # Redis is down: judge by our own records below
        else:
            if job is not None and job.get_status(refresh=False) in ACTIVE_RQ_STATES and not is_orphaned(job):
                raise DomainError(message, code="already_queued")
            return
    run = JobRun.objects.filter(job_id=job_id).first()
    if run is not None and run.status in (JobRun.Status.QUEUED, JobRun.Status.STARTED) and not _jobrun_is_stale(run):
        raise DomainError(message, code="already_queued")


def retry(job_id: str) -> str:
    """Run a failed (or orphaned) job again with the same arguments; returns a message.

    Scaled mode requeues RQ's job; embedded mode runs the recorded ``JobRun`` again in-process.
    With Redis unreachable the retry is refused with a message (nothing is changed).
    """
    from . import outbox
    from .services.errors import DomainError

    try:
        return _retry(job_id)
    except outbox.connection_errors():
        raise DomainError(_("The job queue (Redis) is unreachable, so job %(id)s was not queued again; "
                            "try again when it is back.") % {"id": job_id}, code="queue_unavailable") from None


def _retry(job_id: str) -> str:
    from .models import JobRun
    from .services.errors import DomainError

    run = JobRun.objects.filter(job_id=job_id).first()
    if not settings.JOBS_INLINE:
        job = _fetch(job_id)
        if job is not None:
            status = job.get_status(refresh=False)
            if status in ACTIVE_RQ_STATES and not is_orphaned(job):
                raise DomainError(_("Job %(id)s is %(s)s; only failed jobs can be retried.") % {"id": job_id, "s": status},
                                  code="already_queued")
            if not (job.func_name or "").endswith("jobs.execute"):  # queued by something else (e.g. RQ cron)
                if status != "failed":
                    raise DomainError(_("Job %(id)s is %(s)s; only failed jobs can be retried.") % {"id": job_id, "s": status},
                                      code="already_queued")
                job.requeue()
                return _("Job %(id)s was queued again.") % {"id": job_id}
            meta = job.meta or {}
            func_path, _jid, args, kwargs = job.args
            queue = job.origin
            job.delete()
        elif run is not None:
            func_path, args, kwargs, queue = run.func, run.args, {}, run.queue
            meta = {"tournament_id": run.tournament_id, "target": run.target}
        else:
            raise DomainError(_("Job %(id)s no longer exists.") % {"id": job_id}, code="not_found")
        if run is not None:
            JobRun.objects.filter(pk=run.pk).update(status=JobRun.Status.QUEUED, error="", progress={})
        from rq import Retry

        _queue(queue).enqueue(execute, func_path, job_id, args, kwargs, job_id=job_id, meta=meta,
                              retry=Retry(max=3, interval=_retry_intervals()), description=func_path)
        return _("Job %(id)s was queued again.") % {"id": job_id}
    if run is None:
        raise DomainError(_("Job %(id)s no longer exists.") % {"id": job_id}, code="not_found")
    if run.status in (JobRun.Status.QUEUED, JobRun.Status.STARTED) and not _jobrun_is_stale(run):
        raise DomainError(_("Job %(id)s is %(s)s; only failed jobs can be retried.") % {"id": job_id, "s": run.get_status_display()},
                          code="already_queued")
    _run_inline(run.func, job_id, run.args, {})
    run.refresh_from_db()
    return _("Job %(id)s ran again: %(s)s.") % {"id": job_id, "s": run.get_status_display().lower()}


# ---- job functions --------------------------------------------------------------------------------

def send_notification_email(notification_id: int) -> None:
    from .services.notifications import deliver_email

    deliver_email(notification_id)


def send_notification_emails(notification_ids: list) -> None:
    from .services.notifications import deliver_email

    for notification_id in notification_ids:
        deliver_email(notification_id)  # each is idempotent: a retried job skips what was sent


def run_payouts(run_id: int) -> dict:
    from .services.payouts import execute_run

    return execute_run(run_id)


def generate_certificates(tournament_id: int) -> dict:
    from .services.certificates import generate_batch

    return generate_batch(tournament_id)


def deliver_webhook(endpoint_id: int, event: dict) -> None:
    from .webhooks import deliver

    deliver(endpoint_id, event)


def run_schedules() -> dict:
    from . import outbox
    from .services.schedules import run_all

    result = run_all(timezone.now())
    if outbox.jobs_enabled() or outbox.events_enabled():
        result["outbox"] = outbox.drain()["delivered"]  # the clock also delivers what waited for Redis
    return result


def drain_outbox() -> dict:
    from . import outbox

    return outbox.drain()


def recompute_season_standings(season_id: int, reason: str = "") -> None:
    """Idempotent: a recompute reads the current results, so a retry or a duplicate changes nothing."""
    from .models import Season
    from .services.seasons import recompute

    if Season.objects.filter(pk=season_id).exists():  # deleted meanwhile: nothing to do
        recompute(season_id, actor=None, reason=reason)
