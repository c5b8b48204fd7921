"""Benchmarks for the pure-Python bracket engine, with a measured peer.

Run: .venv/bin/python bench/bench_brackets.py   (or ``make bench`` for all benches)

Every case is timed with ``time.perf_counter``; inputs are built before
timing. Planning cases are compared with brackets-manager.js (``bench/js``,
run with node in the same run; it installs itself with npm on first use):
one node process is kept open and the two sides take turns, case by case,
call by call for ``ROUNDS`` rounds (never at the same time, with a short
pause after each call), so both see the same load on a shared machine. Each
side gets 1 warm-up call per case and round, then ``PLAN_RUNS`` timed calls; the table shows the median over all rounds and the
range of the per-round ratios. Our planners keep no cache: every call plans
from scratch, as the peer does. If node/npm or the install is missing, the
peer columns say "peer unavailable" instead of failing.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JS_DIR = os.path.join(ROOT, "bench", "js")
PEER_SCRIPT = "bench_brackets_manager.mjs"
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tournaments.brackets import (Result, double_elimination, single_elimination,  # noqa: E402
                                  standings, swiss_pairings)

RUNS = 5
PLAN_SIZES = (1024, 4096)
ROUNDS = 3  # planning: ours and the peer take turns this many times per case
PLAN_RUNS = {1024: 15, 4096: 3}  # timed calls per side, per case, per round
PAUSE_S = 0.05  # idle time after each call before the other side's next call
PLAN_SPEEDUP_TARGET = 10  # we must be >= 10x faster than brackets-manager.js
SWISS_TARGET_MS = 1000
STANDINGS_TARGET_MS = 200


class PeerUnavailable(Exception):
    """node/npm missing, install failed or the peer script failed."""


_BUSY = []  # wall / CPU time per case: > 1 means other processes took our CPU


def times_ms(fn, runs=RUNS, warmup=1):
    """Wall times (ms) of ``runs`` calls after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    if statistics.median(cpu) > 0:
        _BUSY.append(statistics.median(times) / statistics.median(cpu))
    return [t * 1000 for t in times]


def median_ms(fn, runs=RUNS):
    """Median wall time of ``runs`` calls after one warm-up call, in ms."""
    return statistics.median(times_ms(fn, runs))


# -- inputs -------------------------------------------------------------------------------

def team_names(n):
    """Same ids the peer gets as its seeding list."""
    return [f"Team {i}" for i in range(1, n + 1)]


def swiss_history(n, rounds, seed=1):
    """Play ``rounds`` real Swiss rounds (our pairing) with coin-flip winners."""
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


def swiss_like_results(n, rounds=5, seed=5):
    """A Swiss-shaped result set: each round pairs neighbours by current points.

    Score groups are shuffled before pairing, the higher seed wins ~65% of
    the time, series are best-of-3 (2-0 / 2-1), ~2% are 1-1 draws and kills
    are recorded, so every default tiebreaker (including head-to-head on
    big tied groups) gets real work.
    """
    rng = random.Random(seed)
    ents = list(range(n))
    pts = dict.fromkeys(ents, 0)
    results = []
    for r in range(1, rounds + 1):
        order = sorted(ents, key=lambda e: (-pts[e], rng.random()))
        for i in range(0, n - 1, 2):
            a, b = order[i], order[i + 1]
            roll = rng.random()
            if roll < 0.02:
                winner, sa, sb = None, 1, 1
                pts[a] += 1
                pts[b] += 1
            else:
                fav, dog = (a, b) if a < b else (b, a)
                winner = fav if roll < 0.67 else dog
                pts[winner] += 3
                loser_games = rng.choice((0, 1))
                sa, sb = (2, loser_games) if winner == a else (loser_games, 2)
            results.append(Result(a, b, winner, sa, sb, rng.randint(0, 30), rng.randint(0, 30),
                                  round=r))
        if n % 2:
            results.append(Result.bye(order[-1], round=r))
            pts[order[-1]] += 3
    return ents, results


# -- peer ----------------------------------------------------------------------------------

def _ensure_peer_installed():
    node = shutil.which("node")
    npm = shutil.which("npm")
    if node is None:
        raise PeerUnavailable("node not found on PATH")
    if os.path.isdir(os.path.join(JS_DIR, "node_modules", "brackets-manager")):
        return node
    if npm is None:
        raise PeerUnavailable("npm not found and bench/js/node_modules missing")
    lock = os.path.exists(os.path.join(JS_DIR, "package-lock.json"))
    cmd = [npm, "ci" if lock else "install", "--no-audit", "--no-fund"]
    print(f"(installing peer: {' '.join(cmd[1:])} in bench/js ...)", file=sys.stderr)
    try:
        proc = subprocess.run(cmd, cwd=JS_DIR, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PeerUnavailable(f"npm failed: {exc}") from None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["?"]
        raise PeerUnavailable(f"npm {cmd[1]} failed: {tail[0]}")
    return node


class PeerSession:
    """One ``node bench_brackets_manager.mjs --serve`` process, asked for one case at a time."""

    def __init__(self):
        node = _ensure_peer_installed()
        try:
            self.proc = subprocess.Popen([node, PEER_SCRIPT, "--serve"], cwd=JS_DIR, text=True,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE)
        except OSError as exc:
            raise PeerUnavailable(f"node failed: {exc}") from None
        self.versions = {}

    def times_ms(self, kind, size, runs, warmup):
        request = {"case": kind, "size": size, "runs": runs, "warmup": warmup}
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        except OSError as exc:
            raise PeerUnavailable(f"peer script failed: {exc}") from None
        if not line:
            tail = self.proc.stderr.read().strip().splitlines()[-1:] or ["?"]
            raise PeerUnavailable(f"peer script failed: {tail[0]}")
        rec = json.loads(line)
        if "error" in rec:
            raise PeerUnavailable(rec["error"])
        self.versions = rec.get("versions", self.versions)
        return rec["times_ms"], rec["cpu_ms"]

    def close(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()


PLANNERS = {
    "single_elimination": lambda names: single_elimination(names),
    "double_elimination_reset": lambda names: double_elimination(names, grand_final="reset"),
}


def timed_call(fn):
    """(wall ms, CPU ms) of one call."""
    start, start_cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - start) * 1000, (time.process_time() - start_cpu) * 1000


def plan_cases():
    """{(kind, n): {"ours"/"peer": wall ms, "ours_cpu"/"peer_cpu": CPU ms, "ratios": per round}},
    versions, peer note (peer lists stay empty when the peer is unavailable).

    The sides alternate call by call (one of ours, then one of the peer's, ...) so that both see
    the same load on a shared machine, with a short pause after each call: node keeps working
    on background threads (GC sweeping, compilation) for a while after a call returns, and
    that must not land inside our next timing (nor ours in the peer's).
    """
    try:
        peer = PeerSession()
        note = None
    except PeerUnavailable as exc:
        peer, note = None, str(exc)
    out = {(kind, n): {"ours": [], "ours_cpu": [], "peer": [], "peer_cpu": [], "ratios": []}
           for kind in PLANNERS for n in PLAN_SIZES}
    try:
        for _ in range(ROUNDS):
            for n in PLAN_SIZES:
                names = team_names(n)
                for kind, plan in PLANNERS.items():
                    rec = out[(kind, n)]
                    mine, theirs = [], []
                    for _call in range(PLAN_RUNS[n] + 1):  # call 0 = untimed warm-up of each side
                        mine.append(timed_call(lambda: plan(names)))
                        time.sleep(PAUSE_S)
                        if peer is None:
                            continue
                        try:
                            wall, cpu = peer.times_ms(kind, n, 1, 0)
                            theirs.append((wall[0], cpu[0]))
                        except PeerUnavailable as exc:
                            peer.close()
                            peer, note = None, str(exc)
                            for r in out.values():
                                r["peer"], r["peer_cpu"], r["ratios"] = [], [], []
                        time.sleep(PAUSE_S)
                    rec["ours"] += [w for w, _ in mine[1:]]
                    rec["ours_cpu"] += [c for _, c in mine[1:]]
                    if peer is not None:
                        rec["peer"] += [w for w, _ in theirs[1:]]
                        rec["peer_cpu"] += [c for _, c in theirs[1:]]
                        rec["ratios"].append(statistics.median(w for w, _ in theirs[1:])
                                             / statistics.median(w for w, _ in mine[1:]))
    finally:
        versions = peer.versions if peer else {}
        if peer:
            peer.close()
    return out, versions, note


# -- table ---------------------------------------------------------------------------------

def _fmt_ms(v):
    return "—" if v is None else f"{v:,.1f}"


def print_table(rows):
    head = ("case", "ours (ms)", "peer (ms)", "ratio", "per round", "CPU ratio", "target", "ok?")
    cells = [head] + [r[:8] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    right = (False, True, True, True, True, True, False, False)

    def line(c):
        return "| " + " | ".join(x.rjust(w) if r else x.ljust(w)
                                 for x, w, r in zip(c, widths, right)) + " |"
    print(line(head))
    print("|" + "|".join(("-" * (w + 1) + ":") if r else ("-" * (w + 2))
                         for w, r in zip(widths, right)) + "|")
    for c in cells[1:]:
        print(line(c))


def main():
    results = []  # (case, ours, peer, ratio, per-round ratios, CPU-time ratio, target, ok)

    plans, versions, peer_note = plan_cases()

    swiss_ents, swiss_hist = swiss_history(1024, 5)
    swiss_ms = median_ms(lambda: swiss_pairings(swiss_ents, swiss_hist, round_number=6))
    st_ents, st_results = swiss_like_results(10_000, 5)
    st_ms = median_ms(lambda: standings(st_ents, st_results))

    labels = {"single_elimination": "plan single elimination",
              "double_elimination_reset": "plan double elimination (reset)"}
    for kind in PLANNERS:
        for n in PLAN_SIZES:
            rec = plans[(kind, n)]
            mine = statistics.median(rec["ours"])
            target = f">= {PLAN_SPEEDUP_TARGET}x peer"
            if not rec["peer"]:
                results.append((f"{labels[kind]}, {n:,}", _fmt_ms(mine), "peer unavailable",
                                "—", "—", "—", target, "n/a"))
                continue
            ratio = statistics.median(rec["peer"]) / mine
            ratios = rec["ratios"]
            spread = f"{min(ratios):.1f}–{max(ratios):.1f}x"
            cpu_ratio = statistics.median(rec["peer_cpu"]) / statistics.median(rec["ours_cpu"])
            ok = ratio >= PLAN_SPEEDUP_TARGET and min(ratios) >= PLAN_SPEEDUP_TARGET
            results.append((f"{labels[kind]}, {n:,}", _fmt_ms(mine),
                            _fmt_ms(statistics.median(rec["peer"])), f"{ratio:.1f}x", spread,
                            f"{cpu_ratio:.1f}x", target, "yes" if ok else "NO"))
    results.append(("Swiss round-6 pairing, 1,024 (after 5 rounds)", _fmt_ms(swiss_ms), "—", "—",
                    "—", "—", f"<= {SWISS_TARGET_MS:,} ms", "yes" if swiss_ms <= SWISS_TARGET_MS else "NO"))
    results.append(("standings, 10,000 entrants x 5 Swiss-like rounds", _fmt_ms(st_ms), "—", "—",
                    "—", "—", f"<= {STANDINGS_TARGET_MS} ms",
                    "yes" if st_ms <= STANDINGS_TARGET_MS else "NO"))

    runs = ", ".join(f"{n:,}: {r}" for n, r in PLAN_RUNS.items())
    print(f"bracket engine — planning: {ROUNDS} rounds, ours/peer alternating call by call, "
          f"timed calls per side per round {{{runs}}} after 1 warm-up; table = median of all calls, 'per round' = range of "
          f"the rounds' ratios, 'CPU ratio' = the same with process CPU time; other cases: median of {RUNS} after 1 warm-up "
          f"(python {sys.version.split()[0]}; ratio = peer / ours; no plan caching)")
    print_table(results)
    busy = statistics.median(_BUSY) if _BUSY else 1.0
    if busy > 1.25:
        print(f"note: busy machine — our wall time was ~{busy:.1f}x our CPU time "
              "(other processes competing); absolute ms are inflated, ratios less so.")
    if peer_note:
        print(f"peer unavailable: {peer_note}")
    elif versions:
        print("peer: " + ", ".join(f"{k} {v}" for k, v in versions.items())
              + f" (node {_node_version()}, in-memory storage)")
    return results


def _node_version():
    try:
        return subprocess.run(["node", "--version"], capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "?"


if __name__ == "__main__":
    main()
