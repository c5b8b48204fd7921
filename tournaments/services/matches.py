"""Match workflows: schedule, start, report and confirm results, override, forfeit, cancel."""
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import events, permissions
from ..models import Dispute, Match, MatchReport, Registration
from . import audit, notifications, progression
from .base import lock, require, run_transition, save_plain, save_stateful
from .errors import DomainError
from .scores import validate_series

M = Match.Status


def _load(match_id):
    return lock(Match, match_id, select_related=("tournament", "slot_a", "slot_b", "stage"))


def _changed(match):
    events.publish(match.tournament, "match.updated", {
        "match": match.pk, "key": match.key, "status": match.status,
        "score_a": match.score_a, "score_b": match.score_b, "winner": match.winner_id,
        "scheduled_at": match.scheduled_at.isoformat() if match.scheduled_at else None,
        "concerns": [pk for pk in (match.slot_a_id, match.slot_b_id) if pk is not None],
    })


def _sides(match):
    return [r for r in (match.slot_a, match.slot_b) if r is not None]


def _participant_side(match, actor) -> int:
    side = match.side_of(actor.pk)
    if side is None:
        raise DomainError(_("You are not playing in match %(k)s.") % {"k": match.key}, code="forbidden")
    return side


def _finish(match, actor, score_a: int, score_b: int, transition: str, *, action: str, reason: str = "", metadata=None):
    """Set the final score and winner, complete the match and move entrants along."""
    match.score_a, match.score_b = score_a, score_b
    match.winner = match.slot_a if score_a > score_b else match.slot_b
    match.completed_at = timezone.now()
    if reason:
        match.note = reason
    run_transition(match, transition)
    save_stateful(match, actor)
    match.reports.filter(is_current=True).update(is_current=False)
    audit.log_action(action, actor=actor, tournament=match.tournament, target=match, reason=reason,
                     metadata={"score_a": score_a, "score_b": score_b, "winner": match.winner_id, **(metadata or {})})
    _changed(match)
    notifications.notify_many(_sides(match), "match.result_confirmed", _("Result confirmed: %(k)s") % {"k": match.key},
                              _("%(a)s %(sa)d–%(sb)d %(b)s") % {"a": match.side_name(0), "sa": score_a, "sb": score_b, "b": match.side_name(1)})
    progression.advance(match, actor)
    return match


def reschedule(match_id: int, *, actor, new_time, reason: str = "") -> Match:
    """Move a match that has not started. Refused when either side has another match too close."""
    with transaction.atomic():
        match = _load(match_id)
        require(actor, match.tournament, permissions.RESULTS)
        if match.status not in (M.SCHEDULED, M.CHECK_IN, M.READY):
            raise DomainError(_("Match %(k)s is %(s)s; only matches that have not started can be rescheduled.")
                              % {"k": match.key, "s": match.get_status_display().lower()}, code="invalid_state")
        if new_time is None or timezone.is_naive(new_time):
            raise DomainError(_("Give a date and time with a time zone."), code="time")
        if new_time <= timezone.now():
            raise DomainError(_("The new time is in the past."), code="time")
        window = timedelta(minutes=settings.MATCH_CONFLICT_WINDOW_MINUTES)
        sides = [pk for pk in (match.slot_a_id, match.slot_b_id) if pk]
        clash = (Match.objects.filter(Q(slot_a_id__in=sides) | Q(slot_b_id__in=sides), status__in=Match.OPEN,
                                      scheduled_at__gt=new_time - window, scheduled_at__lt=new_time + window)
                 .exclude(pk=match.pk).order_by("scheduled_at").first()) if sides else None
        if clash is not None:
            raise DomainError(_("Conflict: match %(k)s is at %(t)s, less than %(m)d minutes from the new time.")
                              % {"k": clash.key, "t": timezone.localtime(clash.scheduled_at).strftime("%Y-%m-%d %H:%M"),
                                 "m": settings.MATCH_CONFLICT_WINDOW_MINUTES}, code="conflict")
        old = match.scheduled_at
        match.scheduled_at = new_time
        save_plain(match, actor, reason="rescheduled")
        audit.log_action("match.reschedule", actor=actor, tournament=match.tournament, target=match, reason=reason,
                         metadata={"from": old.isoformat() if old else None, "to": new_time.isoformat()})
        _changed(match)
        notifications.notify_many(_sides(match), "match.rescheduled", _("Match %(k)s rescheduled") % {"k": match.key},
                                  _("New time: %(t)s") % {"t": timezone.localtime(new_time).strftime("%Y-%m-%d %H:%M %Z")})
        return match


def start(match_id: int, *, actor) -> Match:
    with transaction.atomic():
        match = _load(match_id)
        require(actor, match.tournament, permissions.RESULTS)
        run_transition(match, "start", label=_("Match %(k)s") % {"k": match.key})
        match.started_at = timezone.now()
        save_stateful(match, actor)
        audit.log_action("match.start", actor=actor, tournament=match.tournament, target=match)
        _changed(match)
        return match


def submit_result(match_id: int, *, actor, score_a, score_b, evidence_url: str = "", evidence=None, game_scores=None) -> MatchReport:
    """A side (participant) or staff on its behalf reports the score.

    Matching reports from both sides confirm the match when the tournament allows it; conflicting
    reports open a dispute at once so staff see it in their queue.
    """
    with transaction.atomic():
        match = _load(match_id)
        if isinstance(actor, Registration):
            side = _participant_side(match, actor)
            reporter = actor
        else:
            require(actor, match.tournament, permissions.RESULTS)
            raise DomainError(_("Staff enter results with “override score”; reports come from the teams."), code="forbidden")
        if match.status not in Match.REPORTABLE:
            raise DomainError(_("Match %(k)s is %(s)s; results can no longer be reported.")
                              % {"k": match.key, "s": match.get_status_display().lower()}, code="invalid_state")
        a, b = validate_series(match.best_of, score_a, score_b)
        if evidence is not None:
            from django.core.exceptions import ValidationError

            from ..uploads import validate_image_upload
            try:
                validate_image_upload(evidence)
            except ValidationError as exc:
                raise DomainError(" ".join(exc.messages), code="upload")
        match.reports.filter(registration=reporter, is_current=True).update(is_current=False)
        report = MatchReport.objects.create(match=match, registration=reporter, score_a=a, score_b=b,
                                            evidence_url=evidence_url or "", game_scores=game_scores or [],
                                            **({"evidence": evidence} if evidence is not None else {}))
        if match.status != M.PENDING_RESULT:
            run_transition(match, "report")
            save_stateful(match, actor)
        audit.log_action("match.report", actor=actor, tournament=match.tournament, target=match,
                         metadata={"score_a": a, "score_b": b, "side": side, "report": report.pk})
        other = match.reports.filter(is_current=True).exclude(registration=reporter).first()
        opponent = match.opponent_of(reporter.pk)
        if other is None:
            _changed(match)
            if opponent is not None:
                notifications.notify(opponent, "match.result_reported", _("Result reported: %(k)s") % {"k": match.key},
                                     _("%(who)s reported %(a)d–%(b)d. Confirm it or open a dispute.") % {"who": reporter.display_name, "a": a, "b": b})
        elif (other.score_a, other.score_b) == (a, b):
            if match.tournament.auto_confirm_matching_reports:
                _finish(match, None, a, b, "complete", action="match.auto_confirm", metadata={"reports": [other.pk, report.pk]})
            else:
                _changed(match)
        else:
            from . import disputes

            disputes._open(match, None, Dispute.Reason.SCORE_MISMATCH,
                           _("Reports disagree: %(x)s says %(a1)d–%(b1)d, %(y)s says %(a2)d–%(b2)d.") % {
                               "x": other.registration.display_name, "a1": other.score_a, "b1": other.score_b,
                               "y": reporter.display_name, "a2": a, "b2": b}, "")
        return report


def confirm_result(match_id: int, *, actor) -> Match:
    """Accept the reported score: staff, or the opponent of whoever reported it (never the reporter)."""
    with transaction.atomic():
        match = _load(match_id)
        if match.status != M.PENDING_RESULT:
            raise DomainError(_("Match %(k)s is %(s)s; there is no reported result to confirm.")
                              % {"k": match.key, "s": match.get_status_display().lower()}, code="invalid_state")
        report = match.reports.filter(is_current=True).select_related("registration").order_by("-created_at", "-id").first()
        if report is None:
            raise DomainError(_("Match %(k)s has no current report to confirm.") % {"k": match.key}, code="invalid_state")
        if isinstance(actor, Registration):
            _participant_side(match, actor)
            if report.registration_id == actor.pk:
                raise DomainError(_("You reported this result; your opponent or staff must confirm it."), code="own_report")
        else:
            require(actor, match.tournament, permissions.RESULTS)
        return _finish(match, actor, report.score_a, report.score_b, "complete", action="match.confirm",
                       metadata={"report": report.pk})


def reject_result(match_id: int, *, actor, reason: str) -> Match:
    """Staff send a reported result back: reports are cleared and the match is live again."""
    if not (reason or "").strip():
        raise DomainError(_("Give a reason; both sides will see it."), code="reason_required")
    with transaction.atomic():
        match = _load(match_id)
        require(actor, match.tournament, permissions.RESULTS)
        run_transition(match, "reject_result", label=_("Match %(k)s") % {"k": match.key})
        match.note = reason
        save_stateful(match, actor)
        match.reports.filter(is_current=True).update(is_current=False)
        audit.log_action("match.reject_result", actor=actor, tournament=match.tournament, target=match, reason=reason)
        _changed(match)
        notifications.notify_many(_sides(match), "match.result_rejected", _("Result of %(k)s rejected") % {"k": match.key},
                                  _("Report again: %(r)s") % {"r": reason})
        return match


def override_score(match_id: int, *, actor, score_a, score_b, reason: str) -> Match:
    """Staff set the final score directly (no report needed); progression follows."""
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for overriding the score."), code="reason_required")
    with transaction.atomic():
        match = _load(match_id)
        require(actor, match.tournament, permissions.RESULTS)
        a, b = validate_series(match.best_of, score_a, score_b)
        if match.status == M.DISPUTED:
            raise DomainError(_("Match %(k)s has an open dispute; resolve the dispute with the final score.") % {"k": match.key},
                              code="invalid_state")
        transition = "complete" if match.status == M.PENDING_RESULT else "override"
        if not match.has_both_sides():
            raise DomainError(_("Match %(k)s does not have both entrants yet.") % {"k": match.key}, code="invalid_state")
        return _finish(match, actor, a, b, transition, action="match.override", reason=reason)


def forfeit(match_id: int, *, actor, forfeiting_registration_id: int, reason: str = "") -> Match:
    """One side forfeits (no-show, withdrawal); the other wins and moves on."""
    with transaction.atomic():
        match = _load(match_id)
        if isinstance(actor, Registration):
            if actor.pk != forfeiting_registration_id:
                raise DomainError(_("You can only forfeit for yourself."), code="forbidden")
            _participant_side(match, actor)
        else:
            require(actor, match.tournament, permissions.RESULTS)
            if not (reason or "").strip():
                raise DomainError(_("Give a reason for the forfeit."), code="reason_required")
        side = match.side_of(forfeiting_registration_id)
        if side is None:
            raise DomainError(_("Registration #%(r)s is not in match %(k)s.") % {"r": forfeiting_registration_id, "k": match.key})
        winner = match.slot_b if side == 0 else match.slot_a
        if winner is None:
            raise DomainError(_("Match %(k)s has no opponent yet; nobody can win by forfeit.") % {"k": match.key}, code="invalid_state")
        run_transition(match, "forfeit", label=_("Match %(k)s") % {"k": match.key})
        match.winner = winner
        match.completed_at = timezone.now()
        match.note = reason
        save_stateful(match, actor)
        from . import disputes

        disputes.close_open_for(match, actor, _("Closed: the match was forfeited."))
        audit.log_action("match.forfeit", actor=actor, tournament=match.tournament, target=match, reason=reason,
                         metadata={"forfeited_by": forfeiting_registration_id, "winner": winner.pk})
        _changed(match)
        notifications.notify_many(_sides(match), "match.forfeited", _("Match %(k)s forfeited") % {"k": match.key},
                                  _("%(w)s wins by forfeit.") % {"w": winner.display_name})
        progression.advance(match, actor)
        return match


def cancel(match_id: int, *, actor, reason: str) -> Match:
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for cancelling the match."), code="reason_required")
    with transaction.atomic():
        match = _load(match_id)
        require(actor, match.tournament, permissions.MANAGE)
        run_transition(match, "cancel", label=_("Match %(k)s") % {"k": match.key})
        match.note = reason
        save_stateful(match, actor)
        from . import disputes

        disputes.close_open_for(match, actor, _("Closed: the match was cancelled."))
        audit.log_action("match.cancel", actor=actor, tournament=match.tournament, target=match, reason=reason)
        _changed(match)
        notifications.notify_many(_sides(match), "match.cancelled", _("Match %(k)s cancelled") % {"k": match.key}, reason)
        progression.advance(match, actor)  # nobody advances: the next matches receive byes
        return match


def double_forfeit(match_id: int, *, actor, reason: str) -> Match:
    """Both sides forfeit (both no-shows): nobody advances; the next matches receive byes."""
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for the double forfeit."), code="reason_required")
    with transaction.atomic():
        match = _load(match_id)
        require(actor, match.tournament, permissions.RESULTS)
        run_transition(match, "forfeit", label=_("Match %(k)s") % {"k": match.key})
        match.winner = None
        match.completed_at = timezone.now()
        match.note = reason
        save_stateful(match, actor)
        from . import disputes

        disputes.close_open_for(match, actor, _("Closed: both sides forfeited."))
        audit.log_action("match.double_forfeit", actor=actor, tournament=match.tournament, target=match, reason=reason)
        _changed(match)
        notifications.notify_many(_sides(match), "match.forfeited", _("Match %(k)s forfeited by both sides") % {"k": match.key}, reason)
        progression.advance(match, actor)
        return match


def correct_result(match_id: int, *, actor, score_a, score_b, reason: str, reset_downstream: bool = False) -> Match:
    """Fix the score of a completed match. If the winner changes, the matches that followed from it
    change too: allowed while none of them has started; otherwise refused with the list of those
    matches unless ``reset_downstream`` is given, which resets them (history and audit kept)."""
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for the correction."), code="reason_required")
    with transaction.atomic():
        match = _load(match_id)
        require(actor, match.tournament, permissions.RESULTS)
        if match.status != M.COMPLETED or match.is_bye:
            raise DomainError(_("Match %(k)s is %(s)s; only completed results can be corrected.")
                              % {"k": match.key, "s": match.get_status_display().lower()}, code="invalid_state")
        if match.tournament.status == match.tournament.Status.COMPLETED:
            raise DomainError(_("%(t)s is completed; its results are final.") % {"t": match.tournament.name}, code="final")
        a, b = validate_series(match.best_of, score_a, score_b)
        before = {"score_a": match.score_a, "score_b": match.score_b, "winner": match.winner_id}
        new_winner = match.slot_a if a > b else match.slot_b
        reset_keys = []
        winner_changed = new_winner.pk != match.winner_id
        if winner_changed:
            progression.refuse_if_blocked(match, reset_downstream)
            reset_keys = progression.reset_downstream(match, actor, reason)
        match.score_a, match.score_b, match.winner = a, b, new_winner
        match.note = reason
        save_plain(match, actor, reason="result corrected")
        if match.stage_id and match.stage.completed_at:
            match.stage.completed_at = None
            save_plain(match.stage, actor, reason="reopened by a correction")
        audit.log_action("match.correct", actor=actor, tournament=match.tournament, target=match, reason=reason,
                         metadata={"before": before, "after": {"score_a": a, "score_b": b, "winner": new_winner.pk},
                                   "reset": reset_keys})
        _changed(match)
        notifications.notify_many(_sides(match), "match.result_corrected", _("Result of %(k)s corrected") % {"k": match.key},
                                  _("%(a)s %(sa)d–%(sb)d %(b)s. %(r)s") % {"a": match.side_name(0), "sa": a, "sb": b,
                                                                         "b": match.side_name(1), "r": reason})
        if winner_changed:
            progression.advance(match, actor)
        elif match.stage_id:
            from .brackets import finish_stage_if_done

            finish_stage_if_done(match.stage, actor)
        from . import seasons

        seasons.schedule_for_tournament(match.tournament_id, "result corrected")  # wins and placements may change
        return match


def set_lobby_info(match_id: int, *, actor, lobby_code: str = "", lobby_server: str = "", stream_url: str = "") -> Match:
    with transaction.atomic():
        match = _load(match_id)
        require(actor, match.tournament, permissions.RESULTS)
        match.lobby_code, match.lobby_server, match.stream_url = lobby_code.strip(), lobby_server.strip(), stream_url.strip()
        save_plain(match, actor, reason="lobby info")
        audit.log_action("match.lobby_info", actor=actor, tournament=match.tournament, target=match)
        _changed(match)
        return match

