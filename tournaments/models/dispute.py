from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from .base import StatefulModel


class Dispute(StatefulModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UNDER_REVIEW = "under_review", _("Under review")
        ESCALATED = "escalated", _("Escalated")
        RESOLVED = "resolved", _("Resolved")

    class Reason(models.TextChoices):
        SCORE_MISMATCH = "score_mismatch", _("Reported scores disagree")
        WRONG_SCORE = "wrong_score", _("Opponent reported a wrong score")
        CHEATING = "cheating", _("Cheating suspected")
        NO_SHOW = "no_show", _("Opponent did not show up")
        CONNECTION = "connection", _("Connection or server problem")
        CONDUCT = "conduct", _("Unsporting conduct")
        OTHER = "other", _("Other")

    S = Status

    match = models.ForeignKey("tournaments.Match", on_delete=models.CASCADE, related_name="disputes")
    raised_by = models.ForeignKey("tournaments.Registration", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    description = models.TextField(_("description"), blank=True)
    evidence_url = models.URLField(_("evidence link"), blank=True)
    status = FSMField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN, protected=True, db_index=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    resolution = models.TextField(_("resolution"), blank=True)
    final_score_a = models.PositiveIntegerField(null=True, blank=True)
    final_score_b = models.PositiveIntegerField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self):
        return f"Dispute #{self.pk} on {self.match.key}"

    @transition(field=status, source=S.OPEN, target=S.UNDER_REVIEW)
    def review(self, by):
        self.assigned_to = by

    @transition(field=status, source=[S.OPEN, S.UNDER_REVIEW], target=S.ESCALATED)
    def escalate(self, note: str):
        self.resolution = note

    @transition(field=status, source=[S.OPEN, S.UNDER_REVIEW, S.ESCALATED], target=S.RESOLVED)
    def resolve(self, by, resolution: str, score_a: int, score_b: int):
        self.resolved_by = by
        self.resolved_at = timezone.now()
        self.resolution = resolution
        self.final_score_a = score_a
        self.final_score_b = score_b
