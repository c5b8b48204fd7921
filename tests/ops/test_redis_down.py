"""Redis down: the admin keeps working; job enqueues and lobby events wait in the outbox (written in
the business transaction) and are delivered in order, once each, when Redis is back.

Services tier (PostgreSQL + RQ); the Redis is our own redis-server on a free port, stopped and
started by the test — never the shared one."""
import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import mail
from django.db import connection

from tests.admin.action_support import changelist_url, post, state
from tests.factories import enter
from tests.jobs.support import drain as run_workers
from tournaments import events, jobs, outbox
from tournaments.models import JobRun, OutboxMessage, Registration
from tournaments.services import DomainError

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _drain_then_close():
    try:
        return outbox.drain()
    finally:
        connection.close()  # this ran in a worker thread: leave no session on the test database


def _pending():
    return list(OutboxMessage.objects.filter(delivered_at__isnull=True).order_by("id"))


@pytest.fixture
def recorded(monkeypatch):
    """Every event really handed to the channel layer, in order (delivery still happens)."""
    sent, lock, real = [], threading.Lock(), events._send

    def record(group, event_type, payload):
        real(group, event_type, payload)
        with lock:
            sent.append((group, event_type, payload))

    monkeypatch.setattr(events, "_send", record)
    return sent


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch):
    monkeypatch.setitem(outbox._backoff, "until", 0.0)


def test_admin_keeps_working_and_the_outbox_delivers_when_redis_returns(client, organizer, approval_tournament,
                                                                        redis_server, recorded, capsys):
    first, second = enter(approval_tournament, 2)
    assert outbox.drain()["pending"] == 0  # the sign-ups' own messages went out while Redis was up
    recorded.clear()

    redis_server.stop()
    client.force_login(organizer)
    assert client.get(changelist_url(Registration)).status_code == 200
    for registration in (first, second):
        response = post(client, registration, "approve")
        assert response.status_code == 302, response.content[:500]
        assert state(registration) == Registration.Status.CONFIRMED
    jobs_page = client.get("/admin/command-center/jobs/")
    assert jobs_page.status_code == 200 and "unreachable" in jobs_page.content.decode()
    ready = client.get("/readiness")
    assert ready.status_code == 503 and ready.json()["checks"]["redis"]["ok"] is False

    waiting = _pending()
    kinds = [(m.kind, m.payload.get("event") or m.payload.get("job_id")) for m in waiting]
    print("\n[redis down] outbox after two approvals:", kinds)
    assert [k for k, _ in kinds].count("job") == 2 and [k for k, _ in kinds].count("event") >= 4
    assert waiting[0].attempts >= 1 and "Connection" in waiting[0].last_error  # tried at once, then it waited
    assert recorded == []  # nothing reached a lobby yet
    email_jobs = [m.key for m in waiting if m.kind == "job"]
    assert set(JobRun.objects.filter(job_id__in=email_jobs).values_list("status", flat=True)) == {JobRun.Status.QUEUED}

    # Asking for the same job again is refused while it waits; a retry needs Redis and says so.
    with pytest.raises(DomainError, match="already queued"):
        jobs.ensure_not_queued(email_jobs[0])
    with pytest.raises(DomainError, match="unreachable"):
        jobs.retry(email_jobs[0])

    redis_server.start()

    async def listen_and_drain():
        layer = events.get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(events.lobby_group(approval_tournament.slug), channel)
        result = await sync_to_async(_drain_then_close)()
        heard = [await asyncio.wait_for(layer.receive(channel), 10) for _ in range(2)]
        return result, heard

    result, heard = asyncio.run(listen_and_drain())
    print("[redis back] drain:", result)
    assert result["delivered"] == len(waiting) and result["pending"] == 0
    assert [h["event"] for h in heard] == ["roster.updated", "roster.updated"]
    assert [h["payload"]["registration"] for h in heard] == [first.pk, second.pk]
    expected = [(m.payload["group"], m.payload["event"], m.payload["payload"]) for m in waiting if m.kind == "event"]
    assert recorded == expected  # in order, each once
    assert outbox.drain()["delivered"] == 0  # nothing twice

    import django_rq

    assert django_rq.get_queue("notifications").job_ids == email_jobs  # queued in outbox order
    run_workers(("notifications",))
    assert len(mail.outbox) == 2
    assert set(JobRun.objects.filter(job_id__in=email_jobs).values_list("status", flat=True)) == {JobRun.Status.FINISHED}


def test_concurrent_drains_deliver_each_message_once_and_in_order(tournament, redis_server, recorded):
    redis_server.stop()
    for i in range(30):
        events.publish(tournament, "announcement.new", {"id": i, "title": f"Note {i}"})  # autocommit: each tries at once
    assert len(_pending()) == 30 and recorded == []
    redis_server.start()

    results, errors = [], []

    def drainer():
        try:
            results.append(outbox.drain(batch=7))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=drainer) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sum(r["delivered"] for r in results) == 30
    assert [payload["id"] for _g, _e, payload in recorded] == list(range(30))
    assert OutboxMessage.objects.filter(delivered_at__isnull=True).count() == 0


def test_a_poisoned_message_is_given_up_and_does_not_block_the_rest(tournament, redis_server, recorded, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    bad = OutboxMessage.objects.create(kind="job", key="broken", payload={"no": "func"})
    redis_server.stop()
    events.publish(tournament, "tournament.updated", {"status": "x"})
    redis_server.start()
    bad.refresh_from_db()
    assert bad.attempts == 1 and bad.failed_at is None  # the publish's own drain tried it first, in order
    assert outbox.drain()["delivered"] == 1  # attempt 2 gives it up; the event behind it goes out
    bad.refresh_from_db()
    assert bad.failed_at is not None and "KeyError" in bad.last_error
    assert outbox.drain()["delivered"] == 0
    assert [e for _g, e, _p in recorded] == ["tournament.updated"]

