"""Disputes: a side contests a match; staff review, escalate and resolve it with the final score."""
from django.db import transaction
from django.utils.translation import gettext as _

from .. import permissions
from ..models import Dispute, Match, Registration
from . import audit, notifications
from .base import lock, require, run_transition, save_stateful
from .errors import DomainError
from .scores import validate_series

D = Dispute.Status
OPEN_STATES = [D.OPEN, D.UNDER_REVIEW, D.ESCALATED]


def _open(match, actor, reason: str, description: str, evidence_url: str) -> Dispute:
    """Open a dispute on a locked match (used by participants and by conflicting reports)."""
    if match.disputes.filter(status__in=OPEN_STATES).exists():
        raise DomainError(_("Match %(k)s already has an open dispute.") % {"k": match.key}, code="duplicate")
    run_transition(match, "dispute", label=_("Match %(k)s") % {"k": match.key})
    save_stateful(match, actor)
    dispute = Dispute(match=match, raised_by=actor if isinstance(actor, Registration) else None, reason=reason,
                      description=description or "", evidence_url=evidence_url or "")
    save_stateful(dispute, actor)
    audit.log_action("dispute.open", actor=actor, tournament=match.tournament, target=dispute,
                     metadata={"match": match.pk, "reason": reason})
    from .matches import _changed, _sides

    _changed(match)
    notifications.notify_many(_sides(match), "dispute.opened", _("Dispute opened on %(k)s") % {"k": match.key},
                              _("Staff will review it. Reason: %(r)s") % {"r": dispute.get_reason_display()})
    return dispute


def open_dispute(match_id: int, *, actor, reason: str, description: str = "", evidence_url: str = "") -> Dispute:
    if reason not in Dispute.Reason.values:
        raise DomainError(_("Choose a reason for the dispute."), code="reason_required")
    with transaction.atomic():
        match = lock(Match, match_id, select_related=("tournament", "slot_a", "slot_b"))
        if isinstance(actor, Registration):
            if match.side_of(actor.pk) is None:
                raise DomainError(_("You are not playing in match %(k)s.") % {"k": match.key}, code="forbidden")
        else:
            require(actor, match.tournament, permissions.RESULTS)
        return _open(match, actor, reason, description, evidence_url)


def _load(dispute_id):
    return lock(Dispute, dispute_id, select_related=("match__tournament",))


def review(dispute_id: int, *, actor) -> Dispute:
    with transaction.atomic():
        dispute = _load(dispute_id)
        require(actor, dispute.match.tournament, permissions.RESULTS)
        run_transition(dispute, "review", actor)
        save_stateful(dispute, actor)
        audit.log_action("dispute.review", actor=actor, tournament=dispute.match.tournament, target=dispute)
        return dispute


def escalate(dispute_id: int, *, actor, note: str) -> Dispute:
    if not (note or "").strip():
        raise DomainError(_("Say why the dispute is escalated."), code="reason_required")
    with transaction.atomic():
        dispute = _load(dispute_id)
        require(actor, dispute.match.tournament, permissions.RESULTS)
        run_transition(dispute, "escalate", note.strip())
        save_stateful(dispute, actor)
        audit.log_action("dispute.escalate", actor=actor, tournament=dispute.match.tournament, target=dispute, reason=note)
        return dispute


def resolve(dispute_id: int, *, actor, resolution: str, score_a, score_b) -> Dispute:
    """Decide the dispute: the final score completes the match and progression follows."""
    if not (resolution or "").strip():
        raise DomainError(_("Write the resolution; both sides will read it."), code="reason_required")
    with transaction.atomic():
        dispute = _load(dispute_id)
        tournament = dispute.match.tournament
        require(actor, tournament, permissions.RESULTS)
        match = lock(Match, dispute.match_id, select_related=("tournament", "slot_a", "slot_b"))
        a, b = validate_series(match.best_of, score_a, score_b)
        run_transition(dispute, "resolve", actor, resolution.strip(), a, b)
        save_stateful(dispute, actor)
        audit.log_action("dispute.resolve", actor=actor, tournament=tournament, target=dispute, reason=resolution,
                         metadata={"score_a": a, "score_b": b})
        from .matches import _finish, _sides

        notifications.notify_many(_sides(match), "dispute.resolved", _("Dispute on %(k)s resolved") % {"k": match.key}, resolution)
        if match.status == Match.Status.DISPUTED:
            _finish(match, actor, a, b, "complete", action="match.complete_by_dispute", reason=resolution,
                    metadata={"dispute": dispute.pk})
        return dispute


def close_open_for(match, actor, note: str) -> int:
    """Resolve disputes left open on a match that was forfeited or cancelled (no score applies)."""
    closed = 0
    for dispute in match.disputes.select_for_update().filter(status__in=OPEN_STATES):
        run_transition(dispute, "resolve", actor if not isinstance(actor, Registration) else None, note, None, None)
        save_stateful(dispute, actor)
        audit.log_action("dispute.close", actor=actor, tournament=match.tournament, target=dispute, reason=note)
        closed += 1
    return closed
