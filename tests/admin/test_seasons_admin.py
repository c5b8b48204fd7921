"""Seasons and reports in the Command Center: forms through services, scoping, exports, query counts."""
import csv
import io

import pytest
from django.urls import reverse

from tests.factories import make_player, make_tournament
from tests.services.test_seasons import _played
from tournaments.models import Season, SeasonStanding
from tournaments.services import seasons, setup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _inline_jobs(settings):
    settings.JOBS_INLINE = True


@pytest.fixture
def season(organizer, game):
    t, regs, stage = _played(organizer, game, 4, slug="admin-season-cup")
    s = seasons.create_season(actor=organizer, name="Admin League", game=game, tournament_ids=[t.pk])
    seasons.recompute(s.pk)
    return s


def _client(client, user):
    client.force_login(user)
    return client


def test_organizer_creates_a_season_through_the_form(client, organizer, game, django_capture_on_commit_callbacks):
    t, _regs, _stage = _played(organizer, game, 4, slug="form-cup")
    c = _client(client, organizer)
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(reverse("admin:tournaments_season_add"), {
            "name": "Form League", "slug": "form-league", "game": game.pk, "tournaments": [t.pk], "points_preset": "battle_royale",
            "custom_points": "[]", "best_of": "", "tiebreaks": '["wins"]', "is_public": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    season = Season.objects.get(slug="form-league")
    assert season.organizer == organizer and list(season.tournaments.all()) == [t]
    assert season.points_table == (12, 9, 7, 5, 4, 3, 2, 1)
    # the recompute ran after the commit (embedded mode: in-process)
    assert SeasonStanding.objects.filter(season=season).count() == 4


def test_bad_custom_table_is_a_message_and_nothing_is_saved(client, organizer, game):
    c = _client(client, organizer)
    response = c.post(reverse("admin:tournaments_season_add"), {
        "name": "Broken", "slug": "broken", "game": game.pk, "points_preset": "custom", "custom_points": "[1, 5]",
        "best_of": "", "tiebreaks": "[]", "is_public": "on"}, follow=True)
    assert "must not increase" in response.content.decode()
    assert not Season.objects.filter(slug="broken").exists()


def test_standings_page_shows_table_movement_and_chart(client, organizer, season):
    c = _client(client, organizer)
    response = c.get(reverse("admin_ui:season_standings", args=[season.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="standings-table"' in body and body.count("data-rank=") == 4
    assert "points" in body and "tied" in body  # deciding rule shown
    assert "chart" in body.lower()


def test_recompute_button_posts_and_get_changes_nothing(client, organizer, season):
    c = _client(client, organizer)
    url = reverse("admin_ui:season_recompute", args=[season.pk])
    assert c.get(url).status_code == 405
    response = c.post(url)
    assert response.status_code == 302


def test_foreign_organizer_gets_404_everywhere(client, other_organizer, season):
    c = _client(client, other_organizer)
    assert c.get(reverse("admin_ui:season_standings", args=[season.pk])).status_code == 404
    assert c.post(reverse("admin_ui:season_recompute", args=[season.pk])).status_code == 404
    assert c.get(reverse("admin_ui:season_standings", args=[season.pk]) + "?format=csv").status_code == 404
    change = c.get(reverse("admin:tournaments_season_change", args=[season.pk]))
    assert change.status_code in (302, 404)
    changelist = c.get(reverse("admin:tournaments_season_changelist"))
    assert "Admin League" not in changelist.content.decode()
    tournament = season.tournaments.get()
    assert c.get(reverse("admin_ui:tournament_report", args=[tournament.pk])).status_code == 404
    assert "admin-season-cup" not in c.get(reverse("admin_ui:organizer_report") + "?format=csv").content.decode()


def test_staff_of_an_included_tournament_sees_the_season_read_only(client, organizer, other_organizer, season):
    from tournaments.models import TournamentStaff

    tournament = season.tournaments.get()
    TournamentStaff.objects.create(tournament=tournament, user=other_organizer, role="moderator")
    c = _client(client, other_organizer)
    body = c.get(reverse("admin_ui:season_standings", args=[season.pk])).content.decode()
    assert "Recompute now" not in body
    assert c.post(reverse("admin_ui:season_recompute", args=[season.pk]), follow=True).status_code == 200
    assert Season.objects.get(pk=season.pk).revision == 1  # refused with a message


def test_standings_export_csv_and_xlsx(client, organizer, season):
    c = _client(client, organizer)
    response = c.get(reverse("admin_ui:season_standings", args=[season.pk]) + "?kind=player&format=csv")
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Rank", "Previous rank", "Name", "Points"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3", "3"] and rows[1][3] == "25"
    xlsx = c.get(reverse("admin_ui:season_standings", args=[season.pk]) + "?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_names_are_escaped_and_formulas_neutralised(client, organizer, game):
    t = make_tournament(organizer, game, capacity=2, slug="evil-cup", format="single_elimination")
    from tournaments.services import brackets, matches, registrations
    from tournaments.services import tournaments as ts

    evil = setup.create_player(actor=None, display_name="<script>alert(1)</script>", email="evil@example.com")
    formula = setup.create_player(actor=None, display_name="=HYPERLINK(1)", email="f@example.com")
    for p in (evil, formula):
        registrations.register(t, player=p)
    ts.close_registration(t.pk, actor=organizer)
    stage = brackets.generate(t.pk, actor=organizer)
    m = stage.matches.get()
    matches.override_score(m.pk, actor=organizer, score_a=1, score_b=0, reason="sim")
    s = seasons.create_season(actor=organizer, name="Evil", game=game, tournament_ids=[t.pk])
    seasons.recompute(s.pk)
    c = _client(client, organizer)
    body = c.get(reverse("admin_ui:season_standings", args=[s.pk])).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    exported = c.get(reverse("admin_ui:season_standings", args=[s.pk]) + "?format=csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in exported


def test_standings_page_query_count_is_constant(client, organizer, game, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small, _r, _s = _played(organizer, game, 2, slug="qc-small")
    big, _r2, _s2 = _played(organizer, game, 8, slug="qc-big")
    s_small = seasons.create_season(actor=organizer, name="Small", game=game, tournament_ids=[small.pk])
    s_big = seasons.create_season(actor=organizer, name="Big", game=game, tournament_ids=[big.pk])
    for s in (s_small, s_big):
        seasons.recompute(s.pk)
    c = _client(client, organizer)
    counts = []
    for s in (s_small, s_big):
        c.get(reverse("admin_ui:season_standings", args=[s.pk]))  # warm caches (session, content types)
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("admin_ui:season_standings", args=[s.pk])).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
    counts = []
    for n in (1, 4):
        c.get(reverse("admin:tournaments_season_changelist"))
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("admin:tournaments_season_changelist")).status_code == 200
        counts.append(len(ctx))
        for i in range(3):
            seasons.create_season(actor=organizer, name=f"Extra {n}-{i}", game=game, tournament_ids=[small.pk])
    assert counts[0] == counts[1]


def test_reports_pages_charts_csv_and_constant_queries(client, organizer, game, season):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tournament = season.tournaments.get()
    c = _client(client, organizer)
    page = c.get(reverse("admin_ui:tournament_report", args=[tournament.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "Registrations funnel" in body and 'data-testid="report-table"' in body
    cc = c.get(reverse("admin_ui:tournament_command_center", args=[tournament.pk])).content.decode()
    assert reverse("admin_ui:tournament_report", args=[tournament.pk]) in cc
    response = c.get(reverse("admin_ui:tournament_report", args=[tournament.pk]) + "?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:7] == ["Tournament", "Status", "Registered", "Paid", "Confirmed", "Checked in", "Played"]
    assert rows[1][0] == tournament.name and rows[1][2:7] == ["4", "4", "4", "0", "4"] and rows[2][0] == "TOTAL"
    counts = []
    for extra in (0, 3):
        for i in range(extra):
            make_tournament(organizer, game, slug=f"report-extra-{i}")
        c.get(reverse("admin_ui:organizer_report"))
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("admin_ui:organizer_report")).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_all_time_page(client, organizer, game, season):
    c = _client(client, organizer)
    response = c.get(reverse("admin_ui:game_all_time", args=[game.pk]))
    assert response.status_code == 200 and response.content.decode().count("<tr class=\"border-t") == 4
    assert make_player  # factory import kept for readers extending the test


def test_reports_need_the_manage_capability(client, organizer, moderator, season):
    from tournaments.models import TournamentStaff

    tournament = season.tournaments.get()
    TournamentStaff.objects.create(tournament=tournament, user=moderator, role="moderator")
    c = _client(client, moderator)
    assert c.get(reverse("admin_ui:tournament_report", args=[tournament.pk])).status_code == 404
    assert tournament.name not in c.get(reverse("admin_ui:organizer_report")).content.decode()
    page = c.get(reverse("admin_ui:tournament_command_center", args=[tournament.pk])).content.decode()
    assert 'data-testid="report-link"' not in page
