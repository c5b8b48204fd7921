"""Transactional outbox for what goes to Redis in scaled mode: RQ job enqueues and lobby events.

Why: a service writes its business rows and *then* (after commit) talks to Redis. If Redis is down
at that moment the change is committed but the job or event would be lost, or — worse — the
request would turn into a 500 after the data was already saved. Instead, ``jobs.enqueue`` and
``events.publish`` write an ``OutboxMessage`` row in the same transaction as the business change
(so both exist or neither does), and ``drain`` hands the rows to Redis after the commit.

Delivery rules:
- in id order: the drain locks pending rows in id order (``select_for_update`` without
  ``skip_locked``, so a second drainer waits instead of overtaking) and stops at the first row that
  cannot be delivered because Redis is unreachable;
- exactly once per message id: a row is delivered by the one drainer holding its lock and marked
  ``delivered_at`` in the same transaction; the crash window between "sent to Redis" and "marked in
  PostgreSQL" is closed on the Redis side — a job message re-uses its business-key job id (RQ
  refuses a second active job with that id) and an event message first claims
  ``outbox:event:<id>`` with SET NX;
- a row that fails for another reason (bad payload) is retried on later drains and given up after
  ``OUTBOX_MAX_ATTEMPTS`` (``failed_at``), so one poisoned row cannot block the queue forever.

Who drains: right after the commit that wrote the row (opportunistic, so a healthy system delivers
at once), the ``outbox`` process (``manage.py drain_outbox --loop 5``), and the clock / schedules
job. Embedded mode never uses the outbox: jobs still run inline after commit and events go to the
in-memory layer directly, exactly as before.
"""
import json
import logging
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

BATCH = 200


def jobs_enabled() -> bool:
    return not settings.JOBS_INLINE


def events_enabled() -> bool:
    return bool(settings.REDIS_URL) and getattr(settings, "OUTBOX_EVENTS", True)


def connection_errors() -> tuple:
    """Exceptions meaning "Redis is unreachable right now" (retry later, keep the order)."""
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, ConnectionError, TimeoutError, OSError)


def add(kind: str, key: str, payload: dict):
    """Write one message in the current transaction; a drain follows the commit."""
    from django.core.serializers.json import DjangoJSONEncoder

    from .models import OutboxMessage

    # Dates, decimals and lazy translations become JSON here, as the channel layer / RQ would see them.
    payload = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    message = OutboxMessage.objects.create(kind=kind, key=key[:160], payload=payload)
    _drain_after_commit()
    return message


def _drain_after_commit():
    # One callback per message: the first drain delivers every pending row in order and the later
    # ones find nothing (one indexed query). Deduplicating by peeking at Django's on-commit list
    # would depend on its internals (and breaks under captureOnCommitCallbacks, which keeps them).
    transaction.on_commit(_drain_quietly)


_backoff = {"until": 0.0}
BACKOFF_SECONDS = 2.0


def _drain_quietly():
    """Never let a delivery problem turn a committed request into an error page.

    After Redis was found unreachable, this process skips its opportunistic drains for
    ``BACKOFF_SECONDS`` (a bulk action must not knock on a dead Redis once per message); the
    ``outbox`` process keeps trying and delivers everything when Redis is back.
    """
    if time.monotonic() < _backoff["until"]:
        return
    try:
        result = drain()
    except Exception:
        logger.exception("outbox drain failed; messages stay queued for the next drain")
        return
    if result["error"]:
        _backoff["until"] = time.monotonic() + BACKOFF_SECONDS


def pending_count() -> int:
    from .models import OutboxMessage

    return OutboxMessage.objects.filter(delivered_at__isnull=True, failed_at__isnull=True).count()


def drain(batch: int = BATCH, max_batches: int = 50) -> dict:
    """Deliver pending messages in id order; returns ``{"delivered", "pending", "error"}``."""
    from .models import OutboxMessage

    delivered, error = 0, ""
    unreachable = connection_errors()
    max_attempts = int(getattr(settings, "OUTBOX_MAX_ATTEMPTS", 5))
    for _round in range(max_batches):
        stop = False
        with transaction.atomic():
            rows = list(OutboxMessage.objects.select_for_update()
                        .filter(delivered_at__isnull=True, failed_at__isnull=True).order_by("id")[:batch])
            for row in rows:
                row.attempts += 1
                try:
                    _deliver(row)
                except unreachable as exc:
                    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                    row.save(update_fields=["attempts", "last_error"])
                    error, stop = row.last_error, True
                    break
                except Exception as exc:
                    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                    if row.attempts >= max_attempts:  # give up on this one and go on with the rest
                        row.failed_at = timezone.now()
                        logger.error("outbox message %s given up after %s attempts: %s", row.pk, row.attempts, row.last_error)
                        row.save(update_fields=["attempts", "last_error", "failed_at"])
                        continue
                    row.save(update_fields=["attempts", "last_error", "failed_at"])
                    error, stop = row.last_error, True
                    break
                row.delivered_at = timezone.now()
                row.last_error = ""
                row.save(update_fields=["attempts", "last_error", "delivered_at"])
                delivered += 1
        if stop or len(rows) < batch:
            break
    if error:
        logger.warning("outbox: %s delivered, stopped at an undeliverable message: %s", delivered, error)
    return {"delivered": delivered, "pending": pending_count() if (delivered or error) else 0, "error": error}


def _deliver(row) -> None:
    if row.kind == "job":
        from . import jobs

        p = row.payload
        jobs.hand_to_rq(p["func"], p.get("args") or [], p.get("kwargs") or {}, p["queue"], p["job_id"], p.get("meta") or {})
        return
    if row.kind == "event":
        from . import events

        p = row.payload
        claim = f"outbox:event:{row.created.timestamp():.6f}:{row.pk}"
        client = _redis()
        if not client.set(claim, "1", nx=True, ex=86400):
            return  # sent by a drainer that died before marking it: do not send twice
        try:
            events._send(p["group"], p["event"], p["payload"])
        except Exception:
            client.delete(claim)
            raise
        return
    raise ValueError(f"unknown outbox kind {row.kind!r}")


_clients: dict = {}


def _redis():
    import redis

    url = settings.REDIS_URL
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return client
