"""Micro-benchmarks for the pure-Python bracket engine.

Run: .venv/bin/python bench/bench_brackets.py  (median of 5 runs each).
"""
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tournaments.brackets import Result, double_elimination, standings, swiss_pairings  # noqa: E402


def median_time(fn, runs=5):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def swiss_history(n, rounds, seed=1):
    rng = random.Random(seed)
    ents = list(range(1, n + 1))
    history = []
    for r in range(1, rounds + 1):
        sr = swiss_pairings(ents, history, round_number=r)
        for m in sr.matches:
            a = m.slots[0].entrant
            if m.has_bye:
                history.append(Result.bye(a, round=r))
            else:
                b = m.slots[1].entrant
                history.append(Result(a, b, rng.choice((a, b)), round=r))
    return ents, history


def standings_input(n, rounds=5, seed=5):
    rng = random.Random(seed)
    ents = list(range(n))
    shuffled = ents[:]
    results = []
    for _ in range(rounds):
        rng.shuffle(shuffled)
        results += [Result(shuffled[i], shuffled[i + 1], rng.choice((shuffled[i], shuffled[i + 1])),
                           rng.randint(0, 3), rng.randint(0, 3)) for i in range(0, n - 1, 2)]
    return ents, results


def main():
    ents, hist = swiss_history(1024, 5)
    sents, sres = standings_input(10_000)
    cases = [
        ("double elimination plan, 1,024", lambda: double_elimination(range(1024))),
        ("double elimination plan, 4,096", lambda: double_elimination(range(4096))),
        ("double elim plan + validate, 4,096", lambda: double_elimination(range(4096)).validate()),
        ("Swiss round-6 pairing, 1,024", lambda: swiss_pairings(ents, hist, round_number=6)),
        ("standings, 10,000 entrants x 5 rounds", lambda: standings(sents, sres)),
    ]
    print(f"{'case':<40} {'median (ms)':>12}")
    for name, fn in cases:
        print(f"{name:<40} {median_time(fn) * 1000:>12.1f}")


if __name__ == "__main__":
    main()
