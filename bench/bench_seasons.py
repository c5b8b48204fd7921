"""Season standings and tournament leaderboards.

Run: .venv/bin/python bench/bench_seasons.py   (or ``make bench`` for all benches;
``BENCH_DATABASE_URL=postgres://…`` runs the ORM case on PostgreSQL)

Cases (inputs built before timing; 1 warm-up, then ours and the floor alternate call by call, 7 rounds;
medians of wall clock and of process CPU time — the machine is shared, CPU time is the steadier figure):
* season standings over 100,000 results (10,000 players x 10 events, F1 table, best 8 of 10, the full
  tiebreak cascade with a 50,000-pair head-to-head table) — target <= 1 s;
* tournament leaderboard for 10,000 entrants (one event's placements with elimination-style shared
  ranks, full cascade) — target <= 200 ms; pure engine, and end to end through the ORM
  (``services.seasons.compute`` reading 10,000 placements, the wins per registration of the event's
  9,999 single-elimination matches and, when a tie reaches that rule, the head-to-head pairs).
The floor is a bare ``sorted`` of (points, entrant) pairs over the same results: what ranking
without best-N, tiebreaks or explanations costs in CPython.
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tournaments.seasons import POINTS_PRESETS, Result, season_standings  # noqa: E402

RUNS = 7
SEASON_TARGET_MS = 1000
LEADERBOARD_TARGET_MS = 200
F1 = POINTS_PRESETS["f1"]
_BUSY = []


def _timed(fn):
    start, start_cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - start_cpu


def interleaved(ours, base, runs=RUNS):
    """(ours wall ms, ours CPU ms, floor wall ms, floor CPU ms): medians, the two alternating call by call."""
    ours()
    base()
    samples = {"ours": [], "base": []}
    for _ in range(runs):
        samples["ours"].append(_timed(ours))
        samples["base"].append(_timed(base))
    out = []
    for name in ("ours", "base"):
        wall = statistics.median(w for w, _c in samples[name])
        cpu = statistics.median(c for _w, c in samples[name])
        if cpu > 0:
            _BUSY.append(wall / cpu)
        out += [wall * 1000, cpu * 1000]
    return tuple(out)


def elimination_ranks(n):
    """1, 2, 3, 3, 5×4, 9×8, … the shared ranks of a single elimination of n entrants."""
    ranks, rank, size = [1], 2, 1
    while len(ranks) < n:
        ranks.extend([rank] * min(size, n - len(ranks)))
        rank += size
        size *= 2
    return ranks[:n]


def season_inputs(players=10_000, events=10, seed=7):
    rng = random.Random(seed)
    results = []
    for event in range(events):
        order = list(range(players))
        rng.shuffle(order)
        for entrant, rank in zip(order, elimination_ranks(players)):
            results.append(Result(entrant, event, rank, wins=max(0, 14 - rank.bit_length()), order=event))
    h2h = {(rng.randrange(players), rng.randrange(players)): rng.randint(1, 3) for _ in range(50_000)}
    return results, h2h


def floor(results):
    totals = {}
    for r in results:
        totals[r.entrant] = totals.get(r.entrant, 0) + (F1[r.rank - 1] if r.rank <= len(F1) else 0)
    return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))


def db_leaderboard_case(n=10_000):
    """10,000 placements of one completed tournament in SQLite; returns the timed callable."""
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    from django_setup import setup_django

    vendor = setup_django()
    db_leaderboard_case.vendor = vendor
    from django.contrib.auth.models import User
    from django.utils import timezone

    from tournaments.models import Game, Match, Placement, Player, Registration, Tournament
    from tournaments.services import seasons

    user, _c = User.objects.get_or_create(username="bench-seasons", defaults={"is_staff": True})
    game, _c = Game.objects.get_or_create(slug="bench-seasons", defaults=dict(name="Bench seasons", team_size=1,
                                                                               id_format="konami_id", result_type="map_score"))
    now = timezone.now()
    t = Tournament.objects.filter(slug="bench-seasons-10k").first()
    if t is None:
        # bench fixture rows written in bulk (not through services: this measures reading, not writing)
        t = Tournament.objects.create(name="Bench 10k", slug="bench-seasons-10k", game=game, organizer=user, participation="solo",
                                      capacity=n, registration_opens_at=now, registration_closes_at=now, starts_at=now)
        players = Player.objects.bulk_create([Player(display_name=f"P{i}") for i in range(n)], batch_size=2000)
        regs = Registration.objects.bulk_create([Registration(tournament=t, player=p) for p in players], batch_size=2000)
        Placement.objects.bulk_create([Placement(tournament=t, registration=r, rank=rank)
                                       for r, rank in zip(regs, elimination_ranks(n))], batch_size=2000)
        # the single elimination that produced those ranks: entrant i (in [2^k, 2^(k+1))) lost to i - 2^k
        matches = []
        for i in range(1, n):
            winner = regs[i - (1 << (i.bit_length() - 1))]
            matches.append(Match(tournament=t, key=f"M{i}", round_number=1, position=i, slot_a=winner, slot_b=regs[i],
                                 winner=winner, score_a=1, score_b=0, status=Match.Status.COMPLETED))
        Match.objects.bulk_create(matches, batch_size=2000)
    return lambda: seasons.compute([t.pk], points_table=F1)


def main():
    results, h2h = season_inputs()
    assert len(results) == 100_000
    one_event = [r for r in results if r.event == 0]
    rows = [
        ("season standings, 100,000 results (best 8, full cascade)", SEASON_TARGET_MS,
         interleaved(lambda: season_standings(results, points_table=F1, best_of=8, head_to_head=h2h),
                     lambda: floor(results), runs=5)),
        ("tournament leaderboard, 10,000 entrants (pure)", LEADERBOARD_TARGET_MS,
         interleaved(lambda: season_standings(one_event, points_table=F1), lambda: floor(one_event))),
    ]
    try:
        db_case = db_leaderboard_case()
        vendor = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(db_leaderboard_case.vendor, db_leaderboard_case.vendor)
        rows.append((f"tournament leaderboard, 10,000 entrants (ORM + {vendor})", LEADERBOARD_TARGET_MS,
                     interleaved(db_case, lambda: floor(one_event))))
    except Exception as exc:  # noqa: BLE001 - a bench informs, it does not gate
        print(f"(ORM leaderboard case skipped: {exc})")
    print(f"{'case':<60} {'ours ms':>9} {'CPU ms':>8} {'floor ms':>9} {'CPU ms':>8} {'CPU ratio':>9}  target")
    for name, target, (wall, cpu, base_wall, base_cpu) in rows:
        verdict = "✔" if wall <= target else ("✔ by CPU" if cpu <= target else "✘")
        print(f"{name:<60} {wall:>9.1f} {cpu:>8.1f} {base_wall:>9.1f} {base_cpu:>8.1f} {cpu / base_cpu:>8.1f}×  ≤{target} ms {verdict}")
    if _BUSY and statistics.median(_BUSY) > 1.2:
        print(f"note: machine busy (wall/CPU median {statistics.median(_BUSY):.2f}); wall figures include waiting for the CPU")


if __name__ == "__main__":
    main()
