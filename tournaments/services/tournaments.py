"""Tournament lifecycle: publish, open/close registration, start, complete, archive, cancel."""
from django.db import transaction
from django.utils.translation import gettext as _

from .. import events, permissions
from ..models import Match, Payment, Registration, Tournament
from . import audit, notifications
from .base import lock, require, run_transition, save_stateful
from .errors import DomainError

T = Tournament.Status


def _changed(tournament):
    events.publish(tournament, "tournament.updated", {"status": tournament.status, "name": tournament.name})


def _explain_configuration(tournament):
    from django.core.exceptions import ValidationError

    try:
        tournament.clean()
    except ValidationError as exc:
        problems = "; ".join(f"{msg}" for msgs in exc.message_dict.values() for msg in msgs)
        raise DomainError(_("Fix the configuration first: %(p)s") % {"p": problems}, code="configuration")
    if not tournament.game.is_active:  # reg-rules
        raise DomainError(_("Fix the configuration first: %(g)s is no longer offered; choose an active game.")
                          % {"g": tournament.game}, code="configuration")


def refusal(tournament, transition: str) -> str | None:
    """Why ``transition`` would be refused now (None when nothing speaks against it), so the admin
    can say it on the confirmation page before anyone clicks."""
    check = {"publish": _explain_configuration, "open_registration": _explain_configuration,
             "start": _ready_to_start}.get(transition)
    if check is None:
        return None
    try:
        check(tournament)
    except DomainError as exc:
        return str(exc)
    return None


def _move(tournament_id: int, actor, transition: str, action: str, *, reason: str = "", check=None, args=()):
    with transaction.atomic():
        tournament = lock(Tournament, tournament_id)
        require(actor, tournament, permissions.MANAGE)
        if check:
            check(tournament)
        run_transition(tournament, transition, *args, label=f"“{tournament.name}”")
        save_stateful(tournament, actor)
        audit.log_action(action, actor=actor, tournament=tournament, target=tournament, reason=reason,
                         metadata={"status": tournament.status})
        _changed(tournament)
        return tournament


def publish(tournament_id: int, *, actor) -> Tournament:
    return _move(tournament_id, actor, "publish", "tournament.publish", check=_explain_configuration)


def open_registration(tournament_id: int, *, actor) -> Tournament:
    return _move(tournament_id, actor, "open_registration", "tournament.open_registration", check=_explain_configuration)


def close_registration(tournament_id: int, *, actor) -> Tournament:
    return _move(tournament_id, actor, "close_registration", "tournament.close_registration")


def _ready_to_start(tournament):
    confirmed = Registration.objects.filter(tournament=tournament, status=Registration.Status.CONFIRMED).count()
    if confirmed < tournament.min_participants:
        raise DomainError(_("%(t)s needs at least %(n)d confirmed entrants to start; it has %(c)d.")
                          % {"t": tournament.name, "n": tournament.min_participants, "c": confirmed}, code="not_enough")
    if tournament.bracket_required_to_start and not _has_bracket(tournament):  # reg-rules
        raise DomainError(_("Generate the bracket of %(t)s first (Command Center → Bracket); it starts with its matches.")
                          % {"t": tournament.name}, code="no_bracket")


def _has_bracket(tournament) -> bool:
    from ..models import Stage

    return Stage.objects.filter(tournament=tournament).exists() or Match.objects.filter(tournament=tournament).exists()


def start(tournament_id: int, *, actor) -> Tournament:
    return _move(tournament_id, actor, "start", "tournament.start", check=_ready_to_start)


def _all_matches_finished(tournament):
    open_count = Match.objects.filter(tournament=tournament, status__in=Match.OPEN).count()
    if open_count:
        raise DomainError(_("%(n)d matches are still open; finish, forfeit or cancel them first.") % {"n": open_count}, code="open_matches")


def complete(tournament_id: int, *, actor) -> Tournament:
    from . import seasons

    tournament = _move(tournament_id, actor, "complete", "tournament.complete", check=_all_matches_finished)
    seasons.schedule_for_tournament(tournament.pk, "tournament completed")  # after the commit
    return tournament


def archive(tournament_id: int, *, actor) -> Tournament:
    return _move(tournament_id, actor, "archive", "tournament.archive")


def cancel(tournament_id: int, *, actor, reason: str) -> Tournament:
    """Cancel before completion. Every active entrant is told; every verified fee is refunded in full
    (``payouts.refund_entry_fees``: DeltaCoin at once, cash as pending refund payouts for staff)."""
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for cancelling; every participant will see it."), code="reason_required")
    reason = reason.strip()
    with transaction.atomic():  # cancelled, told and refunds listed together — or not at all
        tournament = _move(tournament_id, actor, "cancel", "tournament.cancel", reason=reason, args=(reason,))
        active = list(Registration.objects.filter(tournament=tournament, status__in=Registration.ACTIVE)
                      .select_related("player", "team__captain"))
        notifications.notify_many(active, "tournament.cancelled", _("%(t)s was cancelled") % {"t": tournament.name}, reason)
        to_refund = list(Payment.objects.filter(registration__tournament=tournament, status=Payment.Status.VERIFIED)
                         .values_list("pk", flat=True))
        audit.log_action("tournament.refunds_due", actor=actor, tournament=tournament, target=tournament,
                         metadata={"payments": to_refund})
        if to_refund:  # reg-rules: a cancelled event pays every verified fee back in full, now
            from . import payouts

            payouts.refund_entry_fees(tournament.pk, actor=actor, reason=_("%(t)s was cancelled: %(r)s") % {"t": tournament.name, "r": reason})
    return tournament
