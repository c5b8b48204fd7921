"""Sign-up configuration: custom questions per tournament, promo codes for entry fees, sanctions.

Rules that need other rows (answers against fields, promo usage under concurrency, whether a
sanction is in force at a moment) live in ``services/custom_fields.py``, ``promos.py`` and
``sanctions.py``; the models hold the data and the rules that need only their own row.
"""
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import TimestampedModel


class CustomField(TimestampedModel):
    """One question a tournament asks at sign-up. Answers are stored on ``Registration.answers`` under
    ``key`` (JSON: text, number as a decimal string, choice, true/false, ISO date, URL, or the stored
    path of an uploaded image)."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        DROPDOWN = "dropdown", _("Dropdown")
        TOGGLE = "toggle", _("Toggle (yes/no)")
        DATE = "date", _("Date")
        URL = "url", _("URL")
        MEDIA = "media", _("Image upload")

    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.CASCADE, related_name="custom_fields")
    label = models.CharField(_("label"), max_length=100)
    key = models.SlugField(_("key"), max_length=50, help_text=_("Stable name of the answer (exports, imports, API)."))
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(_("required"), default=False)
    min_value = models.DecimalField(_("minimum"), max_digits=12, decimal_places=2, null=True, blank=True,
                                    help_text=_("Number: smallest value. Text: fewest characters."))
    max_value = models.DecimalField(_("maximum"), max_digits=12, decimal_places=2, null=True, blank=True,
                                    help_text=_("Number: largest value. Text: most characters."))
    regex = models.CharField(_("pattern"), max_length=200, blank=True,
                             help_text=_("Text only: a regular expression the whole answer must match."))
    options = models.JSONField(_("options"), default=list, blank=True,
                               help_text=_('Dropdown only: the choices, e.g. ["S", "M", "L"].'))
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["tournament", "order", "id"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        constraints = [models.UniqueConstraint(fields=["tournament", "key"], name="uniq_custom_field_key")]

    def __str__(self):
        return self.label

    def clean(self):
        errors = {}
        if self.kind == self.Kind.DROPDOWN:
            opts = self.options
            if not isinstance(opts, list) or not opts or not all(isinstance(o, str) and o.strip() for o in opts):
                errors["options"] = _("A dropdown needs a list of choices, e.g. [\"S\", \"M\", \"L\"].")
            elif len(set(opts)) != len(opts):
                errors["options"] = _("Each choice may appear once.")
        elif self.options:
            errors["options"] = _("Only dropdowns have options.")
        if self.regex:
            if self.kind != self.Kind.TEXT:
                errors["regex"] = _("Only text fields have a pattern.")
            else:
                try:
                    re.compile(self.regex)
                except re.error as exc:
                    errors["regex"] = _("Not a valid pattern: %(e)s.") % {"e": exc}
        if (self.min_value is not None or self.max_value is not None) and self.kind not in (self.Kind.NUMBER, self.Kind.TEXT):
            errors["min_value"] = _("Only number and text fields have a minimum or maximum.")
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            errors["max_value"] = _("The maximum must not be below the minimum.")
        if self.kind == self.Kind.TEXT and self.min_value is not None and self.min_value < 0:
            errors["min_value"] = _("A length cannot be negative.")
        if errors:
            raise ValidationError(errors)


class PromoCode(TimestampedModel):
    """A discount on the entry fee, for one tournament or for every tournament of its organizer."""

    class Kind(models.TextChoices):
        PERCENT = "percent", _("Percent off")
        FIXED = "fixed", _("Fixed amount off")

    code = models.CharField(_("code"), max_length=40, help_text=_("What participants type; not case-sensitive."))
    organizer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="promo_codes")
    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="promo_codes", help_text=_("Empty: every tournament of the organizer."))
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.PERCENT)
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))],
                                help_text=_("Percent (1–100) or an amount in the fee's currency."))
    max_uses = models.PositiveIntegerField(_("usage limit"), null=True, blank=True, help_text=_("Empty: unlimited."))
    uses = models.PositiveIntegerField(_("times used"), default=0, editable=False)
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["organizer", "code", "id"]
        verbose_name = _("promo code")
        verbose_name_plural = _("promo codes")
        constraints = [models.UniqueConstraint(fields=["organizer", "code"], name="uniq_promo_code_per_organizer")]

    def __str__(self):
        return self.code

    def clean(self):
        errors = {}
        self.code = (self.code or "").strip().upper()
        if not re.fullmatch(r"[A-Z0-9_-]{3,40}", self.code):
            errors["code"] = _("Use 3–40 letters, digits, dashes or underscores.")
        if self.kind == self.Kind.PERCENT and self.value is not None and self.value > 100:
            errors["value"] = _("A percentage cannot exceed 100.")
        if self.valid_from and self.valid_until and self.valid_from >= self.valid_until:
            errors["valid_until"] = _("The code must expire after it starts.")
        if self.tournament_id and self.organizer_id and self.tournament.organizer_id != self.organizer_id:
            errors["tournament"] = _("A code belongs to the organizer of its tournament.")
        if errors:
            raise ValidationError(errors)


class PromoRedemption(TimestampedModel):
    """One use of a promo code by one registration (the discount is frozen at that moment)."""

    promo = models.ForeignKey(PromoCode, on_delete=models.PROTECT, related_name="redemptions")
    registration = models.OneToOneField("tournaments.Registration", on_delete=models.CASCADE, related_name="promo_redemption")
    discount = models.DecimalField(_("discount"), max_digits=10, decimal_places=2)
    discount_deltacoin = models.PositiveIntegerField(_("discount in DeltaCoin"), default=0)

    class Meta:
        verbose_name = _("promo code use")
        verbose_name_plural = _("promo code uses")

    def __str__(self):
        return f"{self.promo.code} → #{self.registration_id}"


class Sanction(TimestampedModel):
    """A ban or suspension of a player, everywhere (admins only) or in one tournament."""

    class Kind(models.TextChoices):
        BAN = "ban", _("Ban")
        SUSPENSION = "suspension", _("Suspension")

    player = models.ForeignKey("tournaments.Player", on_delete=models.CASCADE, related_name="sanctions")
    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="sanctions", help_text=_("Empty: every tournament (administrators only)."))
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.SUSPENSION)
    reason = models.TextField(_("reason"), help_text=_("Shown to the player when they are refused."))
    starts_at = models.DateTimeField(_("from"), default=timezone.now)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True, help_text=_("Empty: until lifted."))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True, editable=False)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", editable=False)
    lift_reason = models.CharField(_("why lifted"), max_length=300, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        indexes = [models.Index(fields=["player", "tournament"])]

    def __str__(self):
        scope = self.tournament.name if self.tournament_id else _("all tournaments")
        return f"{self.get_kind_display()}: {self.player} ({scope})"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("A sanction must end after it starts.")})
        if not (self.reason or "").strip():
            raise ValidationError({"reason": _("Give a reason; the player sees it.")})

    @staticmethod
    def in_force_q(at=None) -> Q:
        at = at or timezone.now()
        return Q(lifted_at__isnull=True, starts_at__lte=at) & (Q(ends_at__isnull=True) | Q(ends_at__gt=at))

    def in_force(self, at=None) -> bool:
        at = at or timezone.now()
        return self.lifted_at is None and self.starts_at <= at and (self.ends_at is None or at < self.ends_at)
