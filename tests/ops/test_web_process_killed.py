"""A web process killed: lobby clients reconnect through the balancer to the other process and still
receive events. Services tier: two real web processes (uvicorn, as deployed) sharing our own redis-server (channel
layer), ``config/balancer.py`` in front; the client reconnects like ``lobby.js`` does (backoff)."""
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.factories import enter, make_tournament
from tests.support.liveserver import ROOT, web_servers, free_port, shared_database_url
from tournaments import events

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
DEADLINE = 30


def _start_balancer(port, backends, log_path):
    process = subprocess.Popen([sys.executable, "-m", "config.balancer", f"127.0.0.1:{port}",
                                *[f"127.0.0.1:{b.port}" for b in backends]],
                               cwd=ROOT, stdout=open(log_path, "wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("balancer did not start")


def _established_to(port: int) -> int:
    """Open TCP connections whose server side is ``port`` (Linux /proc; loopback IPv4)."""
    count = 0
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "01" and int(local.split(":")[1], 16) == port:
            count += 1
    return count


async def _hello(url, origin):
    import websockets

    ws = await websockets.connect(url, origin=origin, open_timeout=5)
    hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert hello["event"] == "hello"
    return ws


async def _reconnect(url, origin, log):
    """lobby.js's loop: 1 s, 2 s, 4 s … (jitter left out), bounded."""
    for attempt in range(6):
        try:
            return await _hello(url, origin)
        except Exception as exc:  # refused / reset while the balancer notices the dead backend
            log.append(f"attempt {attempt + 1}: {type(exc).__name__}")
            await asyncio.sleep(min(8, 0.5 * 2 ** attempt))
    raise AssertionError(f"could not reconnect: {log}")


def _publish(tournament):
    from django.db import connection

    try:
        events.publish(tournament, "announcement.new", {"id": 1, "title": "Round 2 starts"})
    finally:
        connection.close()


def test_lobby_clients_reconnect_to_the_other_process_and_still_get_events(organizer, game, redis_server, tmp_path):
    t = make_tournament(organizer, game, name="Failover Cup", slug="failover-cup")
    enter(t, 1)
    lb_port = free_port()
    url, origin = f"ws://127.0.0.1:{lb_port}/ws/lobby/{t.slug}/", f"http://127.0.0.1:{lb_port}"
    report = []
    with web_servers(2, database_url=shared_database_url(), redis_url=redis_server.url, log_dir=tmp_path) as (a, b):
        balancer = _start_balancer(lb_port, [a, b], tmp_path / "balancer.log")
        try:
            async def scenario():
                import websockets

                ws = await _hello(url, origin)
                serving, other = (a, b) if _established_to(a.port) else (b, a)
                assert _established_to(serving.port) == 1 and _established_to(other.port) == 0
                report.append(f"connected through the balancer; web process {serving.process.pid} serves it")
                os.kill(serving.process.pid, signal.SIGKILL)
                serving.process.wait(10)
                report.append(f"killed web process {serving.process.pid} with SIGKILL")
                with pytest.raises(websockets.ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 10)  # proves the client really was on A
                report.append("client saw its connection drop")
                reconnect_log = []
                ws = await _reconnect(url, origin, reconnect_log)
                report.append(f"reconnected through the same address ({len(reconnect_log)} failed attempts first)")
                await asyncio.to_thread(_publish, t)
                while True:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
                    if frame.get("event") == "announcement.new":
                        assert _established_to(other.port) >= 1
                        report.append(f"received {frame['event']} from web process {other.process.pid}")
                        await ws.close()
                        return frame

            frame = asyncio.run(asyncio.wait_for(scenario(), 90))
            with urllib.request.urlopen(f"http://127.0.0.1:{lb_port}/readiness", timeout=5) as response:
                assert response.status == 200  # the balancer keeps answering through the live process
        finally:
            balancer.terminate()
            balancer.wait(10)
    print("\n[web process killed] " + "\n[web process killed] ".join(report))
    assert frame["payload"]["title"] == "Round 2 starts"
