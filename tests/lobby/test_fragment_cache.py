"""Lobby pages at event scale (issue 10, load): the roster comes a page at a time, the bracket on
demand, and both are rendered once per version of their data (``tournaments.lobby.fragment_cache``).
Asserted here: the queries do not grow with the entrants (10 vs 1,000), a change shows up on the
next fetch, and a cached fragment never carries anything of the participant it was rendered for."""
import re

import pytest
from django.test import Client

from tests.factories import enter, make_tournament
from tests.support.queries import query_count
from tournaments.imports.engine import import_file
from tournaments.lobby import fragment_cache
from tournaments.lobby.selectors import ROSTER_PAGE_SIZE
from tournaments.models import Match, Registration
from tournaments.services import brackets, checkin, matches, tournaments as tournament_services

from .conftest import join

pytestmark = pytest.mark.django_db
FRAGMENTS = ("header", "roster", "announcements", "my-match", "bracket", "notifications", "season")


def _import(tournament, organizer, n, prefix):
    lines = ["display_name,email"] + [f"{prefix} {i},{prefix.lower().replace(' ', '')}{i}@example.com" for i in range(n)]
    report = import_file(tournament, "registrations", "entrants.csv", "\n".join(lines).encode(), actor=organizer)
    assert report.ok, report.error_texts()[:3]


def _live_swiss(organizer, game, n, slug):
    """A live Swiss event of ``n`` confirmed entrants (bulk import), round 1 paired, one result in."""
    t = make_tournament(organizer, game, name=f"Swiss {n}", slug=slug, capacity=n + 10, format="swiss")
    _import(t, organizer, n, f"Entrant {slug}")
    tournament_services.close_registration(t.pk, actor=organizer)
    tournament_services.start(t.pk, actor=organizer)
    brackets.generate(t.pk, actor=organizer)
    first = Match.objects.filter(tournament=t).order_by("id").first()
    matches.override_score(first.pk, actor=organizer, score_a=1, score_b=0, reason="test")
    regs = list(Registration.objects.filter(tournament=t).order_by("pk"))
    checkin.check_in(regs[-1].pk, actor=organizer, override=True)
    return t, regs


def test_page_and_fragments_cost_the_same_queries_for_10_and_1000_entrants(organizer, game):
    small, small_regs = _live_swiss(organizer, game, 10, "swiss-small")
    big, big_regs = _live_swiss(organizer, game, 1000, "swiss-big")
    small_client, big_client = Client(), Client()
    join(small_client, small_regs[-1])
    join(big_client, big_regs[-1])
    for warmth in ("cold", "warm"):
        if warmth == "cold":
            fragment_cache.forget_all()
        for name in FRAGMENTS:
            few = query_count(small_client, f"/lobby/{small.slug}/fragments/{name}/")
            many = query_count(big_client, f"/lobby/{big.slug}/fragments/{name}/")
            assert few == many, (warmth, name, few, many)
            assert many <= 8, (warmth, name, many)
        fragment_cache.forget_all() if warmth == "cold" else None
        few = query_count(small_client, f"/lobby/{small.slug}/")
        many = query_count(big_client, f"/lobby/{big.slug}/")
        assert few == many, (warmth, "page", few, many)
    # The page holds one roster page, not the event: 1,000 entrants, 50 rows.
    html = big_client.get(f"/lobby/{big.slug}/").content.decode()
    assert html.count("data-registration=") == ROSTER_PAGE_SIZE
    assert "Entrants 1–50 of 1000" in html and 'data-match="' not in html  # the bracket is on demand


def test_a_warm_fragment_skips_the_renderingquery_count(joined):
    t, match, a, b, ca, cb = joined
    url = f"/lobby/{t.slug}/fragments/bracket/"
    fragment_cache.forget_all()
    cold = query_count(ca, url)
    warm = query_count(cb, url)  # another participant: served from the cache
    assert warm < cold, (cold, warm)


def test_roster_pages(organizer, game):
    t = make_tournament(organizer, game, slug="paged", capacity=200)
    _import(t, organizer, 120, "Paged")
    client = Client()

    def names(response):
        return re.findall(r'<span class="name">([^<]+)</span>', response.content.decode())

    first = names(client.get(f"/lobby/{t.slug}/fragments/roster/"))
    third = names(client.get(f"/lobby/{t.slug}/fragments/roster/?page=3"))
    assert len(first) == ROSTER_PAGE_SIZE and len(third) == 120 - 2 * ROSTER_PAGE_SIZE
    assert not set(first) & set(third)
    # A typed or stale page number never errors: past the end is the last page, garbage is page 1.
    assert names(client.get(f"/lobby/{t.slug}/fragments/roster/?page=999999999")) == third
    assert names(client.get(f"/lobby/{t.slug}/fragments/roster/?page=abc")) == first
    assert names(client.get(f"/lobby/{t.slug}/fragments/roster/?page=-2")) == first
    # Without JavaScript the page itself pages the roster (?roster=N).
    page = client.get(f"/lobby/{t.slug}/?roster=2").content.decode()
    assert 'href="?roster=1#roster"' in page and 'href="?roster=3#roster"' in page
    assert "Entrants 51–100 of 120" in page


def test_a_check_in_and_a_result_show_on_the_next_fetch(joined, organizer):
    t, match, a, b, ca, cb = joined
    roster_url, bracket_url = f"/lobby/{t.slug}/fragments/roster/", f"/lobby/{t.slug}/fragments/bracket/"
    assert 'data-checked-in="1"' not in ca.get(roster_url).content.decode()
    assert "3–1" not in cb.get(bracket_url).content.decode()  # both now cached
    checkin.check_in(a.pk, actor=organizer, override=True)
    matches.override_score(match.pk, actor=organizer, score_a=3, score_b=1, reason="test")
    assert f'data-registration="{a.pk}" data-checked-in="1"' in cb.get(roster_url).content.decode()
    assert "3–1" in ca.get(bracket_url).content.decode()
    assert "3–1" in Client().get(f"/lobby/{t.slug}/bracket/").content.decode()


def test_a_change_that_publishes_no_event_still_shows(joined):
    """An edit outside the services' events (e.g. a player renamed in the admin) changes the data
    stamp of the cached roster and bracket."""
    t, match, a, b, ca, cb = joined
    roster_url, bracket_url = f"/lobby/{t.slug}/fragments/roster/", f"/lobby/{t.slug}/fragments/bracket/"
    assert a.display_name in ca.get(roster_url).content.decode()
    assert a.display_name in ca.get(bracket_url).content.decode()
    a.player.display_name = "Renamed Ace"
    a.player.save(update_fields=["display_name", "updated_at"])
    assert "Renamed Ace" in cb.get(roster_url).content.decode()
    assert "Renamed Ace" in cb.get(bracket_url).content.decode()


def test_cached_fragments_carry_nothing_of_a_participant(joined):
    t, match, a, b, ca, cb = joined
    for name in ("roster", "bracket"):
        url = f"/lobby/{t.slug}/fragments/{name}/"
        fragment_cache.forget_all()
        as_a = ca.get(url).content  # rendered for a, then cached
        as_b, as_spectator = cb.get(url).content, Client().get(url).content
        assert as_a == as_b == as_spectator, name
        html = as_a.decode()
        assert "mine" not in html and "csrfmiddlewaretoken" not in html and "You are" not in html, name
    # Each participant's own row is marked in their browser, from their page's config only.
    page_a, page_b = ca.get(f"/lobby/{t.slug}/"), cb.get(f"/lobby/{t.slug}/")
    assert page_a.context["config"]["me"] == a.pk and page_b.context["config"]["me"] == b.pk
    assert Client().get(f"/lobby/{t.slug}/").context["config"]["me"] is None


def test_cached_fragments_stay_escaped(organizer, game):
    t = make_tournament(organizer, game, slug="escaped", capacity=8)
    reg = enter(t, 1)[0]
    reg.player.display_name = '<script>alert("x")</script>'
    reg.player.save(update_fields=["display_name", "updated_at"])
    client = Client()
    for _ in range(2):  # rendered, then from the cache
        for url in (f"/lobby/{t.slug}/fragments/roster/", f"/lobby/{t.slug}/"):
            html = client.get(url).content.decode()
            assert "<script>alert" not in html and "&lt;script&gt;alert" in html, url


def test_the_bracket_page(joined):
    t, match, a, b, ca, cb = joined
    response = Client().get(f"/lobby/{t.slug}/bracket/")
    assert response.status_code == 200 and "M1" in response.content.decode()
    assert "Content-Security-Policy" in response
    assert Client().get("/lobby/no-such-event/bracket/").status_code == 404
