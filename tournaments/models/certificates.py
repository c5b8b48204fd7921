"""Certificates: a PDF per achievement, verifiable by anyone through a public code and the file's
SHA-256 (an altered file no longer matches)."""
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from .base import StatefulModel


def new_code() -> str:
    return secrets.token_urlsafe(16)  # 128 bits: not guessable, short enough for a QR code


class Certificate(StatefulModel):
    class Kind(models.TextChoices):
        CHAMPION = "champion", _("Champion")
        RUNNER_UP = "runner_up", _("Runner-up")
        THIRD_PLACE = "third_place", _("Third place")
        PARTICIPANT = "participant", _("Participant")
        MVP = "mvp", _("Most valuable player")

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        REVOKED = "revoked", _("Revoked")

    S = Status

    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.PROTECT, related_name="certificates")
    registration = models.ForeignKey("tournaments.Registration", on_delete=models.PROTECT, null=True, blank=True, related_name="certificates")
    player = models.ForeignKey("tournaments.Player", on_delete=models.PROTECT, null=True, blank=True, related_name="certificates",
                               help_text=_("For individual awards (MVP)."))
    subject_key = models.CharField(max_length=40, editable=False, help_text=_("reg:<id> or player:<id>"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    rank = models.PositiveIntegerField(_("place"), null=True, blank=True)
    display_name = models.CharField(_("name on the certificate"), max_length=140)
    code = models.CharField(_("verification code"), max_length=40, unique=True, default=new_code, editable=False)
    file = models.FileField(_("PDF"), upload_to="certificates/%Y/%m/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)
    status = FSMField(_("status"), max_length=20, choices=Status.choices, default=Status.ISSUED, protected=True, db_index=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    revoke_reason = models.TextField(_("reason for revocation"), blank=True)
    replaced_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["tournament", "rank", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tournament", "kind", "subject_key"], condition=Q(status="issued"),
                                    name="uniq_issued_certificate"),
        ]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self):
        return f"{self.get_kind_display()} — {self.display_name} ({self.tournament})"

    @transition(field=status, source=S.ISSUED, target=S.REVOKED)
    def revoke(self, reason: str, by=None):
        self.revoke_reason = reason
        self.revoked_by = by
        self.revoked_at = timezone.now()
