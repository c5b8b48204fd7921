"""Moving entrants along a bracket when a match finishes, and undoing it for corrections.

Each match knows where its winner and loser go (``winner_to``/``loser_to`` + slot), so progression
is a lookup, not a re-plan. Nobody advancing (a double forfeit, a cancelled match) sends a *bye* to
the next match instead, and a match left with one entrant against a bye is walked over at once.
"""
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import events
from ..models import Dispute, Match
from . import audit, notifications
from .base import lock, run_transition, save_plain, save_stateful
from .errors import DomainError

M = Match.Status


def _side(slot: int) -> str:
    return "a" if slot == 0 else "b"


def _outcomes(match):
    """(winner, loser) registrations, either None when nobody advances from that side."""
    if match.status == M.CANCELLED or match.winner_id is None:
        return None, None
    loser = match.slot_b if match.winner_id == match.slot_a_id else match.slot_a
    return match.winner, loser


def _is_unneeded_reset(match, target) -> bool:
    """GF1 won by the winners-bracket side (slot A): the conditional reset is not played."""
    return target.is_conditional and match.winner_id is not None and match.winner_id == match.slot_a_id


def _place(target_id: int, slot: int, registration, actor):
    target = lock(Match, target_id, select_related=("tournament", "stage"))
    side = _side(slot)
    setattr(target, f"slot_{side}", registration)
    setattr(target, f"slot_{side}_bye", registration is None)
    save_plain(target, actor, reason=f"progression: slot {side.upper()}")
    events.publish(target.tournament, "match.updated", {
        "match": target.pk, "key": target.key, "status": target.status,
        "concerns": [pk for pk in (target.slot_a_id, target.slot_b_id) if pk is not None]})
    if registration is not None:
        notifications.notify(registration, "match.scheduled", _("Next match: %(k)s") % {"k": target.key},
                             _("You play %(k)s next.") % {"k": target.key})
    return target


def walk_over(match, actor=None):
    """Finish a match that has a bye on one or both sides and move on."""
    run_transition(match, "walk_over")
    match.winner = match.slot_a or match.slot_b
    match.completed_at = timezone.now()
    match.note = "bye"
    save_stateful(match, actor)
    audit.log_action("match.walkover", actor=actor, tournament=match.tournament, target=match,
                     metadata={"winner": match.winner_id})
    advance(match, actor)


def advance(match: Match, actor=None) -> None:
    """Send the winner (and loser, in double elimination) on; byes where nobody advances."""
    winner, loser = _outcomes(match)
    if match.winner_to_id:
        target = Match.objects.get(pk=match.winner_to_id)
        if _is_unneeded_reset(match, target):
            _skip_reset(target, actor)
        else:
            _place_and_follow(match.winner_to_id, match.winner_to_slot or 0, winner, actor)
    if match.loser_to_id:
        target = Match.objects.get(pk=match.loser_to_id)
        if not _is_unneeded_reset(match, target):
            _place_and_follow(match.loser_to_id, match.loser_to_slot or 0, loser, actor)
    events.publish(match.tournament, "bracket.updated", {
        "match": match.pk, "key": match.key, "concerns": [pk for pk in (match.slot_a_id, match.slot_b_id) if pk is not None]})
    if match.stage_id:
        from .brackets import finish_stage_if_done

        finish_stage_if_done(match.stage, actor)


def _place_and_follow(target_id, slot, registration, actor):
    target = _place(target_id, slot, registration, actor)
    if target.status == M.SCHEDULED and target.can_walk_over():
        walk_over(target, actor)


def _skip_reset(target, actor):
    if target.status in Match.OPEN:
        run_transition(target, "cancel")
        target.note = _("Not needed: the winners-bracket side won the grand final.")
        save_stateful(target, actor)
        audit.log_action("match.reset_not_needed", actor=actor, tournament=target.tournament, target=target)


# ---- corrections ------------------------------------------------------------------------------------

def downstream(match) -> list[Match]:
    """Matches whose occupants depend on ``match`` (breadth-first, nearest first), stopping at matches
    still waiting for this entrant."""
    seen, order, frontier = {match.pk}, [], [match]
    while frontier:
        current = frontier.pop(0)
        for target_id, slot in ((current.winner_to_id, current.winner_to_slot), (current.loser_to_id, current.loser_to_slot)):
            if not target_id or target_id in seen:
                continue
            target = Match.objects.select_related("slot_a", "slot_b", "tournament").get(pk=target_id)
            side = _side(slot or 0)
            occupied = getattr(target, f"slot_{side}_id") is not None or getattr(target, f"slot_{side}_bye")
            cancelled_reset = target.is_conditional and target.status == M.CANCELLED
            if not occupied and not cancelled_reset and target.status == M.SCHEDULED:
                continue
            seen.add(target_id)
            order.append(target)
            frontier.append(target)
    return order


def reset_downstream(match, actor, reason: str) -> list[str]:
    """Clear everything that followed from ``match``: fed slots emptied, played matches reset."""
    affected = downstream(match)
    sources = {match.pk} | {m.pk for m in affected}
    for target in affected:
        target = lock(Match, target.pk, select_related=("tournament",))
        for source in Match.objects.filter(Q(winner_to=target) | Q(loser_to=target), pk__in=sources):
            slot = source.winner_to_slot if source.winner_to_id == target.pk else source.loser_to_slot
            side = _side(slot or 0)
            setattr(target, f"slot_{side}", None)
            setattr(target, f"slot_{side}_bye", False)
        if target.status != M.SCHEDULED:
            run_transition(target, "reset")
            target.note = reason
            target.reports.filter(is_current=True).update(is_current=False)
            for dispute in target.disputes.filter(status__in=[Dispute.Status.OPEN, Dispute.Status.UNDER_REVIEW, Dispute.Status.ESCALATED]):
                run_transition(dispute, "resolve", None, _("Closed: the match was reset by a correction."), None, None)
                save_stateful(dispute, actor)
            save_stateful(target, actor)
        else:
            save_plain(target, actor, reason="correction: slots cleared")
        audit.log_action("match.reset", actor=actor, tournament=target.tournament, target=target, reason=reason,
                         metadata={"because_of": match.key})
    return [m.key for m in affected]


def blocking(match) -> list[Match]:
    return [m for m in downstream(match) if m.has_started()]


def refuse_if_blocked(match, reset: bool):
    blocked = blocking(match)
    if blocked and not reset:
        listing = ", ".join(f"{m.key} ({m.get_status_display().lower()})" for m in blocked)
        raise DomainError(_("Changing %(k)s affects matches that have started: %(l)s. Reset them to apply the correction.")
                          % {"k": match.key, "l": listing}, code="downstream_started",
                          details={"blocked": [m.key for m in blocked]})
