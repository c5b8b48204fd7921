from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import TimestampedModel


class TournamentTemplate(TimestampedModel):
    """A saved tournament configuration to start new events from.

    ``configuration`` holds the configuration fields as JSON (money as strings); the dates are kept
    as offsets in seconds from the start, so a template lands on whatever start date is chosen.
    A template is private to its organizer unless ``shared`` (then every organizer may use it; only
    its owner and admins may change it).
    """

    name = models.CharField(_("name"), max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tournament_templates")
    shared = models.BooleanField(_("shared with all organizers"), default=False)
    game = models.ForeignKey("tournaments.Game", on_delete=models.PROTECT, related_name="templates")
    source = models.ForeignKey("tournaments.Tournament", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="templates_made", verbose_name=_("saved from"))
    configuration = models.JSONField(_("configuration"), default=dict)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("tournament template")
        verbose_name_plural = _("tournament templates")
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="uniq_template_name_per_owner")]

    def __str__(self):
        return self.name
