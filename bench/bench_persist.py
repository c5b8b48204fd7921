"""Persisting a bracket: a 4,096-entrant double elimination (8,191 matches) through the service,
against the floor of a bare ``bulk_create`` of the same rows (no feeds, no history, no audit).

Runs on a throw-away SQLite file (or on $BENCH_DATABASE_URL, e.g. PostgreSQL). Entrants are inserted
with bulk_create to set the stage; the measured part is ``brackets.generate`` only.
"""
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from django_setup import setup_django  # noqa: E402
SIZES = (1024, 4096)
RUNS = 3


def _event(n, index):
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.utils import timezone

    from tournaments.models import Game, Player, Registration, Tournament

    now = timezone.now()
    user, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True})
    game, _ = Game.objects.get_or_create(slug="bench", defaults=dict(name="Bench", team_size=1, id_format="konami_id",
                                                                    result_type="map_score"))
    t = Tournament(name=f"Bench {n} #{index}", slug=f"bench-{n}-{index}", game=game, organizer=user, participation="solo",
                   capacity=n, registration_opens_at=now - timedelta(days=2), registration_closes_at=now - timedelta(days=1),
                   starts_at=now + timedelta(days=1), status=Tournament.Status.REGISTRATION_CLOSED)
    t.save()
    players = Player.objects.bulk_create([Player(display_name=f"P{i}") for i in range(n)])
    Registration.objects.bulk_create([Registration(tournament=t, player=p, status=Registration.Status.CONFIRMED) for p in players])
    return t, user


def _measure_generate(n, index):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tournaments.services import brackets

    t, user = _event(n, index)
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        stage = brackets.generate(t.pk, actor=user, stage_format="double_elimination")
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, len(ctx.captured_queries), stage.matches.count()


def _measure_floor(n, index):
    from django.db import transaction

    from tournaments.models import Match

    t, _user = _event(n, 1000 + index)
    rows = [Match(tournament=t, key=f"M{i}", round_number=1, position=i) for i in range(2 * n - 1)]
    started = time.perf_counter()
    with transaction.atomic():
        Match.objects.bulk_create(rows, batch_size=1000)
    return (time.perf_counter() - started) * 1000


def main():
    vendor = setup_django()
    from django.conf import settings

    settings.DEBUG = False
    print(f"\nBracket persistence (double elimination with reset; {vendor}; median of {RUNS})")
    print(f"{'entrants':>9} | {'matches':>7} | {'generate ms':>11} | {'bare insert ms':>14} | {'ratio':>5} | "
          f"{'queries':>7} | {'queries/1,000 matches':>21}")
    print("-" * 96)
    index = 0
    for n in SIZES:
        timings, floors = [], []
        for _run in range(RUNS):
            index += 1
            elapsed, queries, matches = _measure_generate(n, index)
            timings.append(elapsed)
            floors.append(_measure_floor(n, index))
        ours, floor = statistics.median(timings), statistics.median(floors)
        print(f"{n:>9} | {matches:>7} | {ours:>11.0f} | {floor:>14.0f} | {ours / floor:>5.1f} | {queries:>7} | "
              f"{queries / matches * 1000:>21.1f}")


if __name__ == "__main__":
    main()
