"""Prize money and refunds: who is owed what (``Payout``), the run that created and paid it
(``PayoutRun``) and the DeltaCoin ledger (``WalletEntry``).

Money is ``Decimal`` (cash) or whole DeltaCoin; never floats. Every row that pays someone carries a
unique idempotency key built from business ids, so a re-run after a worker died can only find the
row it already wrote, never write a second one.
"""
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from .base import StatefulModel
from .tournament import PaymentMethod

DELTACOIN = "DC"  # the currency code of DeltaCoin amounts


class PayoutRun(StatefulModel):
    """One distribution of a tournament's prizes (or refunds), with the options it was started with so
    a re-run computes exactly the same plan."""

    class Kind(models.TextChoices):
        PRIZES = "prizes", _("Prizes")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class TeamSplit(models.TextChoices):
        EQUAL = "equal", _("Equal shares among the roster")
        CAPTAIN = "captain", _("Captain takes all")
        CUSTOM = "custom", _("Custom shares")

    S = Status

    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.PROTECT, related_name="payout_runs")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PRIZES)
    status = FSMField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED, protected=True, db_index=True)
    team_split = models.CharField(_("team prize split"), max_length=20, choices=TeamSplit.choices, default=TeamSplit.EQUAL)
    custom_shares = models.JSONField(
        _("custom shares"), default=dict, blank=True,
        help_text=_('Per team registration id, the weight of each player id, e.g. {"41": {"7": 2, "8": 1}}.'),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    plan = models.JSONField(_("plan"), default=list, blank=True, editable=False,
                            help_text=_("Who gets what, frozen when the run first starts so a re-run pays the same."))
    totals = models.JSONField(_("totals"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["tournament", "kind"], name="uniq_payout_run_per_tournament")]
        verbose_name = _("payout run")
        verbose_name_plural = _("payout runs")

    def __str__(self):
        return f"{self.get_kind_display()} — {self.tournament}"

    @property
    def job_id(self) -> str:
        return f"payout-run-{self.pk}"

    @transition(field=status, source=[S.QUEUED, S.RUNNING, S.FAILED], target=S.RUNNING)
    def start(self):
        """RUNNING → RUNNING is a re-run after the worker died half-way."""
        self.started_at = self.started_at or timezone.now()
        self.error = ""

    @transition(field=status, source=S.RUNNING, target=S.DONE)
    def finish(self, totals: dict):
        self.totals = totals
        self.finished_at = timezone.now()

    @transition(field=status, source=[S.QUEUED, S.RUNNING], target=S.FAILED)
    def fail(self, error: str):
        self.error = error

    @transition(field=status, source=[S.FAILED, S.RUNNING], target=S.QUEUED)
    def requeue(self):
        pass


class Payout(StatefulModel):
    """Money one person is owed: a prize (per player; a team's prize is split among its members) or an
    entry-fee refund. Cash is sent by staff, who mark it paid with the transfer reference; DeltaCoin
    is credited to the wallet by the payout run."""

    class Kind(models.TextChoices):
        PRIZE = "prize", _("Prize")
        REFUND = "refund", _("Entry-fee refund")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSING = "processing", _("Processing")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    S = Status

    run = models.ForeignKey(PayoutRun, on_delete=models.PROTECT, null=True, blank=True, related_name="payouts")
    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.PROTECT, related_name="payouts")
    registration = models.ForeignKey("tournaments.Registration", on_delete=models.PROTECT, related_name="payouts")
    player = models.ForeignKey("tournaments.Player", on_delete=models.PROTECT, null=True, blank=True, related_name="payouts",
                               help_text=_("The person who receives the money (a team member for team prizes)."))
    payment = models.ForeignKey("tournaments.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="refund_payouts")
    recipient_name = models.CharField(_("recipient"), max_length=140)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PRIZE)
    rank = models.PositiveIntegerField(_("place"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3)
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices, blank=True)
    reference = models.CharField(_("transfer reference"), max_length=100, blank=True)
    status = FSMField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING, protected=True, db_index=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, unique=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    failure_reason = models.TextField(_("reason"), blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["tournament", "kind", "rank", "id"]
        indexes = [models.Index(fields=["tournament", "status"])]
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")

    def __str__(self):
        return f"{self.recipient_name}: {self.amount} {self.currency}"

    @property
    def is_deltacoin(self) -> bool:
        return self.currency == DELTACOIN

    @transition(field=status, source=S.PENDING, target=S.PROCESSING)
    def start_processing(self):
        self.attempts += 1

    @transition(field=status, source=S.PROCESSING, target=S.PAID)
    def mark_paid(self, method: str, reference: str, by=None):
        self.method, self.reference, self.paid_by = method, reference, by
        self.paid_at = timezone.now()
        self.failure_reason = ""

    @transition(field=status, source=[S.PENDING, S.PROCESSING], target=S.FAILED)
    def fail(self, reason: str):
        self.failure_reason = reason

    @transition(field=status, source=S.FAILED, target=S.PENDING)
    def retry(self):
        pass

    @transition(field=status, source=[S.PENDING, S.PROCESSING, S.FAILED], target=S.CANCELLED)
    def cancel(self, reason: str):
        self.failure_reason = reason


class WalletEntry(models.Model):
    """One movement of DeltaCoin in a player's wallet. Append-only: the balance is the sum of the
    entries, and a unique idempotency key makes crediting the same prize twice impossible."""

    class Kind(models.TextChoices):
        PRIZE = "prize", _("Prize")
        REFUND = "refund", _("Refund")
        ADJUSTMENT = "adjustment", _("Adjustment")

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    player = models.ForeignKey("tournaments.Player", on_delete=models.PROTECT, related_name="wallet_entries")
    amount = models.BigIntegerField(_("amount (DeltaCoin)"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, null=True, blank=True, related_name="wallet_entries")
    memo = models.CharField(_("memo"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("wallet entry")
        verbose_name_plural = _("wallet entries")

    def __str__(self):
        return f"{self.player_id}: {self.amount:+d} DC ({self.kind})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Wallet entries are append-only; add a correcting entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Wallet entries are append-only; add a correcting entry instead.")
