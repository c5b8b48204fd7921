"""Entry-fee payments: submit (every refusal), verify, reject, resubmit, refund, waive — with history and audit."""
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import enter, make_tournament
from tournaments.models import AuditLog, Notification, Payment, Registration
from tournaments.services import DomainError, payments

pytestmark = pytest.mark.django_db
S = Registration.Status
P = Payment.Status


def tiny_png(name="proof.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pay(reg, *, method="bkash", amount="500", reference="TXN1001", **kwargs) -> Payment:
    return payments.submit(reg.pk, actor=reg, method=method, amount=amount, reference=reference, **kwargs)


def assert_refused(reg, match, **kwargs):
    """The submission is refused with ``match`` in the message and no payment or audit row appears."""
    payments_before, audit_before = Payment.objects.count(), AuditLog.objects.filter(action="payment.submit").count()
    with pytest.raises(DomainError, match=match):
        pay(reg, **kwargs)
    assert Payment.objects.count() == payments_before
    assert AuditLog.objects.filter(action="payment.submit").count() == audit_before
    reg.refresh_from_db()
    assert reg.status == S.PAYMENT_PENDING


# ---- submit ---------------------------------------------------------------------------------------

def test_participant_submits_a_claim(paid_tournament):
    (reg,) = enter(paid_tournament)
    payment = pay(reg, amount="500", reference="  TXN1001  ")
    assert payment.status == P.SUBMITTED
    assert payment.registration == reg and payment.method == "bkash"
    assert payment.amount == Decimal("500.00") and payment.currency == "BDT"
    assert payment.reference == "TXN1001"  # trimmed
    entry = AuditLog.objects.get(action="payment.submit")
    assert entry.actor is None and entry.actor_label == f"participant:{reg.display_name}"
    assert entry.metadata == {"method": "bkash", "amount": "500.00", "registration": reg.pk}
    reg.refresh_from_db()
    assert reg.status == S.PAYMENT_PENDING  # only verification confirms


def test_method_not_accepted_names_the_accepted_ones(paid_tournament):
    (reg,) = enter(paid_tournament)
    assert_refused(reg, r"^Paid Cup accepts bKash, Nagad\.$", method="rocket")


def test_amount_below_the_fee_is_refused(paid_tournament):
    (reg,) = enter(paid_tournament)
    assert_refused(reg, r"The entry fee is 500\.00 BDT; 499\.99 is not enough", amount="499.99")


@pytest.mark.parametrize("amount", ["abc", "", None])
def test_amount_that_is_not_a_number_is_refused(paid_tournament, amount):
    (reg,) = enter(paid_tournament)
    assert_refused(reg, "is not an amount", amount=amount)


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-500"])
def test_amount_that_is_not_a_finite_non_negative_number_is_refused(paid_tournament, amount):
    (reg,) = enter(paid_tournament)
    assert_refused(reg, f"“{amount}” is not an amount", amount=amount)


def test_deltacoin_amount_is_checked_against_the_deltacoin_fee(organizer, game):
    t = make_tournament(organizer, game, slug="dc-cup", entry_fee_deltacoin=100, payment_methods=["deltacoin"])
    (reg,) = enter(t)
    assert reg.status == S.PAYMENT_PENDING
    assert_refused(reg, r"The entry fee is 100 DC; 99\.00 is not enough", method="deltacoin", amount="99", reference="")
    payment = pay(reg, method="deltacoin", amount="100", reference="")  # no receipt reference for DeltaCoin
    assert (payment.status, payment.currency, payment.amount, payment.reference) == (P.SUBMITTED, "DC", Decimal("100.00"), "")


def test_missing_reference_is_refused(paid_tournament):
    (reg,) = enter(paid_tournament)
    assert_refused(reg, "Enter the transaction reference from your Nagad receipt", method="nagad", reference="   ")


def test_reference_used_by_another_registration_is_refused_case_insensitively(paid_tournament):
    first, second = enter(paid_tournament, 2)
    pay(first, reference="TXN-777")
    assert_refused(second, "Transaction reference txn-777 was already used by another registration", reference="txn-777")


def test_the_same_reference_in_another_tournament_is_fine(paid_tournament, organizer, game):
    other = make_tournament(organizer, game, name="Other Paid", slug="other-paid", entry_fee=Decimal("100"),
                            payment_methods=["bkash"])
    (a,) = enter(paid_tournament)
    (b,) = enter(other)
    pay(a, reference="TXN-1")
    payment = pay(b, amount="100", reference="TXN-1")
    assert payment.status == P.SUBMITTED


def test_fake_image_upload_is_refused(paid_tournament):
    (reg,) = enter(paid_tournament)
    fake = SimpleUploadedFile("proof.png", b"%PDF-1.4 definitely not a picture", content_type="image/png")
    assert_refused(reg, "The file is not a PNG, JPEG, WebP or GIF image", proof=fake)


def test_empty_upload_is_refused(paid_tournament):
    (reg,) = enter(paid_tournament)
    assert_refused(reg, "The file is empty", proof=SimpleUploadedFile("proof.png", b"", content_type="image/png"))


def test_real_png_proof_is_stored(paid_tournament, settings):
    (reg,) = enter(paid_tournament)
    payment = pay(reg, proof=tiny_png())
    payment.refresh_from_db()
    assert payment.proof.name.startswith("payments/") and payment.proof.name.endswith(".png")
    with Image.open(payment.proof.path) as stored:
        assert stored.format == "PNG" and stored.size == (2, 2)
    assert str(settings.MEDIA_ROOT) in payment.proof.path  # the test's temporary media root


def test_second_claim_while_one_is_submitted_is_refused(paid_tournament):
    (reg,) = enter(paid_tournament)
    pay(reg)
    assert_refused(reg, f"A payment for registration #{reg.pk} is already submitted", reference="TXN2")
    assert reg.payments.count() == 1


def test_participant_cannot_pay_for_someone_else(paid_tournament):
    a, b = enter(paid_tournament, 2)
    with pytest.raises(DomainError, match="only pay for your own"):
        payments.submit(b.pk, actor=a, method="bkash", amount="500", reference="TXN1")
    assert Payment.objects.count() == 0


def test_no_payment_on_a_free_tournament(tournament):
    (reg,) = enter(tournament)
    with pytest.raises(DomainError, match="no payment is expected"):
        pay(reg)  # confirmed already
    assert Payment.objects.count() == 0


def test_other_organizer_cannot_submit_on_behalf(paid_tournament, other_organizer, organizer):
    (reg,) = enter(paid_tournament)
    with pytest.raises(DomainError, match="not allowed"):
        payments.submit(reg.pk, actor=other_organizer, method="bkash", amount="500", reference="TXN1")
    assert Payment.objects.count() == 0
    payment = payments.submit(reg.pk, actor=organizer, method="bkash", amount="500", reference="TXN1")
    assert payment.history.first().history_user == organizer


# ---- verify ---------------------------------------------------------------------------------------

def test_verify_confirms_the_entrant_with_history_audit_and_notification(paid_tournament, organizer):
    (reg,) = enter(paid_tournament)
    payment = pay(reg)
    payment = payments.verify(payment.pk, actor=organizer)
    assert payment.status == P.VERIFIED and payment.verified_by == organizer and payment.verified_at is not None
    record = payment.history.first()
    assert record.history_user == organizer
    assert record.history_change_reason == "verify: submitted → verified"
    reg.refresh_from_db()
    assert reg.status == S.CONFIRMED
    reg_record = reg.history.first()
    assert reg_record.history_user == organizer
    assert reg_record.history_change_reason == "confirm_payment: payment_pending → confirmed"
    entry = AuditLog.objects.get(action="payment.verify")
    assert entry.actor == organizer and entry.tournament == paid_tournament and entry.target_id == str(payment.pk)
    assert entry.target_type == "payment" and entry.metadata == {"registration": reg.pk, "amount": "500.00"}
    assert AuditLog.objects.get(action="registration.payment_confirmed").metadata == {"status": "confirmed"}
    note = Notification.objects.get(registration=reg, kind="payment.verified")
    assert "500.00 BDT" in note.body and "Paid Cup" in note.body


def test_verify_when_full_waitlists_instead(organizer, game):
    t = make_tournament(organizer, game, slug="paid-small", capacity=2, entry_fee=Decimal("100"), payment_methods=["bkash"])
    regs = enter(t, 3)
    claims = [pay(r, amount="100", reference=f"TXN{i}") for i, r in enumerate(regs)]
    for claim in claims:
        payments.verify(claim.pk, actor=organizer)
    for r in regs:
        r.refresh_from_db()
    assert [r.status for r in regs] == [S.CONFIRMED, S.CONFIRMED, S.WAITLISTED]
    assert regs[2].waitlist_position == 1
    assert regs[2].history.first().history_change_reason == "waitlist: payment_pending → waitlisted"
    assert Payment.objects.get(pk=claims[2].pk).status == P.VERIFIED  # the money is still accepted


def test_verify_twice_is_refused_with_state(paid_tournament, organizer):
    (reg,) = enter(paid_tournament)
    payment = payments.verify(pay(reg).pk, actor=organizer)
    with pytest.raises(DomainError, match=rf"Payment #{payment.pk} is verified \(by alice at .*\); it cannot be verified"):
        payments.verify(payment.pk, actor=organizer)
    assert AuditLog.objects.filter(action="payment.verify").count() == 1


def test_other_organizer_cannot_verify_reject_refund_or_waive(paid_tournament, other_organizer, organizer):
    a, b = enter(paid_tournament, 2)
    payment = pay(a)
    for call in (
        lambda: payments.verify(payment.pk, actor=other_organizer),
        lambda: payments.reject(payment.pk, actor=other_organizer, reason="Fake"),
        lambda: payments.waive_fee(b.pk, actor=other_organizer, reason="Sponsor"),
    ):
        with pytest.raises(DomainError, match="not allowed to do this in “Paid Cup”"):
            call()
    payment.refresh_from_db()
    assert payment.status == P.SUBMITTED and payment.verified_by is None
    b.refresh_from_db()
    assert b.fee_waived is False and b.status == S.PAYMENT_PENDING
    payments.verify(payment.pk, actor=organizer)
    with pytest.raises(DomainError, match="not allowed"):
        payments.refund(payment.pk, actor=other_organizer, reason="Asked")
    payment.refresh_from_db()
    assert payment.status == P.VERIFIED
    assert not AuditLog.objects.filter(actor=other_organizer).exists()


def test_participant_cannot_verify_own_payment(paid_tournament):
    (reg,) = enter(paid_tournament)
    payment = pay(reg)
    with pytest.raises(DomainError, match="not allowed"):
        payments.verify(payment.pk, actor=reg)
    payment.refresh_from_db()
    assert payment.status == P.SUBMITTED


# ---- reject and resubmit --------------------------------------------------------------------------

def test_reject_requires_a_reason(paid_tournament, organizer):
    (reg,) = enter(paid_tournament)
    payment = pay(reg)
    for reason in ("", "   ", None):
        with pytest.raises(DomainError, match="Give a reason for rejecting the payment"):
            payments.reject(payment.pk, actor=organizer, reason=reason)
    payment.refresh_from_db()
    assert payment.status == P.SUBMITTED and payment.reason == ""
    assert not AuditLog.objects.filter(action="payment.reject").exists()
    assert not Notification.objects.filter(kind="payment.rejected").exists()


def test_reject_then_resubmit_reuses_the_same_row(paid_tournament, organizer):
    (reg,) = enter(paid_tournament)
    payment = pay(reg, reference="TXN1")
    rejected = payments.reject(payment.pk, actor=organizer, reason="  Reference not found  ")
    assert rejected.status == P.REJECTED and rejected.reason == "Reference not found"
    assert rejected.history.first().history_change_reason == "reject: submitted → rejected"
    assert rejected.history.first().history_user == organizer
    note = Notification.objects.get(registration=reg, kind="payment.rejected")
    assert "Reference not found" in note.body
    reg.refresh_from_db()
    assert reg.status == S.PAYMENT_PENDING  # still waiting for money

    again = pay(reg, method="nagad", amount="510", reference="TXN2")
    assert again.pk == payment.pk
    assert Payment.objects.filter(registration=reg).count() == 1
    assert again.status == P.SUBMITTED
    assert (again.method, again.amount, again.reference) == ("nagad", Decimal("510.00"), "TXN2")
    reasons = list(again.history.order_by("history_date", "history_id").values_list("history_change_reason", flat=True))
    assert reasons == [None, "reject: submitted → rejected", "resubmit: rejected → submitted"]
    assert AuditLog.objects.filter(action="payment.submit", target_id=str(payment.pk)).count() == 2

    payments.verify(again.pk, actor=organizer)
    reg.refresh_from_db()
    assert reg.status == S.CONFIRMED


def test_resubmit_may_reuse_its_own_reference(paid_tournament, organizer):
    (reg,) = enter(paid_tournament)
    payment = pay(reg, reference="TXN9")
    payments.reject(payment.pk, actor=organizer, reason="Screenshot unreadable")
    again = pay(reg, reference="TXN9", proof=tiny_png())
    assert again.pk == payment.pk and again.status == P.SUBMITTED and again.proof


def test_reject_a_verified_payment_is_refused(paid_tournament, organizer):
    (reg,) = enter(paid_tournament)
    payment = payments.verify(pay(reg).pk, actor=organizer)
    with pytest.raises(DomainError, match="is verified .*; it cannot be rejected"):
        payments.reject(payment.pk, actor=organizer, reason="Changed my mind")
    payment.refresh_from_db()
    assert payment.status == P.VERIFIED and payment.reason == ""


# ---- refund ---------------------------------------------------------------------------------------

def test_refund_only_from_verified(paid_tournament, organizer):
    (reg,) = enter(paid_tournament)
    payment = pay(reg)
    with pytest.raises(DomainError, match=rf"Payment #{payment.pk} is submitted .*; it cannot be refunded"):
        payments.refund(payment.pk, actor=organizer, reason="Player asked")
    payment.refresh_from_db()
    assert payment.status == P.SUBMITTED
    payments.reject(payment.pk, actor=organizer, reason="Wrong amount")
    with pytest.raises(DomainError, match="is rejected .*; it cannot be refunded"):
        payments.refund(payment.pk, actor=organizer, reason="Player asked")
    assert not AuditLog.objects.filter(action="payment.refund").exists()


def test_refund_of_verified_payment(paid_tournament, organizer):
    (reg,) = enter(paid_tournament)
    payment = payments.verify(pay(reg).pk, actor=organizer)
    with pytest.raises(DomainError, match="Give a reason for the refund"):
        payments.refund(payment.pk, actor=organizer, reason=" ")
    payment.refresh_from_db()
    assert payment.status == P.VERIFIED
    payment = payments.refund(payment.pk, actor=organizer, reason="Event moved")
    assert payment.status == P.REFUNDED and payment.reason == "Event moved"
    record = payment.history.first()
    assert (record.history_user, record.history_change_reason) == (organizer, "refund: verified → refunded")
    entry = AuditLog.objects.get(action="payment.refund")
    assert entry.reason == "Event moved" and entry.metadata == {"amount": "500.00", "currency": "BDT"}
    assert Notification.objects.filter(registration=reg, kind="payment.refunded").exists()
    with pytest.raises(DomainError, match="is refunded .*; it cannot be refunded"):
        payments.refund(payment.pk, actor=organizer, reason="Twice")


# ---- waive ----------------------------------------------------------------------------------------

def test_waive_fee_confirms_and_no_payment_is_due_after(paid_tournament, organizer):
    (reg,) = enter(paid_tournament)
    reg = payments.waive_fee(reg.pk, actor=organizer, reason="Sponsor slot")
    assert reg.status == S.CONFIRMED and reg.fee_waived and reg.fee_waiver_reason == "Sponsor slot"
    reasons = list(reg.history.order_by("-history_date", "-history_id").values_list("history_change_reason", flat=True)[:2])
    assert reasons == ["confirm_payment: payment_pending → confirmed", "fee waived"]
    entry = AuditLog.objects.get(action="registration.waive_fee")
    assert entry.actor == organizer and entry.reason == "Sponsor slot"
    with pytest.raises(DomainError, match="already waived"):
        payments.waive_fee(reg.pk, actor=organizer, reason="Again")
    assert AuditLog.objects.filter(action="registration.waive_fee").count() == 1


def test_waive_fee_requires_reason(paid_tournament, organizer):
    (reg,) = enter(paid_tournament)
    with pytest.raises(DomainError, match="Give a reason for the fee waiver"):
        payments.waive_fee(reg.pk, actor=organizer, reason="")
    reg.refresh_from_db()
    assert reg.fee_waived is False and reg.status == S.PAYMENT_PENDING


def test_submit_after_waiver_is_refused(organizer, game):
    t = make_tournament(organizer, game, slug="paid-approval", requires_approval=True, entry_fee=Decimal("500"),
                        payment_methods=["bkash"])
    (reg,) = enter(t)
    assert reg.status == S.PENDING
    payments.waive_fee(reg.pk, actor=organizer, reason="Last season's champion")
    reg.refresh_from_db()
    assert reg.status == S.PENDING and reg.fee_waived  # approval still needed
    with pytest.raises(DomainError, match="No entry fee is due"):
        pay(reg)
    assert Payment.objects.count() == 0
