"""Spreadsheet imports: upload → dry run → confirm → run, as an ``ImportJob`` state machine.

Two ways rows are written, both all-or-nothing (one transaction; any invalid row and nothing is
written, unless the organizer chose to skip invalid rows):

- **Registrations and players: a bulk path.** ``registrations.register`` costs about ten queries
  and three history rows per entrant, far too slow for 10,000 rows. The planner
  (``tournaments.imports.registrations``) applies the same rules to the whole file in memory —
  window, solo/team, duplicates (in the file and in the database), game-ID validation, capacity in
  file order with the tournament row locked, the same FSM transitions — and this module writes the
  result in bulk: new rows with ``bulk_insert.insert_with_history`` (the rows
  ``bulk_create_with_history`` would write, 2× faster), changed rows with ``bulk_update_with_history``,
  one audit entry per decision (same action codes as the services), the entrants' notifications
  (their emails as jobs) and one ``roster.updated`` event after commit (not one per entrant).
- **Teams, results and payment sheets: the services themselves**, row by row in savepoints
  (``setup.create_team``, ``matches.override_score``, ``payments.verify``/``reject``). These sheets
  are small, and results depend on earlier rows (a round-1 result fills the round-2 match), which
  only the real service can judge. Their dry run runs the same services and rolls back.
"""
import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from .. import events, jobs, permissions
from ..models import ImportJob, Notification, Payment, Player, Registration, Tournament
from . import audit
from .base import actor_user, lock, require, run_transition, save_plain, save_stateful
from .bulk_insert import insert_rows, insert_with_history
from .errors import DomainError

logger = logging.getLogger(__name__)
INLINE_MAX_BYTES = 64 * 1024  # ≈ 500 rows: checked and imported during the request
BATCH = 500
S = ImportJob.Status


def progress_key(job_id: int) -> str:
    return f"import-progress-{job_id}"


def _progress(job_id: int, value: int) -> None:
    """Progress goes to the cache: the import's own transaction hides row updates until it commits."""
    cache.set(progress_key(job_id), int(value), timeout=3600)
    jobs.report_progress(value, 100)


def target(job) -> dict:
    return {"model": "importjob", "id": job.pk, "label": str(job)[:100]}


def create_job(tournament_id: int, *, actor, kind: str, upload, preset: str = "auto", options: dict | None = None) -> ImportJob:
    """Store an upload (validated: size, extension and content) as an import waiting for its dry run."""
    from ..imports import readers

    tournament = Tournament.objects.get(pk=tournament_id)
    require(actor, tournament, permissions.MANAGE)
    if kind not in ImportJob.Kind.values:
        raise DomainError(_("Unknown import “%(k)s”.") % {"k": kind})
    size = getattr(upload, "size", 0) or 0
    if size > readers.MAX_BYTES:
        raise DomainError(_("The file is %(mb).1f MB; the limit is %(max)d MB. Split it into several files.")
                          % {"mb": size / 1024 / 1024, "max": readers.MAX_BYTES // 1024 // 1024}, code="too_large")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if not head.strip():
        raise DomainError(_("The file is empty."), code="empty")
    try:
        readers.sniff_format(upload.name, head)
    except readers.FileError as exc:
        raise DomainError(exc.message, code="file_type")
    job = ImportJob(tournament=tournament, kind=kind, preset=preset or "auto", options=options or {},
                    original_name=upload.name[:255], created_by=actor_user(actor))
    job.file.save(upload.name, upload, save=False)
    with transaction.atomic():
        save_plain(job, actor, reason="uploaded")
        audit.log_action("import.upload", actor=actor, tournament=tournament, target=job,
                         metadata={"kind": kind, "file": job.original_name, "size": size})
    return job


def is_small(job: ImportJob) -> bool:
    try:
        return job.file.size <= INLINE_MAX_BYTES
    except OSError:
        return True


def start_check(job: ImportJob) -> ImportJob:
    """Check a small file now (the organizer sees the preview at once); a large one as a job."""
    if is_small(job):
        return check(job.pk)
    from ..imports import jobs as import_jobs

    jobs.enqueue(import_jobs.check_import, job.pk, job_id=f"import-check-{job.pk}", tournament_id=job.tournament_id,
                 target=target(job))
    return job


def check(job_id: int) -> ImportJob:
    """The dry run: read, map and plan every row; keep totals, errors and a preview on the job."""
    from ..imports import engine

    job = ImportJob.objects.select_related("tournament__game", "created_by").get(pk=job_id)
    if job.status != S.UPLOADED:
        return job  # a retried job: already checked
    try:
        report = engine.execute(job, actor=job.created_by, dry_run=True)
    except engine.FileError as exc:
        return _fail(job, exc.message)
    with transaction.atomic():
        job = lock(ImportJob, job.pk)
        _store(job, report)
        run_transition(job, "validate")
        save_stateful(job, None)
    return job


def confirm(job_id: int, *, actor) -> ImportJob:
    """Start the real run of a checked import (inline for small files, as a job otherwise)."""
    with transaction.atomic():
        job = lock(ImportJob, job_id, select_related=("tournament",))
        require(actor, job.tournament, permissions.MANAGE)
        if job.status != S.VALIDATED:
            run_transition(job, "start")  # raises "Import #n is Done; it cannot be started."
        if job.errors and not job.options.get("skip_invalid"):
            raise DomainError(_("The file has %(n)d invalid rows; fix them and upload it again (nothing was imported).")
                              % {"n": job.totals.get("invalid", 0)}, code="invalid_rows")
        run_transition(job, "start")
        job.options = {**job.options, "confirmed_by": actor.pk if actor_user(actor) else None}
        save_stateful(job, actor)
        audit.log_action("import.confirm", actor=actor, tournament=job.tournament, target=job, metadata={"totals": job.totals})
    _progress(job.pk, 0)
    if is_small(job):
        return run(job.pk)
    from ..imports import jobs as import_jobs

    jobs.enqueue(import_jobs.run_import, job.pk, job_id=f"import-run-{job.pk}", tournament_id=job.tournament_id, target=target(job))
    return job


def run(job_id: int) -> ImportJob:
    """The real run, in one transaction: the job is Done exactly when the rows are written."""
    from ..imports import engine

    job = ImportJob.objects.select_related("tournament__game", "created_by").get(pk=job_id)
    if job.status != S.IMPORTING:
        return job
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=job.options.get("confirmed_by")).first() or job.created_by
    try:
        with transaction.atomic():
            report = engine.execute(job, actor=actor, dry_run=False, progress=lambda p: _progress(job.pk, p))
            if report.errors and not job.options.get("skip_invalid"):
                raise engine.RowsRefused(report)
            job = lock(ImportJob, job.pk)
            _store(job, report)
            run_transition(job, "finish")
            job.finished_at = timezone.now()
            save_stateful(job, actor)
            audit.log_action("import.run", actor=actor, tournament=job.tournament, target=job, metadata={"totals": job.totals})
    except engine.RowsRefused as exc:
        return _fail(job, _("The file no longer imports cleanly (%(n)d invalid rows); nothing was imported. First: %(e)s")
                     % {"n": exc.report.totals["invalid"], "e": exc.report.errors[0].text()}, report=exc.report)
    except engine.FileError as exc:
        return _fail(job, exc.message)
    except DomainError as exc:
        return _fail(job, exc.message)
    _progress(job.pk, 100)
    return job


def _store(job, report) -> None:
    job.totals = report.totals
    job.rows_total = job.totals["rows"]
    job.errors = report.errors_json()
    job.preview = report.preview_json()


def _fail(job, message: str, report=None) -> ImportJob:
    with transaction.atomic():
        job = lock(ImportJob, job.pk, select_related=("tournament",))
        if report is not None:
            _store(job, report)
        run_transition(job, "fail", message)
        job.finished_at = timezone.now()
        save_stateful(job, None)
        audit.log_action("import.fail", actor=None, tournament=job.tournament, target=job, reason=message)
    _progress(job.pk, 100)
    return job


# ---- the bulk path: write a registration/player plan -------------------------------------------

def write_plan(plan, *, tournament, actor, job, progress=None) -> None:
    """Write what a planner decided. Runs inside ``engine.execute``'s transaction, tournament locked."""
    user = actor_user(actor)
    reason = f"import #{job.pk}"
    step = progress or (lambda p: None)
    insert_with_history(Player, plan.new_players, user=user, reason=reason)
    step(20)
    if plan.changed_players:
        players = [p for p, _c in plan.changed_players]
        bulk_update_with_history(players, Player, ["display_name", "email", "phone", "country", "game_ids"],
                                 batch_size=BATCH, default_user=user, default_change_reason=reason)
    step(35)
    for reg in plan.new_registrations:
        if reg.player is not None:
            reg.player = reg.player  # copies the new player's id, keeps the cached object
    insert_with_history(Registration, plan.new_registrations, user=user, reason=reason)
    step(60)
    if plan.changed_registrations:
        bulk_update_with_history([r for r, _c in plan.changed_registrations], Registration,
                                 ["seed", "answers", "fee_waived", "fee_waiver_reason", "checked_in_at", "checked_in_by", "status",
                                  "waitlist_position"], batch_size=BATCH, default_user=user, default_change_reason=reason)
    for payment in plan.new_payments:
        payment.registration = payment.registration
    insert_with_history(Payment, plan.new_payments, user=user, reason=reason)
    step(75)
    _write_audit(plan, tournament, actor, job)
    step(90)
    title, bodies = _("Registration received"), {}
    for status, label in Registration.Status.choices:
        bodies[status] = _("Your registration for %(t)s is %(s)s.") % {"t": tournament.name, "s": str(label).lower()}
    notes = [Notification(registration_id=reg.pk, kind="registration.received", title=title, body=bodies[reg.status])
             for reg in plan.new_registrations]
    notes = insert_rows(Notification, notes, return_ids=True)
    if plan.new_registrations or plan.changed_registrations:
        events.publish(tournament, "roster.updated", {"change": "imported", "count": len(plan.new_registrations) + len(plan.changed_registrations)})
    if notes:
        from ..imports import jobs as import_jobs

        ids = [n.pk for n in notes]
        for start in range(0, len(ids), 200):
            jobs.enqueue(import_jobs.send_notification_emails, ids[start:start + 200], queue="notifications",
                         tournament_id=tournament.pk)


def _write_audit(plan, tournament, actor, job) -> None:
    meta = {"import": job.pk} if job is not None and job.pk else {}
    entries = [audit.build_entry(action, actor=actor, tournament=tournament if action != "player.create" else None,
                                 target=obj, metadata={**extra, **meta}) for action, obj, extra in plan.audit]
    for reg in plan.new_registrations:
        entries.append(audit.build_entry("registration.create", actor=actor, tournament=tournament, target=reg,
                                         metadata={"status": reg.status, **meta}))
        if reg.checked_in_at:
            entries.append(audit.build_entry("checkin.in", actor=actor, tournament=tournament, target=reg, metadata={"override": True, **meta}))
    for reg, changes in plan.changed_registrations:
        entries.append(audit.build_entry("registration.import_update", actor=actor, tournament=tournament, target=reg,
                                         metadata={"changes": {k: [str(v[0]), str(v[1])] for k, v in changes.items()}, **meta}))
        if "checked_in" in changes:
            entries.append(audit.build_entry("checkin.in" if reg.checked_in_at else "checkin.out", actor=actor, tournament=tournament,
                                             target=reg, metadata={"override": True, **meta}))
    for player, changes in plan.changed_players:
        entries.append(audit.build_entry("player.import_update", actor=actor, target=player,
                                         metadata={"changes": {k: [str(v[0]), str(v[1])] for k, v in changes.items()}, **meta}))
    for payment in plan.new_payments:
        entries.append(audit.build_entry("payment.submit", actor=actor, tournament=tournament, target=payment, metadata={
            "method": payment.method, "amount": str(payment.amount), "registration": payment.registration_id, **meta}))
    from ..models import AuditLog

    insert_rows(AuditLog, entries)


def sync_team(team_id: int, *, actor, name: str, captain, players, substitutes) -> dict:
    """Make a team's name and roster what an imported sheet says; returns what changed (empty: nothing).

    The size rules of ``setup.create_team`` apply; memberships are added, re-roled or removed one by
    one so each change has its history row, and one ``team.roster`` audit entry lists them."""
    from ..models import Team, TeamMembership

    with transaction.atomic():
        team = lock(Team, team_id, select_related=("game", "captain"))
        game = team.game
        players = [p for p in players if p != captain]
        if 1 + len(players) > game.team_size:
            raise DomainError(_("%(g)s teams field %(n)d players; this roster has %(m)d.") % {"g": game, "n": game.team_size, "m": 1 + len(players)})
        if len(substitutes) > game.max_substitutes:
            raise DomainError(_("%(g)s allows %(n)d substitutes; this roster has %(m)d.") % {"g": game, "n": game.max_substitutes, "m": len(substitutes)})
        wanted = {captain.pk: TeamMembership.Role.CAPTAIN, **{p.pk: TeamMembership.Role.PLAYER for p in players},
                  **{p.pk: TeamMembership.Role.SUBSTITUTE for p in substitutes}}
        current = {m.player_id: m for m in team.memberships.all()}
        changes = {}
        if team.name != name.strip():
            changes["name"] = [team.name, name.strip()]
            team.name = name.strip()
        if team.captain_id != captain.pk:
            changes["captain"] = [team.captain.display_name, captain.display_name]
            team.captain = captain
        if changes:
            save_plain(team, actor, reason="roster imported")
        removed = [m for pid, m in current.items() if pid not in wanted]
        for membership in removed:
            membership._history_user = actor_user(actor)
            membership.delete()
        added, moved = [], []
        for pid, role in wanted.items():
            membership = current.get(pid)
            if membership is None:
                save_plain(TeamMembership(team=team, player_id=pid, role=role), actor, reason="roster imported")
                added.append(pid)
            elif membership.role != role:
                membership.role = role
                save_plain(membership, actor, reason="roster imported")
                moved.append(pid)
        if removed or added or moved:
            names = dict(Player.objects.filter(pk__in=list(wanted) + [m.player_id for m in removed]).values_list("pk", "display_name"))
            changes["roster"] = [", ".join(names[m.player_id] for m in removed) or "—",
                                 ", ".join(names[p] for p in added + moved) or "—"]
        if changes:
            audit.log_action("team.roster", actor=actor, target=team, reason="import", metadata={
                "changes": {k: [str(v[0]), str(v[1])] for k, v in changes.items()}})
        return changes
