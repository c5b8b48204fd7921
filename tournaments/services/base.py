"""What every service shares: who is acting, permission checks, locking and transitions.

An *actor* is one of: a staff ``User`` (admin), a participant's ``Registration`` (lobby, acting
through its private link), or ``None`` for the system (jobs, schedules). Services take it as
their ``actor`` argument and pass it on to the audit log and history.
"""
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed

from .. import permissions
from ..models import Registration
from .errors import DomainError, PermissionDenied

User = get_user_model()


def is_user(actor) -> bool:
    return isinstance(actor, User)


def actor_user(actor):
    return actor if is_user(actor) else None


def actor_label(actor) -> str:
    if actor is None:
        return "system"
    if is_user(actor):
        return actor.get_username()
    if isinstance(actor, Registration):
        return f"participant:{actor.display_name}"[:150]
    return str(actor)[:150]


def require(actor, tournament, capability: str) -> None:
    """Staff actors must hold ``capability`` on the tournament; the system may do anything."""
    if actor is None:
        return
    if is_user(actor) and permissions.has_capability(actor, tournament, capability):
        return
    raise PermissionDenied(
        _("You are not allowed to do this in “%(t)s”.") % {"t": tournament.name}
    )


def lock(model, pk, *, select_related=()):
    """Fetch a row with a row lock (PostgreSQL) inside the caller's transaction.

    SQLite has no row locks; there the IMMEDIATE transaction mode (settings) serialises writers.
    """
    qs = model.objects.select_for_update(of=("self",)) if transaction.get_connection().features.has_select_for_update_of else model.objects.select_for_update()
    try:
        return qs.select_related(*select_related).get(pk=pk) if select_related else qs.get(pk=pk)
    except model.DoesNotExist:
        raise DomainError(_("%(model)s #%(pk)s no longer exists.") % {"model": model._meta.verbose_name.capitalize(), "pk": pk}, code="not_found")


def lock_registration(registration_id):
    """Lock a registration *and its tournament*, always the tournament first.

    One order everywhere prevents deadlocks: a service holding the tournament may lock several
    registrations (waitlist promotion and renumbering), so nobody may hold a registration while
    waiting for its tournament. Returns ``(registration, tournament)``."""
    from ..models import Tournament

    tournament_id = Registration.objects.filter(pk=registration_id).values_list("tournament_id", flat=True).first()
    if tournament_id is None:
        raise DomainError(_("%(model)s #%(pk)s no longer exists.") % {"model": Registration._meta.verbose_name.capitalize(),
                                                                      "pk": registration_id}, code="not_found")
    tournament = lock(Tournament, tournament_id)
    registration = lock(Registration, registration_id)
    registration.tournament = tournament
    return registration, tournament


def describe_state(obj) -> str:
    """"confirmed (by alice at 14:02)" — the state plus who last changed it, from history."""
    state = str(obj.get_status_display() if hasattr(obj, "get_status_display") else obj.status).lower()
    record = obj.history.order_by("-history_date", "-history_id").first() if hasattr(obj, "history") else None
    if record is None:
        return str(state)
    who = record.history_user.get_username() if record.history_user_id else None
    when = timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M")
    if who:
        return _("%(state)s (by %(who)s at %(when)s)") % {"state": state, "who": who, "when": when}
    return _("%(state)s (since %(when)s)") % {"state": state, "when": when}


def run_transition(obj, method_name: str, *args, label: str | None = None, **kwargs):
    """Call an FSM transition or raise a DomainError saying what the state is and why it can't move."""
    method = getattr(obj, method_name)
    if not can_proceed(method):
        raise DomainError(
            _("%(obj)s is %(state)s; it cannot be %(action)s.")
            % {"obj": label or _title(obj), "state": describe_state(obj), "action": _ACTION_WORDS.get(method_name, method_name.replace("_", " "))},
            code="invalid_state",
            details={"state": obj.status, "transition": method_name},
        )
    try:
        method(*args, **kwargs)
    except TransitionNotAllowed as exc:  # a condition failed after can_proceed (should be rare)
        raise DomainError(str(exc), code="invalid_state") from exc


def save_stateful(obj, actor, **save_kwargs):
    """Save after a transition; history records the actor; a concurrent change becomes a DomainError."""
    user = actor_user(actor)
    if user is not None:
        obj._history_user = user
    try:
        with transaction.atomic():  # a savepoint: a refused save must not poison the caller's transaction
            obj.save(**save_kwargs)
    except ConcurrentTransition as exc:
        raise DomainError(
            _("%(obj)s was changed by someone else a moment ago; reload and try again.") % {"obj": _title(obj)},
            code="conflict",
        ) from exc


def save_plain(obj, actor, reason: str = "", **save_kwargs):
    """Save a non-state change, recording who did it in history."""
    user = actor_user(actor)
    if user is not None:
        obj._history_user = user
    if reason:
        obj._change_reason = reason
    obj.save(**save_kwargs)


def _title(obj) -> str:
    return f"{obj._meta.verbose_name.capitalize()} #{obj.pk}"


_ACTION_WORDS = {
    "confirm": _("confirmed"), "confirm_payment": _("confirmed"), "await_payment": _("set to await payment"),
    "reject": _("rejected"), "waitlist": _("waitlisted"), "withdraw": _("withdrawn"), "disqualify": _("disqualified"),
    "promote_to_pending": _("promoted"), "promote_to_confirmed": _("promoted"),
    "verify": _("verified"), "resubmit": _("resubmitted"), "refund": _("refunded"),
    "start": _("started"), "report": _("reported"), "complete": _("completed"), "override": _("overridden"),
    "forfeit": _("forfeited"), "cancel": _("cancelled"), "reject_result": _("sent back for a new result"),
    "dispute": _("disputed"), "review": _("taken under review"), "escalate": _("escalated"), "resolve": _("resolved"),
    "publish": _("published"), "open_registration": _("opened for registration"), "close_registration": _("closed for registration"),
    "archive": _("archived"), "open_check_in": _("opened for check-in"), "mark_ready": _("marked ready"),
}
