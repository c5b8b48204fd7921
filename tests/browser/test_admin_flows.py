"""Event-day flows in the Command Center by real clicks: approve and reject registrations, verify a
payment, confirm a reported result, resolve a dispute with a final score."""
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.factories import enter, make_tournament
from tournaments.models import Dispute, Match, Payment, Registration
from tournaments.roles import ORGANIZERS, ensure_role_groups
from tournaments.services import matches, payments, setup
from tournaments.services import tournaments as tournament_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def olga(db):
    user = User.objects.create_user("olga", "olga@example.com", "olga-pass-123", is_staff=True)
    user.groups.add(ensure_role_groups()[ORGANIZERS])
    return user


def _click_action(page, live_server, url, action, group=None):
    """Open an object's page and click its action button (first opening the dropdown it sits in)."""
    page.goto(live_server.url + url)
    link = page.locator(f'a[href$="/{action}/"]').first
    if group is not None and not link.is_visible():
        page.locator("a", has_text=group).first.click()
    link.click()
    expect(page.locator('[data-testid="action-page"]')).to_be_visible()


def test_approve_and_reject_registrations(page, live_server, login, shot, olga, game):
    t = make_tournament(olga, game, slug="approvals", requires_approval=True)
    first, second = enter(t, 2)
    login(page, "olga", "olga-pass-123")
    _click_action(page, live_server, f"/admin/tournaments/registration/{first.pk}/change/", "approve")
    shot(page, "action-approve")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator('a[href$="/approve/"]')).to_have_count(0)
    first.refresh_from_db()
    assert first.status == Registration.Status.CONFIRMED
    _click_action(page, live_server, f"/admin/tournaments/registration/{second.pk}/change/", "reject", group="Decide")
    page.locator("[name=reason]").fill("Roster incomplete")
    page.get_by_role("button", name="Reject").click()
    second.refresh_from_db()
    assert second.status == Registration.Status.REJECTED and second.reason == "Roster incomplete"
    page.goto(f"{live_server.url}/admin/tournaments/registration/{first.pk}/change/")
    assert page.locator('a[href$="/approve/"]').count() == 0  # no longer offered


def test_verify_a_payment(page, live_server, login, olga, game):
    t = make_tournament(olga, game, slug="paid", entry_fee=Decimal("500"), payment_methods=["bkash"])
    (reg,) = enter(t, 1)
    payment = payments.submit(reg.pk, actor=reg, method="bkash", amount="500", reference="TX-77")
    login(page, "olga", "olga-pass-123")
    _click_action(page, live_server, f"/admin/tournaments/payment/{payment.pk}/change/", "verify")
    page.get_by_role("button", name="Verify").click()
    payment.refresh_from_db(), reg.refresh_from_db()
    assert payment.status == Payment.Status.VERIFIED and reg.status == Registration.Status.CONFIRMED


def test_confirm_a_reported_result_and_resolve_a_dispute(page, live_server, login, shot, olga, game):
    t = make_tournament(olga, game, slug="results")
    a, b, c, d = enter(t, 4)
    tournament_services.start(t.pk, actor=olga)
    reported = setup.create_match(t.pk, actor=olga, key="M1", slot_a=a, slot_b=b)
    disputed = setup.create_match(t.pk, actor=olga, key="M2", slot_a=c, slot_b=d)
    matches.submit_result(reported.pk, actor=a, score_a=2, score_b=1)
    matches.submit_result(disputed.pk, actor=c, score_a=3, score_b=0)
    matches.submit_result(disputed.pk, actor=d, score_a=0, score_b=3 + 1)  # conflicting → dispute
    dispute = Dispute.objects.get(match=disputed)
    login(page, "olga", "olga-pass-123")
    _click_action(page, live_server, f"/admin/tournaments/match/{reported.pk}/change/", "confirm_result")
    page.get_by_role("button", name="Confirm result").click()
    reported.refresh_from_db()
    assert reported.status == Match.Status.COMPLETED and reported.winner_id == a.pk
    _click_action(page, live_server, f"/admin/tournaments/dispute/{dispute.pk}/change/", "resolve")
    page.locator("[name=resolution]").fill("Replay footage shows 3–0")
    page.locator("[name=score_a]").fill("3")
    page.locator("[name=score_b]").fill("0")
    shot(page, "action-resolve-dispute")
    page.get_by_role("button", name="Resolve").click()
    dispute.refresh_from_db(), disputed.refresh_from_db()
    assert dispute.status == Dispute.Status.RESOLVED
    assert disputed.status == Match.Status.COMPLETED and (disputed.score_a, disputed.score_b) == (3, 0)
    page.goto(f"{live_server.url}/admin/")
    shot(page, "dashboard-after-flows")
