from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from .base import StatefulModel


class ImportJob(StatefulModel):
    """One spreadsheet brought into one tournament: the stored upload, what the dry run found and what
    the real run did.

    The preview (totals, errors, a sample of rows with their changes) is kept on the row so the
    organizer can come back to it, a worker can pick it up, and the page can poll it. Progress while
    importing lives in the cache (the import runs in one transaction, invisible to other connections
    until it commits); ``progress`` here is the last committed value.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        VALIDATED = "validated", _("Checked")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        REGISTRATIONS = "registrations", _("Registrations (players or teams)")
        PLAYERS = "players", _("Players")
        TEAMS = "teams", _("Teams with rosters")
        RESULTS = "results", _("Match results")
        PAYMENTS = "payments", _("Payment verification")

    S = Status

    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    preset = models.CharField(_("column preset"), max_length=20, default="auto")
    options = models.JSONField(_("options"), default=dict, blank=True)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    status = FSMField(_("status"), max_length=20, choices=Status.choices, default=Status.UPLOADED, protected=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    totals = models.JSONField(_("totals"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    preview = models.JSONField(_("preview"), default=dict, blank=True,
                               help_text=_("Detected preset and header row, column mapping and a sample of rows."))
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.TextField(_("message"), blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["preview"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.original_name}"

    @property
    def can_confirm(self) -> bool:
        """Checked, something to write, and no invalid row (unless the organizer chose to skip them)."""
        clean = not self.errors or bool((self.options or {}).get("skip_invalid"))
        return self.status == self.S.VALIDATED and clean and bool(self.totals.get("new", 0) + self.totals.get("updated", 0))

    @transition(field=status, source=S.UPLOADED, target=S.VALIDATED)
    def validate(self):
        pass

    @transition(field=status, source=S.VALIDATED, target=S.IMPORTING)
    def start(self):
        pass

    @transition(field=status, source=S.IMPORTING, target=S.DONE)
    def finish(self):
        self.progress = 100

    @transition(field=status, source=[S.UPLOADED, S.VALIDATED, S.IMPORTING], target=S.FAILED)
    def fail(self, message: str):
        self.message = message
