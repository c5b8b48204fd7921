"""Sanctions: ban or suspend a player everywhere (administrators) or in one tournament (its
organizers), for a time window, with a reason the player is shown when refused.

Enforced where a player acts: ``registrations.register`` (sign-up, admin entry), ``checkin`` and the
lobby (page, private link, actions). A team is refused when its captain or any rostered member is
sanctioned. Every issue and lift is audited; a sanction is never deleted, only lifted.
"""
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions
from ..models import Player, Registration, Sanction, TeamMembership, Tournament
from . import audit
from .base import is_user, lock, require, save_plain
from .errors import DomainError, PermissionDenied


def _players_of(registration=None, *, player=None, team=None) -> list[int]:
    if registration is not None:
        player, team = registration.player if registration.player_id else None, registration.team if registration.team_id else None
    ids = []
    if player is not None:
        ids.append(player.pk)
    if team is not None:
        ids.append(team.captain_id)
        ids += list(TeamMembership.objects.filter(team_id=team.pk).values_list("player_id", flat=True))
    return list(dict.fromkeys(ids))


def in_force(player_ids, tournament, at=None):
    """Sanctions in force now for these players, globally or in ``tournament`` (one query). Asked on
    every lobby page and check-in and almost always empty, so the player (named by ``refusal``) is
    not joined in: a refusal loads it, one query when there is something to refuse."""
    if not player_ids:
        return Sanction.objects.none()
    scope = Q(tournament__isnull=True) | Q(tournament_id=tournament.pk)
    return Sanction.objects.filter(Sanction.in_force_q(at), scope, player_id__in=player_ids).order_by("ends_at", "id")


def in_force_all(tournament, at=None) -> list[Sanction]:
    """Every sanction in force now in ``tournament`` (global or its own), for checks over a whole file."""
    scope = Q(tournament__isnull=True) | Q(tournament_id=tournament.pk)
    return list(Sanction.objects.filter(Sanction.in_force_q(at), scope).select_related("player").order_by("ends_at", "id"))


def refusal(sanction: Sanction) -> str:
    """The polite sentence shown to a sanctioned player."""
    until = (_("until %(d)s") % {"d": timezone.localtime(sanction.ends_at).strftime("%Y-%m-%d %H:%M")}
             if sanction.ends_at else _("until further notice"))
    where = _("in this tournament") if sanction.tournament_id else _("in all tournaments")
    return _("%(who)s is %(kind)s %(where)s %(until)s. Reason: %(reason)s") % {
        "who": sanction.player.display_name,
        "kind": _("banned") if sanction.kind == Sanction.Kind.BAN else _("suspended"),
        "where": where, "until": until, "reason": sanction.reason}


def check_allowed(tournament, *, registration=None, player=None, team=None, at=None) -> None:
    """Raise ``DomainError(code="sanctioned")`` when the entrant (or a team member) is sanctioned."""
    found = in_force(_players_of(registration, player=player, team=team), tournament, at).first()
    if found is not None:
        raise DomainError(refusal(found), code="sanctioned", details={"sanction": found.pk})


def blocking(registration, at=None) -> Sanction | None:
    return in_force(_players_of(registration), registration.tournament, at).first()


def issue(*, actor, player: Player, reason: str, tournament: Tournament | None = None, kind: str = Sanction.Kind.SUSPENSION,
          starts_at=None, ends_at=None) -> Sanction:
    """Sanction a player. Global sanctions (no tournament) are for administrators only."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason; the player sees it."), code="reason_required")
    if kind not in Sanction.Kind.values:
        raise DomainError(_("Unknown sanction type “%(k)s”.") % {"k": kind})
    if tournament is None:
        if actor is not None and not (is_user(actor) and actor.is_superuser):
            raise PermissionDenied(_("Only administrators can sanction a player in all tournaments; choose a tournament."))
    starts_at = starts_at or timezone.now()
    if ends_at is not None and ends_at <= starts_at:
        raise DomainError(_("A sanction must end after it starts."), code="invalid")
    with transaction.atomic():
        if tournament is not None:
            tournament = lock(Tournament, tournament.pk)
            require(actor, tournament, permissions.MANAGE)
        sanction = Sanction(player=player, tournament=tournament, kind=kind, reason=reason, starts_at=starts_at,
                            ends_at=ends_at, issued_by=actor if is_user(actor) else None)
        save_plain(sanction, actor, reason="issued")
        audit.log_action("sanction.issue", actor=actor, tournament=tournament, target=sanction, reason=reason,
                         metadata={"player": player.pk, "kind": kind, "global": tournament is None,
                                   "until": ends_at.isoformat() if ends_at else None})
        return sanction


def lift(sanction_id: int, *, actor, reason: str) -> Sanction:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason for lifting the sanction."), code="reason_required")
    with transaction.atomic():
        sanction = lock(Sanction, sanction_id, select_related=("tournament", "player"))
        if sanction.tournament_id is None:
            if actor is not None and not (is_user(actor) and actor.is_superuser):
                raise PermissionDenied(_("Only administrators can lift a sanction that covers all tournaments."))
        else:
            require(actor, sanction.tournament, permissions.MANAGE)
        if sanction.lifted_at is not None:
            raise DomainError(_("This sanction was already lifted."), code="noop")
        sanction.lifted_at = timezone.now()
        sanction.lifted_by = actor if is_user(actor) else None
        sanction.lift_reason = reason[:300]
        save_plain(sanction, actor, reason="lifted")
        audit.log_action("sanction.lift", actor=actor, tournament=sanction.tournament, target=sanction, reason=reason)
        return sanction


def edit(sanction_id: int, *, actor, **changes) -> Sanction:
    """Change the window, type or reason of a sanction (not its player or scope)."""
    allowed = {"kind", "reason", "starts_at", "ends_at"}
    with transaction.atomic():
        sanction = lock(Sanction, sanction_id, select_related=("tournament",))
        if sanction.tournament_id is None:
            if actor is not None and not (is_user(actor) and actor.is_superuser):
                raise PermissionDenied(_("Only administrators can change a sanction that covers all tournaments."))
        else:
            require(actor, sanction.tournament, permissions.MANAGE)
        before = {k: str(getattr(sanction, k)) for k in changes if k in allowed}
        for key, value in changes.items():
            if key in allowed:
                setattr(sanction, key, value)
        if sanction.ends_at is not None and sanction.ends_at <= sanction.starts_at:
            raise DomainError(_("A sanction must end after it starts."), code="invalid")
        if not (sanction.reason or "").strip():
            raise DomainError(_("Give a reason; the player sees it."), code="reason_required")
        save_plain(sanction, actor, reason="edited")
        audit.log_action("sanction.edit", actor=actor, tournament=sanction.tournament, target=sanction,
                         metadata={"before": before, "after": {k: str(getattr(sanction, k)) for k in before}})
        return sanction


def registration_blocked_message(registration: Registration) -> str | None:
    found = blocking(registration)
    return refusal(found) if found else None
