"""A worker killed mid-job (SIGKILL) → RQ itself retries the job and the effect happens once.

tests/jobs/test_payout_worker_kill.py proves the rerun pays each recipient once when staff ask
again; this one reuses its worker helpers and proves the *automatic* path: the dead worker's job
is abandoned in RQ's started registry, RQ's registry cleanup (which a live worker's maintenance
runs once the job's lease has expired; called here with a timestamp past the lease instead of
waiting 10+ minutes) sees ``Retry(max=3)`` and queues it again, and the next worker finishes it
without paying anyone twice. Services tier."""
import time
from decimal import Decimal

import pytest

from tests.jobs.conftest import clean_rq  # noqa: F401  (fixture, reused)
from tests.jobs.support import (PAYOUT_RECIPIENTS as N, finish_with_a_fresh_payout_worker, kill_payout_worker_halfway,
                                solo_event)
from tournaments.models import JobRun, Payout, PayoutRun, WalletEntry
from tournaments.services import payouts

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_rq_retries_a_job_whose_worker_was_killed_and_the_effect_happens_once(organizer, game, clean_rq, settings):
    import django_rq
    from rq.registry import StartedJobRegistry

    settings.JOBS_RETRY_INTERVALS = [0]  # retry at once (production waits 10/30/60 s via the scheduler)
    tournament, regs = solo_event(organizer, game, n=N, prize_pool=Decimal("0"), prize_deltacoin=1000,
                                  prize_distribution={str(i): 10 for i in range(1, N + 1)})
    run = payouts.start_prize_payouts(tournament.pk, actor=organizer)
    job_id = payouts.run_job_id(tournament.pk)

    killed_at = kill_payout_worker_halfway()

    queue = django_rq.get_queue("payouts")
    registry = StartedJobRegistry(queue=queue)
    assert job_id in registry.get_job_ids(cleanup=False)  # abandoned: still "started", nobody runs it
    registry.cleanup(timestamp=time.time() + 24 * 3600)  # what worker maintenance does once the lease ran out
    assert job_id in queue.get_job_ids(), "RQ should have queued the abandoned job again (Retry(max=3))"

    finish_with_a_fresh_payout_worker()
    run.refresh_from_db()
    assert run.status == PayoutRun.Status.DONE
    assert WalletEntry.objects.count() == N and Payout.objects.filter(status=Payout.Status.PAID).count() == N
    for reg in regs:
        assert payouts.wallet_balance(reg.player) == 100  # each paid once, never twice
    job_run = JobRun.objects.get(job_id=job_id)
    assert job_run.status == JobRun.Status.FINISHED and job_run.attempts == 2
    print(f"\n[worker killed] SIGKILL after {killed_at}/{N} payouts; RQ re-queued {job_id}; "
          f"second attempt finished: {N} wallet entries, each recipient paid once (attempts={job_run.attempts})")
