"""Entry-fee payments: a participant submits proof, staff verify or reject it, and refund it later."""
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions
from ..models import Payment, PaymentMethod, Registration, Tournament
from ..uploads import validate_image_upload
from . import audit, notifications, promos, registrations
from .base import lock, lock_registration, require, run_transition, save_plain, save_stateful
from .bulk import run_bulk
from .errors import DomainError

P = Payment.Status
R = Registration.Status


def submit(registration_id: int, *, actor, method: str, amount, reference: str = "", proof=None) -> Payment:
    """Record a payment claim. A rejected claim is resubmitted (same row, new details) rather than
    duplicated, so the history shows every attempt."""
    with transaction.atomic():
        registration = lock(Registration, registration_id, select_related=("tournament",))
        tournament = registration.tournament
        if isinstance(actor, Registration):
            if actor.pk != registration.pk:
                raise DomainError(_("You can only pay for your own registration."), code="forbidden")
        else:
            require(actor, tournament, permissions.MANAGE)
        if registration.status not in (R.PENDING, R.PAYMENT_PENDING, R.WAITLISTED):
            raise DomainError(_("Registration #%(pk)s is %(s)s; no payment is expected.") % {"pk": registration.pk, "s": registration.get_status_display().lower()})
        if not tournament.has_fee or registration.fee_waived:
            raise DomainError(_("No entry fee is due for this registration."))
        if method not in (tournament.payment_methods or []):
            allowed = ", ".join(str(PaymentMethod(m).label) for m in tournament.payment_methods or [] if m in PaymentMethod.values)
            raise DomainError(_("%(t)s accepts %(allowed)s.") % {"t": tournament.name, "allowed": allowed or _("no payment methods")}, code="method")
        try:
            value = Decimal(str(amount)).quantize(Decimal("0.01"))
            if not value.is_finite() or value < 0:  # "NaN" parses but cannot be compared; no negative claims
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            raise DomainError(_("“%(a)s” is not an amount.") % {"a": amount}, code="amount")
        amount = value
        fee, discount, promo_code = promos.fee_after_discount(registration, method)  # issue 8: promo codes
        fee_currency = "DC" if method == PaymentMethod.DELTACOIN else tournament.entry_fee_currency
        if amount < fee:
            raise DomainError(_("The entry fee is %(fee)s %(cur)s; %(amount)s is not enough.")
                              % {"fee": fee, "cur": fee_currency, "amount": amount}, code="amount")
        reference = (reference or "").strip()
        if method != PaymentMethod.DELTACOIN and not reference:
            raise DomainError(_("Enter the transaction reference from your %(m)s receipt.") % {"m": PaymentMethod(method).label}, code="reference")
        if reference and Payment.objects.filter(registration__tournament=tournament, reference__iexact=reference).exclude(
                registration=registration).exists():
            raise DomainError(_("Transaction reference %(r)s was already used by another registration.") % {"r": reference}, code="reference")
        if proof is not None:
            try:
                validate_image_upload(proof)
            except ValidationError as exc:
                raise DomainError(" ".join(exc.messages), code="upload")
        if registration.payments.filter(status__in=[P.SUBMITTED, P.VERIFIED]).exists():
            raise DomainError(_("A payment for registration #%(pk)s is already %(s)s.") % {
                "pk": registration.pk, "s": registration.payments.filter(status__in=[P.SUBMITTED, P.VERIFIED]).first().get_status_display().lower()},
                code="duplicate")
        payment = registration.payments.select_for_update().filter(status=P.REJECTED).order_by("-submitted_at").first()
        currency = tournament.entry_fee_currency if method != PaymentMethod.DELTACOIN else "DC"
        if payment is None:
            payment = Payment(registration=registration, method=method, amount=amount, currency=currency, reference=reference)
        else:
            payment.method, payment.amount, payment.currency, payment.reference = method, amount, currency, reference
            run_transition(payment, "resubmit")
        if proof is not None:
            payment.proof = proof
        payment.discount, payment.promo_code = discount, promo_code
        save_stateful(payment, actor)
        audit.log_action("payment.submit", actor=actor, tournament=tournament, target=payment,
                         metadata={"method": method, "amount": str(amount), "registration": registration.pk})
        return payment


def verify(payment_id: int, *, actor) -> Payment:
    """Accept the payment; an entrant who was only waiting for it is confirmed (or waitlisted if full)."""
    with transaction.atomic():
        payment = lock(Payment, payment_id)
        registration, tournament = lock_registration(payment.registration_id)  # tournament first
        require(actor, tournament, permissions.MANAGE)
        run_transition(payment, "verify", actor if actor is not None and not isinstance(actor, Registration) else None)
        save_stateful(payment, actor)
        audit.log_action("payment.verify", actor=actor, tournament=tournament, target=payment,
                         metadata={"registration": registration.pk, "amount": str(payment.amount)})
        if registration.status == R.PAYMENT_PENDING:
            if registrations.has_room(tournament):
                run_transition(registration, "confirm_payment")
            else:
                run_transition(registration, "waitlist", registrations._next_waitlist_position(tournament))
            save_stateful(registration, actor)
            audit.log_action("registration.payment_confirmed", actor=actor, tournament=tournament, target=registration,
                             metadata={"status": registration.status})
            registrations._roster_changed(registration, "paid")
        notifications.notify(registration, "payment.verified", _("Payment verified"),
                             _("Your payment of %(a)s %(c)s for %(t)s was verified.") % {"a": payment.amount, "c": payment.currency, "t": tournament.name})
        return payment


def bulk_verify(payment_ids, *, actor, all_or_none: bool = True):
    return run_bulk(payment_ids, lambda pk: verify(pk, actor=actor), verb=_("verified"), all_or_none=all_or_none)


def reject(payment_id: int, *, actor, reason: str) -> Payment:
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for rejecting the payment; the participant will see it."), code="reason_required")
    with transaction.atomic():
        payment = lock(Payment, payment_id, select_related=("registration__tournament",))
        tournament = payment.registration.tournament
        require(actor, tournament, permissions.MANAGE)
        run_transition(payment, "reject", reason.strip())
        save_stateful(payment, actor)
        audit.log_action("payment.reject", actor=actor, tournament=tournament, target=payment, reason=reason)
        notifications.notify(payment.registration, "payment.rejected", _("Payment rejected"),
                             _("Your payment for %(t)s was rejected: %(r)s. You can submit it again.") % {"t": tournament.name, "r": reason})
        return payment


def refund(payment_id: int, *, actor, reason: str, amount=None) -> Payment:
    """Mark a verified payment refunded; ``amount`` (default: all of it) is what is paid back."""
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for the refund."), code="reason_required")
    with transaction.atomic():
        payment = lock(Payment, payment_id, select_related=("registration__tournament",))
        tournament = payment.registration.tournament
        require(actor, tournament, permissions.MANAGE)
        if amount is not None:
            amount = Decimal(str(amount)).quantize(Decimal("0.01"))
            if not Decimal("0") < amount <= payment.amount:
                raise DomainError(_("A refund must be more than 0 and at most the %(a)s %(c)s paid.")
                                  % {"a": payment.amount, "c": payment.currency}, code="amount")
        run_transition(payment, "refund", reason.strip(), amount)
        save_stateful(payment, actor)
        audit.log_action("payment.refund", actor=actor, tournament=tournament, target=payment, reason=reason,
                         metadata={"amount": str(payment.refunded_amount), "currency": payment.currency,
                                   **({"paid": str(payment.amount)} if payment.refunded_amount != payment.amount else {})})
        notifications.notify(payment.registration, "payment.refunded", _("Payment refunded"),
                             _("%(a)s %(c)s of your payment for %(t)s was refunded: %(r)s") % {"a": payment.refunded_amount, "c": payment.currency, "t": tournament.name, "r": reason})
        return payment


def refund_due(payment: Payment, tournament: Tournament, *, now=None, cancelled: bool = False) -> tuple[Decimal, str]:
    """What the tournament's refund policy pays back on ``payment`` now, and the rule that decided it:
    everything when the event is cancelled; nothing once it has started; otherwise the configured
    share before / after registration closes."""
    now = now or timezone.now()
    if cancelled or tournament.status == Tournament.Status.CANCELLED:
        return payment.amount, _("full refund (tournament cancelled)")
    if tournament.status not in Tournament.PRE_LIVE or now >= tournament.starts_at:
        return Decimal("0.00"), _("no refund after the start")
    if tournament.status != Tournament.Status.REGISTRATION_CLOSED and now < tournament.registration_closes_at:
        percent, rule = tournament.refund_before_close_percent, _("%(p)d%% before registration closes")
    else:
        percent, rule = tournament.refund_after_close_percent, _("%(p)d%% after registration closes")
    step = Decimal("1") if payment.currency == "DC" else Decimal("0.01")  # DeltaCoin moves in whole coins
    amount = (payment.amount * Decimal(percent) / Decimal(100)).quantize(step, rounding=ROUND_DOWN)
    return amount, rule % {"p": percent}


def waive_fee(registration_id: int, *, actor, reason: str) -> Registration:
    """Excuse an entrant from the fee (sponsor slot, last season's top teams…), with a reason."""
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for the fee waiver."), code="reason_required")
    with transaction.atomic():
        registration, tournament = lock_registration(registration_id)  # tournament first
        require(actor, tournament, permissions.MANAGE)
        if registration.fee_waived:
            raise DomainError(_("The fee of registration #%(pk)s is already waived.") % {"pk": registration.pk})
        if not tournament.has_fee:
            raise DomainError(_("%(t)s charges no entry fee.") % {"t": tournament.name})
        registration.fee_waived = True
        registration.fee_waiver_reason = reason.strip()[:200]
        save_plain(registration, actor, reason="fee waived")
        if registration.status == R.PAYMENT_PENDING and registrations.has_room(tournament):
            run_transition(registration, "confirm_payment")
            save_stateful(registration, actor)
            registrations._roster_changed(registration, "fee_waived")
        audit.log_action("registration.waive_fee", actor=actor, tournament=tournament, target=registration, reason=reason)
        return registration
