"""Column names people already have: generic aliases, platform presets and header detection.

A header is normalised (case, spaces, ``_ - .`` and a trailing ``?``/``:`` ignored) and looked up in
the aliases of the kind being imported; a preset (start.gg, Challonge, Toornament) adds its own names
and the columns it exports that must never be imported (state, totals, internal ids). Unknown
columns of a registration sheet become custom-field answers; state columns are always ignored.
"""
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _, gettext_lazy

from .readers import HEADER_SCAN_ROWS, FileError, Sheet


def norm(header: str) -> str:
    text = re.sub(r"[_\-.]+", " ", str(header or "").strip().lower())
    return re.sub(r"\s+", " ", text).strip(" ?:*")


GAME_ID_ALIASES = ["game id", "player id", "in game id", "ingame id", "riot id", "steam id", "steamid64", "steamid",
                   "konami id", "ea id", "mlbb id", "mlbb uid", "uid", "game uid", "pubg id", "free fire id", "character id"]

ALIASES = {
    "registrations": {
        "name": ["name", "display name", "player", "player name", "participant", "participant name", "gamertag",
                 "gamer tag", "nickname", "nick", "ign", "in game name", "team name"],
        "email": ["email", "e mail", "email address", "mail", "captain email"],
        "invite": ["invite name or email"],
        "game_id": GAME_ID_ALIASES,
        "team": ["team", "team tag", "tag", "clan"],
        "seed": ["seed", "seeding"],
        "checked_in": ["checked in", "check in", "checkin"],
        "payment_method": ["payment method", "paid with", "method"],
        "payment_reference": ["payment reference", "transaction id", "transaction reference", "reference", "trx id", "trxid"],
        "payment_amount": ["payment amount", "amount paid", "paid amount", "amount"],
        "fee_waived": ["fee waived", "waived", "fee waiver"],
        "fee_waiver_reason": ["waiver reason", "fee waiver reason"],
        "phone": ["phone", "phone number", "mobile", "whatsapp"],
        "country": ["country", "country code"],
    },
    "players": {
        "name": ["name", "display name", "player", "player name", "gamertag", "gamer tag", "nickname", "ign"],
        "email": ["email", "e mail", "email address", "mail"],
        "game_id": GAME_ID_ALIASES,
        "phone": ["phone", "phone number", "mobile", "whatsapp"],
        "country": ["country", "country code"],
    },
    "teams": {
        "team_name": ["team name", "team", "name"],
        "tag": ["tag", "team tag", "short name", "abbreviation"],
        "captain": ["captain", "captain id", "captain game id", "captain email"],
        "member_name": ["member", "member name", "player name", "player", "gamertag"],
        "member_email": ["email", "member email", "player email"],
        "member_game_id": GAME_ID_ALIASES,
        "role": ["role", "position"],
    },
    "results": {
        "key": ["match", "match key", "key", "match id", "match number"],
        "score_a": ["score a", "score 1", "score home", "player 1 score", "team 1 score", "side a score", "score_a"],
        "score_b": ["score b", "score 2", "score away", "player 2 score", "team 2 score", "side b score", "score_b"],
        "score": ["score", "result", "final score"],
        "reason": ["reason", "note", "notes", "comment"],
    },
    "payments": {
        "reference": ["reference", "payment reference", "transaction id", "transaction reference", "trx id", "trxid"],
        "decision": ["decision", "action", "verify", "outcome"],
        "reason": ["reason", "note", "notes", "comment"],
        "amount": ["amount", "amount paid", "paid amount"],
    },
}

# Never imported, whatever the preset: state moves only by transitions, ids and derived values are ours.
ALWAYS_IGNORED = {"status", "registration status", "payment status", "state", "checked in at", "registration",
                  "registration id", "waitlist position", "on waiting list", "final rank", "rank", "placement",
                  "created", "created at", "updated at", "decided by", "winner", "completed at"}

# Key fields: a header row must name at least one of them.
KEY_FIELDS = {
    "registrations": {"name", "email", "game_id", "team", "invite"},
    "players": {"name", "email", "game_id"},
    "teams": {"team_name", "tag"},
    "results": {"key"},
    "payments": {"reference"},
}

LINEUP = re.compile(r"^lineup\s*\[?\s*(\d+)\s*\]?\s*[._ ]\s*(.+)$", re.IGNORECASE)
NUMBERED = re.compile(r"^(player|member|starter|sub|substitute|reserve)\s*#?\s*(\d+)$")


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    aliases: dict = field(default_factory=dict)  # field → extra names, tried first
    ignored: frozenset = frozenset()
    markers: tuple = ()  # normalised headers that identify the platform's export

    def detect_score(self, headers: set[str]) -> int:
        return sum(1 for m in self.markers if any(h == m or h.startswith(m + "[") for h in headers))


PRESETS = {
    "generic": Preset("generic", gettext_lazy("Generic (our column names and common aliases)")),
    "startgg": Preset(
        "startgg", gettext_lazy("start.gg attendee export"),
        aliases={"name": ["gamertag"], "payment_amount": ["total paid"]},
        ignored=frozenset({"id", "short gamertag", "total owed", "total transaction", "venue fee name", "discriminator",
                           "connect", "user id", "player id"}),
        markers=("gamertag", "short gamertag", "total owed", "total paid", "admin notes", "checked in"),
    ),
    "challonge": Preset(
        "challonge", gettext_lazy("Challonge participants"),
        aliases={"name": ["name", "display name"], "email": ["email"], "invite": ["invite name or email"]},
        ignored=frozenset({"id", "participant id", "group id", "on waiting list", "final rank", "challonge username",
                           "username", "display name"}),
        markers=("invite name or email", "misc", "on waiting list", "final rank", "group id", "display name"),
    ),
    "toornament": Preset(
        "toornament", gettext_lazy("Toornament participants"),
        aliases={"name": ["name"], "email": ["email"]},
        ignored=frozenset({"id", "custom user identifier", "participant id", "created at"}),
        markers=("custom user identifier", "lineup"),
    ),
}
PRESET_CHOICES = [("auto", gettext_lazy("Detect automatically"))] + [(k, p.label) for k, p in PRESETS.items()]


@dataclass
class Mapping:
    """Which column holds which field; the rest are answers, roster slots or ignored."""

    headers: list[str]
    preset: str
    fields: dict[str, int] = field(default_factory=dict)
    answers: dict[int, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    lineup: dict[int, dict[str, int]] = field(default_factory=dict)  # member slot → {"name"|"email"|"game_id": col}
    numbered: dict[str, list[int]] = field(default_factory=dict)  # "player"/"sub" → columns in order

    def column(self, name: str) -> str:
        index = self.fields.get(name)
        return self.headers[index] if index is not None else ""

    def summary(self) -> dict:
        return {"fields": {f: self.headers[i] for f, i in self.fields.items()},
                "answers": list(self.answers.values()), "ignored": self.ignored, "preset": self.preset,
                "roster_columns": len(self.lineup) + sum(len(c) for c in self.numbered.values())}


def _custom_field_name(key: str) -> str:
    for prefix in ("custom fields ", "custom field ", "custom "):
        if key.startswith(prefix):
            return key[len(prefix):]
    return key


def _field_for(kind: str, key: str, preset: Preset) -> str | None:
    for name, extra in preset.aliases.items():
        if key in [norm(e) for e in extra] and name in ALIASES[kind]:
            return name
    for name, names in ALIASES[kind].items():
        if key in names:
            return name
    return None


def build_mapping(kind: str, headers: list[str], preset: Preset) -> Mapping:
    mapping = Mapping(headers=headers, preset=preset.key)
    for index, header in enumerate(headers):
        key = norm(header)
        if not key:
            continue
        lineup = LINEUP.match(str(header).strip())
        if lineup and kind in ("teams", "registrations"):
            sub = _custom_field_name(norm(lineup.group(2)))
            slot = {"name": "name", "email": "email"}.get(sub) or ("game_id" if sub in GAME_ID_ALIASES else None)
            if slot:
                mapping.lineup.setdefault(int(lineup.group(1)), {})[slot] = index
            else:
                mapping.ignored.append(header)
            continue
        numbered = NUMBERED.match(key)
        if numbered and kind == "teams":
            group = "sub" if numbered.group(1) in ("sub", "substitute", "reserve") else "player"
            mapping.numbered.setdefault(group, []).append(index)
            continue
        if key in ALWAYS_IGNORED or key in preset.ignored:
            mapping.ignored.append(header)
            continue
        name = _field_for(kind, _custom_field_name(key), preset)
        if name and name not in mapping.fields:
            mapping.fields[name] = index
        elif name or kind != "registrations":
            mapping.ignored.append(header)
        else:
            mapping.answers[index] = re.sub(r"^custom[_ ]?fields?[._ ]", "", str(header).strip(), flags=re.IGNORECASE)
    return mapping


def _score_row(kind: str, cells: list[str], preset: Preset) -> int:
    mapping = build_mapping(kind, cells, preset)
    if not (set(mapping.fields) & KEY_FIELDS[kind]) and not mapping.lineup:
        return 0
    return len(mapping.fields) + len(mapping.lineup) + sum(1 for c in cells if preset.detect_score({norm(c)}))


def detect(kind: str, sheet: Sheet, preset_key: str = "auto") -> Mapping:
    """Find the header row (the first of the best-scoring rows among the first few) and the preset."""
    if preset_key not in PRESETS and preset_key != "auto":
        raise FileError(_("Unknown column preset “%(p)s”.") % {"p": preset_key})
    candidates = [PRESETS[preset_key]] if preset_key != "auto" else list(PRESETS.values())
    best = None  # (score, -position, preset, position)
    for position, (_number, cells) in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        headers = {norm(c) for c in cells}
        for preset in candidates:
            score = _score_row(kind, cells, preset)
            if not score:
                continue
            markers = preset.detect_score(headers)
            rank = (score + (3 * markers if preset_key == "auto" and markers >= 2 else 0), -position)
            if best is None or rank > best[0]:
                best = (rank, preset, position)
    if best is None:
        expected = ", ".join(f"“{ALIASES[kind][f][0].title()}”" for f in sorted(KEY_FIELDS[kind]) if f in ALIASES[kind])
        raise FileError(_("No header row found in the first %(n)d rows: the file needs a column such as %(cols)s.")
                        % {"n": HEADER_SCAN_ROWS, "cols": expected})
    _rank, preset, position = best
    number, header = sheet.rows[position]
    sheet.header_row, sheet.header = number, header
    sheet.rows = sheet.rows[position + 1:]
    return build_mapping(kind, header, preset)


# ---- values ------------------------------------------------------------------------------------
TRUE = {"yes", "y", "true", "1", "x", "✓", "✔", "checked in", "checked", "waived", "ja", "oui", "si", "sí"}
FALSE = {"no", "n", "false", "0", "", "-", "not checked in", "unchecked", "nein", "non"}


def parse_bool(value: str) -> bool:
    text = (value or "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(_("“%(v)s” is not yes or no.") % {"v": value})


def parse_int(value: str, *, minimum: int = 1) -> int:
    text = (value or "").strip()
    if re.fullmatch(r"\d+(\.0+)?", text):
        number = int(float(text)) if "." in text else int(text)
        if number >= minimum:
            return number
    raise ValueError(_("“%(v)s” is not a whole number of %(m)d or more.") % {"v": value, "m": minimum})
