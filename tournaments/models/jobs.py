"""Book-keeping of background work, written by ``tournaments.jobs`` in both modes so the Jobs page
always has something to show (RQ's own registries exist only with Redis)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        STARTED = "started", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    job_id = models.CharField(_("job id"), max_length=120, unique=True)
    func = models.CharField(_("function"), max_length=200)
    queue = models.CharField(_("queue"), max_length=40, db_index=True)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    enqueued_at = models.DateTimeField(_("queued at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    progress = models.JSONField(_("progress"), default=dict, blank=True)
    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    target = models.JSONField(_("works on"), default=dict, blank=True, help_text=_('{"model": "payoutrun", "id": 3, "label": "…"}'))

    class Meta:
        ordering = ["-enqueued_at", "-id"]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")

    def __str__(self):
        return f"{self.job_id} ({self.status})"

    @property
    def percent(self) -> int | None:
        total = (self.progress or {}).get("total")
        if not total:
            return None
        return int(100 * min((self.progress or {}).get("done", 0), total) / total)


class ScheduleMark(models.Model):
    """"This periodic action already happened" (a match reminder, a check-in close): a unique key
    makes each schedule fire once however often ``run_schedules`` runs."""

    key = models.CharField(max_length=160, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("schedule mark")
        verbose_name_plural = _("schedule marks")

    def __str__(self):
        return self.key
