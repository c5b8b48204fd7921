"""Promo codes: percent and fixed, validity window, usage limit, scope; the limit holds under
concurrent use (services tier, real row locks on PostgreSQL)."""
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from tests.factories import enter, make_tournament
from tournaments.models import PromoCode, PromoRedemption
from tournaments.services import DomainError, PermissionDenied, payments, promos

pytestmark = pytest.mark.django_db


def _code(actor, **kw):
    kw.setdefault("kind", "percent")
    kw.setdefault("value", Decimal("10"))
    return promos.save_code(actor=actor, promo=PromoCode(**kw))


def test_percent_and_fixed_discounts(organizer, paid_tournament):
    pct = _code(organizer, code="TEN", tournament=paid_tournament)
    fixed = _code(organizer, code="MINUS120", kind="fixed", value=Decimal("120"))
    a, b = enter(paid_tournament, 2)
    assert promos.redeem(a.pk, "ten").discount == Decimal("50.00")
    assert promos.redeem(b.pk, "minus120").discount == Decimal("120.00")
    assert promos.fee_after_discount(b, "bkash")[0] == Decimal("380.00")
    with pytest.raises(DomainError, match="already used a promo code"):
        promos.redeem(a.pk, "MINUS120")
    pct.refresh_from_db(), fixed.refresh_from_db()
    assert (pct.uses, fixed.uses) == (1, 1)
    payment = payments.submit(b.pk, actor=b, method="bkash", amount="380", reference="T-1")
    assert (payment.discount, payment.promo_code) == (Decimal("120.00"), "MINUS120")


def test_window_limit_scope_and_free_events(organizer, other_organizer, paid_tournament, tournament, game):
    now = timezone.now()
    _code(organizer, code="SOON", valid_from=now + timedelta(days=1))
    _code(organizer, code="GONE", valid_until=now - timedelta(minutes=1), valid_from=now - timedelta(days=1))
    _code(organizer, code="ONCE", max_uses=1)
    _code(organizer, code="OFF").__class__.objects.filter(code="OFF").update(active=False)
    _code(other_organizer, code="BOBS")
    a, b = enter(paid_tournament, 2)
    for code, message in (("SOON", "can be used from"), ("GONE", "has expired"), ("OFF", "not valid"),
                          ("BOBS", "not valid"), ("NOPE", "not valid")):
        with pytest.raises(DomainError, match=message):
            promos.redeem(a.pk, code)
    promos.redeem(a.pk, "ONCE")
    with pytest.raises(DomainError, match="used up"):
        promos.redeem(b.pk, "ONCE")
    free = enter(tournament, 1)[0]
    with pytest.raises(DomainError, match="no entry fee"):
        promos.redeem(free.pk, "ONCE")
    assert PromoRedemption.objects.count() == 1


def test_codes_belong_to_their_organizer(organizer, other_organizer, paid_tournament):
    with pytest.raises(DomainError, match="percentage cannot exceed 100"):
        _code(organizer, code="TOO", value=Decimal("150"))
    with pytest.raises(DomainError, match="3–40 letters"):
        _code(organizer, code="a b")
    with pytest.raises(PermissionDenied):
        _code(other_organizer, code="STEAL", tournament=paid_tournament)
    mine = _code(organizer, code="MINE")
    with pytest.raises(DomainError, match="already exists|unique|Code"):
        _code(organizer, code="mine")
    mine.value = Decimal("20")
    with pytest.raises(PermissionDenied):
        promos.save_code(actor=other_organizer, promo=mine, fields=["value"])


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_usage_limit_holds_under_concurrent_use(organizer, game):
    """An organizer-wide code limited to 5 uses, 20 entrants of two tournaments redeeming at once
    (different tournaments, so only the promo row lock serialises them): exactly 5 succeed."""
    t1 = make_tournament(organizer, game, slug="race-1", capacity=50, entry_fee=Decimal("100"), payment_methods=["bkash"])
    t2 = make_tournament(organizer, game, slug="race-2", capacity=50, entry_fee=Decimal("100"), payment_methods=["bkash"])
    regs = enter(t1, 10) + enter(t2, 10)
    _code(organizer, code="RUSH", max_uses=5)
    barrier = threading.Barrier(len(regs))
    ok, refused, lock = [], [], threading.Lock()

    def runner(reg):
        try:
            barrier.wait()
            promos.redeem(reg.pk, "rush")
            with lock:
                ok.append(reg.pk)
        except DomainError as exc:
            with lock:
                refused.append(exc.message)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=runner, args=(r,)) for r in regs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(ok) == 5 and len(refused) == 15
    assert all("used up" in m for m in refused)
    assert PromoCode.objects.get(code="RUSH").uses == 5
    assert PromoRedemption.objects.filter(promo__code="RUSH").count() == 5
