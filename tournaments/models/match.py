from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from .base import StatefulModel, TimestampedModel


class Match(StatefulModel):
    """A series between two entrants. ``winner_to``/``loser_to`` carry the bracket's feeds, so
    completing a match can move both entrants along without re-reading the plan."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CHECK_IN = "check_in", _("Check-in")
        READY = "ready", _("Ready")
        LIVE = "live", _("Live")
        PENDING_RESULT = "pending_result", _("Result reported")
        DISPUTED = "disputed", _("Disputed")
        COMPLETED = "completed", _("Completed")
        FORFEITED = "forfeited", _("Forfeited")
        CANCELLED = "cancelled", _("Cancelled")

    S = Status
    OPEN = [S.SCHEDULED, S.CHECK_IN, S.READY, S.LIVE, S.PENDING_RESULT, S.DISPUTED]
    REPORTABLE = [S.SCHEDULED, S.CHECK_IN, S.READY, S.LIVE, S.PENDING_RESULT]
    FINISHED = [S.COMPLETED, S.FORFEITED, S.CANCELLED]

    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.CASCADE, related_name="matches")
    stage = models.ForeignKey("tournaments.Stage", on_delete=models.CASCADE, null=True, blank=True, related_name="matches",
                              help_text=_("Empty for matches added by hand."))
    key = models.CharField(_("key"), max_length=40, help_text=_("Stable bracket key, e.g. WB1.1, LB2.3, GF1."))
    bracket = models.CharField(_("bracket"), max_length=20, default="winners")
    group = models.CharField(_("group"), max_length=8, blank=True)
    round_number = models.PositiveIntegerField(_("round"), default=1)
    position = models.PositiveIntegerField(_("position"), default=1)
    best_of = models.PositiveSmallIntegerField(_("best of"), default=1)
    slot_a = models.ForeignKey("tournaments.Registration", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    slot_b = models.ForeignKey("tournaments.Registration", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    slot_a_bye = models.BooleanField(_("side A is a bye"), default=False)
    slot_b_bye = models.BooleanField(_("side B is a bye"), default=False)
    is_conditional = models.BooleanField(_("played only if needed"), default=False,
                                         help_text=_("The grand-final reset: played only if the losers-bracket side wins GF1."))
    score_a = models.PositiveIntegerField(_("score A"), null=True, blank=True)
    score_b = models.PositiveIntegerField(_("score B"), null=True, blank=True)
    winner = models.ForeignKey("tournaments.Registration", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    winner_to = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    winner_to_slot = models.PositiveSmallIntegerField(null=True, blank=True)
    loser_to = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    loser_to_slot = models.PositiveSmallIntegerField(null=True, blank=True)
    status = FSMField(_("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED, protected=True, db_index=True)
    scheduled_at = models.DateTimeField(_("scheduled at"), null=True, blank=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    lobby_code = models.CharField(_("lobby code"), max_length=64, blank=True)
    lobby_server = models.CharField(_("server"), max_length=64, blank=True)
    stream_url = models.URLField(_("stream"), blank=True)
    note = models.TextField(_("staff note"), blank=True, help_text=_("Why it was forfeited, cancelled or overridden."))

    history = HistoricalRecords()

    class Meta:
        ordering = ["tournament", "stage_id", "bracket", "round_number", "position", "id"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(fields=["stage", "key"], name="uniq_stage_match_key"),
            models.UniqueConstraint(fields=["tournament", "key"], condition=models.Q(stage__isnull=True), name="uniq_adhoc_match_key"),
        ]
        indexes = [models.Index(fields=["tournament", "status"])]

    def __str__(self):
        return f"{self.key}: {self.side_name(0)} vs {self.side_name(1)}"

    def side_name(self, side: int) -> str:
        reg = self.slot_a if side == 0 else self.slot_b
        return reg.display_name if reg else _("TBD")

    @property
    def side_name_a(self) -> str:
        return self.side_name(0)

    @property
    def side_name_b(self) -> str:
        return self.side_name(1)

    def side_of(self, registration_id) -> int | None:
        if registration_id and registration_id == self.slot_a_id:
            return 0
        if registration_id and registration_id == self.slot_b_id:
            return 1
        return None

    def opponent_of(self, registration_id):
        side = self.side_of(registration_id)
        if side is None:
            return None
        return self.slot_b if side == 0 else self.slot_a

    def has_both_sides(self) -> bool:
        return bool(self.slot_a_id and self.slot_b_id)

    @property
    def is_bye(self) -> bool:
        return self.slot_a_bye or self.slot_b_bye

    def can_walk_over(self) -> bool:
        """Exactly one real side against a bye, or byes on both sides (nobody advances)."""
        a = self.slot_a_id is not None
        b = self.slot_b_id is not None
        return (self.slot_a_bye and self.slot_b_bye) or (self.slot_a_bye and b and not a) or (self.slot_b_bye and a and not b)

    def has_started(self) -> bool:
        """Played or being played: what a correction or a regeneration must not silently undo."""
        if self.status == self.Status.SCHEDULED:
            return False
        if self.status in (self.Status.COMPLETED, self.Status.CANCELLED) and self.is_bye:
            return False  # a bye's automatic walkover is not a played match
        return True

    # ---- transitions ---------------------------------------------------------------------------
    @transition(field=status, source=S.SCHEDULED, target=S.CHECK_IN)
    def open_check_in(self):
        pass

    @transition(field=status, source=[S.SCHEDULED, S.CHECK_IN], target=S.READY, conditions=[has_both_sides])
    def mark_ready(self):
        pass

    @transition(field=status, source=[S.SCHEDULED, S.CHECK_IN, S.READY], target=S.LIVE, conditions=[has_both_sides])
    def start(self):
        pass

    @transition(field=status, source=REPORTABLE, target=S.PENDING_RESULT, conditions=[has_both_sides])
    def report(self):
        pass

    @transition(field=status, source=S.PENDING_RESULT, target=S.LIVE)
    def reject_result(self):
        self.score_a = self.score_b = None

    @transition(field=status, source=[S.LIVE, S.PENDING_RESULT], target=S.DISPUTED)
    def dispute(self):
        pass

    @transition(field=status, source=[S.PENDING_RESULT, S.DISPUTED], target=S.COMPLETED)
    def complete(self):
        pass

    @transition(field=status, source=REPORTABLE, target=S.COMPLETED, conditions=[has_both_sides])
    def override(self):
        pass

    @transition(field=status, source=OPEN, target=S.FORFEITED)
    def forfeit(self):
        pass

    @transition(field=status, source=OPEN, target=S.CANCELLED)
    def cancel(self):
        pass

    @transition(field=status, source=S.SCHEDULED, target=S.COMPLETED, conditions=[can_walk_over])
    def walk_over(self):
        """A bye: the real side (if any) advances without playing."""

    @transition(field=status, source=[S.CHECK_IN, S.READY, S.LIVE, S.PENDING_RESULT, S.DISPUTED, S.COMPLETED, S.FORFEITED, S.CANCELLED],
                target=S.SCHEDULED)
    def reset(self):
        """Undo a match whose inputs changed (result correction, forced regeneration)."""
        self.score_a = self.score_b = None
        self.winner = None
        self.started_at = self.completed_at = None


class MatchReport(TimestampedModel):
    """What one side says the score was. Two matching reports can confirm a match on their own."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="reports")
    registration = models.ForeignKey("tournaments.Registration", on_delete=models.CASCADE, related_name="match_reports")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    score_a = models.PositiveIntegerField(_("score A"))
    score_b = models.PositiveIntegerField(_("score B"))
    game_scores = models.JSONField(_("per-game scores"), default=list, blank=True)
    evidence_url = models.URLField(_("evidence link"), blank=True)
    evidence = models.ImageField(_("evidence screenshot"), upload_to="evidence/%Y/%m/", blank=True)
    is_current = models.BooleanField(default=True, help_text=_("False once superseded or cleared by staff."))

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("match report")
        verbose_name_plural = _("match reports")

    def __str__(self):
        return f"{self.match.key}: {self.score_a}–{self.score_b} by {self.registration.display_name}"
