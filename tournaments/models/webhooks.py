"""Organizer-configured webhooks: every domain event of a tournament, signed, POSTed to their URL."""
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import TimestampedModel


def new_secret() -> str:
    return secrets.token_hex(32)


class WebhookEndpoint(TimestampedModel):
    organizer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints")
    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="webhook_endpoints", help_text=_("Empty: every tournament of the organizer."))
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=128, default=new_secret,
                              help_text=_("Used to sign each delivery (HMAC-SHA256); keep it private."))
    events = models.JSONField(_("events"), default=list, blank=True, help_text=_("Event types to send; empty sends all."))
    active = models.BooleanField(_("active"), default=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        ordering = ["organizer", "id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one endpoint (a retried event has several rows)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, db_index=True)
    event_type = models.CharField(_("event"), max_length=60)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    succeeded = models.BooleanField(_("delivered"), default=False)
    will_retry = models.BooleanField(_("will be retried"), default=False)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self):
        return f"{self.event_type} → {self.endpoint_id} #{self.attempt}: {self.status_code or self.error[:40]}"
