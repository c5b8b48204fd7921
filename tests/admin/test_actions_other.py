"""Payment, tournament and announcement actions."""
import pytest
from django.contrib import messages

from tests.admin.action_support import (
    action_url, audit_codes, change_page, changelist_url, get_does_not_change, messages_of, offered, post, refused,
    state,
)
from tests.factories import enter, make_tournament
from tournaments.models import Announcement, Payment, Registration, Tournament
from tournaments.services import announcements, payments, setup, tournaments as tournament_services

pytestmark = pytest.mark.django_db
P, T = Payment.Status, Tournament.Status


def _submitted(tournament, ref):
    reg = enter(tournament, 1)[0]
    return payments.submit(reg.pk, actor=reg, method="bkash", amount="500", reference=ref)


@pytest.fixture
def payment(paid_tournament):
    return _submitted(paid_tournament, "TX-1")


# ---- payments ----------------------------------------------------------------------------------------
def test_verify_confirms_the_entrant(client, organizer, payment):
    client.force_login(organizer)
    assert offered(client, payment, "verify") and not offered(client, payment, "refund")
    get_does_not_change(client, payment, "verify")
    post(client, payment, "verify")
    assert state(payment) == P.VERIFIED and audit_codes(payment)[-1] == "payment.verify"
    assert state(payment.registration) == Registration.Status.CONFIRMED
    assert offered(client, payment, "refund") and not offered(client, payment, "verify")


def test_reject_then_refund_paths(client, organizer, paid_tournament, payment):
    other = _submitted(paid_tournament, "TX-2")
    client.force_login(organizer)
    get_does_not_change(client, payment, "reject")
    post(client, payment, "reject", {"reason": "Reference not found"})
    assert state(payment) == P.REJECTED and audit_codes(payment)[-1] == "payment.reject"
    payments.verify(other.pk, actor=organizer)
    get_does_not_change(client, other, "refund")
    post(client, other, "refund", {"reason": "Team withdrew", "amount": "500"})
    assert state(other) == P.REFUNDED and audit_codes(other)[-1] == "payment.refund"
    other.refresh_from_db()
    assert other.refunded_amount == other.amount


def test_refund_form_offers_the_full_amount_shows_the_policy_and_takes_less(client, organizer, payment):
    from decimal import Decimal

    from tournaments.models import AuditLog

    payments.verify(payment.pk, actor=organizer)
    client.force_login(organizer)
    page = client.get(action_url(payment, "refund")).content.decode()
    assert 'value="500.00"' in page and "refund policy would pay back" in page
    for bad in ("600", "0", "-5", "lots"):  # more than paid, nothing, negative, not a number
        response = post(client, payment, "refund", {"reason": "Goodwill", "amount": bad})
        assert response.status_code == 200 and state(payment) == P.VERIFIED  # the form again, nothing changed
    post(client, payment, "refund", {"reason": "Left after round 1", "amount": "200"})
    payment.refresh_from_db()
    assert payment.status == P.REFUNDED and payment.refunded_amount == Decimal("200.00")
    entry = AuditLog.objects.filter(action="payment.refund").latest("pk")
    assert entry.metadata["amount"] == "200.00" and entry.metadata["paid"] == "500.00"


def test_stale_verify_is_refused_with_the_message(client, organizer, payment):
    payments.reject(payment.pk, actor=organizer, reason="Fake")
    client.force_login(organizer)
    refused(client, payment, "verify", contains="cannot be verified")


def test_verify_row_action_only_on_submitted_payments(client, organizer, paid_tournament, payment):
    done = _submitted(paid_tournament, "TX-2")
    payments.verify(done.pk, actor=organizer)
    client.force_login(organizer)
    page = client.get(changelist_url(Payment)).content.decode()
    assert action_url(payment, "verify") in page and action_url(done, "verify") not in page


def test_payment_actions_scoped(client, other_organizer, moderator, organizer, paid_tournament, payment):
    client.force_login(other_organizer)
    assert client.post(action_url(payment, "verify")).status_code == 404
    setup.add_staff(paid_tournament.pk, actor=organizer, user=moderator, role="moderator")
    client.force_login(moderator)
    assert client.post(action_url(payment, "verify")).status_code == 403
    assert state(payment) == P.SUBMITTED


def _bulk(client, ids, action="bulk_verify"):
    return client.post(changelist_url(Payment), {"action": action, "_selected_action": ids, "post": "yes"})


def test_bulk_verify_all_or_none(client, organizer, paid_tournament, payment):
    second, third = _submitted(paid_tournament, "TX-2"), _submitted(paid_tournament, "TX-3")
    payments.reject(third.pk, actor=organizer, reason="Fake")
    client.force_login(organizer)
    page = client.post(changelist_url(Payment), {"action": "bulk_verify", "_selected_action": [payment.pk, second.pk]})
    assert "bulk-action-page" in page.content.decode() and state(payment) == P.SUBMITTED
    response = _bulk(client, [payment.pk, second.pk, third.pk])
    errors = messages_of(response, messages.ERROR)
    assert len(errors) == 1 and f"#{third.pk}" in errors[0] and "Nothing was changed" in errors[0]
    assert [state(p) for p in (payment, second)] == [P.SUBMITTED, P.SUBMITTED]
    response = _bulk(client, [payment.pk, second.pk])
    assert messages_of(response, messages.SUCCESS) == ["2 verified"]
    assert [state(p) for p in (payment, second)] == [P.VERIFIED, P.VERIFIED]


# ---- tournaments -------------------------------------------------------------------------------------
def test_lifecycle_buttons_follow_the_state(client, organizer, game):
    draft = make_tournament(organizer, game, open_registration=False, slug="draft")
    client.force_login(organizer)
    page = change_page(client, draft)
    assert action_url(draft, "publish") in page and action_url(draft, "open_registration") in page
    for name in ("close_registration", "start", "complete", "archive"):
        assert action_url(draft, name) not in page, name
    get_does_not_change(client, draft, "publish")
    post(client, draft, "publish")
    assert state(draft) == T.PUBLISHED and audit_codes(draft)[-1] == "tournament.publish"
    post(client, draft, "open_registration")
    post(client, draft, "close_registration")
    assert state(draft) == T.REGISTRATION_CLOSED
    assert offered(client, draft, "start") and offered(client, draft, "open_registration")


def test_start_refused_with_the_service_reason(client, organizer, tournament):
    client.force_login(organizer)
    assert offered(client, tournament, "start")
    refused(client, tournament, "start", contains="needs at least 2 confirmed entrants")


def test_start_complete_archive(client, organizer, tournament):
    enter(tournament, 2)
    client.force_login(organizer)
    for name, expected in (("start", T.LIVE), ("complete", T.COMPLETED), ("archive", T.ARCHIVED)):
        get_does_not_change(client, tournament, name)
        post(client, tournament, name)
        assert state(tournament) == expected, name
    assert audit_codes(tournament)[-3:] == ["tournament.start", "tournament.complete", "tournament.archive"]


def test_cancel_needs_a_reason(client, organizer, tournament):
    client.force_login(organizer)
    get_does_not_change(client, tournament, "cancel")
    assert post(client, tournament, "cancel", {"reason": ""}).status_code == 200
    assert state(tournament) == T.REGISTRATION_OPEN
    post(client, tournament, "cancel", {"reason": "Venue flooded"})
    assert state(tournament) == T.CANCELLED and "tournament.cancel" in audit_codes(tournament)


def test_tournament_actions_need_manage(client, organizer, other_organizer, moderator, tournament):
    setup.add_staff(tournament.pk, actor=organizer, user=moderator, role="moderator")
    client.force_login(moderator)
    page = change_page(client, tournament)
    assert action_url(tournament, "close_registration") not in page
    assert client.post(action_url(tournament, "close_registration")).status_code == 403
    client.force_login(other_organizer)
    assert client.post(action_url(tournament, "close_registration")).status_code == 404
    assert client.get(action_url(tournament, "cancel")).status_code == 404
    assert state(tournament) == T.REGISTRATION_OPEN


# ---- announcements -----------------------------------------------------------------------------------
def test_pin_and_unpin(client, organizer, other_organizer, tournament):
    note = announcements.post(tournament.pk, actor=organizer, title="Check-in is open")
    client.force_login(organizer)
    assert offered(client, note, "pin") and not offered(client, note, "unpin")
    before = Announcement.objects.get(pk=note.pk).pinned
    client.get(action_url(note, "pin"))
    assert Announcement.objects.get(pk=note.pk).pinned == before
    post(client, note, "pin")
    assert Announcement.objects.get(pk=note.pk).pinned and audit_codes(note)[-1] == "announcement.pin"
    assert offered(client, note, "unpin") and not offered(client, note, "pin")
    response = post(client, note, "pin")  # stale second click
    assert any("already pinned" in m for m in messages_of(response, messages.ERROR))
    post(client, note, "unpin")
    assert not Announcement.objects.get(pk=note.pk).pinned and audit_codes(note)[-1] == "announcement.unpin"
    client.force_login(other_organizer)
    assert client.post(action_url(note, "pin")).status_code == 404


def test_posting_an_announcement_in_the_admin_goes_through_the_service(client, organizer, tournament):
    from django.urls import reverse

    client.force_login(organizer)
    response = client.post(reverse("admin:tournaments_announcement_add"),
                           {"tournament": tournament.pk, "title": "Doors open at 9", "body": "Bring your ID", "pinned": "on"})
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    note = Announcement.objects.get(title="Doors open at 9")
    assert note.author == organizer and note.pinned
    assert audit_codes(note) == ["announcement.post"]
