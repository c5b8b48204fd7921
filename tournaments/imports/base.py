"""What every planner shares: reading a row's cells by field, and the plan a service writes.

A *planner* reads a sheet and decides, row by row, what would change — without writing. The dry run
shows its report; the real run builds the plan again inside the service's transaction (with the
tournament row locked, so capacity and duplicates are judged against the database as it is then)
and writes it only if no row is invalid.
"""
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .players import clean_text, formula_error
from .presets import Mapping
from .readers import MAX_ROWS, FileError, Sheet
from .report import Report


def check_row_limit(sheet: Sheet, max_rows: int = MAX_ROWS) -> None:
    if len(sheet.rows) > max_rows:
        raise FileError(_("The file has more than %(max)s rows; split it into files of at most %(max)s rows.")
                        % {"max": f"{max_rows:,}"})
    if not sheet.rows:
        raise FileError(_("The file has a header row (row %(n)d) but no rows below it.") % {"n": sheet.header_row})


def cells_by_field(report: Report, row: int, cells: list[str], mapping: Mapping) -> dict | None:
    """The row's value per mapped field (text, trimmed); None when a cell holds a formula."""
    values, bad = {}, False
    width = len(cells)
    for name, index in mapping.fields.items():
        value = cells[index] if index < width else ""
        problem = formula_error(value)
        if problem:
            report.error(row, problem, mapping.headers[index])
            bad = True
        values[name] = clean_text(value)
    return None if bad else values


def answers_of(report: Report, row: int, cells: list[str], mapping: Mapping) -> dict | None:
    answers, width = {}, len(cells)
    for index, header in mapping.answers.items():
        value = cells[index] if index < width else ""
        problem = formula_error(value)
        if problem:
            report.error(row, problem, header)
            return None
        value = clean_text(value)
        if value:
            answers[header] = value
    return answers


@dataclass
class Plan:
    """Objects to write, built in memory by a planner (nothing saved)."""

    report: Report
    new_players: list = field(default_factory=list)
    changed_players: list = field(default_factory=list)
    new_registrations: list = field(default_factory=list)
    changed_registrations: list = field(default_factory=list)
    new_payments: list = field(default_factory=list)
    audit: list = field(default_factory=list)  # (action, object, metadata) for objects above
    extra: dict = field(default_factory=dict)
