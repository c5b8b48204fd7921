"""Promo codes for entry fees: percent or fixed, usage limit, validity window, for one tournament or
for every tournament of an organizer.

Redeeming locks the promo row (``select_for_update``) and counts the use in the same transaction as
the registration, so a code limited to N uses is used at most N times however many people sign up
at once (tested with threads on PostgreSQL). The discount is frozen on a ``PromoRedemption`` and is
shown on the payment (``Payment.discount``/``promo_code``); a discount covering the whole fee waives it.
"""
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions
from ..models import PaymentMethod, PromoCode, PromoRedemption, Registration
from . import audit
from .base import is_user, lock, lock_registration, require, run_transition, save_plain, save_stateful
from .errors import DomainError, PermissionDenied

CENT = Decimal("0.01")
EDITABLE = ("code", "tournament", "kind", "value", "max_uses", "valid_from", "valid_until", "active")


def normalise(code: str) -> str:
    return (code or "").strip().upper()


def _candidates(tournament, code):
    return PromoCode.objects.filter(Q(tournament_id=tournament.pk) | Q(tournament__isnull=True, organizer_id=tournament.organizer_id),
                                    code=normalise(code))


def discount_for(promo: PromoCode, tournament) -> tuple[Decimal, int]:
    """(discount on the cash fee, discount on the DeltaCoin fee). Fixed amounts are in the fee's
    currency and do not apply to DeltaCoin; percentages apply to both (rounded down)."""
    fee, dc = tournament.entry_fee or Decimal("0"), tournament.entry_fee_deltacoin or 0
    if promo.kind == PromoCode.Kind.PERCENT:
        cash = (fee * promo.value / 100).quantize(CENT, rounding=ROUND_DOWN)
        coins = int(Decimal(dc) * promo.value / 100)
        return min(cash, fee), min(coins, dc)
    return min(promo.value, fee), 0


def _usable(promo: PromoCode | None, tournament, code: str, at) -> PromoCode:
    if not tournament.has_fee:
        raise DomainError(_("%(t)s has no entry fee; no promo code is needed.") % {"t": tournament.name},
                          code="promo", details={"fields": {"promo_code": _("This tournament is free.")}})
    if promo is None or not promo.active:
        raise DomainError(_("The promo code “%(c)s” is not valid for %(t)s.") % {"c": normalise(code), "t": tournament.name},
                          code="promo", details={"fields": {"promo_code": _("This code is not valid for this tournament.")}})
    if promo.valid_from and at < promo.valid_from:
        raise DomainError(_("The promo code %(c)s can be used from %(d)s.") % {"c": promo.code, "d": timezone.localtime(promo.valid_from).strftime("%Y-%m-%d %H:%M")},
                          code="promo", details={"fields": {"promo_code": _("This code is not valid yet.")}})
    if promo.valid_until and at >= promo.valid_until:
        raise DomainError(_("The promo code %(c)s has expired.") % {"c": promo.code},
                          code="promo", details={"fields": {"promo_code": _("This code has expired.")}})
    if promo.max_uses is not None and promo.uses >= promo.max_uses:
        raise DomainError(_("The promo code %(c)s has been used up.") % {"c": promo.code},
                          code="promo", details={"fields": {"promo_code": _("This code has been used up.")}})
    return promo


def check(tournament, code: str, at=None) -> tuple[PromoCode, Decimal, int]:
    """Would this code apply now? (no lock; the sign-up form's early answer)."""
    at = at or timezone.now()
    promo = _usable(_candidates(tournament, code).order_by("tournament_id").first(), tournament, code, at)
    cash, coins = discount_for(promo, tournament)
    return promo, cash, coins


def redeem(registration_id: int, code: str, *, actor=None, at=None) -> PromoRedemption:
    """Apply a code to a registration: lock the code, check it, count the use, freeze the discount.
    A discount that covers the whole fee waives it (the entrant then owes nothing)."""
    at = at or timezone.now()
    with transaction.atomic():
        registration, tournament = lock_registration(registration_id)  # tournament first, as everywhere
        if is_user(actor):
            require(actor, tournament, permissions.MANAGE)
        elif isinstance(actor, Registration) and actor.pk != registration.pk:
            raise PermissionDenied(_("You can only use a promo code on your own registration."))
        if PromoRedemption.objects.filter(registration=registration).exists():
            raise DomainError(_("Registration #%(pk)s already used a promo code.") % {"pk": registration.pk}, code="promo")
        ids = list(_candidates(tournament, code).order_by("tournament_id").values_list("pk", flat=True)[:1])
        promo = PromoCode.objects.select_for_update().filter(pk__in=ids).first()  # the row lock serialises the count
        _usable(promo, tournament, code, at)
        cash, coins = discount_for(promo, tournament)
        PromoCode.objects.filter(pk=promo.pk).update(uses=promo.uses + 1)  # under the lock; history is the audit entry
        redemption = PromoRedemption.objects.create(promo=promo, registration=registration, discount=cash, discount_deltacoin=coins)
        audit.log_action("promo.redeem", actor=actor, tournament=tournament, target=registration,
                         metadata={"code": promo.code, "promo": promo.pk, "discount": str(cash), "discount_dc": coins})
        covers_cash = cash >= (tournament.entry_fee or 0)
        covers_dc = coins >= (tournament.entry_fee_deltacoin or 0)
        if covers_cash and covers_dc and not registration.fee_waived:
            registration.fee_waived = True
            registration.fee_waiver_reason = (_("promo code %(c)s") % {"c": promo.code})[:200]
            save_plain(registration, actor, reason="fee waived by promo code")
            if registration.status == Registration.Status.PAYMENT_PENDING:
                from .registrations import has_room  # noqa: PLC0415 (registrations imports this module's callers)

                if has_room(tournament):
                    run_transition(registration, "confirm_payment")
                    save_stateful(registration, actor)
        return redemption


def fee_after_discount(registration, method: str) -> tuple[Decimal, Decimal, str]:
    """(fee owed, discount, code) for a payment by ``method`` — what ``payments.submit`` checks."""
    tournament = registration.tournament
    redemption = PromoRedemption.objects.select_related("promo").filter(registration_id=registration.pk).first()
    if method == PaymentMethod.DELTACOIN:
        fee = Decimal(tournament.entry_fee_deltacoin)
        discount = Decimal(redemption.discount_deltacoin) if redemption else Decimal("0")
    else:
        fee = tournament.entry_fee
        discount = redemption.discount if redemption else Decimal("0")
    return max(fee - discount, Decimal("0")), discount, redemption.promo.code if redemption else ""


# ---- admin: create and edit codes ----------------------------------------------------------------------

def save_code(*, actor, promo: PromoCode, fields=None) -> PromoCode:
    """Create (``promo.pk`` None) or change a code. Organizers make codes for themselves (all their
    tournaments, or one of them); administrators for anyone."""
    creating = promo.pk is None
    if is_user(actor) and not actor.is_superuser:
        if creating:
            promo.organizer = actor
        elif promo.organizer_id != actor.pk:
            raise PermissionDenied(_("You can only change your own promo codes."))
        if promo.tournament_id and not permissions.has_capability(actor, promo.tournament, permissions.MANAGE):
            raise PermissionDenied(_("You are not allowed to do this in “%(t)s”.") % {"t": promo.tournament.name})
    if promo.tournament_id and not promo.organizer_id:
        promo.organizer_id = promo.tournament.organizer_id
    try:
        promo.full_clean(exclude=["uses"])
    except ValidationError as exc:
        raise DomainError("; ".join(m for msgs in exc.message_dict.values() for m in msgs), code="invalid")
    with transaction.atomic():
        if creating:
            save_plain(promo, actor, reason="created")
        else:
            current = lock(PromoCode, promo.pk)
            for name in (fields or EDITABLE):
                if name in EDITABLE:
                    setattr(current, name, getattr(promo, name))
            current.code = promo.code
            save_plain(current, actor, reason="edited")
            promo = current
        audit.log_action("promo.create" if creating else "promo.edit", actor=actor, tournament=promo.tournament, target=promo,
                         metadata={"code": promo.code, "kind": promo.kind, "value": str(promo.value), "max_uses": promo.max_uses})
    return promo
