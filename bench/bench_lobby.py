"""Lobby fan-out: one event to 2,000 WebSocket clients of one lobby, spread over two web processes (uvicorn, as deployed)
that share Redis — for both Redis channel layers, against a bare echo consumer (the floor) measured
in the same run. Then a soak: 100 clients, one event a second, for BENCH_SOAK_SECONDS (60 by
default; the issue's 10-minute soak is ``BENCH_SOAK_SECONDS=600 make bench``), reporting drops and
the memory growth of the web processes.

Everything runs on loopback in subprocesses (web processes × 2, client processes, a throw-away SQLite file),
so this module never configures Django in bench/run.py's process. Every wait is bounded. Redis comes
from BENCH_REDIS_URL (default redis://127.0.0.1:6379/14); without it the bench says so and stops.

Latency = client receive time − publisher send time (CLOCK_MONOTONIC is system-wide on Linux), the
publisher calling ``group_send`` on the layer exactly as ``tournaments.events`` does after commit.
"""
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from config import web  # noqa: E402  (the deployed web command)

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
CLIENTS = int(os.environ.get("BENCH_LOBBY_CLIENTS", "2000"))
EVENTS = int(os.environ.get("BENCH_LOBBY_EVENTS", "10"))
WARMUP = 2
# Events are spaced so each one's fan-out is measured on its own (a lobby sees a few events a minute);
# at 2,000 clients × 2 events/s a 2-CPU machine saturates and latency becomes queueing, not fan-out.
INTERVAL = float(os.environ.get("BENCH_LOBBY_INTERVAL", "2.0"))
SOAK_SECONDS = int(os.environ.get("BENCH_SOAK_SECONDS", "60"))
SOAK_CLIENTS = 100
SERVERS = 2
SLUG = "bench-lobby"
# (label, backend, capacity): RedisChannelLayer keeps all channels of one process in one Redis key,
# so its default capacity (100) drops group messages once a process holds >100 members of a group.
BACKENDS = [("RedisPubSubChannelLayer", "channels_redis.pubsub.RedisPubSubChannelLayer", None),
            ("RedisChannelLayer", "channels_redis.core.RedisChannelLayer", None),
            ("RedisChannelLayer cap=5000", "channels_redis.core.RedisChannelLayer", 5000)]
TARGET_P95_MS = 250
TARGET_RATIO = 1.3
START_TIMEOUT = 60
CLIENT_TIMEOUT = 180


# ---- processes ------------------------------------------------------------------------------------

def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(db_url, backend, capacity=None):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": db_url, "REDIS_URL": REDIS_URL,
                "CHANNEL_LAYER_BACKEND": backend, "RQ_INLINE": "1", "SECURE_COOKIES": "0", "LOG_LEVEL": "ERROR",
                "PYTHONUNBUFFERED": "1"})
    if capacity:
        env["BENCH_LAYER_CAPACITY"] = str(capacity)
    return env


def _prepare_database(workdir):
    db_url = f"sqlite:///{workdir}/bench-lobby.sqlite3"
    subprocess.run([sys.executable, str(Path(__file__)), "--setup-db"], cwd=ROOT, env=_env(db_url, BACKENDS[0][1]),
                   check=True, timeout=300, stdout=subprocess.DEVNULL)
    return db_url


def _setup_db():
    """(subprocess) migrate and create one viewable tournament."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.utils import timezone

    from tournaments.models import Game, Tournament

    call_command("migrate", verbosity=0, interactive=False)
    now = timezone.now()
    user, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True})
    game, _ = Game.objects.get_or_create(slug="bench", defaults=dict(name="Bench", team_size=1, id_format="konami_id",
                                                                    result_type="map_score"))
    if not Tournament.objects.filter(slug=SLUG).exists():
        Tournament(name="Bench Lobby", slug=SLUG, game=game, organizer=user, participation="solo", capacity=4096,
                   registration_opens_at=now - timedelta(days=2), registration_closes_at=now - timedelta(days=1),
                   starts_at=now + timedelta(days=1), status=Tournament.Status.LIVE).save()


class Servers:
    def __init__(self, db_url, backend, workdir, capacity=None):
        self.procs, self.ports = [], []
        for _ in range(SERVERS):
            port = _free_port()
            log = open(Path(workdir) / f"web-{port}.log", "wb")
            self.procs.append(subprocess.Popen(
                web.command("127.0.0.1", port, "bench.lobby_asgi:application"),
                cwd=ROOT, env=_env(db_url, backend, capacity), stdout=log, stderr=subprocess.STDOUT))
            log.close()
            self.ports.append(port)
        deadline = time.monotonic() + START_TIMEOUT
        for proc, port in zip(self.procs, self.ports):
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"the web process on {port} did not start (see {workdir})")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                        break
                except OSError:
                    time.sleep(0.2)

    def rss_kb(self):
        out = []
        for proc in self.procs:
            try:
                status = Path(f"/proc/{proc.pid}/status").read_text()
                out.append(int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))))
            except (OSError, StopIteration, ValueError):
                out.append(0)
        return out

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


# ---- clients (subprocess) ----------------------------------------------------------------------------

async def _client_main(url, origin, count, out):
    import websockets

    received = [dict() for _ in range(count)]
    sem = asyncio.Semaphore(64)
    sockets = []
    failures = 0

    async def connect(i):
        nonlocal failures
        async with sem:
            try:
                ws = await websockets.connect(url, origin=origin, open_timeout=60, compression=None, max_queue=None,
                                              ping_interval=None)
            except Exception:
                failures += 1
                return None
        sockets.append(ws)
        return ws

    async def listen(i, ws):
        try:
            async for raw in ws:
                now = time.monotonic()
                payload = json.loads(raw).get("payload") or {}
                seq = payload.get("seq")
                if seq is None:
                    continue  # the lobby's hello frame
                if seq < 0:
                    return
                received[i][seq] = now - payload["t"]
        except Exception:
            return

    import signal

    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    conns = await asyncio.gather(*(connect(i) for i in range(count)))
    print("READY", sum(1 for c in conns if c), flush=True)
    tasks = [asyncio.create_task(listen(i, ws)) for i, ws in enumerate(conns) if ws is not None]
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait([waiter, asyncio.gather(*tasks)], timeout=CLIENT_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
    for ws in sockets:
        try:
            await asyncio.wait_for(ws.close(), 2)
        except Exception:
            pass
    Path(out).write_text(json.dumps({"connected": len(tasks), "failures": failures,
                                     "received": [{str(k): v for k, v in r.items()} for r in received]}))


def _start_clients(urls_and_counts, workdir, tag):
    procs = []
    for n, (url, origin, count) in enumerate(urls_and_counts):
        out = Path(workdir) / f"clients-{tag}-{n}.json"
        proc = subprocess.Popen([sys.executable, str(Path(__file__)), "--client", url, origin, str(count), str(out)],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        procs.append((proc, out))
    connected = 0
    for proc, _out in procs:  # wait until every client process has all its sockets open
        line = ""
        deadline = time.monotonic() + CLIENT_TIMEOUT
        while not line.startswith("READY") and time.monotonic() < deadline and proc.poll() is None:
            line = proc.stdout.readline()
        if line.startswith("READY"):
            connected += int(line.split()[1])
    return procs, connected


def _collect(procs):
    results = []
    for proc, _out in procs:
        if proc.poll() is None:
            proc.terminate()  # the publisher is done and drained: write what you got
    for proc, out in procs:
        try:
            proc.wait(CLIENT_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        try:
            results.append(json.loads(Path(out).read_text()))
        except (OSError, ValueError):
            results.append({"connected": 0, "failures": 0, "received": []})
    return results


# ---- publishing -----------------------------------------------------------------------------------

def _layer(backend_path):
    module, name = backend_path.rsplit(".", 1)
    import importlib

    return getattr(importlib.import_module(module), name)(hosts=[REDIS_URL])


async def _publish(backend_path, group, seqs, interval):
    layer = _layer(backend_path)
    send_ms = []
    for seq in seqs:
        started = time.monotonic()
        await layer.group_send(group, {"type": "lobby.event", "event": "bench",
                                       "payload": {"seq": seq, "t": time.monotonic()}})
        send_ms.append((time.monotonic() - started) * 1000)
        await asyncio.sleep(interval)
    await asyncio.sleep(3)  # drain
    await layer.group_send(group, {"type": "lobby.event", "event": "bench", "payload": {"seq": -1, "t": time.monotonic()}})
    if hasattr(layer, "flush"):
        try:
            await layer.flush()
        except Exception:
            pass
    return send_ms


def _percentile(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def _fanout_case(servers, backend_path, kind, clients, workdir, label):
    path = "/ws/bench/echo/" if kind == "bare echo (floor)" else f"/ws/lobby/{SLUG}/"
    group = "bench_echo" if kind == "bare echo (floor)" else f"lobby_{SLUG}"
    per = [clients // SERVERS + (1 if i < clients % SERVERS else 0) for i in range(SERVERS)]
    targets = [(f"ws://127.0.0.1:{port}{path}", f"http://127.0.0.1:{port}", n) for port, n in zip(servers.ports, per)]
    procs, connected = _start_clients(targets, workdir, f"{kind[:4]}-{label.replace(' ', '_').replace('=', '')}")
    seqs = list(range(WARMUP + EVENTS))
    send_ms = asyncio.run(asyncio.wait_for(_publish(backend_path, group, seqs, INTERVAL), 600))
    results = _collect(procs)
    latencies, got = [], 0
    for result in results:
        for per_conn in result["received"]:
            for seq, latency in per_conn.items():
                if int(seq) >= WARMUP:
                    latencies.append(latency * 1000)
                    got += 1
    expected = connected * EVENTS
    return {"connected": connected, "p50": _percentile(latencies, 50), "p95": _percentile(latencies, 95),
            "p99": _percentile(latencies, 99), "lost": expected - got, "expected": expected,
            "send_ms": statistics.median(send_ms[WARMUP:]) if len(send_ms) > WARMUP else float("nan")}


def _soak(db_url, workdir):
    servers = Servers(db_url, BACKENDS[0][1], workdir)
    try:
        per = SOAK_CLIENTS // SERVERS
        targets = [(f"ws://127.0.0.1:{port}/ws/lobby/{SLUG}/", f"http://127.0.0.1:{port}", per) for port in servers.ports]
        procs, connected = _start_clients(targets, workdir, "soak")
        rss_start = servers.rss_kb()
        events = max(1, SOAK_SECONDS)
        asyncio.run(asyncio.wait_for(_publish(BACKENDS[0][1], f"lobby_{SLUG}", list(range(events)), 1.0), SOAK_SECONDS + 120))
        rss_end = servers.rss_kb()
        results = _collect(procs)
    finally:
        servers.stop()
    got = sum(len(r) for result in results for r in result["received"])
    return {"connected": connected, "events": events, "lost": connected * events - got,
            "rss_start": rss_start, "rss_end": rss_end}


# ---- main -----------------------------------------------------------------------------------------

def _redis_problem():
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    try:
        import websockets  # noqa: F401
    except ImportError:
        return "the `websockets` package is missing (pip install -r requirements-dev.txt)"
    return None


def main():
    problem = _redis_problem()
    if problem:
        print(f"bench_lobby skipped: needs Redis at {REDIS_URL} and the websockets client ({problem})")
        return
    workdir = tempfile.mkdtemp(prefix="bench-lobby-")
    db_url = _prepare_database(workdir)
    print(f"{CLIENTS} clients on one lobby over {SERVERS} web processes; {EVENTS} events {INTERVAL:g} s apart "
          f"(+{WARMUP} warm-up); Redis {REDIS_URL}; logs in {workdir}", flush=True)
    rows = []
    for label, backend_path, capacity in BACKENDS:
        servers = Servers(db_url, backend_path, workdir, capacity)
        try:
            floor = _fanout_case(servers, backend_path, "bare echo (floor)", CLIENTS, workdir, label)
            lobby = _fanout_case(servers, backend_path, "lobby consumer", CLIENTS, workdir, label)
        finally:
            servers.stop()
        for kind, r in (("bare echo (floor)", floor), ("lobby consumer", lobby)):
            ratio = r["p95"] / floor["p95"] if floor["p95"] else float("nan")
            ok = r["p95"] <= TARGET_P95_MS and r["lost"] == 0 and (kind != "lobby consumer" or ratio <= TARGET_RATIO)
            rows.append((label, kind, r, ratio, ok))
    header = f"| {'layer':<26} | {'consumer':<18} | {'clients':>7} | {'send ms':>7} | {'p50 ms':>7} | {'p95 ms':>7} | {'p99 ms':>7} | {'lost':>6} | {'p95/floor':>9} | ok? |"
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for label, kind, r, ratio, ok in rows:
        print(f"| {label:<26} | {kind:<18} | {r['connected']:>7} | {r['send_ms']:>7.1f} | {r['p50']:>7.1f} | {r['p95']:>7.1f} | "
              f"{r['p99']:>7.1f} | {r['lost']:>6} | {ratio:>8.2f}x | {'yes' if ok else 'NO'} |")
    print(f"targets: p95 ≤ {TARGET_P95_MS} ms, 0 lost, lobby p95 ≤ {TARGET_RATIO}× the bare floor on the same layer", flush=True)

    soak = _soak(db_url, workdir)
    growth = [(end - start) / 1024 for start, end in zip(soak["rss_start"], soak["rss_end"])]
    print(f"soak ({BACKENDS[0][0]}, lobby consumer): {soak['connected']} clients, {soak['events']} events over "
          f"{SOAK_SECONDS} s, lost {soak['lost']}; web process RSS "
          + ", ".join(f"{s / 1024:.1f}→{e / 1024:.1f} MB ({g:+.1f})" for s, e, g in zip(soak["rss_start"], soak["rss_end"], growth)))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--setup-db":
        _setup_db()
    elif len(sys.argv) > 1 and sys.argv[1] == "--client":
        _url, _origin, _count, _out = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
        asyncio.run(_client_main(_url, _origin, _count, _out))
    else:
        sys.path.insert(0, str(ROOT))
        main()
