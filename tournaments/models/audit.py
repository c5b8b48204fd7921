from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditLog(models.Model):
    """The semantic record of who did what, when and why. Append-only: services write it, nothing
    edits it. History rows say *what changed*; this says *which decision* changed it."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_label = models.CharField(_("actor"), max_length=150, help_text=_("User name, participant or 'system'."))
    action = models.CharField(_("action"), max_length=60, db_index=True)
    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.CASCADE, null=True, blank=True, related_name="audit_entries")
    target_type = models.CharField(_("target type"), max_length=40, db_index=True)
    target_id = models.CharField(_("target id"), max_length=40, db_index=True)
    target_label = models.CharField(_("target"), max_length=200)
    reason = models.TextField(_("reason"), blank=True)
    metadata = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label}: {self.action} {self.target_label}"
