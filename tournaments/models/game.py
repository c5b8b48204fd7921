from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimestampedModel
from ..gameids import GAME_ID_FORMATS, validate_game_id

DEFAULT_BR_POINTS = [12, 9, 7, 5, 4, 3, 2, 1]


class Game(TimestampedModel):
    """A title the platform runs events for, with the rules that differ per game."""

    class ResultType(models.TextChoices):
        MAP_SCORE = "map_score", _("Map score (e.g. 13–11)")
        BEST_OF = "best_of", _("Best of X (games won)")
        POINTS = "points", _("Placement points (battle royale)")

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    team_size = models.PositiveSmallIntegerField(
        _("players per side"), default=5, help_text=_("1 for 1v1 games; 4 for battle-royale squads.")
    )
    min_players = models.PositiveSmallIntegerField(
        _("minimum roster"), null=True, blank=True,
        help_text=_("Fewest players (captain included, substitutes not) a team needs to register and be confirmed. "
                    "Blank: no minimum."),
    )
    max_substitutes = models.PositiveSmallIntegerField(_("substitutes allowed"), default=2)
    id_format = models.CharField(
        _("player ID format"), max_length=20, choices=[(k, v.label) for k, v in GAME_ID_FORMATS.items()]
    )
    result_type = models.CharField(_("result type"), max_length=20, choices=ResultType.choices)
    br_points_table = models.JSONField(
        _("placement points"), default=list, blank=True,
        help_text=_("Points for 1st, 2nd, … place (battle royale only), e.g. [12, 9, 7, 5, 4, 3, 2, 1]."),
    )
    br_points_per_kill = models.PositiveSmallIntegerField(_("points per kill"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("game")
        verbose_name_plural = _("games")

    def __str__(self):
        return self.name

    @property
    def is_battle_royale(self) -> bool:
        return self.result_type == self.ResultType.POINTS

    def clean(self):
        table = self.br_points_table or []
        if not isinstance(table, list) or not all(isinstance(p, int) and p >= 0 for p in table):
            raise ValidationError({"br_points_table": _("Use a list of whole, non-negative numbers.")})
        if self.min_players is not None and self.team_size is not None and not 1 <= self.min_players <= self.team_size:
            raise ValidationError({"min_players": _("The minimum roster must be between 1 and the players per side.")})
        if table != sorted(table, reverse=True):
            raise ValidationError({"br_points_table": _("Placement points must not increase with place.")})

    def validate_player_id(self, value: str) -> str:
        """Normalise and validate an in-game ID; raises ValidationError with a human message."""
        return validate_game_id(self.id_format, value)
