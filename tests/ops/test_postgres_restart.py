"""PostgreSQL restart: requests fail cleanly (503 from /readiness, a plain 503 page for the admin, no
traceback) and recover afterwards without restarting the web process (persistent connections are
health-checked). Our own PostgreSQL (initdb + pg_ctl on a free port) and redis-server — never the
shared ones. Services tier."""
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.ops.support import missing_postgres, own_postgres
from tests.support.liveserver import ROOT, web_servers

pytestmark = [pytest.mark.services]
DEADLINE = 30


def _get(url, opener=None):
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode()


def _login(server, opener, jar):
    """POST the admin login form with a wrong password: a real request that needs the database."""
    status, _h, page = _get(f"{server.url}/admin/login/", opener)
    assert status == 200
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "username": "admin", "password": "wrong"}).encode()
    request = urllib.request.Request(f"{server.url}/admin/login/?next=/admin/", data=body,
                                     headers={"Referer": f"{server.url}/admin/login/", "Origin": server.url})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode()


def _wait_for(predicate, what):
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def test_postgres_restart_fails_cleanly_and_recovers(redis_server, tmp_path):
    reason = missing_postgres()
    if reason:
        pytest.skip(reason)
    report = []
    with own_postgres() as pg:
        database_url = pg.create_database("faults")
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_server.url, "LOG_LEVEL": "WARNING"}
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300)
        extra = {"DB_CONN_MAX_AGE": "60", "DEBUG": "false"}
        with web_servers(1, database_url=database_url, redis_url=redis_server.url, log_dir=tmp_path, extra_env=extra) as (web,):
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            status, _h, body = _get(f"{web.url}/readiness")
            assert status == 200, body
            status, _h, page = _login(web, opener, jar)
            assert status == 200 and "correct username and password" in page
            report.append("before: /readiness 200; admin login answers (wrong password) 200")

            pg.stop("fast")
            status, _h, body = _get(f"{web.url}/readiness")
            checks = json.loads(body)["checks"]
            assert status == 503 and checks["database"] == {"ok": False, "error": "OperationalError"}, body
            status, headers, page = _login(web, opener, jar)
            assert status == 503 and headers.get("Retry-After") == "5", (status, page[:300])
            assert "Temporarily unavailable" in page and "Traceback" not in page and "psycopg" not in page
            assert _get(f"{web.url}/healthz")[0] == 200  # the process itself is alive
            report.append(f"down: /readiness 503 {json.dumps(checks['database'])}; admin 503 plain page "
                          f"(Retry-After 5, no traceback); /healthz 200")

            pg.start()
            _wait_for(lambda: _get(f"{web.url}/readiness")[0] == 200, "readiness after the restart")
            status, _h, page = _login(web, opener, jar)
            assert status == 200 and "correct username and password" in page
            report.append("after restart: /readiness 200; admin login 200 again (same web process)")
            assert web.process.poll() is None
    print("\n[postgres restart] " + "\n[postgres restart] ".join(report))
