"""The demo seed: built through the services, idempotent, and showing every stage of an event.

Seeding takes about a second, so the checks share two seeded databases instead of one per assertion.
"""
import pytest

from tournaments.demo import GAMES, seed_demo
from tournaments.models import (
    AuditLog, CustomField, Dispute, Game, Match, Payment, PromoCode, Registration, Tournament, TournamentTemplate,
)

pytestmark = pytest.mark.django_db
MODELS = (Tournament, Registration, Match, Payment, AuditLog, Game, Dispute, CustomField, PromoCode, TournamentTemplate)


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_second_run_creates_nothing():
    summary = seed_demo()
    first = counts()
    assert all(first[name] > 0 for name in ("Tournament", "Registration", "Match", "Payment", "AuditLog"))
    again = seed_demo()
    assert counts() == first
    assert again == summary


def test_what_the_demo_contains():
    summary = seed_demo()
    assert summary["tournaments"] == 5 and summary["users"] == 5

    # nine games, battle-royale ones with their points table
    assert Game.objects.count() == 9
    assert set(Game.objects.values_list("slug", flat=True)) == {g[1] for g in GAMES}
    free_fire = Game.objects.get(slug="free-fire")
    assert free_fire.is_battle_royale and free_fire.br_points_table == [12, 9, 7, 5, 4, 3, 2, 1]

    # one tournament at each stage
    assert dict(Tournament.objects.values_list("slug", "status")) == {
        "dhaka-valorant-cup": Tournament.Status.REGISTRATION_OPEN,
        "efootball-weekly-42": Tournament.Status.LIVE,
        "pubg-mobile-showdown": Tournament.Status.COMPLETED,
        "cs2-autumn-open": Tournament.Status.DRAFT,
        "fc26-friday-cup": Tournament.Status.REGISTRATION_OPEN,
    }

    # the live one has a result waiting for confirmation and a disputed match
    live = Tournament.objects.get(status=Tournament.Status.LIVE)
    statuses = list(Match.objects.filter(tournament=live).values_list("status", flat=True))
    assert statuses.count(Match.Status.PENDING_RESULT) == 1 and statuses.count(Match.Status.DISPUTED) == 1
    assert Match.Status.COMPLETED in statuses
    disputed = Match.objects.get(tournament=live, status=Match.Status.DISPUTED)
    dispute = Dispute.objects.get(match=disputed)
    assert dispute.status == Dispute.Status.OPEN and dispute.reason == Dispute.Reason.SCORE_MISMATCH

    # the paid one has verified and waiting payments
    cup = Tournament.objects.get(slug="dhaka-valorant-cup")
    payment_statuses = list(Payment.objects.filter(registration__tournament=cup).values_list("status", flat=True))
    assert payment_statuses.count(Payment.Status.VERIFIED) == 3 and payment_statuses.count(Payment.Status.SUBMITTED) == 4
    assert Registration.objects.filter(tournament=cup, status=Registration.Status.CONFIRMED).count() == 3

    # and everything went through the services, so the audit trail is there
    assert AuditLog.objects.filter(action="tournament.create").count() == 5

    # a full event with an ordered waitlist (one entrant moved to the front by hand) and a shared template
    friday = Tournament.objects.get(slug="fc26-friday-cup")
    assert Registration.objects.filter(tournament=friday, status=Registration.Status.CONFIRMED).count() == 8
    waiting = list(Registration.objects.filter(tournament=friday, status=Registration.Status.WAITLISTED)
                   .order_by("waitlist_position").values_list("waitlist_position", "pk"))
    assert [position for position, _pk in waiting] == [1, 2, 3] and waiting[0][1] > waiting[1][1]
    template = TournamentTemplate.objects.get()
    assert template.shared and template.owner.username == "alice" and template.source == cup
    assert AuditLog.objects.filter(action="payment.verify", actor__username="alice").count() == 3
    assert AuditLog.objects.filter(action="tournament.complete", tournament__slug="pubg-mobile-showdown").count() == 1


def test_open_tournament_has_sign_up_questions_and_a_promo_code():
    seed_demo()
    cup = Tournament.objects.get(slug="dhaka-valorant-cup")
    assert list(cup.custom_fields.values_list("kind", flat=True)) == ["text", "dropdown", "dropdown", "url", "toggle"]
    code = PromoCode.objects.get(code="EARLYBIRD")
    assert code.tournament == cup and code.max_uses == 50 and code.uses == 0


def test_demo_season_counts_the_completed_event():
    from tournaments.models import Season, SeasonStanding

    seed_demo()
    seed_demo()  # idempotent
    season = Season.objects.get(slug="pubg-mobile-circuit")
    assert Season.objects.count() == 1 and season.organizer.username == "bob"
    ranks = list(SeasonStanding.objects.filter(season=season, kind="player").order_by("rank").values_list("rank", "points"))
    assert ranks[0] == (1, 12) and ranks[1] == (2, 9) and len(ranks) == 4
