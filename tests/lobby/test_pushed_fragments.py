"""Shared lobby fragments pushed with the events that change them (consumers.LobbyConsumer.lobby_event):
what a socket watches, one render per message per process, escaping, spectators = participants,
nothing private, and a failed render still delivers the event."""
from unittest import mock

import pytest
from asgiref.sync import sync_to_async

from tests.factories import enter, make_player, make_tournament
from tests.lobby.test_consumers import TIMEOUT, _session_cookie, connected, next_event
from tournaments.lobby import views
from tournaments.services import announcements, checkin, registrations

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def _build(organizer, game):
    t = make_tournament(organizer, game, name="Push Cup", slug="push-cup", capacity=16)
    regs = enter(t, 3)
    return t, regs


@pytest.fixture
def event(organizer, game):
    return _build(organizer, game)


async def watching(slug, cookie=None, **watch):
    comm, _hello = await connected(slug, cookie)
    await comm.send_json_to({"action": "watch", **watch})
    assert await comm.receive_json_from(timeout=TIMEOUT) == {"reply": "watch", "ok": True}
    return comm


async def test_a_roster_change_brings_the_watched_roster_page_escaped(event, organizer):
    t, regs = event
    comm = await watching(t.slug, roster=1, announcements=True, lang="en")
    hostile = await sync_to_async(make_player)('<script>alert("x")</script>')
    await sync_to_async(registrations.register)(t, player=hostile, actor=organizer)
    frame = await next_event(comm, "roster.updated")
    assert frame["page"] == 1 and set(frame["html"]) == {"roster"}
    html = frame["html"]["roster"]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html and "<script>" not in html
    assert all(f'data-registration="{r.pk}"' in html for r in regs)
    http = await sync_to_async(views.pushed_html)("roster", t, 1)
    assert html == http  # the same HTML the fragment view answers
    await comm.disconnect()


async def test_announcements_are_pushed_and_unwatched_fragments_are_not(event, organizer):
    t, _regs = event
    comm = await watching(t.slug, roster=None, announcements=True)
    await sync_to_async(announcements.post)(t.pk, actor=organizer, title="Doors <b>open</b>", body="Hi")
    frame = await next_event(comm, "announcement.new")
    assert "Doors &lt;b&gt;open&lt;/b&gt;" in frame["html"]["announcements"]
    await sync_to_async(checkin.check_in)(_regs[0].pk, actor=organizer)
    frame = await next_event(comm, "roster.updated")
    assert "html" not in frame  # it does not show the roster: nothing pushed, the event still comes
    await comm.disconnect()


async def test_one_render_per_message_for_every_socket_of_the_process(event, organizer):
    t, (a, b, c) = event
    cookie = await sync_to_async(_session_cookie)(a)
    sockets = [await watching(t.slug, cookie, roster=1)] + [await watching(t.slug, roster=1) for _ in range(4)]
    real = views.pushed_html
    with mock.patch.object(views, "pushed_html", side_effect=real) as render:
        await sync_to_async(checkin.check_in)(b.pk, actor=organizer)
        frames = [await next_event(s, "roster.updated") for s in sockets]
    assert render.call_count == 1
    # the participant's socket gets exactly what spectators get: nothing of theirs is in pushed HTML
    assert len({f["html"]["roster"] for f in frames}) == 1
    assert all(set(f["html"]) == {"roster"} for f in frames)
    for s in sockets:
        await s.disconnect()


async def test_each_roster_page_and_language_is_rendered_for_its_watchers(event, organizer):
    from tournaments.lobby import selectors

    t, regs = event
    with mock.patch.object(selectors, "ROSTER_PAGE_SIZE", 2):  # 3 entrants: two roster pages
        first = await watching(t.slug, roster=1, lang="en")
        second = await watching(t.slug, roster=2, lang="en")
        await sync_to_async(checkin.check_in)(regs[0].pk, actor=organizer)
        one, two = await next_event(first, "roster.updated"), await next_event(second, "roster.updated")
    assert (one["page"], two["page"]) == (1, 2)
    shown = [{r.pk for r in regs if f'data-registration="{r.pk}"' in f["html"]["roster"]} for f in (one, two)]
    assert len(shown[0]) == 2 and len(shown[1]) == 1 and not shown[0] & shown[1]
    await first.disconnect()
    await second.disconnect()


async def test_a_failed_render_still_delivers_the_event(event, organizer):
    t, (a, b, c) = event
    comm = await watching(t.slug, roster=1)
    with mock.patch.object(views, "pushed_html", side_effect=RuntimeError("template broke")):
        await sync_to_async(checkin.check_in)(a.pk, actor=organizer)
        frame = await next_event(comm, "roster.updated")
    assert frame["payload"]["registration"] == a.pk and "html" not in frame  # the page fetches it instead
    await comm.disconnect()


@pytest.mark.parametrize("frame", [
    {"action": "watch", "roster": 0},
    {"action": "watch", "roster": -3},
    {"action": "watch", "roster": 10**7},
    {"action": "watch", "roster": "1"},
    {"action": "watch", "roster": True},
    {"action": "watch", "roster": 1.5},
    {"action": "watch", "bracket": "yes"},
    {"action": "watch", "announcements": 1},
    {"action": "watch", "lang": "xx-nowhere"},
    {"action": "watch", "lang": 7},
    {"action": "watch", "lang": "e" * 50},
    {"action": "watch", "everything": True},
])
async def test_bad_watch_frames_are_refused_and_change_nothing(event, organizer, frame):
    t, (a, b, c) = event
    comm = await watching(t.slug, roster=1)
    await comm.send_json_to(frame)
    error = await comm.receive_json_from(timeout=TIMEOUT)
    assert error["code"] == "bad_request" and error["error"]
    await sync_to_async(checkin.check_in)(a.pk, actor=organizer)
    pushed = await next_event(comm, "roster.updated")
    assert pushed["page"] == 1 and "roster" in pushed["html"]  # still watching what it watched before
    await comm.disconnect()
