"""Running one import: read the stored file, find its header and preset, then plan or execute it.

Why our own engine rather than ``Resource.import_data``: the library takes the first row as the
header, has no presets, reports conversion errors without the column, and its row-by-row saves
(≈1,300 rows/s, no history in bulk mode) cannot make a 10,000-row import take seconds with history
and audit. Exports still use django-import-export resources (``resources.py``).
"""
from django.db import transaction

from ..models import Registration, Tournament
from ..services.base import lock
from . import presets, readers
from .players import PlayerPlanner
from .readers import FileError, Sheet
from .registrations import RegistrationPlanner
from .report import INVALID
from .sheets import PaymentSheet, ResultSheet
from .teams import TeamSheet

__all__ = ["FileError", "RowsRefused", "execute", "run_sheet"]

PLANNED = {"registrations": RegistrationPlanner, "players": PlayerPlanner}
SERVICE_SHEETS = {"teams": TeamSheet, "results": ResultSheet, "payments": PaymentSheet}


class RowsRefused(Exception):
    """Some rows are invalid: the surrounding transaction must roll back."""

    def __init__(self, report):
        super().__init__(report.error_texts()[:1])
        self.report = report


def load_sheet(job, kind: str | None = None):
    with job.file.open("rb") as handle:
        data = handle.read()
    sheet = readers.read(job.original_name, data)
    mapping = presets.detect(kind or job.kind, sheet, job.preset)
    return sheet, mapping


def execute(job, *, actor, dry_run: bool, progress=None):
    sheet, mapping = load_sheet(job)
    return run_sheet(job.kind, job.tournament, sheet, mapping, actor=actor, options=job.options or {},
                     dry_run=dry_run, progress=progress, job=job)


def run_sheet(kind, tournament, sheet: Sheet, mapping, *, actor, options, dry_run, progress=None, job=None):
    """The report of the rows; when not a dry run, also written (the caller holds the transaction)."""
    skip_invalid = bool(options.get("skip_invalid"))
    if kind in SERVICE_SHEETS:
        handler = SERVICE_SHEETS[kind](tournament, actor=actor, options=options)
        with transaction.atomic():
            report = handler.run(sheet, mapping, progress)
            if dry_run or (report.errors and not skip_invalid):
                transaction.set_rollback(True)
        return report
    planner_class = PLANNED[kind]
    if dry_run:
        return planner_class(tournament, actor=actor, options=options).plan(sheet, mapping).report
    # Lock order as in the services (registrations, then the tournament) so concurrent approvals wait.
    list(Registration.objects.select_for_update().filter(tournament_id=tournament.pk).values_list("id", flat=True))
    tournament = lock(Tournament, tournament.pk, select_related=("game",))
    plan = planner_class(tournament, actor=actor, options=options).plan(sheet, mapping)
    if plan.report.errors:
        if not skip_invalid:
            return plan.report
        plan = _without_bad_rows(planner_class, tournament, actor, options, sheet, mapping, plan)
    from ..services import imports as import_services

    import_services.write_plan(plan, tournament=tournament, actor=actor, job=job, progress=progress)
    return plan.report


def _without_bad_rows(planner_class, tournament, actor, options, sheet, mapping, plan):
    """Plan again without the invalid rows (a row can depend on another, hence a few rounds); the
    report keeps the invalid rows and their errors."""
    first = plan.report
    bad = {e.row for e in first.errors}
    for _round in range(3):
        rows = [(n, cells) for n, cells in sheet.rows if n not in bad]
        plan = planner_class(tournament, actor=actor, options=options).plan(
            Sheet(rows=rows, header_row=sheet.header_row, header=sheet.header), mapping) if rows else None
        if plan is None or not plan.report.errors:
            break
        bad |= {e.row for e in plan.report.errors}
    if plan is None or plan.report.errors:
        raise RowsRefused(first)
    kept = {o.row for o in plan.report.outcomes}
    plan.report.errors = list(first.errors)
    plan.report.outcomes += [o for o in first.outcomes if o.row not in kept]
    for outcome in plan.report.outcomes:
        if outcome.row in bad:
            outcome.action = INVALID
    plan.report.outcomes.sort(key=lambda o: o.row)
    return plan


def import_file(tournament, kind: str, name: str, data: bytes, *, actor, preset: str = "auto", options=None,
                dry_run: bool = False):
    """Import a file in one call, without an ImportJob (scripts, tests): all-or-nothing, report returned.
    Raises ``FileError`` for a file that cannot be read at all."""
    from .. import permissions
    from ..services.base import require

    require(actor, tournament, permissions.MANAGE)
    options = options or {}
    sheet = readers.read(name, data)
    mapping = presets.detect(kind, sheet, preset)
    job = _JobStub(tournament)
    with transaction.atomic():
        report = run_sheet(kind, tournament, sheet, mapping, actor=actor, options=options, dry_run=dry_run, job=job)
        if report.errors and not options.get("skip_invalid"):
            transaction.set_rollback(True)
    return report


class _JobStub:
    pk = None

    def __init__(self, tournament):
        self.tournament = tournament
