from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from .base import StatefulModel, TimestampedModel


class PaymentMethod(models.TextChoices):
    DELTACOIN = "deltacoin", _("DeltaCoin")
    BKASH = "bkash", _("bKash")
    NAGAD = "nagad", _("Nagad")
    ROCKET = "rocket", _("Rocket")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CARD = "card", _("Card")
    CASH = "cash", _("Cash at the venue")


class Tournament(StatefulModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        REGISTRATION_OPEN = "registration_open", _("Registration open")
        REGISTRATION_CLOSED = "registration_closed", _("Registration closed")
        LIVE = "live", _("Live")
        COMPLETED = "completed", _("Completed")
        ARCHIVED = "archived", _("Archived")
        CANCELLED = "cancelled", _("Cancelled")

    class Format(models.TextChoices):
        SINGLE_ELIMINATION = "single_elimination", _("Single elimination")
        DOUBLE_ELIMINATION = "double_elimination", _("Double elimination")
        ROUND_ROBIN = "round_robin", _("Round robin")
        SWISS = "swiss", _("Swiss")
        GROUPS_PLAYOFFS = "groups_playoffs", _("Groups → playoffs")
        BATTLE_ROYALE = "battle_royale", _("Battle royale")

    class Participation(models.TextChoices):
        SOLO = "solo", _("Solo")
        TEAM = "team", _("Team")

    S = Status
    PRE_LIVE = [S.DRAFT, S.PUBLISHED, S.REGISTRATION_OPEN, S.REGISTRATION_CLOSED]

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, help_text=_("Used in lobby links and live-update channels."))
    game = models.ForeignKey("tournaments.Game", on_delete=models.PROTECT, related_name="tournaments")
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organized_tournaments"
    )
    description = models.TextField(_("description"), blank=True)
    rules = models.TextField(_("rules"), blank=True)
    format = models.CharField(_("format"), max_length=30, choices=Format.choices, default=Format.SINGLE_ELIMINATION)
    participation = models.CharField(_("participation"), max_length=10, choices=Participation.choices, default=Participation.TEAM)
    status = FSMField(_("status"), max_length=30, choices=Status.choices, default=Status.DRAFT, protected=True, db_index=True)

    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(2)], default=16)
    min_participants = models.PositiveIntegerField(_("minimum participants"), validators=[MinValueValidator(2)], default=2)
    requires_approval = models.BooleanField(
        _("organizer approves registrations"), default=True,
        help_text=_("Off: free registrations are confirmed at once while there is room."),
    )
    registration_opens_at = models.DateTimeField(_("registration opens"))
    registration_closes_at = models.DateTimeField(_("registration closes"))
    check_in_opens_at = models.DateTimeField(_("check-in opens"), null=True, blank=True)
    check_in_closes_at = models.DateTimeField(_("check-in closes"), null=True, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")

    entry_fee = models.DecimalField(_("entry fee"), max_digits=10, decimal_places=2, default=Decimal("0"))
    entry_fee_currency = models.CharField(_("fee currency"), max_length=3, default="BDT")
    entry_fee_deltacoin = models.PositiveIntegerField(_("fee in DeltaCoin"), default=0)
    payment_methods = models.JSONField(_("payment methods"), default=list, blank=True)
    refund_before_close_percent = models.PositiveSmallIntegerField(
        _("refund before registration closes (%)"), default=100, validators=[MaxValueValidator(100)],
        help_text=_("Share of a verified fee paid back to an entrant who withdraws while registration is open."),
    )
    refund_after_close_percent = models.PositiveSmallIntegerField(
        _("refund after registration closes (%)"), default=50, validators=[MaxValueValidator(100)],
        help_text=_("Share paid back to an entrant who withdraws after registration closes, before the start. "
                    "Nothing is refunded once the tournament has started; a cancelled tournament refunds in full."),
    )

    prize_pool = models.DecimalField(_("prize pool"), max_digits=12, decimal_places=2, default=Decimal("0"))
    prize_currency = models.CharField(_("prize currency"), max_length=3, default="BDT")
    prize_deltacoin = models.PositiveIntegerField(_("prize in DeltaCoin"), default=0)
    prize_distribution = models.JSONField(
        _("prize distribution"), default=dict, blank=True,
        help_text=_('Percent of the pool per placement, e.g. {"1": 50, "2": 30, "3": 20}; '
                    'a fixed amount is {"1": {"amount": "5000"}} (percentages then share the rest).'),
    )
    bracket_required_to_start = models.BooleanField(
        _("start only with a bracket"), default=False,
        help_text=_("The tournament can only start once its bracket (or its matches) exist. On by default for "
                    "tournaments created in the Command Center."),
    )
    best_of = models.PositiveSmallIntegerField(_("default best-of"), default=1)
    auto_confirm_matching_reports = models.BooleanField(
        _("auto-confirm matching reports"), default=True,
        help_text=_("When both sides report the same score the result is confirmed without staff."),
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancel_reason = models.TextField(blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_at", "id"]
        verbose_name = _("tournament")
        verbose_name_plural = _("tournaments")
        indexes = [models.Index(fields=["organizer", "status"])]

    def __str__(self):
        return self.name

    # ---- configuration rules -------------------------------------------------------------------
    def clean(self):
        errors = {}
        if self.registration_opens_at and self.registration_closes_at and self.registration_opens_at >= self.registration_closes_at:
            errors["registration_closes_at"] = _("Registration must close after it opens.")
        if self.registration_closes_at and self.starts_at and self.registration_closes_at > self.starts_at:
            errors["starts_at"] = _("The tournament must start after registration closes.")
        if self.ends_at and self.starts_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The tournament must end after it starts.")
        if self.check_in_opens_at and self.check_in_closes_at and self.check_in_opens_at >= self.check_in_closes_at:
            errors["check_in_closes_at"] = _("Check-in must close after it opens.")
        if self.capacity is not None and self.min_participants is not None and self.capacity < self.min_participants:
            errors["capacity"] = _("Capacity must be at least the minimum number of participants.")
        if self.best_of is not None and (self.best_of < 1 or self.best_of % 2 == 0):
            errors["best_of"] = _("Best-of must be an odd number (1, 3, 5, …).")
        methods = self.payment_methods or []
        unknown = [m for m in methods if m not in PaymentMethod.values]
        if unknown:
            errors["payment_methods"] = _("Unknown payment method(s): %(m)s.") % {"m": ", ".join(map(str, unknown))}
        if self.has_fee and not methods:
            errors["payment_methods"] = _("Choose at least one payment method for a paid tournament.")
        dist_error = self.prize_distribution_error()
        if dist_error:
            errors["prize_distribution"] = dist_error
        if errors:
            raise ValidationError(errors)

    def prize_distribution_error(self):
        dist = self.prize_distribution or {}
        if not dist:
            return None
        if isinstance(dist, dict) and any(isinstance(v, dict) for v in dist.values()):
            # fixed amounts ({"1": {"amount": "5000"}}) and explicit percents: the payout arithmetic decides
            from ..payout_math import DistributionError, place_fractions

            try:
                place_fractions(dist, self.prize_pool or Decimal("0"))
            except DistributionError as exc:
                return str(exc)
            return None
        try:
            places = {int(k): Decimal(str(v)) for k, v in dist.items()}
        except Exception:
            return _("Use placements as keys and percentages as values, e.g. {\"1\": 50, \"2\": 30}.")
        if any(p < 1 for p in places) or any(v <= 0 for v in places.values()):
            return _("Placements start at 1 and every share must be positive.")
        total = sum(places.values())
        if total != Decimal("100"):
            return _("Prize shares must add up to 100%% (they add up to %(t)s%%).") % {"t": total}
        return None

    # ---- derived -------------------------------------------------------------------------------
    @property
    def has_fee(self) -> bool:
        return bool(self.entry_fee and self.entry_fee > 0) or bool(self.entry_fee_deltacoin)

    @property
    def is_team(self) -> bool:
        return self.participation == self.Participation.TEAM

    def registration_window_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.registration_opens_at <= now < self.registration_closes_at

    def check_in_window_open(self, now=None) -> bool:
        now = now or timezone.now()
        if not (self.check_in_opens_at and self.check_in_closes_at):
            return False
        return self.check_in_opens_at <= now < self.check_in_closes_at

    # ---- transitions (services call these; conditions carry the rules) -------------------------
    def is_valid_configuration(self) -> bool:
        try:
            self.clean()
        except ValidationError:
            return False
        return True

    @transition(field=status, source=S.DRAFT, target=S.PUBLISHED, conditions=[is_valid_configuration])
    def publish(self):
        self.published_at = timezone.now()

    @transition(field=status, source=[S.DRAFT, S.PUBLISHED, S.REGISTRATION_CLOSED], target=S.REGISTRATION_OPEN,
                conditions=[is_valid_configuration])
    def open_registration(self):
        pass

    @transition(field=status, source=S.REGISTRATION_OPEN, target=S.REGISTRATION_CLOSED)
    def close_registration(self):
        pass

    @transition(field=status, source=[S.REGISTRATION_OPEN, S.REGISTRATION_CLOSED], target=S.LIVE)
    def start(self):
        pass

    @transition(field=status, source=S.LIVE, target=S.COMPLETED)
    def complete(self):
        self.completed_at = timezone.now()

    @transition(field=status, source=[S.COMPLETED, S.CANCELLED], target=S.ARCHIVED)
    def archive(self):
        pass

    @transition(field=status, source=PRE_LIVE + [S.LIVE], target=S.CANCELLED)
    def cancel(self, reason: str = ""):
        self.cancel_reason = reason


class TournamentStaff(TimestampedModel):
    """A person helping run one tournament, with the role that bounds what they may do."""

    class Role(models.TextChoices):
        ORGANIZER = "organizer", _("Co-organizer")
        MODERATOR = "moderator", _("Moderator (results and disputes)")
        CHECKIN = "checkin", _("Check-in staff")

    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tournament_roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    history = HistoricalRecords()

    class Meta:
        unique_together = [("tournament", "user")]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self):
        return f"{self.user} — {self.get_role_display()}"
