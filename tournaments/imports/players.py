"""Recognising players across files and re-imports: natural keys are the email and the game ID.

Every rule of ``services.setup.create_player`` applies to a row (name required, email and game ID
valid and normalised), checked here without a query per row: the players a file can match are
loaded up front, in a few ``IN`` queries.
"""
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from ..gameids import GAME_ID_FORMATS, validate_game_id
from ..models import Player
from .readers import FORMULA_MARK

CHUNK = 2000
PLAYER_FIELDS = ("display_name", "email", "phone", "country")


def clean_text(value: str) -> str:
    """A cell as text: our own export's escaping (a leading apostrophe before = + - @) undone."""
    text = (value or "").strip()
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        return text[1:]
    return text


def formula_error(value: str) -> str | None:
    if value.startswith(FORMULA_MARK):
        return _("“%(f)s” is a formula; type the value itself (formulas are not imported).") % {"f": value[len(FORMULA_MARK):]}
    return None


@dataclass
class PlayerRow:
    """A row's player: an existing one (maybe changed) or a new one, not yet saved."""

    player: Player
    is_new: bool
    changes: dict = field(default_factory=dict)


class PlayerMatcher:
    """Matches rows to players; remembers which row used which email/game ID to refuse duplicates."""

    def __init__(self, game):
        self.game = game
        self.slug = game.slug
        self.id_label = str(GAME_ID_FORMATS[game.id_format].label) if game.id_format in GAME_ID_FORMATS else _("game ID")
        self.by_email: dict[str, Player] = {}
        self.by_game_id: dict[str, Player] = {}
        self.seen_email: dict[str, int] = {}
        self.seen_game_id: dict[str, int] = {}

    def normalise_game_id(self, value: str) -> str:
        return validate_game_id(self.game.id_format, value)

    def load(self, emails, game_ids) -> None:
        emails = sorted({e for e in emails if e})
        game_ids = sorted({g for g in game_ids if g})
        for start in range(0, len(emails), CHUNK):
            for player in Player.objects.filter(email__in=emails[start:start + CHUNK]).order_by("id"):
                self.by_email.setdefault(player.email, player)
        lookup = f"game_ids__{self.slug}__in"
        for start in range(0, len(game_ids), CHUNK):
            for player in Player.objects.filter(**{lookup: game_ids[start:start + CHUNK]}).order_by("id"):
                self.by_game_id.setdefault(str(player.game_ids.get(self.slug)), player)

    def match(self, report, row: int, values: dict, columns: dict, *, require_key: bool = True) -> PlayerRow | None:
        """Validate a row's player cells and find or build its player. Errors go to ``report``."""
        errors_before = len(report.errors)
        name, email, game_id = values.get("name", ""), values.get("email", "").lower(), values.get("game_id", "")
        phone, country = values.get("phone", ""), values.get("country", "").upper()
        if not name:
            report.error(row, _("a name is required."), columns.get("name", ""))
        elif len(name) > 64:
            report.error(row, _("“%(v)s” is longer than 64 characters.") % {"v": name}, columns.get("name", ""))
        if email:
            try:
                validate_email(email)
                if len(email) > 254:
                    raise ValidationError("")
            except ValidationError:
                report.error(row, _("“%(v)s” is not an email address.") % {"v": values.get("email")}, columns.get("email", ""))
                email = ""
        if game_id:
            try:
                game_id = self.normalise_game_id(game_id)
            except ValidationError as exc:
                report.error(row, " ".join(exc.messages), columns.get("game_id", ""))
                game_id = ""
        if len(phone) > 32:
            report.error(row, _("“%(v)s” is longer than 32 characters.") % {"v": phone}, columns.get("phone", ""))
        if country and len(country) != 2:
            report.error(row, _("“%(v)s” is not a two-letter country code (e.g. BD).") % {"v": country}, columns.get("country", ""))
        if require_key and not (values.get("email") or values.get("game_id")):
            report.error(row, _("give an email or a %(id)s so the player is recognised on a re-import.") % {"id": self.id_label})
        for key, seen, column in ((email, self.seen_email, "email"), (game_id, self.seen_game_id, "game_id")):
            if key and key in seen:
                report.error(row, _("“%(v)s” is already used on row %(r)d.") % {"v": key, "r": seen[key]}, columns.get(column, ""))
            elif key:
                seen[key] = row
        if len(report.errors) > errors_before:
            return None
        by_email = self.by_email.get(email) if email else None
        by_id = self.by_game_id.get(game_id) if game_id else None
        if by_email and by_id and by_email.pk != by_id.pk:
            report.error(row, _("“%(v)s” belongs to %(other)s, but the email belongs to %(p)s.")
                         % {"v": game_id, "other": by_id.display_name, "p": by_email.display_name}, columns.get("game_id", ""))
            return None
        player = by_email or by_id
        wanted = {"display_name": name, "email": email, "phone": phone, "country": country}
        if player is None:
            player = Player(display_name=name, email=email, phone=phone, country=country,
                            game_ids={self.slug: game_id} if game_id else {})
            return PlayerRow(player, True, {k: [None, v] for k, v in {**wanted, "game_id": game_id}.items() if v})
        changes = {}
        for attr, value in wanted.items():
            if value and getattr(player, attr) != value:
                changes[attr] = [getattr(player, attr), value]
                setattr(player, attr, value)
        if game_id and player.game_ids.get(self.slug) != game_id:
            changes["game_id"] = [player.game_ids.get(self.slug), game_id]
            player.game_ids = {**player.game_ids, self.slug: game_id}
        return PlayerRow(player, False, changes)


class PlayerPlanner:
    """A players sheet: create or update people (no registration); game IDs for the tournament's game."""

    kind = "players"

    def __init__(self, tournament, *, actor, options=None):
        self.t = tournament

    def plan(self, sheet, mapping):
        from .base import Plan, cells_by_field, check_row_limit
        from .readers import FileError
        from .report import INVALID, NEW, SKIPPED, UPDATED, Report

        check_row_limit(sheet)
        if "name" not in mapping.fields or not set(mapping.fields) & {"email", "game_id"}:
            raise FileError(_("The file needs a name column and an “Email” or game ID column."))
        report = Report(self.kind, mapping.summary(), sheet.header_row)
        plan = Plan(report)
        columns = {name: mapping.headers[i] for name, i in mapping.fields.items()}
        rows = [(number, cells_by_field(report, number, cells, mapping)) for number, cells in sheet.rows]
        matcher = PlayerMatcher(self.t.game)
        ids = []
        for _n, values in rows:
            try:
                ids.append(matcher.normalise_game_id(values["game_id"]) if values and values.get("game_id") else "")
            except ValidationError:
                pass
        matcher.load([v.get("email", "").lower() for _n, v in rows if v], ids)
        for number, values in rows:
            found = matcher.match(report, number, values, columns) if values is not None else None
            if found is None:
                report.add(number, INVALID)
            elif found.is_new:
                plan.new_players.append(found.player)
                plan.audit.append(("player.create", found.player, {}))
                report.add(number, NEW, found.player.display_name, found.changes)
            elif found.changes:
                plan.changed_players.append((found.player, found.changes))
                report.add(number, UPDATED, found.player.display_name, found.changes)
            else:
                report.add(number, SKIPPED, found.player.display_name)
        return plan
