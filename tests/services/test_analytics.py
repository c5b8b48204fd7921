"""Analytics on a simulated event whose answers are known in advance."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import enter, make_tournament
from tournaments.models import Dispute, Match, Payout, Tournament
from tournaments.services import analytics, brackets, checkin, disputes, matches, payments, payouts, registrations
from tournaments.services import tournaments as tournament_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _inline_jobs(settings):
    """Jobs run in-process after commit in both tiers (RQ workers are tested in tests/jobs)."""
    settings.JOBS_INLINE = True


@pytest.fixture
def event(organizer, game, django_capture_on_commit_callbacks):
    """6 sign-ups for a 500 BDT event: 4 pay, 1 is waived, 1 never pays; 4 check in; the waived one is
    a no-show (disqualified); 4 play a single elimination (3 matches, one disputed for 45 minutes);
    round 1 takes 10 and 20 minutes, the final 30; prizes 600 + 400 BDT, 600 paid."""
    t = make_tournament(organizer, game, name="Known Cup", slug="known-cup", capacity=8, entry_fee=Decimal("500"),
                        payment_methods=["bkash"], prize_pool=Decimal("1000"), prize_distribution={"1": 60, "2": 40},
                        format="single_elimination")
    regs = enter(t, 6)
    for reg in regs[:4]:
        pay = payments.submit(reg.pk, actor=reg, method="bkash", amount=Decimal("500"), reference=f"TX{reg.pk}")
        payments.verify(pay.pk, actor=organizer)
    payments.waive_fee(regs[4].pk, actor=organizer, reason="Sponsor slot")
    for reg in regs[:4]:
        checkin.check_in(reg.pk, actor=organizer)
    registrations.disqualify(regs[4].pk, actor=organizer, reason="No-show")
    tournament_services.close_registration(t.pk, actor=organizer)
    stage = brackets.generate(t.pk, actor=organizer)
    tournament_services.start(t.pk, actor=organizer)
    base = t.starts_at
    for key, minutes in (("WB1.1", 10), ("WB1.2", 20)):
        m = stage.matches.get(key=key)
        matches.start(m.pk, actor=organizer)
        matches.override_score(m.pk, actor=organizer, score_a=1, score_b=0, reason="sheet")
        Match.objects.filter(pk=m.pk).update(started_at=base, completed_at=base + timedelta(minutes=minutes))
    final = stage.matches.get(key="WB2.1")
    matches.start(final.pk, actor=organizer)
    dispute = disputes.open_dispute(final.pk, actor=organizer, reason="connection")
    with django_capture_on_commit_callbacks(execute=True):
        disputes.resolve(dispute.pk, actor=organizer, resolution="Replay not needed", score_a=1, score_b=0)
    Match.objects.filter(pk=final.pk).update(started_at=base, completed_at=base + timedelta(minutes=30))
    Dispute.objects.filter(pk=dispute.pk).update(created_at=base, resolved_at=base + timedelta(minutes=45))
    t.refresh_from_db()
    assert t.status == Tournament.Status.COMPLETED
    with django_capture_on_commit_callbacks(execute=True):
        payouts.start_prize_payouts(t.pk, actor=organizer)
    first = Payout.objects.get(tournament=t, rank=1)
    payouts.mark_paid(first.pk, actor=organizer, method="bkash", reference="PAY-1")
    return t


def test_tournament_report_has_the_known_answers(event):
    report = analytics.tournament_report(event, now=event.check_in_closes_at + timedelta(minutes=1))
    assert report["funnel"] == {"registered": 6, "paid": 5, "confirmed": 5, "checked_in": 4, "played": 4}
    assert report["check_in_rate"] == 0.8 and report["no_shows"] == 1 and report["no_show_rate"] == 0.2
    assert report["played_matches"] == 3 and report["disputed_matches"] == 1 and report["dispute_rate"] == 0.3333
    assert report["mean_resolve_minutes"] == 45.0
    assert report["rounds"] == [{"bracket": "winners", "round": 1, "timed": 2, "mean_minutes": 15.0},
                                {"bracket": "winners", "round": 2, "timed": 1, "mean_minutes": 30.0}]
    assert report["fees"] == {"BDT": {"verified": Decimal("2000"), "refunded": 0, "payments": 4}}
    assert report["prizes"] == {"BDT": {"total": Decimal("1000"), "paid": Decimal("600")}}


def test_rates_wait_for_check_in_to_close(event):
    report = analytics.tournament_report(event, now=event.check_in_closes_at - timedelta(minutes=1))
    assert report["check_in_rate"] is None and report["no_show_rate"] is None and report["no_shows"] == 0


def test_organizer_report_totals_and_constant_queries(event, organizer, game):
    other = make_tournament(organizer, game, name="Empty Cup", slug="empty-cup",
                            check_in_closes_at=event.check_in_closes_at + timedelta(hours=2))
    enter(other, 2)
    scope = Tournament.objects.filter(pk__in=[event.pk, other.pk])
    now = event.check_in_closes_at + timedelta(minutes=1)
    with CaptureQueriesContext(connection) as two:
        data = analytics.report(scope, now=now)
    with CaptureQueriesContext(connection) as one:
        analytics.report(Tournament.objects.filter(pk=event.pk), now=now)
    assert len(two) == len(one)
    totals = data["totals"]
    # the free event's 2 sign-ups owe nothing and were confirmed at once; its check-in is still open, so rates use the first event only
    assert totals["funnel"] == {"registered": 8, "paid": 7, "confirmed": 7, "checked_in": 4, "played": 4}
    assert totals["check_in_rate"] == 0.8 and totals["dispute_rate"] == 0.3333
    assert totals["fees"] == {"BDT": {"verified": Decimal("2000"), "refunded": 0, "payments": 4}}
    rows = analytics.csv_rows(data)
    assert rows[-1][:7] == ["TOTAL", "", 8, 7, 7, 4, 4] and rows[-1][14] == "2000.00 BDT"
