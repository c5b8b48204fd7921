"""Check-in: confirmed entrants say they are here during the window; staff may override."""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions
from ..models import Registration, Tournament
from . import audit, sanctions
from .base import actor_user, is_user, lock, require, save_plain
from .bulk import run_bulk
from .errors import DomainError
from .registrations import _roster_changed


def _window_text(tournament) -> str:
    if not (tournament.check_in_opens_at and tournament.check_in_closes_at):
        return _("no check-in window is set")
    fmt = "%Y-%m-%d %H:%M"
    return _("check-in is open from %(a)s to %(b)s") % {
        "a": timezone.localtime(tournament.check_in_opens_at).strftime(fmt),
        "b": timezone.localtime(tournament.check_in_closes_at).strftime(fmt),
    }


def _set(pk: int, actor, *, checked_in: bool | None, override: bool) -> Registration:
    registration = lock(Registration, pk, select_related=("tournament",))
    tournament = registration.tournament
    if isinstance(actor, Registration):
        if actor.pk != registration.pk:
            raise DomainError(_("You can only check yourself in."), code="forbidden")
        if override:
            raise DomainError(_("Only organizers can check in outside the window."), code="forbidden")
    else:
        require(actor, tournament, permissions.CHECKIN)
        if override:
            require(actor, tournament, permissions.MANAGE)
    if registration.status != Registration.Status.CONFIRMED:
        raise DomainError(_("%(who)s is %(s)s; only confirmed entrants check in.")
                          % {"who": registration.display_name, "s": registration.get_status_display().lower()})
    target = (not registration.is_checked_in) if checked_in is None else checked_in
    if target:  # issue 8: a sanctioned entrant cannot check in (undoing a check-in stays possible)
        sanctions.check_allowed(tournament, registration=registration)
    if target == registration.is_checked_in:
        raise DomainError(_("%(who)s is already %(s)s.") % {"who": registration.display_name,
                          "s": _("checked in") if target else _("not checked in")}, code="noop")
    if tournament.status not in (Tournament.Status.REGISTRATION_OPEN, Tournament.Status.REGISTRATION_CLOSED, Tournament.Status.LIVE):
        raise DomainError(_("%(t)s is %(s)s; check-in is not possible.") % {"t": tournament.name, "s": tournament.get_status_display().lower()})
    if not override and not tournament.check_in_window_open():
        raise DomainError(_("Not now: %(w)s.") % {"w": _window_text(tournament)}, code="window")
    registration.checked_in_at = timezone.now() if target else None
    registration.checked_in_by = actor_user(actor) if target else None
    save_plain(registration, actor, reason="check-in" if target else "check-in undone")
    audit.log_action("checkin.in" if target else "checkin.out", actor=actor, tournament=tournament, target=registration,
                     metadata={"override": override})
    _roster_changed(registration, "checked_in" if target else "checked_out")
    return registration


def toggle(registration_id: int, *, actor, override: bool = False) -> Registration:
    """Flip check-in. ``override`` (organizers only) allows it outside the window."""
    with transaction.atomic():
        return _set(registration_id, actor, checked_in=None, override=override)


def check_in(registration_id: int, *, actor, override: bool = False) -> Registration:
    with transaction.atomic():
        return _set(registration_id, actor, checked_in=True, override=override)


def check_out(registration_id: int, *, actor, override: bool = False) -> Registration:
    """Undo a check-in (refused if the entrant is not checked in: a stale click never flips it)."""
    with transaction.atomic():
        return _set(registration_id, actor, checked_in=False, override=override)


def bulk_check_in(registration_ids, *, actor, override: bool = False, all_or_none: bool = True):
    if not is_user(actor):
        raise DomainError(_("Only staff can check in several entrants at once."), code="forbidden")
    return run_bulk(registration_ids, lambda pk: _set(pk, actor, checked_in=True, override=override),
                    verb=_("checked in"), all_or_none=all_or_none)
