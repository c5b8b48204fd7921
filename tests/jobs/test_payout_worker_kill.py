"""A payout job killed with SIGKILL half-way and run again pays every recipient exactly once.

Services tier: real PostgreSQL, real Redis and a real ``manage.py rqworker`` subprocess. The test
hook ``PAYOUT_TEST_DELAY`` (environment, read by settings) makes the job sleep between recipients —
only in this test's worker — so it can be killed in the middle.
"""
from decimal import Decimal

import pytest

from tests.jobs.support import (PAYOUT_RECIPIENTS as N, finish_with_a_fresh_payout_worker, kill_payout_worker_halfway,
                                paid_count, solo_event)
from tournaments.models import JobRun, Payout, PayoutRun, WalletEntry
from tournaments.services import payouts


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_killed_payout_worker_then_rerun_pays_each_recipient_once(organizer, game, clean_rq):
    tournament, regs = solo_event(organizer, game, n=N, prize_pool=Decimal("0"), prize_deltacoin=1000,
                                  prize_distribution={str(i): 10 for i in range(1, N + 1)})
    run = payouts.start_prize_payouts(tournament.pk, actor=organizer)  # autocommit: queued in Redis now

    kill_payout_worker_halfway()
    run.refresh_from_db()
    assert run.status == PayoutRun.Status.RUNNING  # the dead worker left it running

    # Asking again notices that the job's worker is gone and queues the same run once more.
    payouts.start_prize_payouts(tournament.pk, actor=organizer)
    finish_with_a_fresh_payout_worker()

    run.refresh_from_db()
    assert run.status == PayoutRun.Status.DONE
    assert WalletEntry.objects.count() == N
    assert Payout.objects.count() == N and paid_count() == N
    for reg in regs:
        assert payouts.wallet_balance(reg.player) == 100
    report = payouts.reconcile(tournament.pk, actor=organizer)
    assert report.ok, report.differences
    assert JobRun.objects.get(job_id=payouts.run_job_id(tournament.pk)).status == JobRun.Status.FINISHED
