"""Registration actions in the admin: shown only when allowed, GET is harmless, POST runs the service."""
from datetime import timedelta

import pytest
from django.contrib import messages
from django.utils import timezone

from tests.admin.action_support import (
    action_url, audit_codes, change_page, change_url, changelist_url, get_does_not_change, messages_of, offered, post, refused,
    state,
)
from tests.factories import enter, make_player
from tournaments.models import Registration
from tournaments.services import registrations, setup

pytestmark = pytest.mark.django_db
R = Registration.Status


@pytest.fixture
def pending(approval_tournament):
    return enter(approval_tournament, 1)[0]


@pytest.fixture
def confirmed(tournament):
    return enter(tournament, 1)[0]


def test_approve_offered_only_while_pending(client, organizer, pending, confirmed):
    client.force_login(organizer)
    assert offered(client, pending, "approve")
    assert not offered(client, confirmed, "approve")
    assert offered(client, confirmed, "disqualify") and not offered(client, confirmed, "reject")


def test_approve_get_is_a_confirmation_and_post_approves(client, organizer, pending):
    client.force_login(organizer)
    get_does_not_change(client, pending, "approve")
    response = post(client, pending, "approve")
    assert response.status_code == 302 and response.url == change_url(pending)
    assert state(pending) == R.CONFIRMED
    assert audit_codes(pending)[-1] == "registration.approve"
    assert any("confirmed" in m for m in messages_of(response, messages.SUCCESS))


def test_stale_approve_shows_the_service_message_and_changes_nothing(client, organizer, pending):
    registrations.approve(pending.pk, actor=organizer)  # someone else was faster
    client.force_login(organizer)
    errors = refused(client, pending, "approve", contains="cannot be confirmed")
    assert "alice" in errors[0]  # "… is confirmed (by alice at …)"


def test_get_of_an_action_not_allowed_now_redirects_with_a_message(client, organizer, confirmed):
    client.force_login(organizer)
    response = client.get(action_url(confirmed, "approve"))
    assert response.status_code == 302 and response.url == change_url(confirmed)
    assert messages_of(response, messages.ERROR)
    assert state(confirmed) == R.CONFIRMED


def test_reject_needs_a_reason(client, organizer, pending):
    client.force_login(organizer)
    get_does_not_change(client, pending, "reject")
    response = post(client, pending, "reject", {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors  # form shown again
    assert state(pending) == R.PENDING
    post(client, pending, "reject", {"reason": "Roster incomplete"})
    pending.refresh_from_db()
    assert pending.status == R.REJECTED and pending.reason == "Roster incomplete"
    assert audit_codes(pending)[-1] == "registration.reject"


def test_waitlist_then_promote(client, organizer, pending):
    client.force_login(organizer)
    assert offered(client, pending, "waitlist") and not offered(client, pending, "promote")
    post(client, pending, "waitlist", {"reason": ""})
    assert state(pending) == R.WAITLISTED
    assert offered(client, pending, "promote")
    get_does_not_change(client, pending, "promote")
    post(client, pending, "promote")
    assert state(pending) == R.PENDING
    assert audit_codes(pending)[-2:] == ["registration.waitlist", "registration.promote"]


def test_withdraw_and_disqualify(client, organizer, tournament):
    first, second = enter(tournament, 2)
    client.force_login(organizer)
    get_does_not_change(client, first, "withdraw")
    post(client, first, "withdraw", {"reason": "Asked by the captain"})
    assert state(first) == R.CANCELLED and audit_codes(first)[-1] == "registration.withdraw"
    assert not offered(client, first, "withdraw")
    get_does_not_change(client, second, "disqualify")
    post(client, second, "disqualify", {"reason": "Smurf account"})
    assert state(second) == R.DISQUALIFIED and audit_codes(second)[-1] == "registration.disqualify"


def test_check_in_toggle_in_window(client, organizer, confirmed):
    client.force_login(organizer)
    assert offered(client, confirmed, "check_in") and not offered(client, confirmed, "check_in_override")
    get_does_not_change(client, confirmed, "check_in")
    assert f"Check in {confirmed.display_name}?" in client.get(action_url(confirmed, "check_in")).content.decode()
    post(client, confirmed, "check_in", {"expected": "out"})
    confirmed.refresh_from_db()
    assert confirmed.is_checked_in and audit_codes(confirmed)[-1] == "checkin.in"
    post(client, confirmed, "check_in", {"expected": "in"})
    confirmed.refresh_from_db()
    assert not confirmed.is_checked_in and audit_codes(confirmed)[-1] == "checkin.out"


def test_stale_check_in_click_never_flips_it_back(client, organizer, confirmed):
    client.force_login(organizer)
    post(client, confirmed, "check_in", {"expected": "out"})
    codes = audit_codes(confirmed)
    response = post(client, confirmed, "check_in", {"expected": "out"})  # a second tab, same old page
    assert messages_of(response, messages.ERROR)
    confirmed.refresh_from_db()
    assert confirmed.is_checked_in and audit_codes(confirmed) == codes


def test_check_in_override_outside_the_window_is_for_organizers(client, organizer, checkin_staff, game):
    from tests.factories import make_tournament

    now = timezone.now()
    t = make_tournament(organizer, game, slug="late", check_in_opens_at=now - timedelta(hours=3),
                        check_in_closes_at=now - timedelta(hours=2))
    reg = enter(t, 1)[0]
    setup.add_staff(t.pk, actor=organizer, user=checkin_staff, role="checkin")
    client.force_login(checkin_staff)
    assert not offered(client, reg, "check_in") and not offered(client, reg, "check_in_override")
    assert client.post(action_url(reg, "check_in_override"), {"expected": "out"}).status_code == 403
    client.force_login(organizer)
    assert offered(client, reg, "check_in_override") and not offered(client, reg, "check_in")
    get_does_not_change(client, reg, "check_in_override")
    post(client, reg, "check_in_override", {"expected": "out"})
    reg.refresh_from_db()
    assert reg.is_checked_in and audit_codes(reg)[-1] == "checkin.in"


def test_checkin_staff_sees_only_check_in(client, organizer, checkin_staff, tournament):
    reg = enter(tournament, 1)[0]
    setup.add_staff(tournament.pk, actor=organizer, user=checkin_staff, role="checkin")
    client.force_login(checkin_staff)
    page = client.get(change_url(reg)).content.decode()
    assert action_url(reg, "check_in") in page
    assert action_url(reg, "disqualify") not in page and action_url(reg, "waive_fee") not in page
    post(client, reg, "check_in", {"expected": "out"})
    reg.refresh_from_db()
    assert reg.is_checked_in


def test_waive_fee(client, organizer, paid_tournament, tournament):
    due = enter(paid_tournament, 1)[0]
    free = enter(tournament, 1)[0]
    assert due.status == R.PAYMENT_PENDING
    client.force_login(organizer)
    assert offered(client, due, "waive_fee") and not offered(client, free, "waive_fee")
    get_does_not_change(client, due, "waive_fee")
    post(client, due, "waive_fee", {"reason": "Sponsor slot"})
    due.refresh_from_db()
    assert due.fee_waived and due.status == R.CONFIRMED
    assert audit_codes(due)[-1] == "registration.waive_fee"
    assert not offered(client, due, "waive_fee")


def test_moderator_without_manage_sees_no_decisions_and_is_refused(client, organizer, moderator, approval_tournament):
    reg = enter(approval_tournament, 1)[0]
    setup.add_staff(approval_tournament.pk, actor=organizer, user=moderator, role="moderator")
    client.force_login(moderator)
    page = change_page(client, reg)
    for name in ("approve", "reject", "waitlist", "withdraw", "waive_fee"):
        assert action_url(reg, name) not in page, name
    assert client.get(action_url(reg, "approve")).status_code == 403
    assert client.post(action_url(reg, "approve")).status_code == 403
    assert state(reg) == R.PENDING


def test_other_organizer_cannot_reach_the_action(client, other_organizer, pending):
    client.force_login(other_organizer)
    for method in (client.get, client.post):
        assert method(action_url(pending, "approve")).status_code == 404
    assert client.post(action_url(pending, "reject"), {"reason": "x"}).status_code == 404
    assert state(pending) == R.PENDING and audit_codes(pending) == ["registration.create"]


def test_csrf_is_required(organizer, pending):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(organizer)
    assert client.post(action_url(pending, "approve")).status_code == 403
    assert state(pending) == R.PENDING


def test_row_action_only_on_rows_that_can_be_approved(client, organizer, approval_tournament):
    first, second = enter(approval_tournament, 2)
    registrations.approve(second.pk, actor=organizer)
    client.force_login(organizer)
    page = client.get(changelist_url(Registration)).content.decode()
    assert action_url(first, "approve") in page
    assert action_url(second, "approve") not in page


def test_row_action_returns_to_the_filtered_list(client, organizer, pending):
    client.force_login(organizer)
    listing = changelist_url(Registration) + "?status__exact=pending"
    page = client.get(action_url(pending, "approve"), HTTP_REFERER="http://testserver" + listing)
    assert f'value="http://testserver{listing}"' in page.content.decode()
    response = client.post(action_url(pending, "approve"), {"next": "http://testserver" + listing})
    assert response.url == "http://testserver" + listing
    response = client.post(action_url(pending, "approve"), {"next": "https://evil.example/"})
    assert response.url == change_url(pending)


# ---- bulk actions ----------------------------------------------------------------------------------
def _bulk(client, action, regs, **data):
    ids = [r.pk for r in regs]
    first = client.post(changelist_url(Registration), {"action": action, "_selected_action": ids})
    return first, client.post(changelist_url(Registration), {"action": action, "_selected_action": ids, "post": "yes", **data})


def test_bulk_approve_confirms_first_then_approves_all(client, organizer, approval_tournament):
    regs = enter(approval_tournament, 3)
    client.force_login(organizer)
    ids = [r.pk for r in regs]
    page = client.post(changelist_url(Registration), {"action": "bulk_approve", "_selected_action": ids})
    assert page.status_code == 200 and "bulk-action-page" in page.content.decode()
    assert {state(r) for r in regs} == {R.PENDING}
    response = client.post(changelist_url(Registration), {"action": "bulk_approve", "_selected_action": ids, "post": "yes"})
    assert response.status_code == 302
    assert {state(r) for r in regs} == {R.CONFIRMED}
    assert messages_of(response, messages.SUCCESS) == ["3 approved"]


def test_bulk_approve_is_all_or_none(client, organizer, approval_tournament):
    regs = enter(approval_tournament, 3)
    registrations.approve(regs[0].pk, actor=organizer)
    client.force_login(organizer)
    _first, response = _bulk(client, "bulk_approve", regs)
    errors = messages_of(response, messages.ERROR)
    assert len(errors) == 1 and "Nothing was changed" in errors[0] and f"#{regs[0].pk}" in errors[0]
    assert [state(r) for r in regs] == [R.CONFIRMED, R.PENDING, R.PENDING]


def test_bulk_reject_with_reason(client, organizer, approval_tournament):
    regs = enter(approval_tournament, 2)
    client.force_login(organizer)
    _first, response = _bulk(client, "bulk_reject", regs, reason="")
    assert response.status_code == 200  # the form again: a reason is required
    assert {state(r) for r in regs} == {R.PENDING}
    _first, response = _bulk(client, "bulk_reject", regs, reason="Region locked")
    assert {state(r) for r in regs} == {R.REJECTED}
    assert messages_of(response, messages.SUCCESS) == ["2 rejected"]
    assert all(audit_codes(r)[-1] == "registration.reject" for r in regs)


def test_bulk_check_in(client, organizer, tournament):
    regs = enter(tournament, 3)
    client.force_login(organizer)
    _first, response = _bulk(client, "bulk_check_in", regs)
    assert messages_of(response, messages.SUCCESS) == ["3 checked in"]
    assert Registration.objects.filter(pk__in=[r.pk for r in regs], checked_in_at__isnull=False).count() == 3
    _first, response = _bulk(client, "bulk_check_in", regs)
    assert "Nothing was changed" in messages_of(response, messages.ERROR)[0]


def test_bulk_actions_cannot_touch_other_organizers_rows(client, other_organizer, approval_tournament):
    regs = enter(approval_tournament, 2)
    client.force_login(other_organizer)
    _first, response = _bulk(client, "bulk_approve", regs)
    assert {state(r) for r in regs} == {R.PENDING}  # not in their list: nothing selected, nothing changed
