from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import TimestampedModel


class Player(TimestampedModel):
    """A participant. Accounts are optional: most players only ever hold a private lobby link."""

    display_name = models.CharField(_("display name"), max_length=64)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="player"
    )
    game_ids = models.JSONField(
        _("game IDs"), default=dict, blank=True, help_text=_('In-game IDs by game slug, e.g. {"valorant": "Zed#EUW1"}.')
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["display_name", "id"]
        verbose_name = _("player")
        verbose_name_plural = _("players")

    def __str__(self):
        return self.display_name


class Team(TimestampedModel):
    name = models.CharField(_("name"), max_length=64)
    tag = models.CharField(_("tag"), max_length=12, db_index=True)
    game = models.ForeignKey("tournaments.Game", on_delete=models.PROTECT, related_name="teams")
    captain = models.ForeignKey(Player, on_delete=models.PROTECT, related_name="captained_teams")
    members = models.ManyToManyField(Player, through="TeamMembership", related_name="teams")

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        unique_together = [("game", "tag")]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self):
        return f"{self.name} [{self.tag}]"


class TeamMembership(TimestampedModel):
    class Role(models.TextChoices):
        CAPTAIN = "captain", _("Captain")
        PLAYER = "player", _("Player")
        SUBSTITUTE = "substitute", _("Substitute")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.PLAYER)

    history = HistoricalRecords()

    class Meta:
        unique_together = [("team", "player")]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")

    def __str__(self):
        return f"{self.player} ({self.get_role_display()})"
