"""Registration workflows: register, approve, reject (also in bulk), waitlist, withdraw, disqualify.

Capacity is guarded by locking the tournament row before anything that could confirm an entrant,
so 50 simultaneous sign-ups for the last 5 places confirm exactly 5.
"""
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import events, permissions
from ..models import Payment, Registration, Tournament
from . import audit, custom_fields, notifications, rosters, sanctions
from .base import actor_user, is_user, lock, lock_registration, require, run_transition, save_plain, save_stateful
from .bulk import run_bulk
from .errors import DomainError

R = Registration.Status


def confirmed_count(tournament) -> int:
    return Registration.objects.filter(tournament_id=tournament.pk, status=R.CONFIRMED).count()


def has_room(tournament) -> bool:
    return confirmed_count(tournament) < tournament.capacity


def fee_due(registration) -> bool:
    """A fee is still owed when the tournament charges one, it isn't waived and no payment is verified."""
    if not registration.tournament.has_fee or registration.fee_waived:
        return False
    return not registration.payments.filter(status=Payment.Status.VERIFIED).exists()


def _next_waitlist_position(tournament) -> int:
    top = (Registration.objects.filter(tournament_id=tournament.pk, status=R.WAITLISTED)
           .aggregate(m=Max("waitlist_position"))["m"])
    return (top or 0) + 1


def _roster_changed(registration, change: str) -> None:
    events.publish(registration.tournament, "roster.updated", {
        "registration": registration.pk, "name": registration.display_name, "status": registration.status,
        "checked_in": registration.is_checked_in, "change": change,
    })


def _decided(registration, actor):
    registration.decided_by = actor_user(actor)
    registration.decided_at = timezone.now()


def register(tournament: Tournament, *, player=None, team=None, answers=None, actor=None) -> Registration:
    """Enter a player (solo events) or a team (team events).

    Staff with the manage capability may register someone outside the window; participants and the
    public sign-up may not. Free events without approval confirm at once while there is room and
    waitlist otherwise; paid events wait for a payment; approval events wait for an organizer.
    """
    if (player is None) == (team is None):
        raise DomainError(_("Register either a player or a team."))
    with transaction.atomic():
        tournament = lock(Tournament, tournament.pk)
        staff = is_user(actor) and permissions.has_capability(actor, tournament, permissions.MANAGE)
        if is_user(actor) and not staff:
            require(actor, tournament, permissions.MANAGE)
        if tournament.status != Tournament.Status.REGISTRATION_OPEN and not (
            staff and tournament.status in Tournament.PRE_LIVE
        ):
            raise DomainError(_("Registration for “%(t)s” is not open (the tournament is %(s)s).")
                              % {"t": tournament.name, "s": tournament.get_status_display()}, code="closed")
        if not staff and not tournament.registration_window_open():
            raise DomainError(_("Registration for “%(t)s” is open from %(a)s to %(b)s.") % {
                "t": tournament.name,
                "a": timezone.localtime(tournament.registration_opens_at).strftime("%Y-%m-%d %H:%M"),
                "b": timezone.localtime(tournament.registration_closes_at).strftime("%Y-%m-%d %H:%M"),
            }, code="closed")
        if tournament.is_team and team is None:
            raise DomainError(_("“%(t)s” is a team tournament; register a team.") % {"t": tournament.name})
        if not tournament.is_team and player is None:
            raise DomainError(_("“%(t)s” is a solo tournament; register a player.") % {"t": tournament.name})
        if team is not None and team.game_id != tournament.game_id:
            raise DomainError(_("Team %(team)s plays %(g)s, not %(t)s.") % {"team": team, "g": team.game, "t": tournament.game})
        # -- issue 8 (reg-signup): sanctions, then custom-field answers --------------------------------
        sanctions.check_allowed(tournament, player=player, team=team)
        answers = custom_fields.validate_answers(tournament, answers)
        # -- end issue 8 (reg-signup) ----------------------------------------------------------------
        existing = Registration.objects.filter(tournament=tournament, player=player, team=team).first()
        if existing is not None:
            raise DomainError(_("%(who)s is already registered (registration #%(pk)s, %(s)s).") % {
                "who": existing.display_name, "pk": existing.pk, "s": existing.get_status_display()}, code="duplicate")
        # reg-rules: roster size, one team per player, game IDs unique in the tournament
        rosters.check_new_entry(tournament, player=player, team=team)

        registration = Registration(tournament=tournament, player=player, team=team, answers=answers or {})
        try:
            with transaction.atomic():
                save_stateful(registration, actor)
        except IntegrityError:
            raise DomainError(_("This participant is already registered."), code="duplicate")
        registration.tournament = tournament

        if tournament.has_fee:
            if not tournament.requires_approval:
                run_transition(registration, "await_payment")
        elif not tournament.requires_approval:
            if has_room(tournament):
                run_transition(registration, "confirm")
            else:
                run_transition(registration, "waitlist", _next_waitlist_position(tournament))
        if registration.status != R.PENDING:
            save_stateful(registration, actor)
        audit.log_action("registration.create", actor=actor, tournament=tournament, target=registration,
                         metadata={"status": registration.status})
        _roster_changed(registration, "registered")
        notifications.notify(registration, "registration.received", _("Registration received"),
                             _("Your registration for %(t)s is %(s)s.") % {"t": tournament.name, "s": registration.get_status_display().lower()})
    return registration


def _approve_one(pk: int, actor) -> Registration:
    registration, tournament = lock_registration(pk)  # tournament first: see base.lock_registration
    require(actor, tournament, permissions.MANAGE)
    if registration.status != R.PENDING:
        run_transition(registration, "confirm")  # raises the "already confirmed (by …)" message
    rosters.check_confirmable(registration)  # reg-rules: the roster may have shrunk since sign-up
    if fee_due(registration):
        run_transition(registration, "await_payment")
        outcome = _("approved, awaiting payment")
    else:
        if not has_room(tournament):
            raise DomainError(_("over capacity (%(n)d/%(c)d confirmed)") % {"n": confirmed_count(tournament), "c": tournament.capacity},
                              code="capacity")
        run_transition(registration, "confirm")
        outcome = _("confirmed")
    _decided(registration, actor)
    save_stateful(registration, actor)
    audit.log_action("registration.approve", actor=actor, tournament=tournament, target=registration,
                     metadata={"status": registration.status})
    _roster_changed(registration, "approved")
    notifications.notify(registration, "registration.approved", _("Registration approved"),
                         _("Your registration for %(t)s is %(o)s.") % {"t": tournament.name, "o": outcome})
    return registration


def approve(registration_id: int, *, actor) -> Registration:
    with transaction.atomic():
        return _approve_one(registration_id, actor)


def _reject_one(pk: int, actor, reason: str) -> Registration:
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for the rejection; the participant will see it."), code="reason_required")
    registration, _tournament = lock_registration(pk)  # reg-rules: promote_next needs the tournament locked
    require(actor, registration.tournament, permissions.MANAGE)
    run_transition(registration, "reject", reason.strip())
    _decided(registration, actor)
    save_stateful(registration, actor)
    audit.log_action("registration.reject", actor=actor, tournament=registration.tournament, target=registration, reason=reason)
    _roster_changed(registration, "rejected")
    notifications.notify(registration, "registration.rejected", _("Registration rejected"),
                         _("Your registration for %(t)s was rejected: %(r)s") % {"t": registration.tournament.name, "r": reason})
    promote_next(registration.tournament, actor)  # reg-rules: a place held for review is free again
    return registration


def reject(registration_id: int, *, actor, reason: str) -> Registration:
    with transaction.atomic():
        return _reject_one(registration_id, actor, reason)


def bulk_approve(registration_ids, *, actor, all_or_none: bool = True):
    return run_bulk(registration_ids, lambda pk: _approve_one(pk, actor), verb=_("approved"), all_or_none=all_or_none)


def bulk_reject(registration_ids, *, actor, reason: str, all_or_none: bool = True):
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for the rejection; the participants will see it."), code="reason_required")
    return run_bulk(registration_ids, lambda pk: _reject_one(pk, actor, reason), verb=_("rejected"), all_or_none=all_or_none)


def move_to_waitlist(registration_id: int, *, actor, reason: str = "") -> Registration:
    with transaction.atomic():
        registration, tournament = lock_registration(registration_id)
        require(actor, tournament, permissions.MANAGE)
        run_transition(registration, "waitlist", _next_waitlist_position(tournament))
        save_stateful(registration, actor)
        audit.log_action("registration.waitlist", actor=actor, tournament=tournament, target=registration, reason=reason)
        _roster_changed(registration, "waitlisted")
        notifications.notify(registration, "registration.waitlisted", _("You are on the waitlist"),
                             _("You are number %(n)s on the waitlist of %(t)s.") % {"n": registration.waitlist_position, "t": tournament.name})
        return registration


def promote(registration_id: int, *, actor) -> Registration:
    """Move a waitlisted entrant up by hand (to confirmed if nothing is owed and there is room)."""
    with transaction.atomic():
        registration, tournament = lock_registration(registration_id)
        require(actor, tournament, permissions.MANAGE)
        return _promote_locked(registration, tournament, actor)


def _promote_locked(registration, tournament, actor) -> Registration:
    if registration.status == R.WAITLISTED and not fee_due(registration) and not tournament.requires_approval:
        if not has_room(tournament):
            raise DomainError(_("%(who)s cannot be promoted: %(t)s is full (%(c)d confirmed).")
                              % {"who": registration.display_name, "t": tournament.name, "c": tournament.capacity}, code="capacity")
        rosters.check_confirmable(registration)  # reg-rules
        run_transition(registration, "promote_to_confirmed")
    else:
        run_transition(registration, "promote_to_pending")
        if fee_due(registration) and not tournament.requires_approval:
            run_transition(registration, "await_payment")
    save_stateful(registration, actor)
    compact_waitlist(tournament, actor)  # reg-rules: no gap where the promoted entry stood
    audit.log_action("registration.promote", actor=actor, tournament=tournament, target=registration,
                     metadata={"status": registration.status})
    _roster_changed(registration, "promoted")
    notifications.notify(registration, "registration.promoted", _("You are off the waitlist"),
                         _("A place opened in %(t)s; your registration is now %(s)s.") % {"t": tournament.name, "s": registration.get_status_display().lower()})
    return registration


def promote_next(tournament, actor=None):
    """Fill a freed place from the head of the waitlist (called with the tournament row locked)."""
    if tournament.status not in Tournament.PRE_LIVE:
        return None
    head = (Registration.objects.select_for_update().filter(tournament_id=tournament.pk, status=R.WAITLISTED)
            .order_by("waitlist_position", "id").first())
    if head is None or not has_room(tournament):
        return None
    head.tournament = tournament
    return _promote_locked(head, tournament, actor)


def withdraw(registration_id: int, *, actor, reason: str = "") -> Registration:
    """The entrant leaves (participant from the lobby, or staff on their behalf); a freed place is
    offered to the waitlist."""
    with transaction.atomic():
        registration, tournament = lock_registration(registration_id)
        if isinstance(actor, Registration):
            if actor.pk != registration.pk:
                raise DomainError(_("You can only withdraw your own registration."), code="forbidden")
        else:
            require(actor, tournament, permissions.MANAGE)
        if tournament.status not in Tournament.PRE_LIVE:
            raise DomainError(_("%(t)s has started; ask an organizer to disqualify instead.") % {"t": tournament.name})
        was_confirmed = registration.status == R.CONFIRMED
        was_waitlisted = registration.status == R.WAITLISTED
        run_transition(registration, "withdraw", reason)
        registration.checked_in_at = None
        save_stateful(registration, actor)
        audit.log_action("registration.withdraw", actor=actor, tournament=tournament, target=registration, reason=reason)
        _roster_changed(registration, "withdrawn")
        notifications.notify(registration, "registration.withdrawn", _("Registration withdrawn"),
                             _("Your registration for %(t)s was withdrawn.") % {"t": tournament.name})
        if was_confirmed:
            promote_next(tournament, actor)
        elif was_waitlisted:
            compact_waitlist(tournament, actor)
        _refund_by_policy(registration, tournament, actor)  # reg-rules
        return registration


def disqualify(registration_id: int, *, actor, reason: str) -> Registration:
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for the disqualification."), code="reason_required")
    with transaction.atomic():
        registration, tournament = lock_registration(registration_id)
        require(actor, tournament, permissions.MANAGE)
        run_transition(registration, "disqualify", reason.strip())
        _decided(registration, actor)
        save_stateful(registration, actor)
        audit.log_action("registration.disqualify", actor=actor, tournament=tournament, target=registration, reason=reason)
        _roster_changed(registration, "disqualified")
        notifications.notify(registration, "registration.disqualified", _("Disqualified"),
                             _("You were disqualified from %(t)s: %(r)s") % {"t": tournament.name, "r": reason})
        promote_next(tournament, actor)
        return registration


# ---- reg-rules: the waitlist order and refunds on withdrawal ----------------------------------------------

def compact_waitlist(tournament, actor=None) -> None:
    """Number the waitlist 1, 2, 3… in its current order (called with the tournament row locked), so
    promotions and withdrawals never leave gaps or duplicates."""
    waiting = list(Registration.objects.select_for_update().filter(tournament_id=tournament.pk, status=R.WAITLISTED)
                   .order_by("waitlist_position", "id"))
    for position, registration in enumerate(waiting, start=1):
        if registration.waitlist_position != position:
            registration.waitlist_position = position
            save_plain(registration, actor, reason="waitlist renumbered", update_fields=["waitlist_position", "updated_at"])


def move_in_waitlist(registration_id: int, *, actor, position: int) -> Registration:
    """Put a waitlisted entrant at ``position`` (1 = next to be promoted); the others shift."""
    with transaction.atomic():
        registration, tournament = lock_registration(registration_id)
        require(actor, tournament, permissions.MANAGE)
        if registration.status != R.WAITLISTED:
            raise DomainError(_("%(who)s is %(s)s, not on the waitlist.")
                              % {"who": registration.display_name, "s": registration.get_status_display().lower()}, code="invalid_state")
        waiting = list(Registration.objects.select_for_update().filter(tournament_id=tournament.pk, status=R.WAITLISTED)
                       .order_by("waitlist_position", "id"))
        try:
            position = int(position)
        except (TypeError, ValueError):
            raise DomainError(_("“%(p)s” is not a waitlist position.") % {"p": position}, code="position")
        if not 1 <= position <= len(waiting):
            raise DomainError(_("Choose a position from 1 to %(n)d.") % {"n": len(waiting)}, code="position")
        before = next(i for i, r in enumerate(waiting, start=1) if r.pk == registration.pk)
        order = [r for r in waiting if r.pk != registration.pk]
        order.insert(position - 1, registration)
        for number, entry in enumerate(order, start=1):
            if entry.waitlist_position != number:
                entry.waitlist_position = number
                save_plain(entry, actor, reason="waitlist reordered", update_fields=["waitlist_position", "updated_at"])
        audit.log_action("registration.waitlist_move", actor=actor, tournament=tournament, target=registration,
                         metadata={"from": before, "to": position})
        if before != position:
            _roster_changed(registration, "waitlist_moved")
            notifications.notify(registration, "registration.waitlist_moved", _("Your waitlist position changed"),
                                 _("You are now number %(n)d on the waitlist of %(t)s.") % {"n": position, "t": tournament.name})
        registration.waitlist_position = position
        return registration


def move_up(registration_id: int, *, actor) -> Registration:
    current = Registration.objects.filter(pk=registration_id).values_list("waitlist_position", flat=True).first()
    return move_in_waitlist(registration_id, actor=actor, position=max(1, (current or 1) - 1))


def move_down(registration_id: int, *, actor) -> Registration:
    registration = Registration.objects.filter(pk=registration_id).first()
    if registration is None:
        raise DomainError(_("Registration #%(pk)s no longer exists.") % {"pk": registration_id}, code="not_found")
    last = Registration.objects.filter(tournament_id=registration.tournament_id, status=R.WAITLISTED).count()
    return move_in_waitlist(registration_id, actor=actor, position=min(last, (registration.waitlist_position or last) + 1) or 1)


def _refund_by_policy(registration, tournament, actor) -> None:
    """Pay back verified fees of a withdrawn entrant as the tournament's refund policy says."""
    from . import payments, payouts

    for payment in (registration.payments.filter(status=Payment.Status.VERIFIED)
                    .select_related("registration__player", "registration__team__captain").order_by("pk")):
        amount, rule = payments.refund_due(payment, tournament)
        if amount > 0:
            payouts.refund_payment(payment, tournament, actor=actor if is_user(actor) else None, amount=amount,
                                   reason=_("Withdrawn; refund policy: %(rule)s") % {"rule": rule})
        else:
            audit.log_action("payment.no_refund", actor=actor, tournament=tournament, target=payment,
                             reason=_("Withdrawn; refund policy: %(rule)s") % {"rule": rule})
