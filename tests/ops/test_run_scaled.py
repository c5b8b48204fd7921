"""`make run-scaled` (manage.py run_scaled): migrate + collectstatic, two uvicorn web processes behind
the loopback balancer, two RQ workers, clock and outbox drainer; health checks, WhiteNoise static
files and metrics summed over both web processes answer on the one address; a job queued by the
app runs on a worker; SIGTERM stops everything. Services tier; our own redis-server."""
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.support.liveserver import ROOT, free_port, shared_database_url

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
DEADLINE = 120


def _get(url, headers=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
    except OSError:
        return None, ""


def _wait(predicate, what, deadline=DEADLINE):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_run_scaled_serves_two_web_processes_and_two_workers_behind_one_address(redis_server, tmp_path):
    import redis
    from rq import Worker

    port = free_port()
    env = {**os.environ, "DATABASE_URL": shared_database_url(), "REDIS_URL": redis_server.url, "METRICS_TOKEN": "scrape-me",
           "SECURE_COOKIES": "0", "LOG_LEVEL": "WARNING"}
    env.pop("PYTEST_CURRENT_TEST", None)
    log = open(tmp_path / "run_scaled.log", "wb")
    process = subprocess.Popen([sys.executable, "manage.py", "run_scaled", "--port", str(port), "--run-for", "300"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _get(f"{base}/readiness")[0] == 200, "readiness through the balancer")
        status, page = _get(f"{base}/admin/login/")
        assert status == 200
        css = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page)
        assert css, "collectstatic's hashed names (WhiteNoise manifest) should be in the page"
        assert _get(base + css.group(1))[0] == 200

        connection = redis.Redis.from_url(redis_server.url)
        _wait(lambda: len(Worker.all(connection=connection)) == 2, "two RQ workers")

        from tournaments import jobs
        from tournaments.models import JobRun

        jobs.enqueue(jobs.drain_outbox, job_id="ops-smoke-drain")  # autocommit: outbox → RQ at once
        _wait(lambda: JobRun.objects.filter(job_id="ops-smoke-drain", status=JobRun.Status.FINISHED).exists(),
              "the job to run on one of the workers", 60)

        # Both web processes answer: enough requests through the round-robin land on each, and the
        # multiprocess metrics sum their samples.
        for _ in range(6):
            assert _get(f"{base}/healthz")[0] == 200
        assert _get(f"{base}/metrics")[0] == 401
        status, metrics = _get(f"{base}/metrics", {"Authorization": "Bearer scrape-me"})
        assert status == 200
        count = re.search(r'commandcenter_http_request_duration_seconds_count\{method="GET",route="/healthz",status="200"\} ([0-9.]+)', metrics)
        assert count and float(count.group(1)) >= 6, metrics[:2000]
        assert 'commandcenter_rq_queue_depth{queue="payouts"}' in metrics and "commandcenter_redis_up 1.0" in metrics
        print(f"\n[run-scaled] readiness 200 through 127.0.0.1:{port}; 2 RQ workers ran a queued job; hashed static served; "
              f"/metrics 401 without token, 200 with it; healthz count {count.group(1)} summed over both web processes")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        log.close()
    output = (tmp_path / "run_scaled.log").read_text(errors="replace")
    assert "stopped" in output, output[-3000:]
    assert _get(f"{base}/healthz")[0] is None  # nothing left listening
