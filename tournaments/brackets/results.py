"""The result record shared by Swiss pairing and standings."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import BracketError


@dataclass(frozen=True)
class Result:
    """A completed match between ``a`` and ``b`` (or a bye when ``b`` is None).

    ``winner`` is ``a``, ``b`` or None for a draw. Scores are game/round
    scores used for score difference; kills feed the ``kills`` tiebreaker.
    A bye (``Result.bye(x)``) always has ``winner == a``.
    """
    a: Any
    b: Any = None
    winner: Any = None
    score_a: int = 0
    score_b: int = 0
    kills_a: int = 0
    kills_b: int = 0
    round: int | None = None

    def __post_init__(self):
        if self.a is None:
            raise BracketError("A result needs entrant a.")
        if self.b is None:
            object.__setattr__(self, "winner", self.a)
            return
        if self.a == self.b:
            raise BracketError(f"A result pairs {self.a!r} with itself; fix the opponent.")
        if self.winner is not None and self.winner not in (self.a, self.b):
            raise BracketError(
                f"Result {self.a!r} vs {self.b!r} names winner {self.winner!r}, "
                "who did not play in it."
            )

    @classmethod
    def bye(cls, entrant, round=None):
        return cls(a=entrant, b=None, winner=entrant, round=round)

    @property
    def is_bye(self):
        return self.b is None

    @property
    def is_draw(self):
        return self.b is not None and self.winner is None

    @property
    def loser(self):
        if self.is_bye or self.winner is None:
            return None
        return self.b if self.winner == self.a else self.a
