"""The participant lobby in a real browser, served by a real web process (uvicorn, as deployed; HTTP + WebSocket).

The server runs in its own process (tests/support/liveserver.py, the equivalent of channels'
ChannelsLiveServerTestCase) on the file-based SQLite test database (``make test-browser`` sets
SQLITE_TEST_NAME), and the Redis channel layer carries events from this test process to it, so these
tests need Redis (TEST_REDIS_URL / BROWSER_REDIS_URL); they skip with the reason when it is missing.
Service calls run in a helper thread: Playwright's sync API keeps an event loop in the main thread.
"""
import json
import os
import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import enter, make_tournament
from tests.support.liveserver import channel_layers, web_servers, redis_reachable, shared_database_url
from tournaments.roles import ORGANIZERS, ensure_role_groups
from tournaments.services import announcements, lobby_access, matches, setup, tournaments as tournament_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REDIS_URL = os.environ.get("BROWSER_REDIS_URL") or os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"
NODE_DIR = Path(__file__).resolve().parent
AXE = NODE_DIR / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 375, "height": 812}
WAIT = 15_000  # ms: generous for a busy 2-CPU machine; every wait is bounded


def in_thread(fn, *args, **kwargs):
    """Run ORM/service code outside Playwright's event loop (events then go out via async_to_sync)."""
    result = {}

    def run():
        from django.db import connection

        try:
            result["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # re-raised in the test
            result["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    if thread.is_alive():
        raise TimeoutError(f"{fn} did not finish in 60 s")
    if "error" in result:
        raise result["error"]
    return result.get("value")


@pytest.fixture
def lobby_server(transactional_db, settings, tmp_path):
    reason = redis_reachable(REDIS_URL)
    if reason:
        pytest.skip(f"lobby browser tests need Redis at {REDIS_URL} (channel layer between processes): {reason}")
    try:
        database_url = shared_database_url()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter("*lobby-rl:*"):  # rate-limit windows of an earlier run (ids restart at 1)
        client.delete(key)
    settings.CHANNEL_LAYERS = channel_layers(REDIS_URL)
    with web_servers(1, database_url=database_url, redis_url=REDIS_URL, log_dir=tmp_path) as (server,):
        yield server


def _scenario(*, live_match=False):
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    user = User.objects.create_user("olga", "olga@example.com", is_staff=True)
    # The server process keeps Django's default hashers (the test settings use MD5 for speed).
    user.password = PBKDF2PasswordHasher().encode("olga-pass-123", PBKDF2PasswordHasher().salt())
    user.save(update_fields=["password"])
    user.groups.add(ensure_role_groups()[ORGANIZERS])
    t = make_tournament(user, game(), name="Lobby Browser Cup", slug="lobby-browser-cup", capacity=8)
    a, b, c, d = enter(t, 4)
    tournament_services.close_registration(t.pk, actor=user)
    tournament_services.start(t.pk, actor=user)
    match = setup.create_match(t.pk, actor=user, key="M1", slot_a=a, slot_b=b, best_of=3,
                               scheduled_at=timezone.now() + timedelta(minutes=40))
    matches.set_lobby_info(match.pk, actor=user, lobby_code="ROOM-42", lobby_server="Singapore",
                           stream_url="https://example.com/stream")
    if live_match:
        matches.start(match.pk, actor=user)
    announcements.post(t.pk, actor=user, title="Welcome to the lobby", body="Check in before the start.", pinned=True)
    return {"t": t.pk, "slug": t.slug, "match": match.pk, "a": a.pk, "b": b.pk, "name_a": a.display_name,
            "name_b": b.display_name, "token_a": lobby_access.issue_link(a.pk, actor=None),
            "token_b": lobby_access.issue_link(b.pk, actor=None), "organizer": user.pk}


def game():
    from tournaments.models import Game

    return Game.objects.get_or_create(slug="efootball", defaults=dict(
        name="eFootball", team_size=1, max_substitutes=0, id_format="konami_id", result_type="map_score"))[0]


def open_lobby(browser, server, token, **context_args):
    context = browser.new_context(viewport=PHONE, **context_args)
    page = context.new_page()
    page.goto(f"{server.url}{lobby_access.join_path(token)}")
    expect(page.locator("h1")).to_be_visible()
    assert "/lobby/join/" not in page.url  # the token does not stay in the address bar
    expect(page.locator("html")).to_have_attribute("data-lobby-connection", "live", timeout=WAIT)
    return context, page


def test_two_participants_see_each_other_live(browser, lobby_server, shot):
    data = in_thread(_scenario)
    slug = data["slug"]
    ctx_a, page_a = open_lobby(browser, lobby_server, data["token_a"])
    ctx_b, page_b = open_lobby(browser, lobby_server, data["token_b"])
    try:
        page_b.evaluate("window.__sameDocument = true")
        fetched_by_b = []
        page_b.on("request", lambda r: fetched_by_b.append(r.url.split("/fragments/")[1]) if "/fragments/" in r.url else None)

        # a checks in; b's roster updates without a reload
        page_a.get_by_role("button", name="Check in").click()
        expect(page_a.get_by_text("You are checked in.")).to_be_visible()
        expect(page_b.locator(f'[data-registration="{data["a"]}"]')).to_have_attribute("data-checked-in", "1", timeout=WAIT)

        # an organizer posts an announcement (through the service): both lobbies show it
        in_thread(announcements.post, data["t"], actor=User.objects.get(pk=data["organizer"]),
                  title="Bring your own headset", body="Round 1 starts soon.")
        for page in (page_a, page_b):
            expect(page.locator('[data-fragment="announcements"]')).to_contain_text("Bring your own headset", timeout=WAIT)
        # both came with their events (pushed HTML): b fetched nothing; a's check-in is not b's business
        assert fetched_by_b == [], fetched_by_b

        # a reports 2–1; b is offered to confirm it without reloading; the admin queue lists it
        page_a.get_by_label(f'{data["name_a"]} score').fill("2")
        page_a.get_by_label(f'{data["name_b"]} score').fill("1")
        page_a.get_by_label("Evidence link (optional)").fill("https://example.com/result.png")
        page_a.get_by_role("button", name="Submit result").click()
        expect(page_a.get_by_text("Result reported.")).to_be_visible()
        expect(page_b.get_by_role("button", name="Confirm 2–1")).to_be_visible(timeout=WAIT)
        assert any(url.startswith("my-match/") for url in fetched_by_b)  # b's own match: fetched, it concerns b
        assert page_b.evaluate("window.__sameDocument") is True  # all of the above arrived live

        page_a.reload()
        expect(page_a.locator("html")).to_have_attribute("data-lobby-connection", "live", timeout=WAIT)
        assert page_a.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
        shot(page_a, "lobby-375x812", full_page=False)
        shot(page_a, "lobby-375-full-page")

        ctx_o = browser.new_context()
        page_o = ctx_o.new_page()
        page_o.goto(f"{lobby_server.url}/admin/login/")
        page_o.fill("#id_username", "olga")
        page_o.fill("#id_password", "olga-pass-123")
        page_o.click("button[type=submit]")
        page_o.wait_for_url(f"{lobby_server.url}/admin/")
        expect(page_o.get_by_text(f'M1: {data["name_a"]} vs {data["name_b"]}').first).to_be_visible()
        ctx_o.close()
    finally:
        ctx_a.close()
        ctx_b.close()


def _axe_available() -> str | None:
    if AXE.exists():
        return None
    try:
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True, timeout=180,
                       capture_output=True)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"axe-core is not installed and `npm ci` failed in {NODE_DIR}: {exc}"
    return None if AXE.exists() else "axe-core missing after npm ci"


def _serious_violations(page) -> list:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_lobby_is_accessible_and_every_action_is_reachable_by_keyboard(browser, lobby_server):
    reason = _axe_available()
    if reason:
        pytest.skip(reason)
    data = in_thread(_scenario, live_match=True)
    # Playwright injects axe as an inline script, which the lobby's CSP forbids: bypass it for the audit only.
    ctx, page = open_lobby(browser, lobby_server, data["token_a"], bypass_csp=True)
    try:
        bad = _serious_violations(page)
        assert not bad, json.dumps(bad, indent=1)

        expected = set(page.eval_on_selector_all("[data-action]", "els => els.map(e => e.dataset.action)"))
        assert {"check-in", "report", "dispute-open", "dispute", "forfeit-open", "forfeit", "read-notifications",
                "leave"} <= expected
        reached = set()
        page.locator("body").focus()
        for _ in range(400):
            page.keyboard.press("Tab")
            info = page.evaluate("""() => { const e = document.activeElement;
                return {action: (e && e.dataset && e.dataset.action) || null, tag: e ? e.tagName : null,
                        open: e && e.tagName === 'SUMMARY' ? e.parentElement.open : null}; }""")
            if info["action"]:
                reached.add(info["action"])
            if info["tag"] == "SUMMARY" and not info["open"]:
                page.keyboard.press("Enter")  # open the disclosure; its form comes next in tab order
            if expected <= reached:
                break
        assert expected <= reached, f"not reachable by Tab: {sorted(expected - reached)}"

        spectator = ctx.browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
        spectator.goto(f"{lobby_server.url}/lobby/{data['slug']}/")
        bad = _serious_violations(spectator)
        assert not bad, json.dumps(bad, indent=1)
        spectator.context.close()
    finally:
        ctx.close()
