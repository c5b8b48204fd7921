"""Messages for Redis written in the same transaction as the business change (scaled mode only).

A job enqueue or a lobby event is a row here first; ``tournaments.outbox.drain`` hands the rows to
RQ / the channel layer in id order once the transaction has committed. If Redis is down the row
simply waits (the admin keeps working) and the next drain — the ``outbox`` process, the clock, or
the next successful enqueue — delivers it. Embedded mode (inline jobs, in-memory layer) never
writes here.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    class Kind(models.TextChoices):
        JOB = "job", _("Job")
        EVENT = "event", _("Lobby event")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    key = models.CharField(_("key"), max_length=160, blank=True, db_index=True,
                           help_text=_("Job id for jobs (business key), group for events."))
    payload = models.JSONField(_("payload"), default=dict)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("gave up at"), null=True, blank=True,
                                     help_text=_("Set after too many non-connection errors; the drain skips it."))
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["delivered_at", "failed_at", "id"], name="outbox_pending_idx")]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")

    def __str__(self):
        return f"#{self.pk} {self.kind} {self.key}"
