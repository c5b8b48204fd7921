"""Plain, frozen data describing a tournament plan.

A :class:`Plan` is a static description: who starts where, and where every
winner and loser goes next. It never stores results -- see ``placements``
for walking a plan with results. Keeping plans immutable lets the Django
side cache them, compare two plans, and regenerate them deterministically.
"""
from __future__ import annotations

import heapq
from collections import Counter, defaultdict, namedtuple
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain, compress, cycle, repeat

from .errors import BracketInvariantError

ELIMINATION_FORMATS = ("single_elimination", "double_elimination")
OUTCOMES = ("winner", "loser")


_SlotFields = namedtuple("_SlotFields", "entrant bye from_match outcome",
                         defaults=(None, False, None, None))


class Slot(_SlotFields):
    """One side of a match: an entrant, a BYE, a feed from another match, or empty.

    A feed (``from_match`` + ``outcome``) says "the winner/loser of match X
    plays here", which is how brackets chain without knowing results.

    An immutable named tuple (``Slot(entrant=None, bye=False, from_match=None,
    outcome=None)``): fields are read-only, equal slots compare and hash equal,
    and it pickles. Named tuples rather than frozen dataclasses because a plan
    holds thousands of them and a tuple is built in C (see :func:`build_matches`).
    """
    __slots__ = ()

    def __new__(cls, entrant=None, bye=False, from_match=None, outcome=None):
        self = tuple.__new__(cls, (entrant, bye, from_match, outcome))
        kinds = (entrant is not None) + bool(bye) + (from_match is not None)
        if kinds > 1:
            raise BracketInvariantError(f"A slot holds one thing only: {self!r}")
        if (from_match is None) != (outcome is None) or (
            outcome is not None and outcome not in OUTCOMES
        ):
            raise BracketInvariantError(f"A feed needs from_match and outcome winner/loser: {self!r}")
        return self

    @classmethod
    def _make(cls, iterable):
        return cls(*iterable)  # ``_replace`` goes through here: keep the checks

    @classmethod
    def of(cls, entrant):
        return cls(entrant=entrant)

    @classmethod
    def feed(cls, key, outcome):
        if outcome not in OUTCOMES:
            raise BracketInvariantError(f"A feed needs outcome winner/loser, not {outcome!r}")
        return cls(from_match=key, outcome=outcome)

    @property
    def kind(self):
        if self.entrant is not None:
            return "entrant"
        if self.bye:
            return "bye"
        if self.from_match is not None:
            return "feed"
        return "empty"


BYE = Slot(bye=True)
EMPTY = Slot()

_MatchFields = namedtuple(
    "_MatchFields",
    "key bracket round position slots best_of group winner_to loser_to conditional",
    defaults=(1, None, None, None, False))


class PlannedMatch(_MatchFields):
    """A head-to-head match (a series of ``best_of`` games) in a plan.

    ``winner_to``/``loser_to`` are ``(match key, slot index)`` or None (the
    entrant's run ends / the result is final). ``conditional`` marks a match
    that may not be needed (the grand-final reset).

    An immutable named tuple like :class:`Slot` (``PlannedMatch(key, bracket,
    round, position, slots, best_of=1, group=None, winner_to=None,
    loser_to=None, conditional=False)``).
    """
    __slots__ = ()

    @property
    def has_bye(self):
        return any(s.bye for s in self.slots)

    @property
    def is_played(self):
        """False for a BYE match: its real side advances without playing."""
        return not self.has_bye

    @property
    def entrants(self):
        return tuple(s.entrant for s in self.slots if s.entrant is not None)


@dataclass(frozen=True)
class PlannedLobby:
    """A battle-royale lobby: many entrants, ranked by placement and kills."""
    key: str
    round: int
    position: int
    entrants: tuple
    group: str | None = None


@dataclass(frozen=True)
class Plan:
    """A whole stage: matches (or lobbies) plus the facts needed to run it.

    ``rounds`` maps bracket name (or ``group:<label>``) to its round count.
    ``rests`` lists ``(group, round, entrant)`` for round robin rounds in
    which an odd group leaves someone idle. ``groups`` maps a group label to
    its entrants in seed order.
    """
    format: str
    entrants: tuple
    options: dict = field(default_factory=dict, hash=False)
    matches: tuple = ()
    rounds: dict = field(default_factory=dict, hash=False)
    rests: tuple = ()
    lobbies: tuple = ()
    groups: dict = field(default_factory=dict, hash=False)

    @cached_property
    def _index(self):
        return {m.key: m for m in self.matches}

    def by_key(self, key):
        """The match with this key (KeyError if there is none)."""
        return self._index[key]

    def __contains__(self, key):
        return key in self._index

    def played_matches(self, include_conditional=True):
        """Matches that are really played (BYE matches auto-advance).

        The grand-final reset is included by default, because schedules must
        reserve time for it; pass ``include_conditional=False`` to drop it.
        """
        return tuple(m for m in self.matches if m.is_played
                     and (include_conditional or not m.conditional))

    def matches_in(self, bracket=None, round=None, group=None):
        return tuple(m for m in self.matches
                     if (bracket is None or m.bracket == bracket)
                     and (round is None or m.round == round)
                     and (group is None or m.group == group))

    def rests_in(self, round, group=None):
        return tuple(e for g, r, e in self.rests if r == round and (group is None or g == group))

    def ordered_matches(self):
        """Matches in an order where every feed comes before its target."""
        indeg = {m.key: 0 for m in self.matches}
        for m in self.matches:
            for s in m.slots:
                if s.from_match is not None and s.from_match in indeg:
                    indeg[m.key] += 1
        pos = {m.key: i for i, m in enumerate(self.matches)}
        ready = [pos[k] for k, d in indeg.items() if d == 0]
        heapq.heapify(ready)  # keep the plan's own order among ready matches
        out = []
        while ready:
            m = self.matches[heapq.heappop(ready)]
            out.append(m)
            for target in (m.winner_to, m.loser_to):
                if target is not None and target[0] in indeg:
                    indeg[target[0]] -= 1
                    if indeg[target[0]] == 0:
                        heapq.heappush(ready, pos[target[0]])
        if len(out) != len(self.matches):
            raise BracketInvariantError(f"{self.format}: the feeds between matches form a cycle.")
        return tuple(out)

    def validate(self):
        """Check the plan's internal consistency; raise BracketInvariantError.

        Every feed points to a real match whose winner_to/loser_to points
        back at that exact slot; no slot is empty; no BYE-vs-BYE match; feeds
        are acyclic; best_of is odd; and entrants appear exactly once in an
        elimination plan (once per round in group/Swiss/lobby plans).
        Returns the plan so it can be chained.
        """
        def fail(msg):
            raise BracketInvariantError(f"{self.format} plan invalid: {msg}")

        keys = Counter(m.key for m in self.matches)
        dup = [k for k, c in keys.items() if c > 1]
        if dup:
            fail(f"duplicate match keys {dup[:5]}")
        known = set(self.entrants)
        targeted = set()
        for m in self.matches:
            if len(m.slots) != 2:
                fail(f"{m.key} has {len(m.slots)} slots")
            if m.best_of < 1 or m.best_of % 2 == 0:
                fail(f"{m.key} best_of={m.best_of}")
            if all(s.bye for s in m.slots):
                fail(f"{m.key} is BYE vs BYE")
            for idx, s in enumerate(m.slots):
                if s.kind == "empty":
                    fail(f"{m.key} slot {idx} is empty")
                if s.kind == "entrant" and s.entrant not in known:
                    fail(f"{m.key} slot {idx} holds unknown entrant {s.entrant!r}")
                if s.kind == "feed":
                    src = self._index.get(s.from_match)
                    if src is None:
                        fail(f"{m.key} slot {idx} fed by missing match {s.from_match}")
                    back = src.winner_to if s.outcome == "winner" else src.loser_to
                    if back != (m.key, idx):
                        fail(f"{m.key} slot {idx} expects {s.outcome} of {src.key}, "
                             f"which goes to {back}")
            for outcome, target in (("winner", m.winner_to), ("loser", m.loser_to)):
                if target is None:
                    continue
                tkey, tidx = target
                tm = self._index.get(tkey)
                if tm is None or tidx not in (0, 1):
                    fail(f"{m.key} {outcome} goes to missing slot {target}")
                ts = tm.slots[tidx]
                if ts.from_match != m.key or ts.outcome != outcome:
                    fail(f"{m.key} {outcome} goes to {target} which holds {ts!r}")
                if target in targeted:
                    fail(f"slot {target} is fed twice")
                targeted.add(target)
        self.ordered_matches()
        self._validate_appearances(fail, known)
        return self

    def _validate_appearances(self, fail, known):
        if self.format in ELIMINATION_FORMATS:
            seen = Counter(s.entrant for m in self.matches for s in m.slots if s.entrant is not None)
            for e in self.entrants:
                if seen[e] != 1:
                    fail(f"entrant {e!r} appears {seen[e]} times in first-round slots")
            return
        per_round = defaultdict(Counter)
        appeared = set()
        for m in self.matches:
            for e in m.entrants:
                per_round[(m.group, m.round)][e] += 1
                appeared.add(e)
        for lob in self.lobbies:
            for e in lob.entrants:
                if e not in known:
                    fail(f"lobby {lob.key} holds unknown entrant {e!r}")
                per_round[(lob.group, lob.round)][e] += 1
                appeared.add(e)
        for g, r, e in self.rests:
            per_round[(g, r)][e] += 1
            appeared.add(e)
        for where, counts in per_round.items():
            twice = [e for e, c in counts.items() if c > 1]
            if twice:
                fail(f"{twice[:5]} appear more than once in group/round {where}")
        missing = [e for e in self.entrants if e not in appeared]
        if missing:
            fail(f"entrants never scheduled: {missing[:5]}")


def seeded_slots(entrants, seeds):
    """One entrant :class:`Slot` per seed number (1-based) in ``seeds``; seeds past the field are
    ``BYE``. Entrants must be normalized (no None), so each slot holds exactly one thing and the
    checks of ``Slot()`` can be skipped (same class, same fields)."""
    n = len(entrants)
    if n >= len(seeds):  # no BYE: one C-level pass
        picked = map(entrants.__getitem__, map((-1).__add__, seeds))
        return list(map(_tuple_new, repeat(Slot),
                        zip(picked, repeat(False), repeat(None), repeat(None))))
    return [_tuple_new(Slot, (entrants[s - 1], False, None, None)) if s <= n else BYE
            for s in seeds]


_tuple_new = tuple.__new__


def build_matches(keys, brackets, rounds, positions, best_ofs, conditionals, winner_to, loser_to,
                  slots):
    """Materialize a bracket described as flat lists into :class:`PlannedMatch` objects.

    Match ``i`` is described by ``keys[i]`` ... ``conditionals[i]``; ``winner_to[i]`` and
    ``loser_to[i]`` are *flat slot numbers* ``2 * target_match_index + slot_index`` or -1 (the run
    ends / the result is final). ``slots`` is the flat list of the 2 * len(keys) slots: seeded
    slots hold their :class:`Slot` (an entrant or ``BYE``); every fed slot is filled here with the
    feed ``Slot`` of the one source that points at it, so feeds and targets agree by construction
    (``Plan.validate`` and the tests check whole plans).

    Why this shape: a 1,024-entrant double elimination is ~6,000 objects. Building them with
    ``map(tuple.__new__, ...)`` over zipped columns runs the loop in C and skips the per-object
    checks of ``Slot()`` (the layouts only produce valid slots), which is what brought planning
    well under the peer's time; the objects are the same named tuples the constructors make.
    """
    new = _tuple_new
    flat = 2 * len(keys)
    # one spare slot at the end: a -1 target (no feed) writes there, so no per-match test
    slots = slots[:flat] + [None]
    set_slot = slots.__setitem__
    for _ in map(set_slot, winner_to, map(new, repeat(Slot), zip(
            repeat(None), repeat(False), keys, repeat("winner")))):
        pass
    fed = list(map((0).__le__, loser_to))
    for _ in map(set_slot, compress(loser_to, fed), map(new, repeat(Slot), zip(
            repeat(None), repeat(False), compress(keys, fed), repeat("loser")))):
        pass
    # (key, slot index) of every flat slot, and None for -1
    where = list(zip(chain.from_iterable(zip(keys, keys)), cycle((0, 1))))
    where.append(None)
    return tuple(map(new, repeat(PlannedMatch), zip(
        keys, brackets, rounds, positions, zip(slots[0:flat:2], slots[1:flat:2]), best_ofs,
        repeat(None), map(where.__getitem__, winner_to), map(where.__getitem__, loser_to),
        conditionals)))


class Layout:
    """A bracket being laid out: one entry per match in each flat list, in feed order.

    Used by the elimination formats to wire a whole bracket with list arithmetic (slices and
    ranges instead of one object per match while wiring), then :meth:`build` materializes the
    frozen matches once. ``winner_to``/``loser_to`` hold flat slot numbers (see
    :func:`build_matches`) or -1.
    """
    __slots__ = ("keys", "brackets", "rounds", "positions", "best_ofs", "conditionals",
                 "winner_to", "loser_to")

    def __init__(self):
        for name in self.__slots__:
            setattr(self, name, [])

    def __len__(self):
        return len(self.keys)

    def add_round(self, prefix, bracket, rnd, count, best_of):
        """Append ``count`` matches keyed ``<prefix>1``..``<prefix><count>``; return the first index."""
        base = len(self.keys)
        self.keys += map(prefix.__add__, map(str, range(1, count + 1)))
        self.brackets += [bracket] * count
        self.rounds += [rnd] * count
        self.positions += range(1, count + 1)
        self.best_ofs += [best_of] * count
        self.conditionals += [False] * count
        self.winner_to += [-1] * count
        self.loser_to += [-1] * count
        return base

    def add_match(self, key, bracket, rnd, position, best_of, conditional=False):
        """Append one match; return its index."""
        self.keys.append(key)
        self.brackets.append(bracket)
        self.rounds.append(rnd)
        self.positions.append(position)
        self.best_ofs.append(best_of)
        self.conditionals.append(conditional)
        self.winner_to.append(-1)
        self.loser_to.append(-1)
        return len(self.keys) - 1

    def keep(self, indices):
        """Drop every match not in ``indices`` (ascending); renumber the targets.

        Targets must point at kept matches only (the caller cleared the others).
        """
        renumber = dict(zip(indices, range(len(indices))))
        for name in ("keys", "brackets", "rounds", "positions", "best_ofs", "conditionals"):
            values = getattr(self, name)
            setattr(self, name, [values[i] for i in indices])
        for name in ("winner_to", "loser_to"):
            values = getattr(self, name)
            setattr(self, name, [-1 if values[i] < 0
                                 else 2 * renumber[values[i] >> 1] + (values[i] & 1)
                                 for i in indices])

    def build(self, slots):
        """The frozen matches (``slots``: the flat seeded slots, see :func:`build_matches`)."""
        return build_matches(self.keys, self.brackets, self.rounds, self.positions, self.best_ofs,
                             self.conditionals, self.winner_to, self.loser_to, slots)
