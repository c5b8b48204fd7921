"""Moving entrants along the bracket when a match finishes.

Each match knows where its winner and loser go (``winner_to``/``loser_to`` + slot), so progression is
a lookup, not a re-plan. The bracket engine fills those feeds when a stage is generated.
"""
from ..models import Match
from . import notifications
from .base import lock, save_plain
from .. import events


def _place(target_id: int, slot: int, registration, actor):
    target = lock(Match, target_id)
    field = "slot_a" if slot == 0 else "slot_b"
    setattr(target, field, registration)
    save_plain(target, actor, reason=f"progression: {field}")
    events.publish(target.tournament, "match.updated", {"match": target.pk, "key": target.key, "status": target.status})
    if registration is not None:
        notifications.notify(registration, "match.scheduled", f"Next match: {target.key}",
                             f"You play {target.key} next.")
    return target


def advance(match: Match, actor=None) -> None:
    """Send the winner (and loser, in double elimination) to their next matches."""
    if match.winner_id is None:
        return
    loser = match.slot_b if match.winner_id == match.slot_a_id else match.slot_a
    if match.winner_to_id:
        _place(match.winner_to_id, match.winner_to_slot or 0, match.winner, actor)
    if match.loser_to_id and loser is not None:
        _place(match.loser_to_id, match.loser_to_slot or 0, loser, actor)
    events.publish(match.tournament, "bracket.updated", {"match": match.pk, "key": match.key})
