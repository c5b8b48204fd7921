"""In-game player ID formats of the games we run (from the game blueprint).

Each format normalises a value (trims spaces) and explains a rejection in the player's terms.
"""
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class GameIdFormat:
    label: str
    pattern: re.Pattern
    example: str


GAME_ID_FORMATS: dict[str, GameIdFormat] = {
    "riot_id": GameIdFormat(_("Riot ID (name#TAG)"), re.compile(r"^[^#\s][^#]{1,15}#[A-Za-z0-9]{3,5}$"), "Zed#EUW1"),
    "steam_id": GameIdFormat(_("SteamID64 (17 digits)"), re.compile(r"^7656119\d{10}$"), "76561198000000000"),
    "mlbb_uid": GameIdFormat(_("Mobile Legends UID|zone"), re.compile(r"^\d{6,12}\|\d{3,5}$"), "123456789|2001"),
    "ea_id": GameIdFormat(_("EA ID (5–20 letters or digits)"), re.compile(r"^[A-Za-z0-9_\-]{5,20}$"), "Striker_99"),
    "konami_id": GameIdFormat(_("Konami ID (9–12 digits)"), re.compile(r"^\d{9,12}$"), "123456789"),
    "mobile_uid": GameIdFormat(_("In-game name or numeric UID"), re.compile(r"^\S.{1,30}\S$"), "ShadowFox"),
}


def validate_game_id(id_format: str, value: str) -> str:
    spec = GAME_ID_FORMATS.get(id_format)
    if spec is None:
        raise ValidationError(_("Unknown player ID format “%(f)s”.") % {"f": id_format})
    normalised = (value or "").strip()
    if id_format == "mlbb_uid":
        normalised = re.sub(r"\s*[|(/]\s*", "|", normalised).rstrip(")")
    if not spec.pattern.match(normalised):
        raise ValidationError(
            _("“%(value)s” is not a valid %(label)s, e.g. %(example)s.")
            % {"value": value, "label": spec.label, "example": spec.example}
        )
    return normalised
