"""Seasons and reports by real clicks: sidebar → season standings (table, charts, recompute) and the
tournament's Command Center → Report (charts, CSV link)."""
import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.brackets_db.test_generation_progression import play_all
from tests.factories import enter, make_tournament
from tournaments.roles import ORGANIZERS, ensure_role_groups
from tournaments.services import brackets, seasons
from tournaments.services import tournaments as tournament_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sara(db):
    user = User.objects.create_user("sara", "sara@example.com", "sara-pass-123", is_staff=True)
    user.groups.add(ensure_role_groups()[ORGANIZERS])
    return user


def test_standings_and_report_pages(page, live_server, login, shot, sara, game):
    t = make_tournament(sara, game, slug="browser-season-cup", capacity=4, format="single_elimination")
    enter(t, 4)
    tournament_services.close_registration(t.pk, actor=sara)
    stage = brackets.generate(t.pk, actor=sara)
    tournament_services.start(t.pk, actor=sara)
    play_all(stage, sara)
    season = seasons.create_season(actor=sara, name="Browser League", game=game, tournament_ids=[t.pk])
    seasons.recompute(season.pk)

    login(page, "sara", "sara-pass-123")
    page.get_by_role("link", name="Seasons & leaderboards").first.click()
    page.get_by_role("link", name="Open standings").first.click()
    table = page.locator('[data-testid="standings-table"]')
    expect(table.locator("tr[data-rank]")).to_have_count(4)
    expect(page.locator("canvas")).to_have_count(2)
    shot(page, "season-standings")
    page.get_by_role("button", name="Recompute now").click()
    expect(page.get_by_text("Standings recomputed.")).to_be_visible()

    page.goto(f"{live_server.url}/admin/command-center/{t.pk}/")
    page.locator('[data-testid="report-link"]').click()
    expect(page.locator('[data-testid="report-table"]')).to_be_visible()
    expect(page.locator("canvas").first).to_be_visible()
    shot(page, "tournament-report")
