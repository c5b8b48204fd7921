"""Benchmarks for the pure-Python bracket engine, with a measured peer.

Run: .venv/bin/python bench/bench_brackets.py   (or ``make bench`` for all benches)

Every case is timed with ``time.perf_counter``: 1 warm-up call, then the
median of 5 timed calls; inputs are built before timing. Planning cases are
compared with brackets-manager.js (``bench/js``, run with node in the same
run; it installs itself with npm on first use). If node/npm or the install
is missing, the peer columns say "peer unavailable" instead of failing.
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
PLAN_SPEEDUP_TARGET = 10  # we must be >= 10x faster than brackets-manager.js
SWISS_TARGET_MS = 1000
STANDINGS_TARGET_MS = 200


class PeerUnavailable(Exception):
    """node/npm missing, install failed or the peer script failed."""


_BUSY = []  # wall / CPU time per case: > 1 means other processes took our CPU


def median_ms(fn, runs=RUNS):
    """Median wall time of ``runs`` calls after one warm-up call, in ms."""
    fn()
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    wall = statistics.median(times)
    if statistics.median(cpu) > 0:
        _BUSY.append(wall / statistics.median(cpu))
    return wall * 1000


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


def run_peer(sizes=PLAN_SIZES, runs=RUNS):
    """{case: median ms} from bench/js/bench_brackets_manager.mjs (+ versions)."""
    node = _ensure_peer_installed()
    cmd = [node, PEER_SCRIPT, "--runs", str(runs), "--sizes", ",".join(map(str, sizes))]
    try:
        proc = subprocess.run(cmd, cwd=JS_DIR, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PeerUnavailable(f"node failed: {exc}") from None
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["?"]
        raise PeerUnavailable(f"peer script failed: {tail[0]}")
    out, versions = {}, {}
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            rec = json.loads(line)
            out[rec["case"]] = rec["median_ms"]
            versions = rec.get("versions", versions)
    if not out:
        raise PeerUnavailable("peer script printed no results")
    return out, versions


# -- table ---------------------------------------------------------------------------------

def _fmt_ms(v):
    return "—" if v is None else f"{v:,.1f}"


def print_table(rows):
    head = ("case", "ours (ms)", "peer (ms)", "ratio", "target", "ok?")
    cells = [head] + [r[:6] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    right = (False, True, True, True, False, False)

    def line(c):
        return "| " + " | ".join(x.rjust(w) if r else x.ljust(w)
                                 for x, w, r in zip(c, widths, right)) + " |"
    print(line(head))
    print("|" + "|".join(("-" * (w + 1) + ":") if r else ("-" * (w + 2))
                         for w, r in zip(widths, right)) + "|")
    for c in cells[1:]:
        print(line(c))


def main():
    results = []  # (case, ours, peer, ratio, target, ok, notes)

    # our numbers first, then the peer (never both at once: they'd share CPUs)
    ours = {}
    for n in PLAN_SIZES:
        names = team_names(n)
        ours[("single_elimination", n)] = median_ms(lambda: single_elimination(names))
        ours[("double_elimination_reset", n)] = median_ms(
            lambda: double_elimination(names, grand_final="reset"))

    swiss_ents, swiss_hist = swiss_history(1024, 5)
    swiss_ms = median_ms(lambda: swiss_pairings(swiss_ents, swiss_hist, round_number=6))
    st_ents, st_results = swiss_like_results(10_000, 5)
    st_ms = median_ms(lambda: standings(st_ents, st_results))

    try:
        peer, versions = run_peer()
        peer_note = None
    except PeerUnavailable as exc:
        peer, versions, peer_note = {}, {}, str(exc)

    labels = {"single_elimination": "plan single elimination",
              "double_elimination_reset": "plan double elimination (reset)"}
    for kind in ("single_elimination", "double_elimination_reset"):
        for n in PLAN_SIZES:
            mine = ours[(kind, n)]
            theirs = peer.get(f"{kind}/{n}")
            target = f">= {PLAN_SPEEDUP_TARGET}x peer"
            if theirs is None:
                results.append((f"{labels[kind]}, {n:,}", _fmt_ms(mine), "peer unavailable",
                                "—", target, "n/a"))
                continue
            ratio = theirs / mine
            results.append((f"{labels[kind]}, {n:,}", _fmt_ms(mine), _fmt_ms(theirs),
                            f"{ratio:.1f}x", target,
                            "yes" if ratio >= PLAN_SPEEDUP_TARGET else "NO"))
    results.append(("Swiss round-6 pairing, 1,024 (after 5 rounds)", _fmt_ms(swiss_ms), "—", "—",
                    f"<= {SWISS_TARGET_MS:,} ms", "yes" if swiss_ms <= SWISS_TARGET_MS else "NO"))
    results.append(("standings, 10,000 entrants x 5 Swiss-like rounds", _fmt_ms(st_ms), "—", "—",
                    f"<= {STANDINGS_TARGET_MS} ms",
                    "yes" if st_ms <= STANDINGS_TARGET_MS else "NO"))

    print(f"bracket engine — median of {RUNS} runs after 1 warm-up "
          f"(python {sys.version.split()[0]}; ratio = peer / ours)")
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
