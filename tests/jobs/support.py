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



# ---- a payout worker killed half-way (tests/jobs/test_payout_worker_kill.py, tests/ops/test_worker_killed.py)
PAYOUT_RECIPIENTS = 10


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def payout_worker(delay: float):
    """A real ``rqworker payouts --burst`` subprocess on the test database; ``delay`` seconds between
    recipients (the ``PAYOUT_TEST_DELAY`` hook, only in this worker) so it can be killed midway."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL,
           "PAYOUT_TEST_DELAY": str(delay), "PAYOUT_BATCH_SIZE": "1", "LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "manage.py", "rqworker", "payouts", "--burst", "--worker-class",
                             "rq.worker.SimpleWorker"], cwd=Path(__file__).resolve().parents[2], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def paid_count() -> int:
    from tournaments.models import Payout

    return Payout.objects.filter(status=Payout.Status.PAID).count()


def kill_payout_worker_halfway() -> int:
    """Start a slow payout worker on the queued run, SIGKILL it after at least 3 payouts; returns how
    many were paid (asserted to be part of the run, not all of it)."""
    import os
    import signal
    import time

    worker = payout_worker(delay=0.4)
    deadline = time.monotonic() + 60
    while paid_count() < 3 and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    killed_at = paid_count()
    assert 3 <= killed_at < PAYOUT_RECIPIENTS, f"the worker should die midway (paid {killed_at} of {PAYOUT_RECIPIENTS})"
    return killed_at


def finish_with_a_fresh_payout_worker():
    again = payout_worker(delay=0)
    _out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err.decode()[-2000:]
