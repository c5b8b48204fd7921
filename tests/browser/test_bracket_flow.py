"""An organizer generates a bracket with real clicks and opens its page."""
import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.factories import enter, make_tournament
from tournaments.models import Stage
from tournaments.roles import ORGANIZERS, ensure_role_groups
from tournaments.services import tournaments as tournament_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def organizer_with_event(game):
    user = User.objects.create_user("olga", "olga@example.com", "olga-pass-123", is_staff=True)
    user.groups.add(ensure_role_groups()[ORGANIZERS])
    t = make_tournament(user, game, name="Browser Cup", slug="browser-cup", capacity=8, format="double_elimination")
    enter(t, 6)
    tournament_services.close_registration(t.pk, actor=user)
    return user, t


def test_generate_bracket_and_open_its_page(page, live_server, login, shot, organizer_with_event):
    user, t = organizer_with_event
    login(page, "olga", "olga-pass-123")
    shot(page, "dashboard")
    page.goto(f"{live_server.url}/admin/command-center/{t.pk}/")
    page.get_by_role("link", name="Bracket", exact=True).click()
    page.get_by_role("link", name="Generate bracket").first.click()
    page.get_by_label("Format").select_option("double_elimination")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_text("Generated 11 matches to play (and 4 byes) for 6 entrants.")).to_be_visible()
    expect(page.locator('[data-key="GF1"]')).to_be_visible()
    stage = Stage.objects.get(tournament=t)
    assert sum(1 for m in stage.matches.all() if not m.is_bye) == 11  # 2n - 1 with the reset
    shot(page, "bracket-double-elimination")
    page.goto(f"{live_server.url}/admin/command-center/{t.pk}/")
    shot(page, "tournament-command-center")


def test_seed_editor_moves_an_entrant_with_the_keyboard(page, live_server, login, organizer_with_event):
    user, t = organizer_with_event
    login(page, "olga", "olga-pass-123")
    page.goto(f"{live_server.url}/admin/command-center/{t.pk}/bracket/seeds/")
    first = page.locator("#seed-list li").nth(0).locator("span.grow").inner_text()
    page.locator("#seed-list li").nth(0).locator(".seed-down").focus()
    page.keyboard.press("Enter")
    assert page.locator("#seed-list li").nth(1).locator("span.grow").inner_text() == first
    page.get_by_role("button", name="Preview round one").click()
    expect(page.locator('[data-testid="seed-preview"]')).to_be_visible()
    page.get_by_role("button", name="Save seeds").click()
    expect(page.get_by_text("Seeds saved.")).to_be_visible()
    assert page.locator("#seed-list li").nth(1).locator("span.grow").inner_text() == first
