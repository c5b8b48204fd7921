"""The lobby WebSocket: who may connect, events after commit only, and hostile clients."""
import asyncio
import json
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client

from config.asgi import application
from tests.factories import enter, make_tournament
from tournaments.models import Notification
from tournaments.services import announcements, lobby_access, setup, tournaments as tournament_services

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
ORIGIN = (b"origin", b"http://testserver")
TIMEOUT = 3


# ---- helpers (sync, run in a thread) ------------------------------------------------------------------

def _build(organizer, game, *, slug="ws-cup", draft=False):
    t = make_tournament(organizer, game, name="WS Cup", slug=slug, open_registration=not draft)
    regs = [] if draft else enter(t, 2)
    return t, regs


def _session_cookie(registration) -> bytes:
    token = lobby_access.issue_link(registration.pk, actor=None)
    client = Client()
    assert client.get(lobby_access.join_path(token)).status_code == 302
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def connect(slug, cookie=None, origin=ORIGIN):
    headers = [origin] if origin else []
    if cookie:
        headers.append((b"cookie", cookie))
    comm = WebsocketCommunicator(application, f"/ws/lobby/{slug}/", headers=headers)
    connected, code = await comm.connect(timeout=TIMEOUT)
    return comm, connected


async def connected(slug, cookie=None):
    comm, ok = await connect(slug, cookie)
    assert ok
    hello = await comm.receive_json_from(timeout=TIMEOUT)
    assert hello["event"] == "hello"
    return comm, hello


async def next_event(comm, name):
    """Skip frames until event ``name`` (other events may interleave); fail after TIMEOUT."""
    while True:
        frame = await comm.receive_json_from(timeout=TIMEOUT)
        if frame.get("event") == name:
            return frame


@pytest.fixture
def event(organizer, game):
    return _build(organizer, game)


# ---- connecting ---------------------------------------------------------------------------------------

async def test_spectator_connects_and_receives_lobby_events(event, organizer):
    t, regs = event
    comm, hello = await connected(t.slug)
    assert hello["payload"] == {"tournament": t.slug, "participant": None}
    await sync_to_async(announcements.post)(t.pk, actor=organizer, title="Doors open", body="Hi")
    frame = await next_event(comm, "announcement.new")
    assert frame["payload"]["title"] == "Doors open" and frame["payload"]["tournament"] == t.slug
    await comm.disconnect()


async def test_live_events_reach_sockets_without_a_thread_hand_off(event, organizer):
    """A live event is delivered on the event loop: Channels' per-message ``close_old_connections``
    hand-off to the connection's thread (one per event per open lobby) is skipped, the database work
    of a connection still closes old connections around itself (database_sync_to_async)."""
    from unittest import mock

    t, regs = event
    comm, _hello = await connected(t.slug)
    with mock.patch("channels.consumer.aclose_old_connections") as hand_off:
        await sync_to_async(announcements.post)(t.pk, actor=organizer, title="No hand-off", body="Hi")
        frame = await next_event(comm, "announcement.new")
    assert frame["payload"]["title"] == "No hand-off"
    assert hand_off.await_count == 0 and hand_off.call_count == 0
    await comm.disconnect()


async def test_participant_joins_the_private_group(event, organizer):
    t, (a, b) = event
    cookie = await sync_to_async(_session_cookie)(a)
    comm, hello = await connected(t.slug, cookie)
    assert hello["payload"]["participant"] == a.display_name
    # b's private notification does not reach a; a's does
    from tournaments.services import notifications

    await sync_to_async(notifications.notify)(b, "test", "For b only")
    await sync_to_async(notifications.notify)(a, "test", "For a")
    frame = await next_event(comm, "notification.new")
    assert frame["payload"]["title"] == "For a"
    assert "email" not in json.dumps(frame) and "@" not in json.dumps(frame)
    await comm.disconnect()


def _account_cookie(registration, *, password_changed=False) -> bytes:
    """A logged-in session of a user whose player is ``registration``'s (no private link)."""
    from .conftest import account_client

    client, user = account_client(registration, f"acct{registration.pk}")
    if password_changed:  # the session's auth hash no longer matches: Django logs the session out
        user.set_password("pw-changed-5678")
        user.save()
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def test_an_account_holder_is_a_participant_without_a_link(event):
    """The socket stack has no AuthMiddleware; the consumer resolves the user from the session itself."""
    t, (a, b) = event
    comm, hello = await connected(t.slug, await sync_to_async(_account_cookie)(a))
    assert hello["payload"]["participant"] == a.display_name
    await comm.send_json_to({"action": "check_in"})
    assert await comm.receive_json_from(timeout=TIMEOUT) == {"reply": "check_in", "ok": True}
    await comm.disconnect()
    stale, hello = await connected(t.slug, await sync_to_async(_account_cookie)(b, password_changed=True))
    assert hello["payload"]["participant"] is None  # Django's session-hash check still applies
    await stale.disconnect()


async def test_draft_unknown_and_cancelled_tournaments_are_refused(organizer, game):
    t, _ = await sync_to_async(_build)(organizer, game, slug="ws-draft", draft=True)
    for slug in (t.slug, "no-such-event"):
        comm, ok = await connect(slug)
        assert not ok
    c, _ = await sync_to_async(_build)(organizer, game, slug="ws-cancelled")
    await sync_to_async(tournament_services.cancel)(c.pk, actor=organizer, reason="rain")
    comm, ok = await connect(c.slug)
    assert not ok


async def test_bad_or_missing_origin_is_refused(event):
    t, _ = event
    for origin in ((b"origin", b"http://evil.example"), None):
        comm, ok = await connect(t.slug, origin=origin)
        assert not ok


async def test_a_link_only_opens_its_own_tournament(event, organizer, game):
    t, (a, b) = event
    other, _ = await sync_to_async(_build)(organizer, game, slug="ws-other")
    cookie = await sync_to_async(_session_cookie)(a)
    comm, hello = await connected(other.slug, cookie)
    assert hello["payload"]["participant"] is None  # a spectator there
    await comm.disconnect()


# ---- events after commit ------------------------------------------------------------------------------

async def test_event_arrives_after_commit_not_before(event, organizer):
    t, _ = event
    comm, _hello = await connected(t.slug)
    inside, release = threading.Event(), threading.Event()

    def post_and_hold():
        with transaction.atomic():
            announcements.post(t.pk, actor=organizer, title="Held")
            inside.set()
            release.wait(10)

    task = asyncio.ensure_future(sync_to_async(post_and_hold, thread_sensitive=False)())
    while not inside.is_set():
        await asyncio.sleep(0.01)
    assert await comm.receive_nothing(timeout=0.5)  # written but not committed: nothing sent
    release.set()
    await task
    frame = await next_event(comm, "announcement.new")
    assert frame["payload"]["title"] == "Held"
    await comm.disconnect()


async def test_no_event_on_rollback(event, organizer):
    t, _ = event
    comm, _hello = await connected(t.slug)

    def post_and_fail():
        try:
            with transaction.atomic():
                announcements.post(t.pk, actor=organizer, title="Never")
                raise RuntimeError("boom")
        except RuntimeError:
            pass

    await sync_to_async(post_and_fail)()
    assert await comm.receive_nothing(timeout=0.5)
    await comm.disconnect()


# ---- client actions -----------------------------------------------------------------------------------

async def test_ping_and_participant_actions(event):
    t, (a, b) = event
    cookie = await sync_to_async(_session_cookie)(a)
    comm, _ = await connected(t.slug, cookie)
    await comm.send_json_to({"action": "ping"})
    assert await comm.receive_json_from(timeout=TIMEOUT) == {"event": "pong"}
    await comm.send_json_to({"action": "check_in"})
    reply = await comm.receive_json_from(timeout=TIMEOUT)
    assert reply == {"reply": "check_in", "ok": True}
    roster = await next_event(comm, "roster.updated")
    assert roster["payload"]["registration"] == a.pk and roster["payload"]["checked_in"] is True
    await sync_to_async(a.refresh_from_db)()
    assert a.is_checked_in
    await comm.send_json_to({"action": "check_in"})
    refused = await comm.receive_json_from(timeout=TIMEOUT)
    assert refused["code"] == "noop" and "already checked in" in refused["error"]
    await comm.send_json_to({"action": "read_notifications"})
    frame = await comm.receive_json_from(timeout=TIMEOUT)
    while "reply" not in frame:
        frame = await comm.receive_json_from(timeout=TIMEOUT)
    assert frame["reply"] == "read_notifications" and frame["marked"] >= 1
    assert not await sync_to_async(Notification.objects.filter(registration=a, read_at__isnull=True).exists)()
    await comm.disconnect()


async def test_spectators_cannot_act(event):
    t, (a, b) = event
    comm, _ = await connected(t.slug)
    await comm.send_json_to({"action": "check_in"})
    frame = await comm.receive_json_from(timeout=TIMEOUT)
    assert frame["code"] == "forbidden"
    await sync_to_async(a.refresh_from_db)()
    assert not a.is_checked_in
    await comm.disconnect()


async def test_a_revoked_link_stops_acting_at_once(event, organizer):
    t, (a, b) = event
    cookie = await sync_to_async(_session_cookie)(a)
    comm, _ = await connected(t.slug, cookie)
    await sync_to_async(lobby_access.revoke)(a.pk, actor=organizer, reason="leaked")
    await comm.send_json_to({"action": "check_in"})
    frame = await comm.receive_json_from(timeout=TIMEOUT)
    assert frame["code"] == "forbidden"
    await comm.disconnect()


# ---- hostile clients ----------------------------------------------------------------------------------

@pytest.mark.parametrize("frame, code", [
    ("not json", "bad_json"),
    ("{\"action\": ", "bad_json"),
    ("[1, 2]", "bad_request"),
    ("42", "bad_request"),
    ("{\"action\": 5}", "bad_request"),
    ("{\"action\": null}", "bad_request"),
    ("{\"action\": \"drop_tables\"}", "bad_request"),
    ("{\"action\": \"ping\", \"extra\": 1}", "bad_request"),
    ("{}", "bad_request"),
    ("[" * 1000 + "]" * 1000, "bad_json"),
])
async def test_malformed_frames_get_an_error_frame_and_the_consumer_survives(event, frame, code):
    t, _ = event
    comm, _ = await connected(t.slug)
    await comm.send_to(text_data=frame)
    reply = await comm.receive_json_from(timeout=TIMEOUT)
    assert reply["code"] == code and reply["error"]
    await comm.send_json_to({"action": "ping"})
    assert await comm.receive_json_from(timeout=TIMEOUT) == {"event": "pong"}
    await comm.disconnect()


async def test_binary_frames_are_refused(event):
    t, _ = event
    comm, _ = await connected(t.slug)
    await comm.send_to(bytes_data=b"\x00\x01")
    assert (await comm.receive_json_from(timeout=TIMEOUT))["code"] == "bad_frame"
    await comm.disconnect()


async def test_oversize_frames_close_with_4400(event):
    t, _ = event
    comm, _ = await connected(t.slug)
    await comm.send_to(text_data=json.dumps({"action": "ping", "pad": "x" * 3000}))
    assert (await comm.receive_json_from(timeout=TIMEOUT))["code"] == "too_large"
    closed = await comm.receive_output(timeout=TIMEOUT)
    assert closed == {"type": "websocket.close", "code": 4400}


async def test_a_flood_is_rate_limited_and_the_connection_survives(event, organizer):
    t, _ = event
    comm, _ = await connected(t.slug)
    for _ in range(25):
        await comm.send_json_to({"action": "ping"})
    replies = [await comm.receive_json_from(timeout=TIMEOUT) for _ in range(25)]
    assert sum(1 for r in replies if r == {"event": "pong"}) == 10
    assert sum(1 for r in replies if r.get("code") == "rate_limited") == 15
    # still subscribed: events keep arriving
    await sync_to_async(announcements.post)(t.pk, actor=organizer, title="Still here")
    assert (await next_event(comm, "announcement.new"))["payload"]["title"] == "Still here"
    await comm.disconnect()


async def test_actions_are_rate_limited_per_registration_across_connections(event, settings):
    settings.LOBBY_RATE_LIMITS = {"ws_registration": (2, 10)}
    t, (a, b) = event
    cookie = await sync_to_async(_session_cookie)(a)
    first, _ = await connected(t.slug, cookie)
    second, _ = await connected(t.slug, cookie)
    await first.send_json_to({"action": "read_notifications"})
    assert (await first.receive_json_from(timeout=TIMEOUT))["reply"] == "read_notifications"
    await second.send_json_to({"action": "read_notifications"})
    assert (await second.receive_json_from(timeout=TIMEOUT))["reply"] == "read_notifications"
    await second.send_json_to({"action": "read_notifications"})
    assert (await second.receive_json_from(timeout=TIMEOUT))["code"] == "rate_limited"
    await first.disconnect()
    await second.disconnect()
