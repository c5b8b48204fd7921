"""Creating the things events are made of: tournaments, staff, players, teams, ad-hoc matches.

Creation is a write like any other: validated with the model's rules, audited, history recorded.
"""
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_fsm import FSMField

from .. import permissions
from ..models import Game, Match, Player, Registration, Team, TeamMembership, Tournament, TournamentStaff
from . import audit, rosters
from .base import is_user, lock, require, save_plain
from .errors import DomainError


def _validated(obj, exclude=None):
    # Protected FSM fields refuse the assignment full_clean() makes; their values come from transitions.
    fsm_fields = [f.name for f in obj._meta.fields if isinstance(f, FSMField)]
    try:
        obj.full_clean(exclude=list(exclude or []) + fsm_fields)
    except ValidationError as exc:
        problems = "; ".join(f"{field}: {' '.join(msgs)}" if field != "__all__" else " ".join(msgs)
                             for field, msgs in exc.message_dict.items())
        raise DomainError(problems, code="invalid")


def create_tournament(*, actor, organizer=None, **fields) -> Tournament:
    """Create a draft tournament. Staff users create for themselves; admins may name an organizer."""
    if is_user(actor) and not (actor.is_superuser or actor.is_staff):
        raise DomainError(_("Only staff can create tournaments."), code="forbidden")
    organizer = organizer or actor
    if is_user(actor) and not actor.is_superuser and organizer != actor:
        raise DomainError(_("You can only create tournaments you organize."), code="forbidden")
    tournament = Tournament(organizer=organizer, **fields)
    _validated(tournament)
    with transaction.atomic():
        save_plain(tournament, actor, reason="created")
        audit.log_action("tournament.create", actor=actor, tournament=tournament, target=tournament)
    return tournament


def add_staff(tournament_id: int, *, actor, user, role: str) -> TournamentStaff:
    with transaction.atomic():
        tournament = lock(Tournament, tournament_id)
        require(actor, tournament, permissions.MANAGE)
        if role not in TournamentStaff.Role.values:
            raise DomainError(_("Unknown staff role “%(r)s”.") % {"r": role})
        member, created = TournamentStaff.objects.get_or_create(tournament=tournament, user=user, defaults={"role": role})
        if not created and member.role != role:
            member.role = role
            save_plain(member, actor, reason="role changed")
        audit.log_action("tournament.staff", actor=actor, tournament=tournament, target=member, metadata={"user": user.pk, "role": role})
        return member


def remove_staff(tournament_id: int, *, actor, user) -> None:
    with transaction.atomic():
        tournament = lock(Tournament, tournament_id)
        require(actor, tournament, permissions.MANAGE)
        member = TournamentStaff.objects.filter(tournament=tournament, user=user).first()
        if member is None:
            raise DomainError(_("%(u)s is not on the staff of %(t)s.") % {"u": user, "t": tournament.name})
        member.delete()
        audit.log_action("tournament.staff_removed", actor=actor, tournament=tournament, target=tournament,
                         metadata={"user": user.pk})


def set_member(team: Team, *, actor, player: Player, role: str) -> TeamMembership:
    """Add a player to a team's roster or change their role, within the game's size rules."""
    if role not in TeamMembership.Role.values:
        raise DomainError(_("Unknown roster role “%(r)s”.") % {"r": role})
    with transaction.atomic():
        team = lock(Team, team.pk, select_related=("game",))
        members = {m.player_id: m for m in team.memberships.select_for_update()}
        roles = [m.role for pid, m in members.items() if pid != player.pk] + [role]
        starters = sum(1 for r in roles if r in (TeamMembership.Role.CAPTAIN, TeamMembership.Role.PLAYER))
        subs = sum(1 for r in roles if r == TeamMembership.Role.SUBSTITUTE)
        if starters > team.game.team_size:
            raise DomainError(_("%(g)s teams field %(n)d players; this roster would have %(m)d.")
                              % {"g": team.game, "n": team.game.team_size, "m": starters})
        if subs > team.game.max_substitutes:
            raise DomainError(_("%(g)s allows %(n)d substitutes; this roster would have %(m)d.")
                              % {"g": team.game, "n": team.game.max_substitutes, "m": subs})
        if role == TeamMembership.Role.CAPTAIN and player.pk != team.captain_id:
            raise DomainError(_("Change the captain on the team itself; the roster follows."))
        locked_entries = rosters.check_roster_change(team, actor=actor, changes={player: role})
        membership = members.get(player.pk) or TeamMembership(team=team, player=player)
        membership.role = role
        save_plain(membership, actor, reason="roster")
        audit.log_action("team.roster", actor=actor, target=team, metadata={"player": player.pk, "role": role})
        _audit_locked_roster_edit(locked_entries, actor, team, {"player": player.pk, "role": role})
        return membership


def _audit_locked_roster_edit(entries, actor, team, change: dict) -> None:
    """An organizer changed the roster of a checked-in team: one entry per tournament concerned."""
    for entry in entries:
        audit.log_action("registration.roster_locked_edit", actor=actor, tournament=entry.tournament, target=entry,
                         reason=_("Roster of %(t)s changed after check-in") % {"t": team.name}, metadata=change)


def remove_member(team: Team, *, actor, player: Player) -> None:
    with transaction.atomic():
        team = lock(Team, team.pk)
        if player.pk == team.captain_id:
            raise DomainError(_("The captain cannot leave the roster; name another captain first."))
        if not TeamMembership.objects.filter(team=team, player=player).exists():
            raise DomainError(_("%(p)s is not on %(t)s.") % {"p": player, "t": team})
        locked_entries = rosters.check_roster_change(team, actor=actor, changes={player: None})
        TeamMembership.objects.filter(team=team, player=player).delete()
        audit.log_action("team.roster_removed", actor=actor, target=team, metadata={"player": player.pk})
        _audit_locked_roster_edit(locked_entries, actor, team, {"player": player.pk, "removed": True})


def create_player(*, actor, display_name: str, email: str = "", game_ids: dict | None = None, **extra) -> Player:
    player = Player(display_name=(display_name or "").strip(), email=(email or "").strip().lower(), game_ids=dict(game_ids or {}), **extra)
    normalised = {}
    for slug, value in player.game_ids.items():
        game = Game.objects.filter(slug=slug).first()
        if game is None:
            raise DomainError(_("Unknown game “%(g)s”.") % {"g": slug})
        try:
            normalised[slug] = game.validate_player_id(value)
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages), code="game_id")
    player.game_ids = normalised
    _validated(player, exclude=["user"])
    with transaction.atomic():
        save_plain(player, actor, reason="created")
        audit.log_action("player.create", actor=actor, target=player)
    return player


def create_team(*, actor, game: Game, name: str, tag: str, captain: Player, players=(), substitutes=()) -> Team:
    """Create a team with its roster; size rules come from the game."""
    players = [p for p in players if p != captain]
    starters = 1 + len(players)
    if starters > game.team_size:
        raise DomainError(_("%(g)s teams field %(n)d players; this roster has %(m)d.") % {"g": game, "n": game.team_size, "m": starters})
    if len(substitutes) > game.max_substitutes:
        raise DomainError(_("%(g)s allows %(n)d substitutes; this roster has %(m)d.") % {"g": game, "n": game.max_substitutes, "m": len(substitutes)})
    team = Team(game=game, name=(name or "").strip(), tag=(tag or "").strip().upper(), captain=captain)
    _validated(team)
    with transaction.atomic():
        try:
            with transaction.atomic():
                save_plain(team, actor, reason="created")
        except IntegrityError:
            raise DomainError(_("A %(g)s team with tag %(t)s already exists.") % {"g": game, "t": team.tag}, code="duplicate")
        TeamMembership.objects.create(team=team, player=captain, role=TeamMembership.Role.CAPTAIN)
        for player in players:
            TeamMembership.objects.create(team=team, player=player, role=TeamMembership.Role.PLAYER)
        for player in substitutes:
            TeamMembership.objects.create(team=team, player=player, role=TeamMembership.Role.SUBSTITUTE)
        audit.log_action("team.create", actor=actor, target=team, metadata={"members": starters + len(substitutes)})
    return team


def create_match(tournament_id: int, *, actor, key: str, slot_a: Registration | None, slot_b: Registration | None,
                 round_number: int = 1, position: int = 1, best_of: int | None = None, scheduled_at=None,
                 bracket: str = "winners") -> Match:
    """Add one match by hand (show matches, tiebreakers); brackets create theirs in bulk."""
    with transaction.atomic():
        tournament = lock(Tournament, tournament_id)
        require(actor, tournament, permissions.MANAGE)
        # Re-read the entrants: callers may hold objects from before a status change.
        slot_a = Registration.objects.get(pk=slot_a.pk) if slot_a is not None else None
        slot_b = Registration.objects.get(pk=slot_b.pk) if slot_b is not None else None
        for reg in (slot_a, slot_b):
            if reg is not None and (reg.tournament_id != tournament.pk or reg.status != Registration.Status.CONFIRMED):
                raise DomainError(_("%(who)s is not a confirmed entrant of %(t)s.") % {"who": reg.display_name, "t": tournament.name})
        if slot_a is not None and slot_a == slot_b:
            raise DomainError(_("An entrant cannot play against itself."))
        best_of = best_of or tournament.best_of
        if best_of < 1 or best_of % 2 == 0:
            raise DomainError(_("Best-of must be an odd number (1, 3, 5, …)."))
        if Match.objects.filter(tournament=tournament, stage__isnull=True, key=key).exists():
            raise DomainError(_("Match %(k)s already exists.") % {"k": key}, code="duplicate")
        match = Match(tournament=tournament, key=key, slot_a=slot_a, slot_b=slot_b, round_number=round_number,
                      position=position, best_of=best_of, scheduled_at=scheduled_at, bracket=bracket)
        save_plain(match, actor, reason="created")
        audit.log_action("match.create", actor=actor, tournament=tournament, target=match)
        return match


# ---- configuration: update, clone, versions ----------------------------------------------------------

CONFIG_FIELDS = [
    "name", "description", "rules", "format", "participation", "capacity", "min_participants", "requires_approval",
    "registration_opens_at", "registration_closes_at", "check_in_opens_at", "check_in_closes_at", "starts_at", "ends_at",
    "timezone", "entry_fee", "entry_fee_currency", "entry_fee_deltacoin", "payment_methods", "prize_pool", "prize_currency",
    "prize_deltacoin", "prize_distribution", "best_of", "auto_confirm_matching_reports", "game_id",
    "refund_before_close_percent", "refund_after_close_percent", "bracket_required_to_start",
]
LOCKED_ONCE_LIVE = {"format", "participation", "game_id", "capacity", "entry_fee", "entry_fee_currency", "entry_fee_deltacoin"}


def update_tournament(tournament_id: int, *, actor, reason: str = "", **changes) -> Tournament:
    """Change a tournament's configuration (never its state). Validated as a whole; once the event is
    live the shape (format, participation, game, capacity, fee) is fixed."""
    unknown = set(changes) - set(CONFIG_FIELDS)
    if unknown:
        raise DomainError(_("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        tournament = lock(Tournament, tournament_id)
        require(actor, tournament, permissions.MANAGE)
        changed = {field: value for field, value in changes.items() if getattr(tournament, field) != value}
        if not changed:
            return tournament
        if tournament.status not in Tournament.PRE_LIVE and set(changed) & LOCKED_ONCE_LIVE:
            raise DomainError(_("%(t)s is %(s)s; %(f)s can no longer change.") % {
                "t": tournament.name, "s": tournament.get_status_display().lower(),
                "f": ", ".join(sorted(set(changed) & LOCKED_ONCE_LIVE))}, code="locked")
        before = {field: str(getattr(tournament, field)) for field in changed}
        for field, value in changed.items():
            setattr(tournament, field, value)
        _validated(tournament)
        save_plain(tournament, actor, reason=reason or "configuration changed")
        audit.log_action("tournament.update", actor=actor, tournament=tournament, target=tournament, reason=reason,
                         metadata={"before": before, "after": {f: str(getattr(tournament, f)) for f in changed}})
        return tournament


def clone_tournament(tournament_id: int, *, actor, name: str, slug: str, shift_days: int = 7) -> Tournament:
    """A new draft with the same configuration, dates moved by ``shift_days`` (staff roles copied)."""
    from datetime import timedelta

    source = Tournament.objects.get(pk=tournament_id)
    require(actor, source, permissions.MANAGE)
    if Tournament.objects.filter(slug=slug).exists():
        raise DomainError(_("The address “%(s)s” is taken; choose another slug.") % {"s": slug}, code="duplicate")
    fields = {field: getattr(source, field) for field in CONFIG_FIELDS}
    shift = timedelta(days=shift_days)
    for field in ("registration_opens_at", "registration_closes_at", "check_in_opens_at", "check_in_closes_at", "starts_at", "ends_at"):
        if fields[field] is not None:
            fields[field] = fields[field] + shift
    fields.update(name=name, slug=slug)
    organizer = actor if is_user(actor) and not actor.is_superuser else source.organizer
    with transaction.atomic():
        clone = create_tournament(actor=actor, organizer=organizer, **fields)
        for member in source.staff.all():
            TournamentStaff.objects.create(tournament=clone, user=member.user, role=member.role)
        audit.log_action("tournament.clone", actor=actor, tournament=clone, target=clone, metadata={"from": source.pk})
    return clone


def configuration_versions(tournament):
    """The tournament's history rows, newest first: each is a configuration version."""
    return tournament.history.select_related("history_user").order_by("-history_date", "-history_id")


def restore_configuration(tournament_id: int, *, actor, history_id: int, reason: str) -> Tournament:
    """Roll the configuration back to a historical version. Only configuration fields are restored;
    the state never moves except by a transition (so this is not simple-history's revert)."""
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for restoring an earlier configuration."), code="reason_required")
    tournament = Tournament.objects.get(pk=tournament_id)
    version = tournament.history.filter(history_id=history_id).first()
    if version is None:
        raise DomainError(_("That version does not belong to %(t)s.") % {"t": tournament.name}, code="not_found")
    changes = {field: getattr(version, field) for field in CONFIG_FIELDS}
    if tournament.status not in Tournament.PRE_LIVE:
        for field in LOCKED_ONCE_LIVE:
            changes.pop(field, None)
    return update_tournament(tournament_id, actor=actor, reason=f"restored version {history_id}: {reason}", **changes)
