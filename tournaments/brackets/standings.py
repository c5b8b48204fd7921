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

from dataclasses import dataclass, fields
from itertools import compress
from operator import ne
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


class _Aggregates:
    """Per-entrant aggregates, one list per column, indexed by seed position.

    Built in a single pass over the results. Working with seed indices keeps
    every sort stable in seed order (the order the ranking falls back to)
    and makes ``-index`` the ``seed`` tiebreak value.
    """
    __slots__ = ("n", "int_points", "played", "wins", "losses", "draws", "byes", "points",
                 "sf", "sa", "kills", "games", "buchholz", "median")


def collect(entrants, results, table):
    """Aggregate results per entrant in one pass -> :class:`_Aggregates`.

    ``entrants`` must already be normalized (unique, hashable).
    """
    n = len(entrants)
    index = {e: i for i, e in enumerate(entrants)}
    get = index.get
    wins = [0] * n
    draws = [0] * n
    byes = [0] * n
    points = [0] * n
    sf = [0] * n
    sa = [0] * n
    kills = [0] * n
    # games[i] = [opponent index, points earned, opponent, points, ...] in result order
    # (flat pairs: no per-game tuple, so far fewer objects for the cyclic GC to scan)
    games = [[] for _ in range(n)]
    p_win, p_draw, p_loss, p_bye = table["win"], table["draw"], table["loss"], table["bye"]
    for res in results:
        if not isinstance(res, Result):
            raise BracketError(f"Results must be Result objects; got {res!r}.")
        a = res.a
        b = res.b
        ia = get(a)
        if ia is None:
            raise BracketError(f"A result names {a!r}, who is not an entrant; fix or remove it.")
        if b is None:  # a bye
            byes[ia] += 1
            points[ia] += p_bye
            continue
        ib = get(b)
        if ib is None:
            raise BracketError(f"A result names {b!r}, who is not an entrant; fix or remove it.")
        score_a = res.score_a
        score_b = res.score_b
        sf[ia] += score_a
        sa[ia] += score_b
        sf[ib] += score_b
        sa[ib] += score_a
        kills[ia] += res.kills_a
        kills[ib] += res.kills_b
        winner = res.winner
        if winner is None:
            pa = pb = p_draw
            draws[ia] += 1
            draws[ib] += 1
        elif winner == a:
            pa, pb = p_win, p_loss
            wins[ia] += 1
        else:
            pa, pb = p_loss, p_win
            wins[ib] += 1
        points[ia] += pa
        points[ib] += pb
        games[ia] += ib, pa
        games[ib] += ia, pb
    # one games entry per match played; what is neither a win nor a draw is a loss
    played = [len(g) >> 1 for g in games]
    losses = [p - w - d for p, w, d in zip(played, wins, draws)]

    # Buchholz / median Buchholz. With int points the sum does not depend on
    # the order, so skip the sort; otherwise sum in sorted order exactly as
    # the definition reads (keeps float results bit-identical).
    buchholz = [0] * n
    median = [0] * n
    int_points = all(type(v) is int for v in table.values())
    if int_points:
        for i, g in enumerate(games):
            if g:
                opp = list(map(points.__getitem__, g[::2]))
                total = sum(opp)
                buchholz[i] = total
                median[i] = total - max(opp) - min(opp) if len(opp) >= 3 else total
    else:
        for i, g in enumerate(games):
            opp = sorted(map(points.__getitem__, g[::2]))
            total = sum(opp)
            buchholz[i] = total
            median[i] = sum(opp[1:-1]) if len(opp) >= 3 else total
    agg = _Aggregates()
    agg.n = n
    agg.int_points = int_points
    agg.played, agg.wins, agg.losses, agg.draws, agg.byes = played, wins, losses, draws, byes
    agg.points, agg.sf, agg.sa, agg.kills, agg.games = points, sf, sa, kills, games
    agg.buchholz, agg.median = buchholz, median
    return agg


def _column(rule, agg):
    """Tiebreak values of ``rule`` for every entrant (higher ranks first)."""
    if rule == "points":
        return agg.points
    if rule == "wins":
        return agg.wins
    if rule == "losses":
        return [-x for x in agg.losses]
    if rule == "score_difference":
        return [f - a for f, a in zip(agg.sf, agg.sa)]
    if rule == "score_for":
        return agg.sf
    if rule == "buchholz":
        return agg.buchholz
    if rule == "median_buchholz":
        return agg.median
    if rule == "kills":
        return agg.kills
    return list(range(0, -agg.n, -1))  # seed


def rank_entrants(agg, rules):
    """Order entrant indices by ``rules``.

    Returns ``(order, decided)``: seed indices in rank order and, for each
    row, the rule separating it from the next row ('tied' or None).

    Rules other than head-to-head do not depend on the tied subset, so each
    run of them is applied as one stable sort on a key tuple; adjacent rows
    are separated by the first rule whose values differ (the same answer as
    splitting rule by rule). Head-to-head mini-tables are only computed for
    the tied subsets that reach them; when re-applied to a smaller tie they
    only look at the games played inside the bigger one.
    """
    n_rules = len(rules)
    # nxt[i] = index of the first head_to_head at or after i (or n_rules)
    nxt = [n_rules] * (n_rules + 1)
    for i in range(n_rules - 1, -1, -1):
        nxt[i] = i if rules[i] == "head_to_head" else nxt[i + 1]
    seg_keys = {}  # rule index -> (key function, rules of the segment)
    inside = bytearray(agg.n)  # membership marks of the tie being split, reset after use
    int_points = agg.int_points

    def mini_table(members, adj):
        """Head-to-head points of each member against the other ``members``.

        Also returns each member's games inside the tie, for re-application.
        """
        for e in members:
            inside[e] = 1
        vals = {}
        kept = {}
        if int_points:
            for e in members:
                g = adj[e]
                if not g:  # no game inside the tie (the common case once re-applied)
                    kept[e] = g
                    vals[e] = 0
                    continue
                mine = []
                total = 0
                pairs = iter(g)
                for o, p in zip(pairs, pairs):
                    if inside[o]:
                        mine += o, p
                        total += p
                kept[e] = mine
                vals[e] = total
        else:
            for e in members:
                pairs = iter(adj[e])
                mine = [x for o, p in zip(pairs, pairs) if inside[o] for x in (o, p)]
                kept[e] = mine
                pairs = iter(mine)
                vals[e] = sum(p for _, p in zip(pairs, pairs))
        for e in members:
            inside[e] = 0
        return vals, kept

    def segment(i):
        seg = seg_keys.get(i)
        if seg is None:
            names = rules[i:nxt[i]]
            cols = [_column(r, agg) for r in names]
            if len(cols) == 1:
                seg = (cols[0].__getitem__, names)
            else:
                seg = (list(zip(*cols)).__getitem__, names)
            seg_keys[i] = seg
        return seg

    order = []
    decided = []
    emit = order.append
    note = decided.append
    # work stack: str = separator label for the last row emitted, tuple = a tie
    # to resolve (members, rule index, games to use for head-to-head or None)
    stack = [(list(range(agg.n)), 0, None)]
    pop = stack.pop
    push = stack.append
    while stack:
        item = pop()
        if type(item) is str:
            decided[-1] = item
            continue
        members, i, adj = item
        if len(members) == 1:
            emit(members[0])
            note(None)
            continue
        if i >= n_rules:  # nothing separates them
            for k, e in enumerate(members):
                if k:
                    decided[-1] = "tied"
                emit(e)
                note(None)
            continue
        if rules[i] == "head_to_head":
            vals, kept = mini_table(members, agg.games if adj is None else adj)
            if len(set(vals.values())) == 1:
                push((members, i + 1, None))
                continue
            key = vals.__getitem__
            names = ("head_to_head",)
            nxt_i, nxt_adj = i, kept  # re-apply head-to-head to each smaller tie
        else:
            key, names = segment(i)
            nxt_i, nxt_adj = nxt[i], None
        ranked = sorted(members, key=key, reverse=True)
        keys = list(map(key, ranked))
        m = len(ranked)
        cuts = list(compress(range(1, m), map(ne, keys[1:], keys)))  # run starts
        if not cuts:
            push((ranked, nxt_i, nxt_adj))
            continue
        if len(names) == 1:
            labels = [names[0]] * len(cuts)
        else:
            labels = [_first_difference(keys[c - 1], keys[c], names) for c in cuts]
        if len(cuts) == m - 1:  # every row stands alone: emit them all now
            order += ranked
            decided += labels
            note(None)
            continue
        # emit the leading single rows now; defer the rest (in reverse, for the stack)
        bounds = [0, *cuts, m]
        last = len(cuts)
        r = 0
        while r < last and bounds[r + 1] - bounds[r] == 1:
            emit(ranked[bounds[r]])
            note(labels[r])
            r += 1
        for k in range(last, r - 1, -1):
            push((ranked[bounds[k]:bounds[k + 1]], nxt_i, nxt_adj))
            if k > r:
                push(labels[k - 1])
    return order, decided


def _first_difference(prev, cur, names):
    """Name of the rule separating two adjacent key values."""
    if len(names) == 1:
        return names[0]
    p = 0
    while cur[p] == prev[p]:
        p += 1
    return names[p]


@options
def standings(entrants, results, *, tiebreakers=DEFAULT_TIEBREAKERS, points=None):
    """Ranked :class:`StandingRow` tuple; see the module docstring."""
    rules = check_tiebreakers(tiebreakers)
    table = check_points(points)
    ents = normalize_entrants(entrants, minimum=1, what="A standings table")
    agg = collect(ents, results, table)
    order, decided = rank_entrants(agg, ("points",) + tuple(r for r in rules if r != "points"))
    played, wins, losses, draws, byes = agg.played, agg.wins, agg.losses, agg.draws, agg.byes
    pts, sf, sa, kills = agg.points, agg.sf, agg.sa, agg.kills
    buchholz, median = agg.buchholz, agg.median
    rows = []
    append = rows.append
    make = _make_row
    rank = 1
    prev = None
    for pos, i in enumerate(order):
        if pos and prev != "tied":
            rank = pos + 1
        prev = decided[pos]
        append(make(rank, ents[i], played[i], wins[i], losses[i], draws[i], byes[i], pts[i],
                    sf[i], sa[i], sf[i] - sa[i], buchholz[i], median[i], kills[i], i + 1, prev))
    return tuple(rows)


def _fast_row(rank, entrant, played, wins, losses, draws, byes, points, score_for,
              score_against, score_difference, buchholz, median_buchholz, kills, seed,
              decided_by):
    """``StandingRow(...)`` without the frozen-dataclass ``__init__`` cost.

    A frozen dataclass sets each of its 16 fields through
    ``object.__setattr__``, which was ~1/4 of a 10,000-row table. Filling
    ``__dict__`` directly yields an identical instance (same fields, eq,
    hash, repr, pickling); it is only used while :data:`_FAST_ROWS` holds.
    """
    row = _new(StandingRow)
    _setattr(row, "__dict__", {
        "rank": rank, "entrant": entrant, "played": played, "wins": wins, "losses": losses,
        "draws": draws, "byes": byes, "points": points, "score_for": score_for,
        "score_against": score_against, "score_difference": score_difference,
        "buchholz": buchholz, "median_buchholz": median_buchholz, "kills": kills,
        "seed": seed, "decided_by": decided_by,
    })
    return row


_new = object.__new__
_setattr = object.__setattr__
# The shortcut is only valid for a plain (no slots, no __post_init__) dataclass
# whose fields are exactly _fast_row's parameters, in order.
_FAST_ROWS = (
    not hasattr(StandingRow, "__post_init__")
    and "__slots__" not in vars(StandingRow)
    and tuple(f.name for f in fields(StandingRow))
    == _fast_row.__code__.co_varnames[:_fast_row.__code__.co_argcount]
)
_make_row = _fast_row if _FAST_ROWS else StandingRow
