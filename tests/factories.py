"""Builders used by many tests (plain functions, so tests read like the event they describe)."""
from datetime import timedelta

from django.utils import timezone

from tournaments.models import Tournament
from tournaments.services import registrations, setup, tournaments as tournament_services


def make_tournament(organizer, game, *, open_registration=True, **overrides) -> Tournament:
    now = timezone.now()
    fields = dict(
        name="Weekly Cup", slug=f"weekly-cup-{Tournament.objects.count() + 1}", participation="solo", capacity=8,
        requires_approval=False, registration_opens_at=now - timedelta(days=1), registration_closes_at=now + timedelta(days=1),
        check_in_opens_at=now - timedelta(hours=1), check_in_closes_at=now + timedelta(hours=1),
        starts_at=now + timedelta(days=2),
    )
    fields.update(overrides)
    tournament = setup.create_tournament(actor=organizer, game=game, **fields)
    if open_registration:
        tournament = tournament_services.open_registration(tournament.pk, actor=organizer)
    return tournament


_counter = {"n": 0}


def make_player(name=None):
    _counter["n"] += 1
    n = _counter["n"]
    return setup.create_player(actor=None, display_name=name or f"Player {n}", email=f"p{n}@example.com")


def enter(tournament, n=1, actor=None):
    """Register n fresh players (solo) and return their registrations."""
    return [registrations.register(tournament, player=make_player(), actor=actor) for _ in range(n)]
