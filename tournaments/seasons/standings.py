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

from itertools import groupby as _groupby
from itertools import repeat as _repeat
from operator import itemgetter
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
_first = itemgetter(0)
_second = itemgetter(1)


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


_new_row = tuple.__new__  # Row(*values) without the per-row Python-level __new__ call


def season_standings(results, *, points_table, best_of=None, tiebreaks=TIEBREAKS, head_to_head=None) -> list[Row]:
    """Rank entrants over ``results``. See the module docstring for the rules.

    ``results`` is an iterable of ``Result`` or of plain 5-tuples in the same field order
    ``(entrant, event, rank, wins, order)`` (callers reading 10,000 rows from a database skip building
    a named tuple per row). ``head_to_head`` is a mapping ``{(winner, loser): wins}`` or a callable
    ``f(entrants) -> mapping``: called at most once, only when some tied group reaches the
    ``head_to_head`` rule, with the set of the entrants of all such groups (pairs involving anybody
    else are never read), so a caller can defer and limit reading the pairs.
    """
    table = check_points_table(points_table)
    rules = check_tiebreaks(tiebreaks)
    if best_of is not None and (isinstance(best_of, bool) or not isinstance(best_of, int) or best_of < 1):
        raise ValueError(f"Count-best-N needs a whole number of at least 1; got {best_of!r}.")
    size = len(table)
    # entrant -> [points list, wins, best rank, {event order: best rank in that event}]
    accs: dict = {}
    get = accs.get
    for entrant, _event, rank, wins, order in results:
        if rank.__class__ is not int or rank < 1:
            points_for(rank, table)  # raises the readable error
        acc = get(entrant)
        if acc is None:
            accs[entrant] = [[table[rank - 1] if rank <= size else 0], wins, rank, {order: rank}]
            continue
        acc[0].append(table[rank - 1] if rank <= size else 0)
        acc[1] += wins
        if rank < acc[2]:
            acc[2] = rank
        ranks = acc[3]
        previous = ranks.get(order)
        if previous is None or rank < previous:
            ranks[order] = rank

    # (entrant, counted, total, events, wins, best)
    summary = []
    append = summary.append
    for entrant, (pts, wins, best, _ranks) in accs.items():
        events = len(pts)
        total = pts[0] if events == 1 else sum(pts)
        if best_of is not None and events > best_of:
            append((entrant, sum(sorted(pts, reverse=True)[:best_of]), total, events, wins, best))
        else:
            append((entrant, total, total, events, wins, best))
    try:
        summary.sort(key=_first)
    except TypeError:
        pass  # mixed entrant types: keep first-seen order for equal keys
    summary.sort(key=_second, reverse=True)

    beaten = None  # entrant -> {opponent: wins}, loaded once the groups that need it are known

    def load_beaten(needed):
        nonlocal beaten
        beaten = {}
        pairs = head_to_head(needed) if callable(head_to_head) else head_to_head
        for (winner, loser), n in (pairs or {}).items():
            if n:
                opponents = beaten.setdefault(winner, {})
                opponents[loser] = opponents.get(loser, 0) + n

    def h2h_key(group):
        members = set(group)
        if members.isdisjoint(beaten):
            return None  # nobody in the group beat anybody: the rule cannot separate them
        key = {}
        for e in group:
            opponents = beaten.get(e)
            if opponents is None or members.isdisjoint(opponents):
                key[e] = 0  # beat nobody of this group (the usual case: checked in C, no generator)
            else:
                key[e] = -sum(n for o, n in opponents.items() if o in members and o != e)
        return key

    def recent_key(group):
        played = [accs[e][3] for e in group]
        orders = sorted(set().union(*played), reverse=True)
        if len(orders) == 1:  # one event between them: its rank alone orders them like a 1-tuple would
            return dict(zip(group, map(dict.get, played, _repeat(orders[0]), _repeat(_NOT_PLAYED))))
        return {e: tuple(map(ranks.get, orders, _repeat(_NOT_PLAYED))) for e, ranks in zip(group, played)}

    keys = {
        "wins": lambda group: {e: -accs[e][1] for e in group},
        "best_placement": lambda group: {e: accs[e][2] for e in group},
        "head_to_head": h2h_key,
        "most_recent": recent_key,
    }

    def split(group, first_rule):
        """[(members, decided_by)] in order; members of one bucket are still level."""
        for i in range(first_rule, len(rules)):
            rule = rules[i]
            if beaten is None and rule == "head_to_head":
                return [(group, i)]  # pending: resolved once every group needing head-to-head is known
            key = keys[rule](group)
            if key is None or len(set(key.values())) < 2:
                continue
            out = []
            for _k, bucket in _groupby(sorted(group, key=key.__getitem__), key.__getitem__):
                bucket = list(bucket)
                if len(bucket) == 1:
                    out.append((bucket, rule))
                else:
                    out.extend(split(bucket, i + 1))
            return out
        return [(group, "tied")]

    # levels of equal points, each as [(members, decided_by)]; then head-to-head, read once for all
    # the entrants whose tie reached it, then the rows
    levels = []
    needed = []
    for _points, level in _groupby(summary, _second):
        level = list(level)
        if len(level) == 1:
            levels.append((level, None))
            continue
        buckets = split([row[0] for row in level], 0)
        needed.extend(m for members, decided in buckets if decided.__class__ is int for m in members)
        levels.append((level, buckets))
    if needed:
        load_beaten(set(needed))
    by_entrant = {row[0]: row for row in summary}
    rows: list[Row] = []
    extend = rows.extend
    position = 0
    for level, buckets in levels:
        if buckets is None:
            e, counted, total, events, wins, best = level[0]
            position += 1
            rows.append(_new_row(Row, (e, position, counted, total, events, wins, best, "points", False)))
            continue
        for members, decided in buckets:
            if decided.__class__ is int:
                resolved = split(members, decided)
            else:
                resolved = ((members, decided),)
            for members_, decided_ in resolved:
                rank = position + 1
                tied = len(members_) > 1
                label = "tied" if tied else decided_
                extend([_new_row(Row, (s[0], rank, s[1], s[2], s[3], s[4], s[5], label, tied))
                        for s in map(by_entrant.__getitem__, members_)])
                position += len(members_)
    return rows
