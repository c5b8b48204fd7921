"""What a dry run or a real run found, row by row, in a shape that can be stored as JSON."""
from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _

PREVIEW_ROWS = 300
MAX_ERRORS = 500

NEW, UPDATED, SKIPPED, INVALID = "new", "updated", "skipped", "invalid"


@dataclass
class RowError:
    row: int
    message: str
    column: str = ""

    def text(self) -> str:
        if not self.row:
            return self.message
        if self.column:
            return _("row %(row)d, column '%(col)s': %(msg)s") % {"row": self.row, "col": self.column, "msg": self.message}
        return _("row %(row)d: %(msg)s") % {"row": self.row, "msg": self.message}


@dataclass
class RowOutcome:
    row: int
    action: str
    label: str = ""
    changes: dict = field(default_factory=dict)  # field → [old, new]


@dataclass
class Report:
    kind: str
    mapping: dict = field(default_factory=dict)
    header_row: int = 0
    outcomes: list[RowOutcome] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def error(self, row: int, message: str, column: str = "") -> None:
        self.errors.append(RowError(row, str(message), column))

    def add(self, row: int, action: str, label: str = "", changes: dict | None = None) -> None:
        self.outcomes.append(RowOutcome(row, action, label, changes or {}))

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def totals(self) -> dict:
        bad = {e.row for e in self.errors}
        counts = {NEW: 0, UPDATED: 0, SKIPPED: 0, INVALID: 0}
        for outcome in self.outcomes:
            counts[INVALID if outcome.row in bad else outcome.action] += 1
        counts["rows"] = len(self.outcomes)
        return counts

    def error_texts(self) -> list[str]:
        return [e.text() for e in self.errors]

    def errors_json(self) -> list[dict]:
        return [{**asdict(e), "text": e.text()} for e in self.errors[:MAX_ERRORS]]

    def preview_json(self) -> dict:
        """The rows worth showing first: changes before no-ops, capped."""
        bad = {e.row for e in self.errors}
        rows = [RowOutcome(o.row, INVALID if o.row in bad else o.action, o.label, o.changes) for o in self.outcomes]
        rank = {INVALID: 0, NEW: 1, UPDATED: 1, SKIPPED: 2}
        shown = sorted(sorted(rows, key=lambda o: rank[o.action])[:PREVIEW_ROWS], key=lambda o: o.row)
        return {"mapping": self.mapping, "header_row": self.header_row,
                "rows": [asdict(o) for o in shown], "more_rows": max(0, len(self.outcomes) - len(shown)),
                "more_errors": max(0, len(self.errors) - MAX_ERRORS)}
