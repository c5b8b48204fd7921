"""Certificates: issue (one, or a tournament's batch as a job), revoke, regenerate, verify.

Each certificate is a PDF rendered in memory (``certificate_pdf``), stored with its SHA-256, and
carries a QR code to the public page ``/verify/<code>/``. The page says whether the certificate is
valid or revoked, and whether an uploaded copy is the file we issued (any altered byte changes the
hash). Placement kinds follow the final placements: 1 → champion, 2 → runner-up, 3 → third place,
everyone else who played → participant; MVP is awarded by hand to one player.
"""
import hashlib
import posixpath
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .. import certificate_pdf, jobs, permissions
from ..models import Certificate, Placement, Player, Registration, Tournament
from . import audit, notifications
from .base import actor_user, lock, require, run_transition, save_stateful
from .errors import DomainError

K = Certificate.Kind
T = Tournament.Status
RANK_KINDS = {1: K.CHAMPION, 2: K.RUNNER_UP, 3: K.THIRD_PLACE}


def verify_url(code: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('certificate_verify', args=[code])}"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _ordinal(rank: int) -> str:
    if 10 <= rank % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


def _details(tournament: Tournament) -> str:
    day = tournament.ends_at or tournament.completed_at or tournament.starts_at
    organizer = tournament.organizer.get_full_name() or tournament.organizer.get_username()
    return _("%(game)s · %(date)s · organised by %(org)s") % {
        "game": tournament.game.name, "date": formats.date_format(timezone.localtime(day), "j F Y"), "org": organizer}


_URL_MARKER = "CODEMARKER"


class _Words:
    """The words shared by certificates of one tournament, worked out once per kind and place (a
    batch of 500 otherwise translates the same dozen strings 500 times)."""

    def __init__(self, tournament: Tournament):
        self.tournament = tournament
        self.details = _details(tournament)
        self.presented = _("is presented to")
        self.verify_label = _("Verify this certificate:")
        self.code_label = _("Certificate code: %(c)s")
        self._by_kind: dict[tuple[str, int | None], tuple[str, str, str]] = {}
        # the verify URL around a code, reversed once ("/verify/<str:code>/": a code is URL-safe as is)
        self._url_head, _marker, self._url_tail = verify_url(_URL_MARKER).partition(_URL_MARKER)
        self._file_dir: str | None = None

    def verify_url(self, code: str) -> str:
        return f"{self._url_head}{code}{self._url_tail}"

    def file_name(self, certificate: Certificate) -> str:
        """Where the PDF goes: the field's ``upload_to`` folder (worked out once per batch) and a name
        made of the slug, the kind and the unique code, cleaned by the storage as FileField does."""
        field = certificate._meta.get_field("file")
        if self._file_dir is None:
            self._file_dir = posixpath.dirname(field.generate_filename(certificate, "x.pdf"))
        return posixpath.join(self._file_dir, field.storage.get_valid_name(
            f"{self.tournament.slug}-{certificate.kind}-{certificate.code}.pdf"))

    def for_kind(self, kind: str, rank: int | None) -> tuple[str, str, str]:
        """(heading, award, reason)."""
        key = (kind, rank if kind not in (K.PARTICIPANT, K.MVP) else None)
        words = self._by_kind.get(key)
        if words is None:
            name = self.tournament.name
            heading = _("Certificate of Participation") if kind == K.PARTICIPANT else _("Certificate of Achievement")
            if kind == K.PARTICIPANT:
                reason = _("for taking part in %(t)s") % {"t": name}
            elif kind == K.MVP:
                reason = _("as the most valuable player of %(t)s") % {"t": name}
            else:
                reason = _("for finishing %(place)s in %(t)s") % {"place": _ordinal(rank or 1), "t": name}
            words = self._by_kind[key] = (heading, str(K(kind).label), reason)
        return words


def _text(certificate: Certificate, tournament: Tournament, words: _Words | None = None) -> certificate_pdf.CertificateText:
    """The words on a certificate (``words`` may be shared by a batch)."""
    words = words or _Words(tournament)
    heading, award, reason = words.for_kind(certificate.kind, certificate.rank)
    return certificate_pdf.CertificateText(
        heading=heading, award=award, presented=words.presented, name=certificate.display_name, reason=reason,
        details=words.details, verify_label=words.verify_label, verify_url=words.verify_url(certificate.code),
        code_label=words.code_label % {"c": certificate.code},
    )


def _render_and_store(certificate: Certificate, tournament: Tournament, words: _Words | None = None) -> None:
    """Render the PDF, hash it and write it. The storage's ``save`` is called directly with a name
    worked out once per batch (``FieldFile.save`` redoes ``upload_to`` for every file); the storage
    still validates the name and never overwrites a file."""
    words = words or _Words(tournament)
    data = certificate_pdf.render(_text(certificate, tournament, words))
    certificate.sha256 = sha256_of(data)
    field = certificate._meta.get_field("file")
    certificate.file = field.storage.save(words.file_name(certificate), ContentFile(data), max_length=field.max_length)


def _subject(registration=None, player=None):
    if registration is not None:
        return f"reg:{registration.pk}", registration.display_name
    return f"player:{player.pk}", player.display_name


def _issue_locked(tournament, *, kind, actor, registration=None, player=None, rank=None) -> Certificate:
    subject_key, name = _subject(registration, player)
    existing = Certificate.objects.filter(tournament=tournament, kind=kind, subject_key=subject_key, status=Certificate.Status.ISSUED).first()
    if existing is not None:
        raise DomainError(_("%(who)s already holds a %(kind)s certificate for %(t)s (code %(code)s); regenerate it instead.")
                          % {"who": name, "kind": existing.get_kind_display().lower(), "t": tournament.name, "code": existing.code},
                          code="duplicate")
    certificate = Certificate(tournament=tournament, registration=registration, player=player, subject_key=subject_key,
                              kind=kind, rank=rank, display_name=name[:140])
    _render_and_store(certificate, tournament)
    save_stateful(certificate, actor)
    audit.log_action("certificate.issue", actor=actor, tournament=tournament, target=certificate,
                     metadata={"kind": kind, "code": certificate.code, "sha256": certificate.sha256})
    if registration is not None:
        registration.tournament = tournament
        notifications.notify(registration, "certificate.ready", _("Your certificate is ready"), _ready_text(certificate, tournament))
    _dispatch_issued(certificate, tournament)
    return certificate


def _ready_text(certificate, tournament, words: _Words | None = None) -> str:
    return _("Your %(kind)s certificate for %(t)s is ready. Anyone can check it at %(url)s") % {
        "kind": certificate.get_kind_display().lower(), "t": tournament.name,
        "url": words.verify_url(certificate.code) if words else verify_url(certificate.code)}


def _dispatch_issued(certificate, tournament):
    from .. import webhooks

    webhooks.dispatch(tournament, "certificate.issued", {"certificate": certificate.code, "kind": certificate.kind,
                                                         "name": certificate.display_name, "registration": certificate.registration_id})


def _require_finished(tournament):
    if tournament.status not in (T.COMPLETED, T.ARCHIVED):
        raise DomainError(_("%(t)s is %(s)s; certificates are issued once it is completed.")
                          % {"t": tournament.name, "s": tournament.get_status_display().lower()}, code="invalid_state")


def issue(tournament_id: int, *, actor, kind: str, registration_id: int | None = None, player_id: int | None = None) -> Certificate:
    """Issue one certificate (placement kinds take the rank from the final placements)."""
    if kind not in K.values:
        raise DomainError(_("Unknown certificate kind “%(k)s”.") % {"k": kind})
    with transaction.atomic():
        tournament = lock(Tournament, tournament_id, select_related=("game", "organizer"))
        require(actor, tournament, permissions.MANAGE)
        _require_finished(tournament)
        registration = player = None
        rank = None
        if kind == K.MVP:
            if player_id is None:
                raise DomainError(_("Choose the player who is MVP."))
            player = Player.objects.filter(pk=player_id).first()
            if player is None or not _played_in(player, tournament):
                raise DomainError(_("The MVP must be a player of %(t)s.") % {"t": tournament.name})
        else:
            registration = Registration.objects.select_related("player", "team").filter(pk=registration_id, tournament=tournament).first()
            if registration is None:
                raise DomainError(_("Registration #%(pk)s is not part of %(t)s.") % {"pk": registration_id, "t": tournament.name}, code="not_found")
            placement = Placement.objects.filter(tournament=tournament, registration=registration).first()
            rank = placement.rank if placement else None
            if kind != K.PARTICIPANT and RANK_KINDS.get(rank) != kind:
                raise DomainError(_("%(who)s finished %(place)s; a %(kind)s certificate does not match.") % {
                    "who": registration.display_name, "place": _ordinal(rank) if rank else _("unplaced"),
                    "kind": K(kind).label.lower()})
        return _issue_locked(tournament, kind=kind, actor=actor, registration=registration, player=player, rank=rank)


def _played_in(player, tournament) -> bool:
    return Registration.objects.filter(tournament=tournament).filter(
        player=player).exists() or Registration.objects.filter(tournament=tournament, team__memberships__player=player).exists()


def batch_plan(tournament) -> list[tuple[str, Registration, int | None]]:
    """(kind, registration, rank) for everyone who gets a certificate from the final standings."""
    placements = {p.registration_id: p.rank for p in Placement.objects.filter(tournament=tournament)}
    played = Registration.objects.filter(tournament=tournament).select_related("player", "team").order_by("id")
    plan = []
    for registration in played:
        rank = placements.get(registration.pk)
        if rank is None and registration.status not in (Registration.Status.CONFIRMED, Registration.Status.DISQUALIFIED):
            continue
        plan.append((RANK_KINDS.get(rank, K.PARTICIPANT), registration, rank))
    plan.sort(key=lambda item: (item[2] or 10**9, item[1].pk))
    return plan


def batch_job_id(tournament_id: int) -> str:
    return f"certificates-{tournament_id}"


def start_batch(tournament_id: int, *, actor) -> str:
    """Queue the generation of every certificate of a completed tournament (one job, with progress)."""
    with transaction.atomic():
        tournament = lock(Tournament, tournament_id)
        require(actor, tournament, permissions.MANAGE)
        _require_finished(tournament)
        job_id = batch_job_id(tournament.pk)
        jobs.ensure_not_queued(job_id, _("Certificate generation for %(t)s") % {"t": tournament.name})
        audit.log_action("certificate.batch_queued", actor=actor, tournament=tournament, target=tournament)
        jobs.enqueue(jobs.generate_certificates, tournament.pk, queue="certificates", job_id=job_id, tournament_id=tournament.pk,
                     target={"model": "tournament", "id": tournament.pk, "label": tournament.name})
        return job_id


CHUNK = 100  # certificates rendered, then written in one short transaction (and one progress update)


def generate_batch(tournament_id: int) -> dict:
    """The job: issue what is missing; certificates already issued are left alone (a re-run is cheap).

    PDFs are rendered outside any transaction (CPU work holds no lock); each chunk of rows, history,
    audit entries and notifications is then written in one short transaction that re-checks what
    exists under the tournament lock (and the unique constraint backs that up)."""
    from simple_history.utils import bulk_create_with_history

    from .. import webhooks
    from ..models import AuditLog

    tournament = Tournament.objects.select_related("game", "organizer").get(pk=tournament_id)
    _require_finished(tournament)
    plan = batch_plan(tournament)
    issued = set(Certificate.objects.filter(tournament=tournament, status=Certificate.Status.ISSUED).values_list("kind", "subject_key"))
    todo = [(kind, registration, rank) for kind, registration, rank in plan if (kind, f"reg:{registration.pk}") not in issued]
    created, done = 0, len(plan) - len(todo)
    jobs.report_progress(done, len(plan), _("%(n)d of %(t)d certificates") % {"n": done, "t": len(plan)})
    words = _Words(tournament)
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start:start + CHUNK]
        rendered = []
        for kind, registration, rank in chunk:
            certificate = Certificate(tournament=tournament, registration=registration, subject_key=f"reg:{registration.pk}",
                                      kind=kind, rank=rank, display_name=registration.display_name[:140])
            _render_and_store(certificate, tournament, words)
            rendered.append(certificate)
        with transaction.atomic():
            lock(Tournament, tournament.pk)
            there = set(Certificate.objects.filter(tournament=tournament, status=Certificate.Status.ISSUED,
                                                   subject_key__in=[c.subject_key for c in rendered]).values_list("kind", "subject_key"))
            fresh = [c for c in rendered if (c.kind, c.subject_key) not in there]
            for stale in (c for c in rendered if (c.kind, c.subject_key) in there):
                stale.file.delete(save=False)  # issued meanwhile by someone else
            fresh = bulk_create_with_history(fresh, Certificate, default_change_reason="issued by batch")
            if any(c.pk is None for c in fresh):
                by_code = dict(Certificate.objects.filter(code__in=[c.code for c in fresh]).values_list("code", "pk"))
                for c in fresh:
                    c.pk = c.id = by_code[c.code]
            AuditLog.objects.bulk_create([
                AuditLog(actor_label="system", action="certificate.issue", tournament=tournament, target_type="certificate",
                         target_id=str(c.pk), target_label=str(c)[:200],
                         metadata={"kind": c.kind, "code": c.code, "sha256": c.sha256}) for c in fresh])
            for c in fresh:
                c.registration.tournament = tournament
            notifications.notify_bulk([(c.registration, "certificate.ready", _("Your certificate is ready"), _ready_text(c, tournament, words))
                                       for c in fresh])
            if webhooks.has_endpoints(tournament):
                for c in fresh:
                    _dispatch_issued(c, tournament)
        created += len(fresh)
        done += len(chunk)
        jobs.report_progress(done, len(plan), _("%(n)d of %(t)d certificates") % {"n": done, "t": len(plan)})
    return {"created": created, "skipped": len(plan) - created, "total": len(plan)}


def _refuse_if_revoked(certificate):
    if certificate.status == Certificate.Status.REVOKED:
        raise DomainError(_("Certificate %(code)s of %(who)s was already revoked on %(when)s: %(r)s") % {
            "code": certificate.code, "who": certificate.display_name,
            "when": timezone.localtime(certificate.revoked_at).strftime("%Y-%m-%d %H:%M") if certificate.revoked_at else "?",
            "r": certificate.revoke_reason}, code="invalid_state")


def revoke(certificate_id: int, *, actor, reason: str) -> Certificate:
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for revoking; it is shown on the verification page."), code="reason_required")
    with transaction.atomic():
        certificate = lock(Certificate, certificate_id, select_related=("tournament",))
        require(actor, certificate.tournament, permissions.MANAGE)
        _refuse_if_revoked(certificate)
        run_transition(certificate, "revoke", reason.strip(), actor_user(actor))
        save_stateful(certificate, actor)
        audit.log_action("certificate.revoke", actor=actor, tournament=certificate.tournament, target=certificate, reason=reason,
                         metadata={"code": certificate.code})
        return certificate


def regenerate(certificate_id: int, *, actor, reason: str = "") -> Certificate:
    """Replace a certificate (a corrected name, a new design): the old one is revoked, pointing to
    the new one, and a new PDF with a new code is issued."""
    with transaction.atomic():
        old = lock(Certificate, certificate_id, select_related=("tournament", "registration__player", "registration__team", "player"))
        tournament = lock(Tournament, old.tournament_id, select_related=("game", "organizer"))
        require(actor, tournament, permissions.MANAGE)
        _refuse_if_revoked(old)
        run_transition(old, "revoke", (reason or "").strip() or _("Replaced by a new certificate."), actor_user(actor))
        save_stateful(old, actor)
        new = _issue_locked(tournament, kind=old.kind, actor=actor, registration=old.registration, player=old.player, rank=old.rank)
        old.replaced_by = new
        old.revoke_reason = _("%(r)s New certificate: %(code)s.") % {"r": old.revoke_reason, "code": new.code}
        save_stateful(old, actor, update_fields=["replaced_by", "revoke_reason", "updated_at"])
        audit.log_action("certificate.regenerate", actor=actor, tournament=tournament, target=new, reason=reason,
                         metadata={"replaces": old.code})
        return new


# ---- verification (public) --------------------------------------------------------------------------------

@dataclass
class Verification:
    status: str  # "valid", "revoked", "tampered", "unknown"
    certificate: Certificate | None = None
    upload_checked: bool = False
    upload_matches: bool | None = None


def verify(code: str, upload: bytes | None = None) -> Verification:
    """What the public page says about ``code`` (and about an uploaded copy, when given)."""
    certificate = Certificate.objects.select_related("tournament__game").filter(code=code).first()
    if certificate is None:
        return Verification("unknown")
    result = Verification("valid", certificate)
    if certificate.status == Certificate.Status.REVOKED:
        result.status = "revoked"
    elif not _stored_copy_intact(certificate):
        result.status = "tampered"
    if upload is not None:
        result.upload_checked = True
        result.upload_matches = sha256_of(upload) == certificate.sha256
        if not result.upload_matches and result.status == "valid":
            result.status = "tampered"
    return result


def _stored_copy_intact(certificate) -> bool:
    if not certificate.file:
        return False
    try:
        with certificate.file.open("rb") as handle:
            digest = hashlib.sha256()
            for chunk in iter(lambda: handle.read(65536), b""):
                digest.update(chunk)
    except (FileNotFoundError, OSError):
        return False
    return digest.hexdigest() == certificate.sha256
