from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..seasons import standings as engine
from .base import TimestampedModel


def default_tiebreaks():
    return list(engine.TIEBREAKS)


class Season(TimestampedModel):
    """A league or circuit: tournaments of one game whose placements earn points toward one table."""

    class Preset(models.TextChoices):
        F1 = "f1", _("25/18/15/12/10/8/6/4/2/1")
        BATTLE_ROYALE = "battle_royale", _("Battle royale 12/9/7/5/4/3/2/1")
        CUSTOM = "custom", _("Custom")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    game = models.ForeignKey("tournaments.Game", on_delete=models.PROTECT, related_name="seasons")
    organizer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="seasons")
    tournaments = models.ManyToManyField("tournaments.Tournament", blank=True, related_name="seasons",
                                         help_text=_("Completed tournaments count; the others wait for their results."))
    points_preset = models.CharField(_("points table"), max_length=20, choices=Preset.choices, default=Preset.F1)
    custom_points = models.JSONField(_("custom points"), default=list, blank=True,
                                     help_text=_("Points for 1st, 2nd, … place when the table is custom, e.g. [100, 70, 50]."))
    best_of = models.PositiveSmallIntegerField(_("count best N results"), null=True, blank=True,
                                               help_text=_("Empty: every result counts."))
    tiebreaks = models.JSONField(
        _("tiebreaks"), default=default_tiebreaks, blank=True,
        help_text=_('Applied in order to entrants level on points: any of "wins", "best_placement", "head_to_head", '
                    '"most_recent" (all four by default). Empty: level entrants share the rank (1, 2, 2, 4).'))
    is_public = models.BooleanField(_("shown in lobbies"), default=True)
    computed_at = models.DateTimeField(null=True, blank=True, editable=False)
    revision = models.PositiveIntegerField(default=0, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("season")
        verbose_name_plural = _("seasons")

    def __str__(self):
        return self.name

    @property
    def points_table(self) -> tuple[int, ...]:
        if self.points_preset == self.Preset.CUSTOM:
            return tuple(self.custom_points or ())
        return engine.POINTS_PRESETS[self.points_preset]

    def clean(self):
        errors = {}
        try:
            engine.check_points_table(self.points_table)
        except ValueError as exc:
            errors["custom_points"] = str(exc)
        try:
            engine.check_tiebreaks(self.tiebreaks)
        except ValueError as exc:
            errors["tiebreaks"] = str(exc)
        if self.best_of == 0:
            errors["best_of"] = _("Count at least 1 result, or leave it empty to count all.")
        if errors:
            raise ValidationError(errors)


class SeasonStanding(models.Model):
    """One entrant's current line in a season table (rewritten on every recompute)."""

    class Kind(models.TextChoices):
        PLAYER = "player", _("Player")
        TEAM = "team", _("Team")

    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="standings")
    kind = models.CharField(_("entrant"), max_length=10, choices=Kind.choices)
    player = models.ForeignKey("tournaments.Player", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    team = models.ForeignKey("tournaments.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    rank = models.PositiveIntegerField(_("rank"))
    previous_rank = models.PositiveIntegerField(_("previous rank"), null=True, blank=True)
    points = models.IntegerField(_("points"))
    total = models.IntegerField(_("all points"))
    events = models.PositiveIntegerField(_("events"))
    wins = models.PositiveIntegerField(_("wins"))
    best_placement = models.PositiveIntegerField(_("best placement"))
    decided_by = models.CharField(_("decided by"), max_length=20)

    class Meta:
        ordering = ["season", "kind", "rank", "id"]
        indexes = [models.Index(fields=["season", "kind", "rank"])]
        verbose_name = _("season standing")
        verbose_name_plural = _("season standings")

    @property
    def name(self) -> str:
        return self.team.name if self.team_id else self.player.display_name

    @property
    def movement(self) -> int | None:
        """Places gained since the previous recompute (positive = up); None for a new entry."""
        return None if self.previous_rank is None else self.previous_rank - self.rank


class SeasonSnapshot(models.Model):
    """The table as it was after one recompute: rank history for movement arrows and charts."""

    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="snapshots")
    revision = models.PositiveIntegerField()
    computed_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    ranks = models.JSONField(default=dict, help_text=_('{"player:12": [rank, points], "team:3": [rank, points]}'))

    class Meta:
        ordering = ["season", "-revision"]
        unique_together = [("season", "revision")]
        verbose_name = _("season snapshot")
        verbose_name_plural = _("season snapshots")
