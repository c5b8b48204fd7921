"""A payout job killed with SIGKILL half-way and run again pays every recipient exactly once.

Services tier: real PostgreSQL, real Redis and a real ``manage.py rqworker`` subprocess. The test
hook ``PAYOUT_TEST_DELAY`` (environment, read by settings) makes the job sleep between recipients —
only in this test's worker — so it can be killed in the middle.
"""
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.jobs.support import solo_event
from tournaments.models import JobRun, Payout, PayoutRun, WalletEntry
from tournaments.services import payouts

ROOT = Path(__file__).resolve().parents[2]
N = 10


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _worker(delay: float) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL,
           "PAYOUT_TEST_DELAY": str(delay), "PAYOUT_BATCH_SIZE": "1", "LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "manage.py", "rqworker", "payouts", "--burst", "--worker-class", "rq.worker.SimpleWorker"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _paid() -> int:
    return Payout.objects.filter(status=Payout.Status.PAID).count()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_killed_payout_worker_then_rerun_pays_each_recipient_once(organizer, game, clean_rq):
    tournament, regs = solo_event(organizer, game, n=N, prize_pool=Decimal("0"), prize_deltacoin=1000,
                                  prize_distribution={str(i): 10 for i in range(1, N + 1)})
    run = payouts.start_prize_payouts(tournament.pk, actor=organizer)  # autocommit: queued in Redis now

    worker = _worker(delay=0.4)
    deadline = time.monotonic() + 60
    while _paid() < 3 and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    killed_at = _paid()
    assert 3 <= killed_at < N, f"the worker should die half-way (paid {killed_at} of {N})"
    run.refresh_from_db()
    assert run.status == PayoutRun.Status.RUNNING  # the dead worker left it running

    # Asking again notices that the job's worker is gone and queues the same run once more.
    payouts.start_prize_payouts(tournament.pk, actor=organizer)
    again = _worker(delay=0)
    _out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err.decode()[-2000:]

    run.refresh_from_db()
    assert run.status == PayoutRun.Status.DONE
    assert WalletEntry.objects.count() == N
    assert Payout.objects.count() == N and _paid() == N
    for reg in regs:
        assert payouts.wallet_balance(reg.player) == 100
    report = payouts.reconcile(tournament.pk, actor=organizer)
    assert report.ok, report.differences
    assert JobRun.objects.get(job_id=payouts.run_job_id(tournament.pk)).status == JobRun.Status.FINISHED
