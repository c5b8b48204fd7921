from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from .base import StatefulModel


class Registration(StatefulModel):
    """One entrant (a player, or a team) in one tournament.

    Capacity is enforced by the service, which locks the tournament row before confirming; the
    transition conditions below carry the rules that need only this row.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        PAYMENT_PENDING = "payment_pending", _("Awaiting payment")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("Waitlisted")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Withdrawn")
        DISQUALIFIED = "disqualified", _("Disqualified")

    S = Status
    ACTIVE = [S.PENDING, S.PAYMENT_PENDING, S.CONFIRMED, S.WAITLISTED]

    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.CASCADE, related_name="registrations")
    player = models.ForeignKey("tournaments.Player", on_delete=models.PROTECT, null=True, blank=True, related_name="registrations")
    team = models.ForeignKey("tournaments.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="registrations")
    status = FSMField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING, protected=True, db_index=True)
    seed = models.PositiveIntegerField(_("seed"), null=True, blank=True)
    answers = models.JSONField(_("custom-field answers"), default=dict, blank=True)
    waitlist_position = models.PositiveIntegerField(_("waitlist position"), null=True, blank=True)
    fee_waived = models.BooleanField(_("fee waived"), default=False)
    fee_waiver_reason = models.CharField(_("waiver reason"), max_length=200, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text=_("Who approved, rejected or disqualified this registration."),
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why it was rejected, withdrawn or disqualified."))

    history = HistoricalRecords()

    class Meta:
        ordering = ["tournament", "seed", "id"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.CheckConstraint(
                name="registration_player_xor_team",
                condition=(Q(player__isnull=False, team__isnull=True) | Q(player__isnull=True, team__isnull=False)),
            ),
            models.UniqueConstraint(fields=["tournament", "player"], condition=Q(player__isnull=False), name="uniq_player_per_tournament"),
            models.UniqueConstraint(fields=["tournament", "team"], condition=Q(team__isnull=False), name="uniq_team_per_tournament"),
        ]
        indexes = [models.Index(fields=["tournament", "status"])]

    def __str__(self):
        return f"#{self.pk} {self.display_name}"

    @property
    def display_name(self) -> str:
        if self.team_id:
            return self.team.name
        return self.player.display_name if self.player_id else "?"

    @property
    def is_checked_in(self) -> bool:
        return self.checked_in_at is not None

    # ---- transitions -----------------------------------------------------------------------------
    @transition(field=status, source=S.PENDING, target=S.CONFIRMED)
    def confirm(self):
        self.waitlist_position = None

    @transition(field=status, source=S.PENDING, target=S.PAYMENT_PENDING)
    def await_payment(self):
        pass

    @transition(field=status, source=S.PAYMENT_PENDING, target=S.CONFIRMED)
    def confirm_payment(self):
        self.waitlist_position = None

    @transition(field=status, source=[S.PENDING, S.PAYMENT_PENDING], target=S.REJECTED)
    def reject(self, reason: str):
        self.reason = reason

    @transition(field=status, source=[S.PENDING, S.PAYMENT_PENDING, S.CONFIRMED], target=S.WAITLISTED)
    def waitlist(self, position: int):
        self.waitlist_position = position
        self.checked_in_at = None

    @transition(field=status, source=S.WAITLISTED, target=S.PENDING)
    def promote_to_pending(self):
        self.waitlist_position = None

    @transition(field=status, source=S.WAITLISTED, target=S.CONFIRMED)
    def promote_to_confirmed(self):
        self.waitlist_position = None

    @transition(field=status, source=ACTIVE, target=S.CANCELLED)
    def withdraw(self, reason: str = ""):
        self.reason = reason
        self.waitlist_position = None

    @transition(field=status, source=S.CONFIRMED, target=S.DISQUALIFIED)
    def disqualify(self, reason: str):
        self.reason = reason
