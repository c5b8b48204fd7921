"""The read-only season table in a tournament's lobby: public, escaped, fixed queries."""
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.services.test_seasons import _played
from tournaments.services import seasons, setup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _inline_jobs(settings):
    settings.JOBS_INLINE = True


def test_lobby_shows_the_season_table_escaped(organizer, game):
    t, regs, stage = _played(organizer, game, 4, slug="lobby-season-cup")
    first = regs[0].player
    setup_name = "<img src=x onerror=alert(1)>"
    from tournaments.services import records

    first.display_name = setup_name
    records.edit_details(first, actor=None, fields=["display_name"])
    s = seasons.create_season(actor=organizer, name="Lobby <League>", game=game, tournament_ids=[t.pk])
    seasons.recompute(s.pk)
    client = Client()
    page = client.get(f"/lobby/{t.slug}/").content.decode()
    assert "Season standings" in page and "Lobby &lt;League&gt;" in page
    fragment = client.get(f"/lobby/{t.slug}/fragments/season/")
    body = fragment.content.decode()
    assert fragment.status_code == 200 and body.count("<tr") == 5  # header + 4 entrants
    assert setup_name not in body and "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "@example.com" not in body


def test_season_fragment_queries_do_not_grow_and_private_seasons_stay_hidden(organizer, game):
    small, _r, _s = _played(organizer, game, 2, slug="lobby-small")
    big, _r2, _s2 = _played(organizer, game, 8, slug="lobby-big")
    for t in (small, big):
        seasons.recompute(seasons.create_season(actor=organizer, name=f"S {t.slug}", game=game, tournament_ids=[t.pk]).pk)
    client = Client()
    counts = []
    for t in (small, big):
        client.get(f"/lobby/{t.slug}/fragments/season/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/lobby/{t.slug}/fragments/season/").status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
    hidden = seasons.create_season(actor=organizer, name="Secret Season", game=game, tournament_ids=[small.pk], is_public=False)
    seasons.recompute(hidden.pk)
    assert "Secret Season" not in client.get(f"/lobby/{small.slug}/fragments/season/").content.decode()
    assert setup  # factories module used by the fixtures above


def test_a_tournament_in_no_public_season_costs_the_page_no_season_query(organizer, game):
    """The page and the season fragment learn with the tournament itself whether it is in a public
    season; in none (most tournaments), no season query runs. Made public later, the table shows."""
    t, _regs, _stage = _played(organizer, game, 2, slug="lobby-no-season")
    hidden = seasons.create_season(actor=organizer, name="Quiet League", game=game, tournament_ids=[t.pk], is_public=False)
    seasons.recompute(hidden.pk)
    client = Client()
    for url in (f"/lobby/{t.slug}/", f"/lobby/{t.slug}/fragments/season/"):
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        season_queries = [q["sql"] for q in ctx.captured_queries if "tournaments_season" in q["sql"]]
        assert len(season_queries) == 1 and "EXISTS" in season_queries[0].upper(), season_queries  # only the flag
        assert "Quiet League" not in client.get(url).content.decode()
    seasons.update_season(hidden.pk, actor=organizer, changes={"is_public": True})
    assert "Quiet League" in client.get(f"/lobby/{t.slug}/").content.decode()
