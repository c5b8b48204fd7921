"""Season standings: points per placement, best-N counting, sport-style ranks and an explained
tiebreak cascade. Plain data in, plain data out (no Django), so it is tested without a database and
benchmarked on 100,000 results.

Rules
-----
* A result earns ``points_table[rank - 1]`` (0 beyond the table). Entrants who share a placement
  (two 3rd places) both earn the points of that place.
* ``best_of=N`` counts only an entrant's N best results; the rest still show in ``events``/``total``.
* Entrants are ordered by counted points. Entrants level on points go through ``tiebreaks`` in order;
  a rule that separates some of them fixes their order and the still-level sub-groups go on to the
  next rule (each rule is evaluated only among the entrants still tied, so head-to-head is a
  mini-league of exactly those entrants). Whoever no rule separates shares a rank, the way sport
  does it: 1, 2, 2, 4.
* ``decided_by`` says which rule fixed an entrant's place against its neighbours: ``"points"`` when
  nobody had the same points, a tiebreak name, or ``"tied"`` when the rank is shared.

Tiebreaks
---------
``wins``            more match wins across the counted season (all results, not only best-N).
``best_placement``  better single best finish.
``head_to_head``    more wins in matches between the tied entrants (``head_to_head[(a, b)]`` = a's wins over b).
``most_recent``     better finish in the most recent event in which the tied entrants differ
                    (events ordered by ``Result.order``; not taking part is worse than any finish).
"""
from __future__ import annotations

from typing import NamedTuple

POINTS_PRESETS = {
    "f1": (25, 18, 15, 12, 10, 8, 6, 4, 2, 1),
    "battle_royale": (12, 9, 7, 5, 4, 3, 2, 1),
}
TIEBREAKS = ("wins", "best_placement", "head_to_head", "most_recent")
RULE_LABELS = {
    "points": "points",
    "wins": "wins",
    "best_placement": "best placement",
    "head_to_head": "head-to-head",
    "most_recent": "most recent result",
    "tied": "tied",
}
_NOT_PLAYED = float("inf")


class Result(NamedTuple):
    """One entrant's final placement in one event. ``order`` sorts events in time (bigger = later)."""

    entrant: object
    event: object
    rank: int
    wins: int = 0
    order: int = 0


class Row(NamedTuple):
    """One line of the table (a tuple: 10,000 of them are built per leaderboard)."""

    entrant: object
    rank: int
    points: int          # counted points (best-N applied)
    total: int           # all points earned
    events: int
    wins: int
    best_placement: int
    decided_by: str
    tied: bool


def check_points_table(table) -> tuple[int, ...]:
    """The table as a tuple; ``ValueError`` with a readable message when it is not usable."""
    if isinstance(table, (str, bytes)) or not hasattr(table, "__iter__"):
        raise ValueError("A points table is a list of whole numbers for 1st, 2nd, … place, e.g. [25, 18, 15].")
    values = tuple(table)
    if not values:
        raise ValueError("The points table is empty; give points for at least 1st place.")
    if not all(isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in values):
        raise ValueError("Points must be whole, non-negative numbers.")
    if any(b > a for a, b in zip(values, values[1:])):
        raise ValueError("Points must not increase with place (1st earns at least as much as 2nd, …).")
    return values


def check_tiebreaks(tiebreaks) -> tuple[str, ...]:
    rules = tuple(tiebreaks or ())
    unknown = [r for r in rules if r not in TIEBREAKS]
    if unknown:
        raise ValueError(f"Unknown tiebreak(s): {', '.join(map(str, unknown))}. Allowed: {', '.join(TIEBREAKS)}.")
    if len(set(rules)) != len(rules):
        raise ValueError("Each tiebreak may appear only once.")
    return rules


def points_for(rank: int, table) -> int:
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
        raise ValueError(f"A placement is a whole number from 1; got {rank!r}.")
    return table[rank - 1] if rank <= len(table) else 0


class _Acc:
    __slots__ = ("points", "wins", "best", "ranks")

    def __init__(self):
        self.points = []
        self.wins = 0
        self.best = _NOT_PLAYED
        self.ranks = {}  # event order -> rank


def season_standings(results, *, points_table, best_of=None, tiebreaks=TIEBREAKS, head_to_head=None) -> list[Row]:
    """Rank entrants over ``results`` (iterable of ``Result``). See the module docstring for the rules."""
    table = check_points_table(points_table)
    rules = check_tiebreaks(tiebreaks)
    if best_of is not None and (isinstance(best_of, bool) or not isinstance(best_of, int) or best_of < 1):
        raise ValueError(f"Count-best-N needs a whole number of at least 1; got {best_of!r}.")
    beaten = {}  # entrant -> {opponent: wins}: a tied group's head-to-head reads only its own members' games
    for (winner, loser), n in (head_to_head or {}).items():
        if n:
            beaten.setdefault(winner, {})[loser] = beaten.get(winner, {}).get(loser, 0) + n
    size = len(table)
    accs: dict = {}
    for r in results:
        rank = r.rank
        if rank.__class__ is not int or rank < 1:
            points_for(rank, table)  # raises the readable error
        acc = accs.get(r.entrant)
        if acc is None:
            acc = accs[r.entrant] = _Acc()
        acc.points.append(table[rank - 1] if rank <= size else 0)
        acc.wins += r.wins
        if rank < acc.best:
            acc.best = rank
        previous = acc.ranks.get(r.order)
        if previous is None or rank < previous:
            acc.ranks[r.order] = rank

    counted, totals = {}, {}
    for entrant, acc in accs.items():
        pts = acc.points
        total = totals[entrant] = pts[0] if len(pts) == 1 else sum(pts)
        if best_of is not None and len(pts) > best_of:
            counted[entrant] = sum(sorted(pts, reverse=True)[:best_of])
        else:
            counted[entrant] = total
    entrants = list(accs)
    try:
        entrants.sort()
    except TypeError:
        pass  # mixed entrant types: keep first-seen order for equal keys
    entrants.sort(key=counted.__getitem__, reverse=True)

    keys = {
        "wins": lambda group: {e: -accs[e].wins for e in group},
        "best_placement": lambda group: {e: accs[e].best for e in group},
        "head_to_head": _head_to_head_keys(beaten),
        "most_recent": lambda group: _most_recent_keys(group, accs),
    }

    def split(group, first_rule):
        """[(members, decided_by)] in order; members of one bucket are still level."""
        for i in range(first_rule, len(rules)):
            rule = rules[i]
            key = keys[rule](group)
            if len(set(key.values())) < 2:
                continue
            ordered = sorted(group, key=key.__getitem__)
            out = []
            start = 0
            while start < len(ordered):
                end = start + 1
                while end < len(ordered) and key[ordered[end]] == key[ordered[start]]:
                    end += 1
                bucket = ordered[start:end]
                out.extend([(bucket, rule)] if len(bucket) == 1 else split(bucket, i + 1))
                start = end
            return out
        return [(group, "tied")]

    rows: list[Row] = []
    position = 0
    n = len(entrants)
    start = 0
    while start < n:
        end = start + 1
        pts = counted[entrants[start]]
        while end < n and counted[entrants[end]] == pts:
            end += 1
        group = entrants[start:end]
        buckets = [(group, "points")] if len(group) == 1 else split(group, 0)
        for members, decided in buckets:
            rank = position + 1
            tied = len(members) > 1
            label = "tied" if tied else decided
            for e in members:
                acc = accs[e]
                rows.append(Row(e, rank, counted[e], totals[e], len(acc.points), acc.wins, acc.best, label, tied))
            position += len(members)
        start = end
    return rows


def _head_to_head_keys(beaten):
    def keys(group):
        members = set(group)
        return {e: -sum(n for o, n in beaten.get(e, {}).items() if o in members and o != e) for e in group}
    return keys


def _most_recent_keys(group, accs):
    orders = sorted({o for e in group for o in accs[e].ranks}, reverse=True)
    return {e: tuple(accs[e].ranks.get(o, _NOT_PLAYED) for o in orders) for e in group}
