"""Payout runs, the wallet ledger, staff actions, refunds and reconciliation (both tiers)."""
from decimal import Decimal

import pytest

from tests.factories import enter, make_tournament
from tests.jobs.support import drain, solo_event, team_event
from tournaments.models import AuditLog, JobRun, Notification, Payment, Payout, PayoutRun, WalletEntry
from tournaments.services import DomainError, payments, payouts, tournaments as tournament_services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_rq")]
P = Payout.Status


def run_prizes(tournament, organizer, capture, **options):
    with capture(execute=True):
        run = payouts.start_prize_payouts(tournament.pk, actor=organizer, **options)
    drain()
    run.refresh_from_db()
    return run


def test_dry_run_shows_who_gets_what_and_writes_nothing(organizer, game):
    tournament, regs = solo_event(organizer, game, prize_deltacoin=1001)
    plan = payouts.dry_run(tournament.pk, actor=organizer)
    cash = {line.registration_id: line.amount for line in plan.lines if line.currency == "BDT"}
    coins = {line.registration_id: line.amount for line in plan.lines if line.currency == "DC"}
    assert cash == {regs[0].pk: "5000.00", regs[1].pk: "3000.00", regs[2].pk: "2000.00"}
    assert coins == {regs[0].pk: "501", regs[1].pk: "300", regs[2].pk: "200"}
    assert plan.total("BDT") == Decimal("10000") and plan.unallocated == {"BDT": "0.00", "DC": "0"}
    assert not Payout.objects.exists() and not PayoutRun.objects.exists() and not WalletEntry.objects.exists()


def test_a_run_pays_deltacoin_to_wallets_and_leaves_cash_for_staff(organizer, game, django_capture_on_commit_callbacks):
    tournament, regs = solo_event(organizer, game, prize_deltacoin=1000)
    run = run_prizes(tournament, organizer, django_capture_on_commit_callbacks)
    assert run.status == PayoutRun.Status.DONE
    coins = Payout.objects.filter(currency="DC")
    assert {p.status for p in coins} == {P.PAID} and coins.count() == 3
    assert payouts.wallet_balance(regs[0].player) == 500
    assert payouts.wallet_balance(regs[3].player) == 0
    assert sorted(WalletEntry.objects.values_list("amount", flat=True)) == [200, 300, 500]
    cash = Payout.objects.filter(currency="BDT")
    assert {p.status for p in cash} == {P.PENDING} and sum(p.amount for p in cash) == Decimal("10000")
    assert Notification.objects.filter(kind="payout.sent").count() == 3
    assert AuditLog.objects.filter(action="payout.run_done").count() == 1
    paid = coins.get(registration=regs[0])
    # born paid, in the same transaction as its ledger entry (transitions ran in memory)
    assert [(h.status, h.history_change_reason) for h in paid.history.all()] == [("paid", "mark_paid: processing → paid")]
    assert paid.reference == f"ledger:payout:{paid.idempotency_key}" and paid.wallet_entries.get().amount == 500
    assert AuditLog.objects.filter(action="payout.paid", target_id=str(paid.pk)).exists()
    assert JobRun.objects.get(job_id=payouts.run_job_id(tournament.pk)).status == JobRun.Status.FINISHED
    report = payouts.reconcile(tournament.pk, actor=organizer)
    assert not report.ok
    assert report.currencies["DC"]["paid"] == Decimal("1000")
    assert any("is pending" in line for line in report.differences)


def test_staff_mark_cash_paid_and_the_books_balance(organizer, game, django_capture_on_commit_callbacks):
    tournament, regs = solo_event(organizer, game)
    run_prizes(tournament, organizer, django_capture_on_commit_callbacks)
    for i, payout in enumerate(Payout.objects.filter(tournament=tournament).order_by("rank")):
        done = payouts.mark_paid(payout.pk, actor=organizer, method="bkash", reference=f"BK{i}")
        assert done.status == P.PAID and done.paid_by == organizer
    report = payouts.reconcile(tournament.pk, actor=organizer)
    assert report.ok and report.differences == []
    assert report.currencies["BDT"]["paid"] == report.currencies["BDT"]["pool"] == Decimal("10000")


def test_mark_paid_refusals(organizer, game, django_capture_on_commit_callbacks):
    tournament, regs = solo_event(organizer, game)
    run_prizes(tournament, organizer, django_capture_on_commit_callbacks)
    first, second = Payout.objects.order_by("rank")[:2]
    with pytest.raises(DomainError, match="transfer reference"):
        payouts.mark_paid(first.pk, actor=organizer, method="bkash", reference="  ")
    with pytest.raises(DomainError, match="Choose how the money was sent"):
        payouts.mark_paid(first.pk, actor=organizer, method="deltacoin", reference="X")
    payouts.mark_paid(first.pk, actor=organizer, method="nagad", reference="NG1")
    with pytest.raises(DomainError, match="already recorded for the payout to"):
        payouts.mark_paid(second.pk, actor=organizer, method="nagad", reference="ng1")
    with pytest.raises(DomainError, match=r"already paid on .* \(Nagad, reference NG1\)"):
        payouts.mark_paid(first.pk, actor=organizer, method="nagad", reference="NG2")


def test_failed_payout_is_retried_then_paid(organizer, game, django_capture_on_commit_callbacks):
    tournament, regs = solo_event(organizer, game)
    run_prizes(tournament, organizer, django_capture_on_commit_callbacks)
    payout = Payout.objects.order_by("rank").first()
    payouts.start_processing(payout.pk, actor=organizer)
    failed = payouts.mark_failed(payout.pk, actor=organizer, reason="Wrong bKash number")
    assert failed.status == P.FAILED and failed.failure_reason == "Wrong bKash number"
    assert payouts.retry(payout.pk, actor=organizer).status == P.PENDING
    assert payouts.mark_paid(payout.pk, actor=organizer, method="rocket", reference="RK1").status == P.PAID
    statuses = [h.status for h in payout.history.order_by("history_id")]
    assert statuses == ["pending", "processing", "failed", "pending", "paid"]
    assert list(AuditLog.objects.filter(target_type="payout", target_id=str(payout.pk)).order_by("id")
                .values_list("action", flat=True)) == ["payout.create", "payout.processing", "payout.failed", "payout.retry", "payout.paid"]


def test_other_organizers_cannot_touch_payouts(organizer, other_organizer, game, django_capture_on_commit_callbacks):
    tournament, regs = solo_event(organizer, game)
    with pytest.raises(DomainError, match="not allowed"):
        payouts.dry_run(tournament.pk, actor=other_organizer)
    with pytest.raises(DomainError, match="not allowed"):
        payouts.start_prize_payouts(tournament.pk, actor=other_organizer)
    run_prizes(tournament, organizer, django_capture_on_commit_callbacks)
    with pytest.raises(DomainError, match="not allowed"):
        payouts.mark_paid(Payout.objects.first().pk, actor=other_organizer, method="bkash", reference="X")


def test_rerun_is_refused_once_done_and_adds_nothing(organizer, game, django_capture_on_commit_callbacks):
    tournament, regs = solo_event(organizer, game, prize_deltacoin=90)
    run = run_prizes(tournament, organizer, django_capture_on_commit_callbacks)
    before = (Payout.objects.count(), WalletEntry.objects.count())
    with pytest.raises(DomainError, match="already paid out"):
        payouts.start_prize_payouts(tournament.pk, actor=organizer)
    assert payouts.execute_run(run.pk) == run.totals  # the job itself run again: a no-op
    assert (Payout.objects.count(), WalletEntry.objects.count()) == before


def test_an_interrupted_run_resumes_without_paying_twice(organizer, game, settings, django_capture_on_commit_callbacks):
    """Simulate a worker that died after the first batch: the re-run pays the others only."""
    tournament, regs = solo_event(organizer, game, n=6, prize_deltacoin=600, prize_pool=Decimal("0"),
                                  prize_distribution={"1": 30, "2": 20, "3": 20, "4": 10, "5": 10, "6": 10})
    settings.PAYOUT_BATCH_SIZE = 2
    run = PayoutRun.objects.create(tournament=tournament, team_split="equal")
    real = payouts._pay_batch
    calls = {"n": 0}

    def dying(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")
        return real(*args)

    payouts._pay_batch = dying
    try:
        with pytest.raises(SystemExit):
            payouts.execute_run(run.pk)
    finally:
        payouts._pay_batch = real
    assert WalletEntry.objects.count() == 2  # the first batch committed
    run.refresh_from_db()
    assert run.status == PayoutRun.Status.RUNNING
    with django_capture_on_commit_callbacks(execute=True):
        payouts.start_prize_payouts(tournament.pk, actor=organizer)  # queued again with the same options
    drain()
    run.refresh_from_db()
    assert run.status == PayoutRun.Status.DONE
    assert WalletEntry.objects.count() == 6 and Payout.objects.filter(currency="DC", status=P.PAID).count() == 6
    assert sum(WalletEntry.objects.values_list("amount", flat=True)) == 600
    assert Payout.objects.values("idempotency_key").distinct().count() == Payout.objects.count()


def test_duplicate_enqueue_is_refused(organizer, game, settings):
    """While the run is queued (the job has not started), asking again says it is already queued."""
    tournament, regs = solo_event(organizer, game)
    payouts.start_prize_payouts(tournament.pk, actor=organizer)  # on_commit not run: the job is still "queued"
    if settings.JOBS_INLINE:
        # embedded mode books the run when it is dispatched; book it as queued to stand for that moment
        JobRun.objects.create(job_id=payouts.run_job_id(tournament.pk), func="x", queue="payouts")
    else:
        from tournaments import jobs

        jobs._queue("payouts").enqueue(jobs.execute, "tournaments.jobs.run_payouts", payouts.run_job_id(tournament.pk), [0], {},
                                       job_id=payouts.run_job_id(tournament.pk))
    with pytest.raises(DomainError, match="already queued") as exc:
        payouts.start_prize_payouts(tournament.pk, actor=organizer)
    assert exc.value.code == "already_queued"


def test_payouts_wait_for_a_completed_tournament(organizer, game):
    tournament = make_tournament(organizer, game, prize_pool=Decimal("100"))
    with pytest.raises(DomainError, match="prizes are paid once it is completed"):
        payouts.start_prize_payouts(tournament.pk, actor=organizer)


# ---- teams ------------------------------------------------------------------------------------------------

def _member_amounts(tournament, registration):
    return {p.player_id: p.amount for p in Payout.objects.filter(tournament=tournament, registration=registration, currency="BDT")}


def test_team_prize_split_equally_among_the_roster(organizer, team_game, django_capture_on_commit_callbacks):
    tournament, regs, teams = team_event(organizer, team_game, prize_pool=Decimal("1000.01"))
    run_prizes(tournament, organizer, django_capture_on_commit_callbacks)
    winners = _member_amounts(tournament, regs[0])
    captain = teams[0].captain_id
    assert len(winners) == 3  # the substitute gets no share under the equal rule
    assert sum(winners.values()) == Decimal("700.01")
    assert winners[captain] == Decimal("233.35")  # the captain carries the leftover cents
    assert sorted(v for k, v in winners.items() if k != captain) == [Decimal("233.33"), Decimal("233.33")]


def test_captain_takes_all(organizer, team_game, django_capture_on_commit_callbacks):
    tournament, regs, teams = team_event(organizer, team_game)
    run_prizes(tournament, organizer, django_capture_on_commit_callbacks, team_split="captain")
    assert _member_amounts(tournament, regs[0]) == {teams[0].captain_id: Decimal("700.00")}


def test_custom_shares(organizer, team_game, django_capture_on_commit_callbacks):
    tournament, regs, teams = team_event(organizer, team_game)
    members = list(teams[0].memberships.order_by("id").values_list("player_id", flat=True))
    others = list(teams[1].memberships.order_by("id").values_list("player_id", flat=True))
    shares = {str(regs[0].pk): {str(members[0]): 2, str(members[1]): 1, str(members[3]): 1},
              str(regs[1].pk): {str(others[1]): 1}}
    run_prizes(tournament, organizer, django_capture_on_commit_callbacks, team_split="custom", custom_shares=shares)
    assert _member_amounts(tournament, regs[0]) == {members[0]: Decimal("350.00"), members[1]: Decimal("175.00"), members[3]: Decimal("175.00")}
    assert _member_amounts(tournament, regs[1]) == {others[1]: Decimal("300.00")}


def test_custom_shares_must_cover_every_winning_team(organizer, team_game):
    tournament, regs, teams = team_event(organizer, team_game)
    with pytest.raises(DomainError, match=r"Give custom shares for team Team \d+"):
        payouts.start_prize_payouts(tournament.pk, actor=organizer, team_split="custom", custom_shares={})
    stranger = teams[1].captain_id
    with pytest.raises(DomainError, match="is not a member of"):
        payouts.dry_run(tournament.pk, actor=organizer, team_split="custom",
                        custom_shares={str(regs[0].pk): {str(stranger): 1}, str(regs[1].pk): {str(stranger): 1}})
    assert not PayoutRun.objects.exists()


# ---- refunds ------------------------------------------------------------------------------------------------

def test_cancellation_refunds_verified_fees(organizer, paid_tournament):
    regs = enter(paid_tournament, 3)
    for i, reg in enumerate(regs[:2]):
        payment = payments.submit(reg.pk, actor=reg, method="bkash", amount="500", reference=f"TX{i}")
        payments.verify(payment.pk, actor=organizer)
    payments.submit(regs[2].pk, actor=regs[2], method="bkash", amount="500", reference="TX9")  # never verified
    tournament_services.cancel(paid_tournament.pk, actor=organizer, reason="Venue lost")  # refunds at once
    assert set(Payment.objects.filter(status=Payment.Status.REFUNDED).values_list("registration_id", flat=True)) == {regs[0].pk, regs[1].pk}
    refunds = Payout.objects.filter(kind=Payout.Kind.REFUND)
    assert refunds.count() == 2 and {p.status for p in refunds} == {P.PENDING} and {p.amount for p in refunds} == {Decimal("500.00")}
    assert all("Venue lost" in p.reason for p in Payment.objects.filter(status=Payment.Status.REFUNDED))
    assert payouts.refund_entry_fees(paid_tournament.pk, actor=organizer, dry_run=True) == []  # nothing left
    assert payouts.refund_entry_fees(paid_tournament.pk, actor=organizer) == []  # idempotent


def test_refunds_only_after_cancellation(organizer, paid_tournament):
    with pytest.raises(DomainError, match="refunded when a tournament is cancelled"):
        payouts.refund_entry_fees(paid_tournament.pk, actor=organizer)


def test_wallet_entries_are_append_only(organizer, game, django_capture_on_commit_callbacks):
    tournament, regs = solo_event(organizer, game, prize_deltacoin=10)
    run_prizes(tournament, organizer, django_capture_on_commit_callbacks)
    entry = WalletEntry.objects.first()
    entry.amount = 10**6
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
