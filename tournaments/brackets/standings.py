"""Standings tables for round robin and Swiss, with explained tiebreaks.

Ranking is ``points`` first, then the ``tiebreakers`` in order. Each row's
``decided_by`` names the rule that separated it from the *next* row, so an
organizer can explain every position; rows nothing could separate read
``'tied'`` and share a rank (the last row has ``decided_by=None``).

``head_to_head`` is a mini-table: points earned only in matches *between the
tied entrants*. When it splits a tie into smaller ties, it is applied again
to each smaller tie (as UEFA does), since the mini-table of a subset can
differ from the bigger one. Other rules do not depend on the subset.

Buchholz = sum of the points of the opponents you played (a bye adds 0,
because there was no opponent). Median Buchholz drops the best and worst
opponent when there are at least 3 opponents, which blunts a single lucky
or unlucky pairing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import BracketError, OptionError, normalize_entrants, options
from .results import Result

TIEBREAKERS = ("points", "wins", "losses", "head_to_head", "score_difference", "score_for",
               "buchholz", "median_buchholz", "kills", "seed")
DEFAULT_TIEBREAKERS = ("wins", "head_to_head", "score_difference", "buchholz",
                       "median_buchholz", "kills", "seed")
POINT_KEYS = ("win", "draw", "loss", "bye")


@dataclass(frozen=True)
class StandingRow:
    rank: int
    entrant: Any
    played: int
    wins: int
    losses: int
    draws: int
    byes: int
    points: float
    score_for: int
    score_against: int
    score_difference: int
    buchholz: float
    median_buchholz: float
    kills: int
    seed: int
    decided_by: str | None


def check_points(points):
    table = {"win": 3, "draw": 1, "loss": 0}
    if points is not None:
        unknown = sorted(set(points) - set(POINT_KEYS))
        if unknown:
            raise OptionError(f"Unknown points keys {unknown}; allowed: {', '.join(POINT_KEYS)}.")
        table.update(points)
    table.setdefault("bye", table["win"])
    return table


def check_tiebreakers(tiebreakers):
    if isinstance(tiebreakers, str):
        tiebreakers = (tiebreakers,)
    unknown = [t for t in tiebreakers if t not in TIEBREAKERS]
    if unknown:
        raise OptionError(
            f"Unknown tiebreaker(s): {', '.join(map(str, unknown))}. "
            f"Allowed: {', '.join(TIEBREAKERS)}."
        )
    return tuple(tiebreakers)


class _Stats:
    __slots__ = ("played", "wins", "losses", "draws", "byes", "points", "sf", "sa", "kills",
                 "games", "buchholz", "median")

    def __init__(self):
        self.played = self.wins = self.losses = self.draws = self.byes = 0
        self.points = self.sf = self.sa = self.kills = 0
        self.games = []  # (opponent, points earned)
        self.buchholz = self.median = 0


def collect(entrants, results, table):
    """Aggregate results per entrant (shared with Swiss)."""
    stats = {e: _Stats() for e in entrants}
    for res in results:
        if not isinstance(res, Result):
            raise BracketError(f"Results must be Result objects; got {res!r}.")
        for e in (res.a, res.b):
            if e is not None and e not in stats:
                raise BracketError(f"A result names {e!r}, who is not an entrant; fix or remove it.")
        sa = stats[res.a]
        if res.is_bye:
            sa.byes += 1
            sa.points += table["bye"]
            continue
        sb = stats[res.b]
        sa.played += 1
        sb.played += 1
        sa.sf += res.score_a
        sa.sa += res.score_b
        sb.sf += res.score_b
        sb.sa += res.score_a
        sa.kills += res.kills_a
        sb.kills += res.kills_b
        if res.winner is None:
            pa = pb = table["draw"]
            sa.draws += 1
            sb.draws += 1
        elif res.winner == res.a:
            pa, pb = table["win"], table["loss"]
            sa.wins += 1
            sb.losses += 1
        else:
            pa, pb = table["loss"], table["win"]
            sb.wins += 1
            sa.losses += 1
        sa.points += pa
        sb.points += pb
        sa.games.append((res.b, pa))
        sb.games.append((res.a, pb))
    for s in stats.values():
        opp = sorted(stats[o].points for o, _ in s.games)
        s.buchholz = sum(opp)
        s.median = sum(opp[1:-1]) if len(opp) >= 3 else s.buchholz
    return stats


def _value(rule, e, stats, seed_of):
    s = stats[e]
    if rule == "points":
        return s.points
    if rule == "wins":
        return s.wins
    if rule == "losses":
        return -s.losses
    if rule == "score_difference":
        return s.sf - s.sa
    if rule == "score_for":
        return s.sf
    if rule == "buchholz":
        return s.buchholz
    if rule == "median_buchholz":
        return s.median
    if rule == "kills":
        return s.kills
    return -seed_of[e]


def rank_entrants(entrants, stats, rules):
    """Order entrants by ``rules``; return [(entrant, decided_by)] in rank order."""
    seed_of = {e: i for i, e in enumerate(entrants)}
    tokens = []
    # work stack: ("group", members, rule index) or ("sep", label)
    stack = [("group", list(entrants), 0)]
    while stack:
        item = stack.pop()
        if item[0] == "sep":
            tokens.append(("sep", item[1]))
            continue
        _, members, i = item
        if len(members) == 1:
            tokens.append(("row", members[0]))
            continue
        while i < len(rules):
            rule = rules[i]
            if rule == "head_to_head":
                inside = set(members)
                vals = {e: sum(p for o, p in stats[e].games if o in inside) for e in members}
            else:
                vals = {e: _value(rule, e, stats, seed_of) for e in members}
            distinct = sorted(set(vals.values()), reverse=True)
            if len(distinct) > 1:
                break
            i += 1
        else:
            for k, e in enumerate(members):
                if k:
                    tokens.append(("sep", "tied"))
                tokens.append(("row", e))
            continue
        parts = [[e for e in members if vals[e] == v] for v in distinct]
        nxt = i if rule == "head_to_head" else i + 1
        for k in range(len(parts) - 1, -1, -1):
            stack.append(("group", parts[k], nxt))
            if k:
                stack.append(("sep", rule))
    out = []
    for tok in tokens:
        if tok[0] == "row":
            out.append([tok[1], None])
        else:
            out[-1][1] = tok[1]
    return out


@options
def standings(entrants, results, *, tiebreakers=DEFAULT_TIEBREAKERS, points=None):
    """Ranked :class:`StandingRow` tuple; see the module docstring."""
    rules = check_tiebreakers(tiebreakers)
    table = check_points(points)
    ents = normalize_entrants(entrants, minimum=1, what="A standings table")
    stats = collect(ents, results, table)
    order = rank_entrants(ents, stats, ("points",) + tuple(r for r in rules if r != "points"))
    seed_of = {e: i + 1 for i, e in enumerate(ents)}
    rows = []
    rank = 1
    for pos, (e, decided) in enumerate(order):
        if pos and order[pos - 1][1] != "tied":
            rank = pos + 1
        s = stats[e]
        rows.append(StandingRow(rank, e, s.played, s.wins, s.losses, s.draws, s.byes, s.points,
                                s.sf, s.sa, s.sf - s.sa, s.buchholz, s.median, s.kills,
                                seed_of[e], decided))
    return tuple(rows)
