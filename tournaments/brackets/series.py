"""Best-of-N series arithmetic."""
from __future__ import annotations

from dataclasses import dataclass

from .errors import BracketError, check_best_of


@dataclass(frozen=True)
class SeriesStatus:
    """Outcome of a (possibly unfinished) series.

    ``winner`` is the slot index (0 or 1) of the side that clinched the
    series, or None while it is still open. ``wins_needed`` is the majority
    of ``best_of`` (2 in a Bo3).
    """
    decided: bool
    winner: int | None
    wins_needed: int
    games_played: int


def series_winner(game_scores, best_of):
    """Tell whether a series is decided and by whom.

    ``game_scores`` is ``(games won by slot 0, games won by slot 1)``.
    Impossible scores raise :class:`BracketError`: more games than the series
    allows, a side past the majority (the series stops as soon as someone
    reaches it) or both sides at the majority.
    """
    check_best_of(best_of)
    try:
        a, b = game_scores
    except (TypeError, ValueError):
        raise BracketError(
            f"game_scores must be a pair (wins of side 0, wins of side 1); got {game_scores!r}."
        ) from None
    for v in (a, b):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise BracketError(f"Game wins must be whole numbers >= 0; got {game_scores!r}.")
    need = best_of // 2 + 1
    if a + b > best_of:
        raise BracketError(
            f"A best-of-{best_of} has at most {best_of} games; {a}-{b} is {a + b}."
        )
    if a > need or b > need or (a == need and b == need):
        raise BracketError(
            f"{a}-{b} is impossible in a best-of-{best_of}: the series ends when a side "
            f"reaches {need} wins."
        )
    if a == need:
        return SeriesStatus(True, 0, need, a + b)
    if b == need:
        return SeriesStatus(True, 1, need, a + b)
    return SeriesStatus(False, None, need, a + b)
