"""Plain, frozen data describing a tournament plan.

A :class:`Plan` is a static description: who starts where, and where every
winner and loser goes next. It never stores results -- see ``placements``
for walking a plan with results. Keeping plans immutable lets the Django
side cache them, compare two plans, and regenerate them deterministically.
"""
from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .errors import BracketInvariantError

ELIMINATION_FORMATS = ("single_elimination", "double_elimination")
OUTCOMES = ("winner", "loser")


@dataclass(frozen=True)
class Slot:
    """One side of a match: an entrant, a BYE, a feed from another match, or empty.

    A feed (``from_match`` + ``outcome``) says "the winner/loser of match X
    plays here", which is how brackets chain without knowing results.
    """
    entrant: Any = None
    bye: bool = False
    from_match: str | None = None
    outcome: str | None = None

    def __post_init__(self):
        kinds = (self.entrant is not None) + bool(self.bye) + (self.from_match is not None)
        if kinds > 1:
            raise BracketInvariantError(f"A slot holds one thing only: {self!r}")
        if (self.from_match is None) != (self.outcome is None) or (
            self.outcome is not None and self.outcome not in OUTCOMES
        ):
            raise BracketInvariantError(f"A feed needs from_match and outcome winner/loser: {self!r}")

    @classmethod
    def of(cls, entrant):
        return cls(entrant=entrant)

    @classmethod
    def feed(cls, key, outcome):
        if outcome not in OUTCOMES:
            raise BracketInvariantError(f"A feed needs outcome winner/loser, not {outcome!r}")
        return _fast_new(cls, {"entrant": None, "bye": False, "from_match": key, "outcome": outcome})

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


@dataclass(frozen=True)
class PlannedMatch:
    """A head-to-head match (a series of ``best_of`` games) in a plan.

    ``winner_to``/``loser_to`` are ``(match key, slot index)`` or None (the
    entrant's run ends / the result is final). ``conditional`` marks a match
    that may not be needed (the grand-final reset).
    """
    key: str
    bracket: str
    round: int
    position: int
    slots: tuple
    best_of: int = 1
    group: str | None = None
    winner_to: tuple | None = None
    loser_to: tuple | None = None
    conditional: bool = False

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


@dataclass
class Draft:
    """Mutable match used while a bracket is being wired, then frozen."""
    key: str
    bracket: str
    round: int
    position: int
    slots: list
    best_of: int = 1
    group: str | None = None
    winner_to: tuple | None = None
    loser_to: tuple | None = None
    conditional: bool = False

    def freeze(self):
        return _fast_new(PlannedMatch, {
            "key": self.key, "bracket": self.bracket, "round": self.round, "position": self.position,
            "slots": tuple(self.slots), "best_of": self.best_of, "group": self.group,
            "winner_to": self.winner_to, "loser_to": self.loser_to, "conditional": self.conditional})


def _fast_new(cls, values):
    """Build a frozen dataclass without its generated ``__init__`` (one ``object.__setattr__`` per
    field made half of planning a 1,024-entrant double elimination). Only for classes whose fields
    match ``values`` exactly and that have no ``__post_init__`` work beyond what the caller checked:
    the plan's own ``validate()`` and the tests cover the result."""
    obj = object.__new__(cls)
    obj.__dict__.update(values)
    return obj


def link(src, outcome, dst, idx):
    """Wire ``outcome`` of draft ``src`` into slot ``idx`` of draft ``dst``."""
    if outcome == "winner":
        src.winner_to = (dst.key, idx)
    else:
        src.loser_to = (dst.key, idx)
    dst.slots[idx] = Slot.feed(src.key, outcome)
