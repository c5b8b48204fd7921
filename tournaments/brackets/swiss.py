"""Swiss system: pair entrants with equal records, never twice if avoidable.

Scores are classic Swiss match points: win 1, draw 0.5, loss 0, bye
``bye_points`` (default 1; a bye also counts as a win for
``wins_to_advance``). Entrants are ranked by score, then (with
``strength='buchholz'``) by Buchholz, then by seed.

Pairing (why it is both good and fast): score groups are processed from the
top; an odd group floats its lowest-ranked member down to the next group.
Inside a group, ``strength='score'`` pairs top half against bottom half
(Dutch style: 1v5, 2v6, 3v7, 4v8) and ``strength='buchholz'`` pairs high
against low (Valve style: 1v8, 2v7...). Those ideal partners only *order*
the candidates of a depth-first search that takes the highest-ranked
unpaired entrant and tries partners in that order, skipping rematches, and
backtracks on a dead end. Dead-end states (the set of still-unpaired
entrants, kept as a bitmask) are memoised, so the search is exhaustive --
it finds a rematch-free pairing whenever one exists -- without repeating
work; with the ideal partner usually free, 1,024 entrants pair in a few
milliseconds. Only if no rematch-free pairing exists (or the search budget
runs out on a pathological history) are rematches allowed, non-rematch
partners still preferred.

Byes: with an odd number of entrants to pair, the bye goes to the
lowest-ranked entrant who has not had one and whose absence still allows a
rematch-free pairing; nobody gets two byes (BracketError if that is the only
way out).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .errors import (BracketError, check_best_of, check_choice, check_positive_int,
                     normalize_entrants, options)
from .plan import BYE, Plan, PlannedMatch, Slot
from .results import Result

SEARCH_BUDGET = 300_000


@dataclass(frozen=True)
class SwissRecord:
    entrant: Any
    score: float
    wins: int
    losses: int
    draws: int
    byes: int
    buchholz: float
    opponents: frozenset


@dataclass(frozen=True)
class SwissRound:
    """Pairings for one round. ``matches`` ends with the bye match, if any."""
    round: int
    matches: tuple
    bye: Any
    active: tuple
    advanced: tuple
    eliminated: tuple
    rematches: int


class _OutOfBudget(Exception):
    pass


def swiss_records(entrants, history, bye_points=1):
    """Per-entrant Swiss record from ``history`` (Result objects)."""
    rec = {e: {"score": 0.0, "w": 0, "l": 0, "d": 0, "b": 0, "opp": []} for e in entrants}
    for res in history:
        if not isinstance(res, Result):
            raise BracketError(f"Swiss history must hold Result objects; got {res!r}.")
        for e in (res.a, res.b):
            if e is not None and e not in rec:
                raise BracketError(f"History names {e!r}, who is not an entrant; fix the result.")
        ra = rec[res.a]
        if res.is_bye:
            ra["b"] += 1
            ra["score"] += bye_points
            continue
        rb = rec[res.b]
        ra["opp"].append(res.b)
        rb["opp"].append(res.a)
        if res.winner is None:
            ra["d"] += 1
            rb["d"] += 1
            ra["score"] += 0.5
            rb["score"] += 0.5
        else:
            w, lo = (ra, rb) if res.winner == res.a else (rb, ra)
            w["w"] += 1
            w["score"] += 1
            lo["l"] += 1
    out = {}
    for e, r in rec.items():
        out[e] = SwissRecord(e, r["score"], r["w"], r["l"], r["d"], r["b"],
                             sum(rec[o]["score"] for o in r["opp"]), frozenset(r["opp"]))
    return out


def _candidate_order(groups, pos_group, fold):
    """Return cand(i): candidate partners of player i, best first."""
    bounds = []  # (start, end) per adjusted group, in order
    for g in groups:
        bounds.append((g[0], g[-1] + 1))

    def cand(i):
        gi = pos_group[i]
        start, end = bounds[gi]
        m = end - start
        j = i - start
        half = m // 2
        if fold:
            ideal = m - 1 - j
        else:
            ideal = j + half if j < half else j - half
        ideal = min(max(ideal, 0), m - 1)
        yield start + ideal
        for d in range(1, m):
            for c in (ideal + d, ideal - d):
                if 0 <= c < m:
                    yield start + c
        yield from range(end, bounds[-1][1])  # float down
        yield from range(start - 1, -1, -1)   # float up (only after backtracking)

    return cand


def _search(n, cand, ok, budget):
    """Exhaustive memoised DFS for a perfect matching of 0..n-1; None if none."""
    failed = set()
    frames = []
    mask = (1 << n) - 1
    steps = 0
    while mask:
        if mask not in failed:
            x = (mask & -mask).bit_length() - 1
            frames.append([x, cand(x), mask, -1])
        while True:
            if not frames:
                return None
            fr = frames[-1]
            x, it, m0 = fr[0], fr[1], fr[2]
            y = -1
            for c in it:
                steps += 1
                if c != x and (m0 >> c) & 1 and ok(x, c):
                    y = c
                    break
            if y >= 0:
                fr[3] = y
                mask = m0 & ~(1 << x) & ~(1 << y)
                break
            failed.add(m0)
            frames.pop()
        if steps > budget:
            raise _OutOfBudget
    return [(fr[0], fr[3]) for fr in frames]


def pair_players(ranked, records, fold, allow_rematch=False, budget=SEARCH_BUDGET):
    """Pair ``ranked`` (even count, best first); list of index pairs or None."""
    n = len(ranked)
    groups, cur, carry, last_score = [], [], [], None
    for i, e in enumerate(ranked):
        s = records[e].score
        if cur and s != last_score:
            cur = carry + cur
            if len(cur) % 2:
                carry = [cur.pop()]
            else:
                carry = []
            if cur:
                groups.append(cur)
            cur = []
        cur.append(i)
        last_score = s
    cur = carry + cur
    if cur:
        groups.append(cur)
    # floaters make a group non-contiguous only in label; indices stay ordered
    groups = [sorted(g) for g in groups]
    pos_group = {}
    for gi, g in enumerate(groups):
        for i in g:
            pos_group[i] = gi
    # groups must be contiguous ranges for _candidate_order
    contiguous = all(g == list(range(g[0], g[-1] + 1)) for g in groups)
    if not contiguous:  # cannot happen: a floater is the last of its group
        groups = [list(range(n))]
        pos_group = {i: 0 for i in range(n)}
    cand = _candidate_order(groups, pos_group, fold)
    opp = [records[e].opponents for e in ranked]
    if allow_rematch:
        def cand2(i, base=cand):
            seen = set()
            rest = []
            for c in base(i):
                if c in seen:
                    continue
                seen.add(c)
                if ranked[c] in opp[i]:
                    rest.append(c)
                else:
                    yield c
            yield from rest
        return _search(n, cand2, lambda a, b: True, budget * 10)
    return _search(n, cand, lambda a, b: ranked[b] not in opp[a], budget)


@options
def swiss_pairings(entrants, history, *, round_number, strength="score", bye_points=1,
                   wins_to_advance=None, losses_to_eliminate=None, best_of=1, group=None):
    """Pair the next Swiss round; returns a :class:`SwissRound`."""
    check_choice("strength", strength, ("score", "buchholz"))
    check_positive_int("round_number", round_number)
    check_best_of(best_of)
    for name, v in (("wins_to_advance", wins_to_advance),
                    ("losses_to_eliminate", losses_to_eliminate)):
        if v is not None:
            check_positive_int(name, v)
    ents = normalize_entrants(entrants, minimum=2, what="A Swiss round")
    records = swiss_records(ents, history, bye_points)
    seed_of = {e: i for i, e in enumerate(ents)}
    advanced = tuple(e for e in ents if wins_to_advance is not None
                     and records[e].wins + records[e].byes >= wins_to_advance)
    eliminated = tuple(e for e in ents if e not in advanced and losses_to_eliminate is not None
                       and records[e].losses >= losses_to_eliminate)
    done = set(advanced) | set(eliminated)
    buch = strength == "buchholz"
    active = sorted((e for e in ents if e not in done),
                    key=lambda e: (-records[e].score, -records[e].buchholz if buch else 0,
                                   seed_of[e]))
    fold = buch
    bye = None
    pairs = None
    if len(active) % 2:
        options_for_bye = [e for e in reversed(active) if records[e].byes == 0]
        if not options_for_bye:
            raise BracketError(
                "Every entrant still playing has already had a bye, so this round cannot be "
                "paired; reduce the number of rounds or add an entrant."
            )
        for cand in options_for_bye:
            rest = [e for e in active if e != cand]
            try:
                pairs = pair_players(rest, records, fold)
            except _OutOfBudget:
                pairs = None
            if pairs is not None:
                bye, active = cand, rest
                break
        if bye is None:
            bye = options_for_bye[0]
            active = [e for e in active if e != bye]
    if pairs is None and active:
        try:
            pairs = pair_players(active, records, fold)
        except _OutOfBudget:
            pairs = None
        if pairs is None:
            pairs = pair_players(active, records, fold, allow_rematch=True)
    pairs = sorted(pairs or [], key=lambda p: min(p))
    prefix = f"G-{group}.S" if group is not None else "S"
    matches = []
    rematches = 0
    for pos, (i, j) in enumerate(pairs, start=1):
        a, b = sorted((active[i], active[j]), key=active.index)
        rematches += b in records[a].opponents
        matches.append(PlannedMatch(f"{prefix}.R{round_number}.{pos}", "swiss", round_number,
                                    pos, (Slot.of(a), Slot.of(b)), best_of, group))
    if bye is not None:
        pos = len(matches) + 1
        matches.append(PlannedMatch(f"{prefix}.R{round_number}.{pos}", "swiss", round_number,
                                    pos, (Slot.of(bye), BYE), best_of, group))
    return SwissRound(round_number, tuple(matches), bye,
                      tuple(active) + ((bye,) if bye is not None else ()),
                      advanced, eliminated, rematches)


@options
def swiss_plan(entrants, *, rounds=None, wins_to_advance=None, losses_to_eliminate=None,
               strength="score", bye_points=1, best_of=1):
    """Describe a Swiss stage and pair its first round.

    Either a fixed number of ``rounds`` (default ceil(log2 n)) or
    ``wins_to_advance`` + ``losses_to_eliminate`` (e.g. 3 and 3 like CS
    majors), in which case at most W+L-1 rounds are needed.
    """
    ents = normalize_entrants(entrants, minimum=2, what="Swiss")
    staged = wins_to_advance is not None or losses_to_eliminate is not None
    if staged:
        if rounds is not None:
            raise BracketError("Give either rounds or wins_to_advance/losses_to_eliminate, "
                               "not both.")
        if wins_to_advance is None or losses_to_eliminate is None:
            raise BracketError("wins_to_advance and losses_to_eliminate go together; set both.")
        check_positive_int("wins_to_advance", wins_to_advance)
        check_positive_int("losses_to_eliminate", losses_to_eliminate)
        total = wins_to_advance + losses_to_eliminate - 1
    else:
        total = rounds if rounds is not None else max(1, math.ceil(math.log2(len(ents))))
        check_positive_int("rounds", total)
    first = swiss_pairings(ents, [], round_number=1, strength=strength, bye_points=bye_points,
                           best_of=best_of)
    return Plan(
        format="swiss",
        entrants=ents,
        options={"rounds": total, "wins_to_advance": wins_to_advance,
                 "losses_to_eliminate": losses_to_eliminate, "strength": strength,
                 "bye_points": bye_points, "best_of": best_of},
        matches=first.matches,
        rounds={"swiss": total},
    )
