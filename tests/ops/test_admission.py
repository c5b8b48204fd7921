"""Staff first during a participant burst (config.admission): lobby requests beyond the slots wait in
order on the event loop; the admin, health checks and metrics go straight to the pool."""
import asyncio

import pytest

from config.admission import LobbyAdmission, default_slots
from tournaments.observability import metrics


class _App:
    """An ASGI app that answers when told to, recording the order requests got in."""

    def __init__(self):
        self.entered = []
        self.release = {}

    async def __call__(self, scope, receive, send):
        self.entered.append(scope["path"])
        gate = self.release.setdefault(scope["path"], asyncio.Event())
        await gate.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def _noop(message=None):
    return {"type": "http.request", "body": b"", "more_body": False}


def _call(app, path):
    return asyncio.ensure_future(app({"type": "http", "path": path, "method": "GET"}, _noop, _noop))


async def _settle():
    for _ in range(5):
        await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_lobby_requests_beyond_the_slots_wait_and_others_go_straight_through():
    inner = _App()
    app = LobbyAdmission(inner, slots=2)
    waiting = metrics()["lobby_waiting"]
    before = waiting._value.get()
    lobby = [_call(app, f"/lobby/cup/fragments/{i}/") for i in range(4)]
    await _settle()
    assert inner.entered == ["/lobby/cup/fragments/0/", "/lobby/cup/fragments/1/"]
    assert waiting._value.get() == before + 2  # reported on /metrics while they wait
    staff = [_call(app, path) for path in ("/admin/tournaments/registration/", "/healthz", "/metrics")]
    await _settle()
    assert inner.entered[2:] == ["/admin/tournaments/registration/", "/healthz", "/metrics"]  # not behind the lobby
    for path in ("/admin/tournaments/registration/", "/healthz", "/metrics"):
        inner.release.setdefault(path, asyncio.Event()).set()
    await asyncio.gather(*staff)
    inner.release["/lobby/cup/fragments/0/"].set()
    await _settle()
    assert inner.entered[-1] == "/lobby/cup/fragments/2/"  # in arrival order, as a slot frees
    for i in range(1, 4):
        inner.release.setdefault(f"/lobby/cup/fragments/{i}/", asyncio.Event()).set()
    await asyncio.gather(*lobby)
    assert inner.entered.count("/lobby/cup/fragments/3/") == 1 and waiting._value.get() == before


@pytest.mark.asyncio
async def test_a_failing_lobby_request_gives_its_slot_back():
    async def broken(scope, receive, send):
        raise RuntimeError("boom")

    app = LobbyAdmission(broken, slots=1)
    for _ in range(3):
        with pytest.raises(RuntimeError):
            await app({"type": "http", "path": "/lobby/x/"}, _noop, _noop)
    assert not app._semaphore().locked()


def test_the_slots_default_to_all_threads_but_three(monkeypatch):
    monkeypatch.delenv("LOBBY_HTTP_SLOTS", raising=False)
    assert default_slots(10) == 7 and default_slots(3) == 2
    monkeypatch.setenv("LOBBY_HTTP_SLOTS", "4")
    assert default_slots(10) == 4


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_deployed_application_admits_lobby_requests_through_the_gate():
    """config.asgi puts the gate in front of the WSGI pool; lobby pages and the rest answer through it."""
    from channels.testing import HttpCommunicator

    from config import asgi

    assert isinstance(asgi.http_application, LobbyAdmission)
    assert asgi.http_application.slots == default_slots(asgi.WEB_THREADS)
    for path in ("/lobby/", "/healthz"):
        response = await HttpCommunicator(asgi.application, "GET", path).get_response(timeout=10)
        assert response["status"] == 200, (path, response["status"])
    assert not asgi.http_application._semaphore().locked()
