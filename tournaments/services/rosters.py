"""Who may be entered together: game IDs, team sizes, one team per player, the check-in roster lock.

These are the rules of an *entry* (a solo player or a team's roster) inside one tournament. They are
checked by ``registrations.register`` (every new entry), at confirmation (approve, promote) and by the
roster services (``setup.set_member`` / ``remove_member``) for every tournament the team is entered
in. Each refusal names the clash, so the organizer knows whom to talk to.

Game IDs are compared normalised (``Game.validate_player_id``) and case-insensitively: Riot, EA and
mobile IDs are not case-sensitive for the games, so ``Zed#EUW1`` and ``zed#euw1`` are one account.
A player without an ID for the game is not refused here: organizers often collect IDs after sign-up;
the ID is checked the moment it is known.
"""
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .. import permissions
from ..models import Registration, Team, TeamMembership, Tournament
from .base import is_user
from .errors import DomainError

M = TeamMembership.Role
STARTERS = (M.CAPTAIN, M.PLAYER)


def game_id_of(player, game) -> str | None:
    """The player's normalised ID for ``game`` (None when they have none); a malformed one is refused."""
    raw = (player.game_ids or {}).get(game.slug)
    if raw in (None, ""):
        return None
    try:
        return game.validate_player_id(str(raw))
    except ValidationError as exc:
        raise DomainError(_("%(p)s: %(m)s") % {"p": player.display_name, "m": " ".join(exc.messages)}, code="game_id")


def roster_of(team: Team) -> dict:
    """{player: role} of the team, from its prefetched memberships when the caller loaded them."""
    return {m.player: m.role for m in team.memberships.all()}


def _roster(team: Team, changes: dict | None = None) -> dict:
    """{player: role} of the team, with ``changes`` applied ({player: role or None to remove})."""
    roster = {m.player: m.role for m in team.memberships.select_related("player")}
    for player, role in (changes or {}).items():
        roster.pop(player, None)
        if role is not None:
            roster[player] = role
    return roster


def check_roster_size(team: Team, roster: dict, *, minimum: bool) -> None:
    game = team.game
    starters = sum(1 for role in roster.values() if role in STARTERS)
    subs = sum(1 for role in roster.values() if role == M.SUBSTITUTE)
    if starters > game.team_size:
        raise DomainError(_("%(g)s teams field %(n)d players; %(t)s has %(m)d.")
                          % {"g": game, "n": game.team_size, "t": team.name, "m": starters}, code="roster_size")
    if subs > game.max_substitutes:
        raise DomainError(_("%(g)s allows %(n)d substitutes; %(t)s has %(m)d.")
                          % {"g": game, "n": game.max_substitutes, "t": team.name, "m": subs}, code="roster_size")
    if minimum and game.min_players and starters < game.min_players:
        raise DomainError(_("%(t)s needs at least %(n)d players (captain included, substitutes not) to enter a %(g)s "
                            "tournament; it has %(m)d.") % {"t": team.name, "n": game.min_players, "g": game, "m": starters},
                          code="roster_size")


def _other_entries(tournament_id: int, exclude_team_id=None, exclude_player_id=None):
    """Active entries of the tournament other than the one being checked, with their people loaded."""
    qs = (Registration.objects.filter(tournament_id=tournament_id, status__in=Registration.ACTIVE)
          .select_related("player", "team").prefetch_related("team__memberships__player"))
    if exclude_team_id:
        qs = qs.exclude(team_id=exclude_team_id)
    if exclude_player_id:
        qs = qs.exclude(player_id=exclude_player_id)
    return qs


def _people(entry: Registration) -> list:
    return [m.player for m in entry.team.memberships.all()] if entry.team_id else [entry.player]


class EntryIndex:
    """Who already plays in a tournament's active entries, by player and by game ID, built with one
    query, so that a whole spreadsheet of teams is checked against the event (and against the rows
    above it) without a query per row. ``check`` refuses an entry that clashes; ``add`` records one."""

    def __init__(self, tournament: Tournament, entries=None):
        self.tournament, self.game = tournament, tournament.game
        self.by_player, self.by_game_id = {}, {}  # pk -> (name, ref); casefold id -> (player, name, ref)
        for entry in (_other_entries(tournament.pk) if entries is None else entries):
            self.add(_people(entry), entry.display_name, _("registration #%(pk)s") % {"pk": entry.pk})

    def add(self, players: list, name: str, ref: str) -> None:
        for player in players:
            self.by_player.setdefault(player.pk, (name, ref))
            try:
                gid = game_id_of(player, self.game)
            except DomainError:
                continue  # their malformed ID is their entry's problem, not a clash with another one
            if gid is not None:
                self.by_game_id.setdefault(gid.casefold(), (player, name, ref))

    def check(self, players: list) -> None:
        """Refuse ``players`` (one entry's people) when they clash among themselves or with an entry
        already in the index: the same player in two teams, or the same game ID under two names."""
        game, mine = self.game, {}
        for player in players:
            gid = game_id_of(player, game)
            if gid is None:
                continue
            key = gid.casefold()
            if key in mine and mine[key][0] != player:
                raise DomainError(_("%(a)s and %(b)s have the same %(g)s ID %(id)s.")
                                  % {"a": mine[key][0].display_name, "b": player.display_name, "g": game, "id": gid},
                                  code="game_id_taken")
            mine[key] = (player, gid)
        for player in players:
            if player.pk in self.by_player:
                name, ref = self.by_player[player.pk]
                raise DomainError(_("%(p)s already plays for %(e)s in %(t)s (%(ref)s); a player can be in one team "
                                    "per tournament.") % {"p": player.display_name, "e": name, "t": self.tournament.name,
                                                          "ref": ref}, code="two_teams")
        for key, (player, gid) in mine.items():
            if key in self.by_game_id:
                other, name, ref = self.by_game_id[key]
                raise DomainError(_("The %(g)s ID %(id)s of %(p)s is already used by %(o)s (%(e)s, %(ref)s).")
                                  % {"g": game, "id": gid, "p": player.display_name, "o": other.display_name,
                                     "e": name, "ref": ref}, code="game_id_taken")


def check_entry(tournament: Tournament, *, players: list, team: Team | None = None) -> None:
    """Refuse an entry whose players clash with another active entry of the tournament: the same
    player in two teams, or the same game ID under two names. ``players`` are the entry's people."""
    others = _other_entries(tournament.pk, exclude_team_id=team.pk if team else None,
                            exclude_player_id=None if team else (players[0].pk if players else None))
    EntryIndex(tournament, others).check(players)


def check_new_entry(tournament: Tournament, *, player=None, team=None) -> None:
    """Everything ``register`` checks about the people of a new entry."""
    if team is not None:
        roster = _roster(team)
        check_roster_size(team, roster, minimum=True)
        check_entry(tournament, players=list(roster), team=team)
    else:
        check_entry(tournament, players=[player])


def check_confirmable(registration: Registration) -> None:
    """At confirmation the roster must still meet the game's minimum (it may have shrunk since)."""
    if registration.team_id:
        team = Team.objects.select_related("game").get(pk=registration.team_id)
        check_roster_size(team, _roster(team), minimum=True)


def check_roster_change(team: Team, *, actor, changes: dict) -> list[Registration]:
    """Before a roster change: for every tournament the team is actively entered in, the new roster
    must keep the one-team-per-player and game-ID rules, and a checked-in team's roster is locked
    unless the actor manages that tournament. Returns the checked-in entries an organizer is
    changing (the caller audits those edits)."""
    entries = list(Registration.objects.filter(team=team, status__in=Registration.ACTIVE,
                                               tournament__status__in=Tournament.PRE_LIVE + [Tournament.Status.LIVE])
                   .select_related("tournament__game"))
    roster = _roster(team, changes)
    unlocked = []
    for entry in entries:
        tournament = entry.tournament
        if entry.is_checked_in:
            if not (is_user(actor) and permissions.has_capability(actor, tournament, permissions.MANAGE)):
                raise DomainError(_("%(team)s is checked in for %(t)s; its roster is locked. Ask an organizer to make "
                                    "the change.") % {"team": team.name, "t": tournament.name}, code="roster_locked")
            unlocked.append(entry)
        added = [player for player, role in changes.items() if role is not None]
        if added:
            check_entry(tournament, players=list(roster), team=team)
    return unlocked
