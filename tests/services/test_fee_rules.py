"""Fees: accepted methods, refunds by the tournament's policy, and waivers for the top N by a ranking."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import enter, make_tournament
from tournaments.models import AuditLog, Payment, Payout, Placement, Registration, Tournament
from tournaments.services import DomainError, fees, payments, registrations, tournaments as lifecycle

pytestmark = pytest.mark.django_db
S = Registration.Status


def _paid(reg, organizer, amount="500"):
    payment = payments.submit(reg.pk, actor=reg, method="bkash", amount=amount, reference=f"TX{reg.pk}")
    return payments.verify(payment.pk, actor=organizer)


def test_only_the_tournaments_payment_methods_are_accepted(organizer, game):
    cup = make_tournament(organizer, game, slug="cash-cup", entry_fee=Decimal("300"), payment_methods=["cash", "card"])
    (reg,) = enter(cup)
    with pytest.raises(DomainError, match="Cash Cup accepts|accepts Card, Cash at the venue|accepts Cash at the venue, Card"):
        payments.submit(reg.pk, actor=reg, method="bkash", amount="300", reference="TX1")
    payment = payments.submit(reg.pk, actor=reg, method="card", amount="300", reference="CARD-1")
    assert payment.get_method_display() == "Card"


def test_withdrawal_before_close_refunds_the_configured_share(organizer, game):
    cup = make_tournament(organizer, game, slug="refund-cup", entry_fee=Decimal("500"), payment_methods=["bkash"],
                          refund_before_close_percent=80)
    (reg,) = enter(cup)
    payment = _paid(reg, organizer)
    registrations.withdraw(reg.pk, actor=reg, reason="Exams")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.refunded_amount == Decimal("400.00")
    assert "80% before registration closes" in payment.reason
    payout = Payout.objects.get(payment=payment)
    assert payout.kind == Payout.Kind.REFUND and payout.amount == Decimal("400.00")
    entry = AuditLog.objects.get(action="payment.refund")
    assert entry.metadata == {"amount": "400.00", "currency": "BDT", "paid": "500.00"}


def test_withdrawal_after_close_uses_the_after_share_and_zero_keeps_the_fee(organizer, game):
    cup = make_tournament(organizer, game, slug="late-cup", entry_fee=Decimal("500"), payment_methods=["bkash"],
                          refund_after_close_percent=0)
    first, second = enter(cup, 2)
    for reg in (first, second):
        _paid(reg, organizer)
    lifecycle.close_registration(cup.pk, actor=organizer)
    registrations.withdraw(first.pk, actor=organizer, reason="No longer coming")
    payment = Payment.objects.get(registration=first)
    assert payment.status == Payment.Status.VERIFIED and payment.refunded_amount is None
    kept = AuditLog.objects.get(action="payment.no_refund")
    assert "0% after registration closes" in kept.reason
    assert not Payout.objects.exists()


@pytest.mark.parametrize("when, status, expected, rule", [
    ("before_close", "registration_open", Decimal("250.00"), "50% before"),
    ("after_close", "registration_open", Decimal("100.00"), "20% after"),
    ("before_close", "registration_closed", Decimal("100.00"), "20% after"),
    ("after_start", "registration_closed", Decimal("0.00"), "no refund after the start"),
    ("before_close", "cancelled", Decimal("500.00"), "full refund"),
])
def test_refund_due_by_rule(organizer, game, when, status, expected, rule):
    cup = make_tournament(organizer, game, slug="rules", entry_fee=Decimal("500"), payment_methods=["bkash"],
                          refund_before_close_percent=50, refund_after_close_percent=20)
    (reg,) = enter(cup)
    payment = _paid(reg, organizer)
    moments = {"before_close": cup.registration_closes_at - timedelta(hours=1),
               "after_close": cup.registration_closes_at + timedelta(minutes=1),
               "after_start": cup.starts_at + timedelta(minutes=1)}
    Tournament.objects.filter(pk=cup.pk).update(status=status)  # the rule is pure: put the event in that state
    cup = Tournament.objects.get(pk=cup.pk)
    amount, text = payments.refund_due(payment, cup, now=moments[when])
    assert amount == expected and rule in text


def test_refund_share_cannot_exceed_100(organizer, game):
    from tournaments.services import setup

    with pytest.raises(DomainError, match="Ensure this value is less than or equal to 100"):
        setup.create_tournament(actor=organizer, game=game, name="Bad", slug="bad", refund_after_close_percent=150,
                                registration_opens_at=timezone.now(), registration_closes_at=timezone.now() + timedelta(days=1),
                                starts_at=timezone.now() + timedelta(days=2))


def test_partial_refund_amount_is_validated(organizer, paid_tournament):
    (reg,) = enter(paid_tournament)
    payment = _paid(reg, organizer)
    for bad in ("0", "600"):
        with pytest.raises(DomainError, match="at most the 500.00 BDT paid"):
            payments.refund(payment.pk, actor=organizer, reason="Goodwill", amount=bad)
    payment = payments.refund(payment.pk, actor=organizer, reason="Goodwill", amount="125.5")
    assert payment.refunded_amount == Decimal("125.50")


def test_cancel_refunds_every_verified_fee_in_full(organizer, paid_tournament):
    regs = enter(paid_tournament, 3)
    for reg in regs[:2]:
        _paid(reg, organizer)
    lifecycle.cancel(paid_tournament.pk, actor=organizer, reason="Venue flooded")
    refunded = Payment.objects.filter(status=Payment.Status.REFUNDED)
    assert refunded.count() == 2 and {p.refunded_amount for p in refunded} == {Decimal("500.00")}
    assert Payout.objects.filter(kind=Payout.Kind.REFUND).count() == 2
    assert Payment.objects.filter(status=Payment.Status.VERIFIED).count() == 0


# ---- waivers for the top N -----------------------------------------------------------------------------------

def _seeded(tournament, organizer, n):
    from tournaments.services import records

    regs = enter(tournament, n)
    for seed, reg in zip([3, 1, 4, 2, 5, 6][:n], regs):
        reg.seed = seed
        records.edit_details(reg, actor=organizer, fields=["seed"])
    return regs


def test_waive_top_n_by_seed(organizer, paid_tournament):
    regs = _seeded(paid_tournament, organizer, 5)
    waived = fees.waive_fees_top_n(paid_tournament.pk, actor=organizer, n=2, source="seed")
    assert [r.pk for r in waived] == [regs[1].pk, regs[3].pk]  # seeds 1 and 2
    waived_rows = Registration.objects.filter(fee_waived=True).order_by("seed")
    assert [r.fee_waiver_reason for r in waived_rows] == ["Top 2 by Registration seed order (#1)",
                                                          "Top 2 by Registration seed order (#2)"]
    assert all(r.status == S.CONFIRMED for r in waived_rows)  # they were only waiting for the fee
    again = fees.waive_fees_top_n(paid_tournament.pk, actor=organizer, n=3, source="seed", reason="Sponsor slots")
    assert [r.pk for r in again] == [regs[0].pk]  # seeds 1-2 already waived count towards the three
    entry = AuditLog.objects.filter(action="tournament.waive_top_n").order_by("pk").last()
    assert entry.metadata["already"] == sorted([regs[1].pk, regs[3].pk]) and entry.reason == "Sponsor slots"


def test_waive_top_n_by_placements_of_an_earlier_tournament(organizer, game, paid_tournament):
    earlier = make_tournament(organizer, game, slug="season-1")
    old = enter(earlier, 4)
    for rank, reg in zip([2, 1, 4, 3], old):
        Placement.objects.create(tournament=earlier, registration=reg, rank=rank)
    # the rank-1 player (old[1]) and rank-3 (old[3]) enter the new cup; the rank-2 one does not
    new_one = registrations.register(paid_tournament, player=old[1].player)
    new_three = registrations.register(paid_tournament, player=old[3].player)
    enter(paid_tournament, 2)
    waived = fees.waive_fees_top_n(paid_tournament.pk, actor=organizer, n=2, source="placements", earlier=earlier)
    assert [r.pk for r in waived] == [new_one.pk, new_three.pk]
    with pytest.raises(DomainError, match="Choose the earlier tournament"):
        fees.waive_fees_top_n(paid_tournament.pk, actor=organizer, n=2, source="placements")
    with pytest.raises(DomainError, match="has no final placements yet"):
        fees.waive_fees_top_n(paid_tournament.pk, actor=organizer, n=2, source="placements",
                              earlier=make_tournament(organizer, game, slug="empty"))


def test_waive_top_n_refusals_change_nothing(organizer, other_organizer, paid_tournament, tournament):
    _seeded(paid_tournament, organizer, 3)
    for kwargs, message in [
        (dict(n=0, source="seed"), "at least one"),
        (dict(n="two", source="seed"), "not a number"),
        (dict(n=2, source="season"), "Unknown ranking “season”"),
    ]:
        with pytest.raises(DomainError, match=message):
            fees.waive_fees_top_n(paid_tournament.pk, actor=organizer, **kwargs)
    with pytest.raises(DomainError, match="not allowed"):
        fees.waive_fees_top_n(paid_tournament.pk, actor=other_organizer, n=1, source="seed")
    with pytest.raises(DomainError, match="charges no entry fee"):
        fees.waive_fees_top_n(tournament.pk, actor=organizer, n=1, source="seed")
    assert not Registration.objects.filter(fee_waived=True).exists()


def test_a_new_ranking_source_plugs_in(organizer, paid_tournament, monkeypatch):
    regs = enter(paid_tournament, 3)
    monkeypatch.setitem(fees.RANKING_SOURCES, "reverse", fees.RankingSource(
        key="reverse", label="Last come first", rank=lambda t, **o: [r.pk for r in reversed(regs)]))
    waived = fees.waive_fees_top_n(paid_tournament.pk, actor=organizer, n=1, source="reverse")
    assert [r.pk for r in waived] == [regs[2].pk]
    assert Registration.objects.get(pk=regs[2].pk).fee_waiver_reason == "Top 1 by Last come first (#1)"
