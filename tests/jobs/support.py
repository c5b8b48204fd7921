"""Helpers shared by the job tests (plain functions)."""
from decimal import Decimal

from django.conf import settings

from tests.factories import enter, make_player, make_tournament
from tournaments.models import Placement
from tournaments.services import registrations, setup, tournaments as tournament_services

SERVICES_TIER = bool(settings.REDIS_URL) and settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def drain(queues=("default", "payouts", "certificates", "notifications")):
    """Services tier: run every queued job with an in-process worker (embedded jobs already ran)."""
    if settings.JOBS_INLINE:
        return
    import django_rq
    from rq import SimpleWorker

    connection = django_rq.get_connection("default")
    worker = SimpleWorker([django_rq.get_queue(q) for q in queues], connection=connection)
    worker.work(burst=True, with_scheduler=False)


def complete_with_placements(organizer, tournament, ranks):
    """Take an open tournament to *completed* with the given placements [(registration, rank)]."""
    tournament = tournament_services.start(tournament.pk, actor=organizer)
    for registration, rank in ranks:
        Placement.objects.create(tournament=tournament, registration=registration, rank=rank, decided_by="test")
    return tournament_services.complete(tournament.pk, actor=organizer)


def solo_event(organizer, game, n=4, ranks=None, **overrides):
    fields = dict(prize_pool=Decimal("10000"), prize_distribution={"1": 50, "2": 30, "3": 20}, capacity=max(8, n))
    fields.update(overrides)
    tournament = make_tournament(organizer, game, **fields)
    regs = enter(tournament, n)
    ranks = ranks or list(range(1, n + 1))
    tournament = complete_with_placements(organizer, tournament, list(zip(regs, ranks)))
    return tournament, regs


_team_n = {"n": 0}


def team_event(organizer, team_game, n_teams=2, roster=3, **overrides):
    fields = dict(participation="team", prize_pool=Decimal("1000"), prize_distribution={"1": 70, "2": 30}, capacity=8)
    fields.update(overrides)
    tournament = make_tournament(organizer, team_game, **fields)
    regs, teams = [], []
    for i in range(n_teams):
        _team_n["n"] += 1
        captain = make_player(f"Captain {_team_n['n']}")
        players = [make_player() for _ in range(roster - 1)]
        sub = make_player()
        team = setup.create_team(actor=None, game=team_game, name=f"Team {_team_n['n']}", tag=f"T{_team_n['n']}", captain=captain,
                                 players=players, substitutes=[sub])
        teams.append(team)
        regs.append(registrations.register(tournament, team=team, actor=organizer))
    tournament = complete_with_placements(organizer, tournament, [(r, i + 1) for i, r in enumerate(regs)])
    return tournament, regs, teams

