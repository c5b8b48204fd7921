"""Teams with rosters, as one row per team (captain, players and substitutes as columns, or
Toornament's ``lineup[i].name/email``) or as one row per member (team, tag, member, role).

A member cell holds an email or a game ID. Known players are recognised by those keys; unknown ones
are created through ``setup.create_player`` (a game ID is enough: the name is its ``name`` part).
New teams go through ``setup.create_team``; a team that exists (same game and tag) gets its roster
synchronised through ``services.imports.sync_team``. An import also requires full rosters (the
game's players per side), which the admin's create form leaves to the organizer.
"""
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Team
from ..services import DomainError, setup
from ..services import imports as import_services
from .players import PlayerMatcher, clean_text, formula_error
from .readers import FileError
from .report import INVALID, NEW, SKIPPED, UPDATED
from .sheets import ServiceSheet

ROLE_WORDS = {"captain": "captain", "c": "captain", "capt": "captain", "igl": "captain", "player": "player", "starter": "player",
              "": "player", "sub": "substitute", "substitute": "substitute", "reserve": "substitute", "bench": "substitute"}


def derived_tag(name: str) -> str:
    """Toornament and Challonge have no team tag: the name's letters and digits, upper-cased, stand in."""
    return "".join(ch for ch in (name or "").upper() if ch.isalnum())[:12]


@dataclass
class Member:
    row: int
    column: str
    values: dict
    role: str


@dataclass
class TeamRows:
    row: int
    name: str
    tag: str
    members: list[Member] = field(default_factory=list)
    broken: bool = False  # a member row was refused while reading (its error is already reported)


class TeamSheet(ServiceSheet):
    kind = "teams"

    def run(self, sheet, mapping, progress=None):
        from .base import check_row_limit
        from .report import Report

        check_row_limit(sheet, 5000)
        if not set(mapping.fields) & {"team_name", "tag"}:
            raise FileError(_("The file needs a “Team” (name) and a “Tag” column."))
        wide = bool(mapping.lineup or mapping.numbered or "captain" in mapping.fields)
        if not wide and not set(mapping.fields) & {"member_name", "member_email", "member_game_id"}:
            raise FileError(_("The file needs the members: “Captain” and “Player 2”, “Player 3”… columns, or one row per member "
                              "with “Member”, “Email” or a game ID column and “Role”."))
        report = Report(self.kind, mapping.summary(), sheet.header_row)
        self.report, self.mapping = report, mapping
        self.columns = {name: mapping.headers[i] for name, i in mapping.fields.items()}
        teams = self._wide(sheet) if wide else self._long(sheet)
        self.matcher = PlayerMatcher(self.t.game)
        self._load_members(teams)
        for position, team_rows in enumerate(teams, start=1):
            self._one(team_rows)
            if progress and position % 20 == 0:
                progress(int(90 * position / len(teams)))
        return report

    # ---- reading -------------------------------------------------------------------------------
    def _cell(self, number, cells, index):
        value = cells[index] if index < len(cells) else ""
        problem = formula_error(value)
        if problem:
            self.report.error(number, problem, self.mapping.headers[index])
            return None
        return clean_text(value)

    def _member_from_cell(self, number, index, text, role):
        column = self.mapping.headers[index]
        if "@" in text:
            return Member(number, column, {"email": text, "name": text.split("@")[0]}, role)
        return Member(number, column, {"game_id": text, "name": text.split("#")[0].split("|")[0].strip()}, role)

    def _wide(self, sheet):
        teams, m = [], self.mapping
        for number, cells in sheet.rows:
            get = lambda i: self._cell(number, cells, i)  # noqa: E731
            name = get(m.fields["team_name"]) if "team_name" in m.fields else ""
            tag = get(m.fields["tag"]) if "tag" in m.fields else ""
            if name is None or tag is None:
                continue
            team = TeamRows(number, name, tag)
            if "captain" in m.fields:
                text = get(m.fields["captain"])
                if text:
                    team.members.append(self._member_from_cell(number, m.fields["captain"], text, "captain"))
            for group, role in (("player", "player"), ("sub", "substitute")):
                for index in m.numbered.get(group, []):
                    text = get(index)
                    if text:
                        team.members.append(self._member_from_cell(number, index, text, role))
            for slot in sorted(m.lineup):
                values = {k: get(i) or "" for k, i in m.lineup[slot].items()}
                if any(values.values()):
                    column = m.headers[next(iter(m.lineup[slot].values()))]
                    team.members.append(Member(number, column, values, "player"))
            if team.members and not any(x.role == "captain" for x in team.members):
                team.members[0].role = "captain"
            teams.append(team)
        return teams

    def _long(self, sheet):
        by_key, m = {}, self.mapping
        for number, cells in sheet.rows:
            values = {f: self._cell(number, cells, i) for f, i in m.fields.items()}
            if None in values.values():
                continue
            key = (values.get("tag") or derived_tag(values.get("team_name", ""))).upper()
            team = by_key.setdefault(key, TeamRows(number, values.get("team_name", ""), values.get("tag", "")))
            role = ROLE_WORDS.get(values.get("role", "").strip().lower())
            if role is None:
                self.report.error(number, _("“%(v)s” is not a role; use captain, player or substitute.") % {"v": values["role"]},
                                  self.columns.get("role", ""))
                team.broken = True
                continue
            member = {"name": values.get("member_name", ""), "email": values.get("member_email", ""),
                      "game_id": values.get("member_game_id", "")}
            column = self.columns.get("member_game_id") or self.columns.get("member_email") or self.columns.get("member_name", "")
            team.members.append(Member(number, column, member, role))
        return list(by_key.values())

    def _load_members(self, teams):
        emails, ids = [], []
        for team in teams:
            for member in team.members:
                emails.append(member.values.get("email", "").lower())
                try:
                    if member.values.get("game_id"):
                        ids.append(self.matcher.normalise_game_id(member.values["game_id"]))
                except ValidationError:
                    pass
        self.matcher.load(emails, ids)
        self.existing = {t.tag.upper(): t for t in Team.objects.filter(game_id=self.t.game_id)}
        self.seen_tags = {}

    # ---- one team ------------------------------------------------------------------------------
    def _one(self, team_rows: TeamRows):
        report, game = self.report, self.t.game
        rows = sorted({team_rows.row} | {m.row for m in team_rows.members})
        errors_before = len(report.errors)
        tag_column = self.columns.get("tag") or self.columns.get("team_name", "")
        tag = (team_rows.tag or "").strip().upper() or derived_tag(team_rows.name)
        if not tag:
            report.error(team_rows.row, _("a team tag (or a name to derive it from) is required."), tag_column)
        elif len(tag) > 12:
            report.error(team_rows.row, _("tag “%(t)s” is longer than 12 characters.") % {"t": tag}, tag_column)
        elif tag in self.seen_tags:
            report.error(team_rows.row, _("tag %(t)s is already on row %(r)d.") % {"t": tag, "r": self.seen_tags[tag]}, tag_column)
        self.seen_tags.setdefault(tag, team_rows.row)
        resolved = []
        for member in team_rows.members:
            found = self.matcher.match(report, member.row, member.values,
                                       {"name": member.column, "email": member.column, "game_id": member.column})
            if found is not None:
                resolved.append((member, found))
        captains = [x for x in resolved if x[0].role == "captain"]
        starters = [x for x in resolved if x[0].role in ("captain", "player")]
        subs = [x for x in resolved if x[0].role == "substitute"]
        if len(report.errors) == errors_before and not team_rows.broken:
            if len(captains) != 1:
                report.error(team_rows.row, _("team %(t)s needs exactly one captain (it has %(n)d).") % {"t": tag, "n": len(captains)})
            elif len(starters) < game.team_size:
                report.error(team_rows.row, _("roster too small: team %(t)s has %(n)d players; %(g)s teams field %(need)d.")
                             % {"t": tag, "n": len(starters), "g": game.name, "need": game.team_size})
        if len(report.errors) > errors_before or team_rows.broken:
            for number in rows:
                report.add(number, INVALID, tag)
            return
        try:
            with transaction.atomic():
                action, changes = self._write(team_rows, tag, captains[0][1], starters, subs)
        except DomainError as exc:  # refused by a service: the whole team's rows are refused
            report.error(team_rows.row, exc.message)
            action, changes = INVALID, {}
        report.add(team_rows.row, action, f"{team_rows.name or tag} [{tag}]", changes)
        for number in rows:
            if number != team_rows.row:
                report.add(number, action if action == INVALID else SKIPPED, tag)

    def _player(self, found):
        if not found.is_new:
            return found.player
        p = found.player
        return setup.create_player(actor=self.actor, display_name=p.display_name, email=p.email, phone=p.phone,
                                   country=p.country, game_ids=p.game_ids)

    def _write(self, team_rows, tag, captain_found, starters, subs):
        captain = self._player(captain_found)
        players = [self._player(f) for m, f in starters if m.role != "captain"]
        substitutes = [self._player(f) for _m, f in subs]
        new_people = sum(1 for _m, f in starters + subs if f.is_new)
        existing = self.existing.get(tag)
        if existing is None:
            team = setup.create_team(actor=self.actor, game=self.t.game, name=team_rows.name or tag, tag=tag, captain=captain,
                                     players=players, substitutes=substitutes)
            self.existing[tag] = team
            return NEW, {"team": [None, str(team)], "roster": [None, ", ".join(p.display_name for p in [captain, *players, *substitutes])],
                         "new players": [None, new_people]}
        changes = import_services.sync_team(existing.pk, actor=self.actor, name=team_rows.name or existing.name, captain=captain,
                                            players=players, substitutes=substitutes)
        return (UPDATED, changes) if changes else (SKIPPED, {})
