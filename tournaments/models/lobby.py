from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from .base import StatefulModel, TimestampedModel


class Lobby(StatefulModel):
    """One battle-royale game: many entrants, ranked by placement with kills (free-for-all)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")
        COMPLETED = "completed", _("Completed")

    S = Status

    stage = models.ForeignKey("tournaments.Stage", on_delete=models.CASCADE, related_name="lobbies")
    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.CASCADE, related_name="lobbies")
    key = models.CharField(_("key"), max_length=40, help_text=_("e.g. BR.R1.L2: round 1, lobby 2."))
    round_number = models.PositiveIntegerField(_("round"))
    position = models.PositiveIntegerField(_("lobby"))
    status = FSMField(_("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED, protected=True, db_index=True)
    scheduled_at = models.DateTimeField(_("scheduled at"), null=True, blank=True)
    room_code = models.CharField(_("room code"), max_length=64, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["stage", "round_number", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["stage", "key"], name="uniq_stage_lobby_key")]
        verbose_name = _("lobby")
        verbose_name_plural = _("lobbies")

    def __str__(self):
        return self.key

    @transition(field=status, source=S.SCHEDULED, target=S.LIVE)
    def start(self):
        pass

    @transition(field=status, source=[S.SCHEDULED, S.LIVE], target=S.COMPLETED)
    def complete(self):
        pass


class LobbyEntry(TimestampedModel):
    lobby = models.ForeignKey(Lobby, on_delete=models.CASCADE, related_name="entries")
    registration = models.ForeignKey("tournaments.Registration", on_delete=models.PROTECT, related_name="lobby_entries")
    placement = models.PositiveSmallIntegerField(_("placement"), null=True, blank=True)
    kills = models.PositiveSmallIntegerField(_("kills"), null=True, blank=True)
    points = models.PositiveIntegerField(_("points"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["lobby", "placement", "id"]
        unique_together = [("lobby", "registration")]
        verbose_name = _("lobby entry")
        verbose_name_plural = _("lobby entries")

    def __str__(self):
        return f"{self.lobby.key}: {self.registration.display_name}"
