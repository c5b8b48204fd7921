"""Score rules shared by reporting, overrides and dispute resolutions."""
from django.utils.translation import gettext as _

from .errors import DomainError


def parse_score(value, side: str) -> int:
    try:
        score = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError(_("Score %(side)s must be a whole number, not “%(v)s”.") % {"side": side, "v": value}, code="score")
    if score < 0 or score > 999:
        raise DomainError(_("Score %(side)s must be between 0 and 999.") % {"side": side}, code="score")
    return score


def validate_series(best_of: int, score_a, score_b) -> tuple[int, int]:
    """A series must have a winner. For best-of-N (N>1) the scores are games won: the winner has
    exactly a majority and the loser fewer. For best-of-1 any score with a difference (13–11) is fine."""
    a, b = parse_score(score_a, "A"), parse_score(score_b, "B")
    if a == b:
        raise DomainError(_("A match needs a winner; %(a)d–%(b)d is a draw.") % {"a": a, "b": b}, code="score")
    if best_of > 1:
        need = best_of // 2 + 1
        if max(a, b) != need or min(a, b) >= need:
            raise DomainError(_("In a best of %(n)d the winner takes exactly %(need)d games; %(a)d–%(b)d is not possible.")
                              % {"n": best_of, "need": need, "a": a, "b": b}, code="score")
    return a, b
