from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from .base import StatefulModel
from .tournament import PaymentMethod


class Payment(StatefulModel):
    """An entry-fee payment a participant claims to have made, checked by staff."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")
        REFUNDED = "refunded", _("Refunded")

    S = Status

    registration = models.ForeignKey("tournaments.Registration", on_delete=models.CASCADE, related_name="payments")
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, default="BDT")
    discount = models.DecimalField(_("promo discount"), max_digits=10, decimal_places=2, default=0,
                                   help_text=_("Taken off the entry fee by a promo code."))
    promo_code = models.CharField(_("promo code"), max_length=40, blank=True)
    reference = models.CharField(_("transaction reference"), max_length=100, blank=True)
    proof = models.ImageField(_("proof screenshot"), upload_to="payments/%Y/%m/", blank=True)
    status = FSMField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED, protected=True, db_index=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why it was rejected or refunded."))
    refunded_amount = models.DecimalField(_("refunded amount"), max_digits=10, decimal_places=2, null=True, blank=True,
                                          help_text=_("What was paid back (the refund policy may keep part of the fee)."))

    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self):
        return f"{self.get_method_display()} {self.amount} {self.currency} ({self.reference or '—'})"

    @transition(field=status, source=S.SUBMITTED, target=S.VERIFIED)
    def verify(self, by):
        self.verified_by = by
        self.verified_at = timezone.now()
        self.reason = ""

    @transition(field=status, source=S.SUBMITTED, target=S.REJECTED)
    def reject(self, reason: str):
        self.reason = reason

    @transition(field=status, source=S.REJECTED, target=S.SUBMITTED)
    def resubmit(self):
        self.submitted_at = timezone.now()

    @transition(field=status, source=S.VERIFIED, target=S.REFUNDED)
    def refund(self, reason: str, amount=None):
        self.reason = reason
        self.refunded_amount = self.amount if amount is None else amount
