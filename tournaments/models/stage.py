from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import TimestampedModel


class Stage(TimestampedModel):
    """One phase of a tournament (main bracket, group stage, playoffs) and how it was generated.

    ``format``/``options``/``seeds`` are exactly what the bracket engine was given, so the plan can be
    rebuilt deterministically for placements, previews and audits; matches carry the live state.
    """

    class Format(models.TextChoices):
        SINGLE_ELIMINATION = "single_elimination", _("Single elimination")
        DOUBLE_ELIMINATION = "double_elimination", _("Double elimination")
        ROUND_ROBIN = "round_robin", _("Round robin")
        SWISS = "swiss", _("Swiss")
        BATTLE_ROYALE = "battle_royale", _("Battle royale lobbies")

    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.CASCADE, related_name="stages")
    name = models.SlugField(_("name"), max_length=40, default="main")
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    format = models.CharField(_("format"), max_length=30, choices=Format.choices)
    options = models.JSONField(_("options"), default=dict, blank=True)
    seeds = models.JSONField(_("seed order"), default=list, blank=True, help_text=_("Registration ids, best seed first."))
    rounds_planned = models.PositiveSmallIntegerField(_("rounds"), default=0)
    then = models.JSONField(
        _("next stage"), default=dict, blank=True,
        help_text=_("For a group stage: the playoff that follows "
                    '({"advance_per_group": 2, "format": "single_elimination", "options": {...}}).'),
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["tournament", "order", "id"]
        unique_together = [("tournament", "name")]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self):
        return f"{self.tournament.name} — {self.get_format_display()} ({self.name})"

    @property
    def is_elimination(self) -> bool:
        return self.format in (self.Format.SINGLE_ELIMINATION, self.Format.DOUBLE_ELIMINATION)


class Placement(TimestampedModel):
    """Final rank of an entrant in a tournament (ties share a rank), computed when the last match ends."""

    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.CASCADE, related_name="placements")
    registration = models.ForeignKey("tournaments.Registration", on_delete=models.CASCADE, related_name="placements")
    rank = models.PositiveIntegerField(_("rank"))
    decided_by = models.CharField(_("decided by"), max_length=40, blank=True,
                                  help_text=_("The match or rule that fixed this place."))

    history = HistoricalRecords()

    class Meta:
        ordering = ["tournament", "rank", "id"]
        unique_together = [("tournament", "registration")]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")

    def __str__(self):
        return f"{self.rank}. {self.registration.display_name}"
