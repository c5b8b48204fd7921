"""Scaled shape: two web processes (uvicorn, as deployed) behind one Redis channel layer. A participant checks in through
process A's HTTP; a spectator connected to process B hears it. Services tier only; bounded in time."""
import asyncio
import http.cookiejar
import json
import re
import time
import urllib.parse
import urllib.request

import pytest
from django.conf import settings

from tests.factories import enter, make_tournament
from tests.support.liveserver import web_servers, shared_database_url
from tournaments.services import lobby_access

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
DEADLINE = 30


def _check_in_over_http(server, token, slug):
    """Open the private link on ``server``, then press "Check in" (a real CSRF-protected POST)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{server.url}{lobby_access.join_path(token)}", timeout=10) as response:
        page = response.read().decode()
        assert response.geturl() == f"{server.url}/lobby/{slug}/"
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf}).encode()
    request = urllib.request.Request(f"{server.url}/lobby/{slug}/check-in/", data=body,
                                     headers={"Origin": server.url, "Referer": f"{server.url}/lobby/{slug}/"})
    with opener.open(request, timeout=10) as response:
        assert "You are checked in." in response.read().decode()


async def _listen_then_act(server_b, server_a, token, slug, registration_id):
    import websockets

    async with websockets.connect(f"{server_b.ws_url}/ws/lobby/{slug}/", origin=server_b.url, open_timeout=10) as ws:
        hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert hello["event"] == "hello" and hello["payload"]["participant"] is None
        started = time.monotonic()
        await asyncio.to_thread(_check_in_over_http, server_a, token, slug)
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
            if frame.get("event") == "roster.updated" and frame["payload"]["registration"] == registration_id:
                return frame, time.monotonic() - started


def test_an_action_on_process_a_reaches_a_client_on_process_b(organizer, game, tmp_path):
    t = make_tournament(organizer, game, name="Two Process Cup", slug="two-process-cup")
    a, _b = enter(t, 2)
    token = lobby_access.issue_link(a.pk, actor=None)
    with web_servers(2, database_url=shared_database_url(), redis_url=settings.REDIS_URL, log_dir=tmp_path) as (A, B):
        frame, _elapsed = asyncio.run(asyncio.wait_for(_listen_then_act(B, A, token, t.slug, a.pk), DEADLINE))
    assert frame["payload"]["checked_in"] is True and frame["payload"]["name"] == a.display_name
    a.refresh_from_db()
    assert a.is_checked_in
