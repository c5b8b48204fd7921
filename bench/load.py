"""Event-day load: participants in their lobby (WebSocket, pushed fragments, polling) and staff in the admin.

    make load                                   # 1,000 participants, 20 staff, 60 s (embedded: SQLite)
    make load LOAD_ARGS="… --herd"             # everyone at once instead of arrivals over --ramp 30 s
    LOAD_DATABASE_URL=postgres://…/cc_load LOAD_REDIS_URL=redis://127.0.0.1:6379/7 make load   # scaled
    .venv/bin/python bench/load.py --participants 100 --staff 5 --duration 20 --json out.json

Loopback only, bounded in count and time: it migrates a database (a throw-away SQLite file unless
LOAD_DATABASE_URL names a dedicated PostgreSQL database), seeds an event through the services
(bench/load_seed.py), starts the web processes as the Procfile runs them (config/web.py: uvicorn; one
embedded, two sharing Redis when LOAD_REDIS_URL is set), then for ``--duration`` seconds:

- every participant opens its private link (join), loads its lobby page and then does what the page's
  script (lobby.js) does: keeps a WebSocket open to ``/ws/lobby/<slug>/``, tells it what the page
  shows, takes the HTML pushed with events and fetches its own fragments when an event concerns it;
  a share of them (``--pollers``, 5 %) cannot hold a socket and poll every fragment every ``--poll`` s;
- every staff member signs in to the admin and works a shared queue: approve a pending registration,
  check in a confirmed one, confirm a reported match result — each a GET of the action's confirmation
  page followed by its POST with the CSRF token, then ``--think`` seconds (5, jittered) before the
  next — and opens the filtered registration list every fifth action.

Two phases, reported apart: *arrival* (participants come in over ``--ramp`` s while staff already
work) and *steady* (``--duration`` s with everyone connected: the seed's 1,000 concurrent
participants and 20 staff acting).

It reports p50/p95/p99 latency and the error rate per endpoint class against the seed targets
(p95 < 2 s, errors < 0.1 %) and exits non-zero when a request failed (``--strict``) or a process died.
Jobs run inline after commit (RQ_INLINE=1): the run starts no RQ workers. The per-address lobby
limits are lifted (bench/load_settings.py): one loopback address plays every participant.
"""
import argparse
import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
FRAGMENTS = ("header", "roster", "announcements", "my-match", "notifications", "bracket")
TARGET_P95_MS, TARGET_ERRORS = 2000, 0.001
HTTP_TIMEOUT = 60  # seconds a client waits for a response or a WebSocket handshake before counting an error
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
INPUT_RE = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
ATTR_RE = re.compile(r'(\w+)="([^"]*)"')


def hidden_fields(html: str) -> dict:
    """The hidden inputs of a confirmation form (CSRF token, the state the page showed…)."""
    fields = {}
    for tag in INPUT_RE.findall(html):
        attrs = dict(ATTR_RE.findall(tag))
        if attrs.get("type", "").lower() == "hidden" and attrs.get("name"):
            fields[attrs["name"]] = attrs.get("value", "")
    return fields


class Response:
    __slots__ = ("status_code", "url", "text", "cookies")

    def __init__(self, status_code, url, text, cookies):
        self.status_code, self.url, self.text, self.cookies = status_code, url, text, cookies


class HttpClient:
    """The load generator's HTTP client: aiohttp behind the small surface this script uses (``get`` /
    ``post`` → ``status_code``, ``url``, ``text``, ``cookies`` as a dict). It shares the two cores with
    the servers it measures, so it has to be cheap: httpx (used until session 4) spent ~50 s of CPU in
    a 1,000-participant run, most of it in its connection pool queueing 1,000 participants on 200
    connections. ``keep_cookies=False``: participants share one client and each sends its own session
    cookie explicitly; staff members each have their own client that keeps cookies."""

    def __init__(self, connections=100, keep_cookies=True):
        import aiohttp

        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=connections, limit_per_host=connections),
            timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT),
            cookie_jar=aiohttp.CookieJar(unsafe=True) if keep_cookies else aiohttp.DummyCookieJar())

    async def get(self, url, headers=None):
        return await self._request("GET", url, headers=headers)

    async def post(self, url, data=None, headers=None):
        return await self._request("POST", url, data=data, headers=headers)

    async def _request(self, method, url, **kwargs):
        async with self.session.request(method, url, allow_redirects=False, **kwargs) as response:
            text = await response.text(errors="replace")
            return Response(response.status, str(response.url), text,
                            {name: morsel.value for name, morsel in response.cookies.items()})

    async def aclose(self):
        await self.session.close()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.aclose()


class Clock:
    """The run's two phases. *Arrival*: participants come in over ``--ramp`` seconds (join, page,
    socket) while staff already work; it ends when every participant is in (or gave up). *Steady*:
    then ``--duration`` seconds with everyone connected and staff acting — the seed's "1,000
    concurrent participants, 20 staff". Each request counts in the phase it started in."""

    def __init__(self, participants, duration):
        self.waiting, self.duration = participants, duration
        self.started = time.monotonic()
        self.arrived_at = self.stop_at = None
        self.all_in = asyncio.Event()
        if participants <= 0:
            self._everyone_in()

    def arrived(self):
        self.waiting -= 1
        if self.waiting == 0:
            self._everyone_in()

    def _everyone_in(self):
        self.arrived_at = time.monotonic()
        self.stop_at = self.arrived_at + self.duration
        self.all_in.set()

    def phase(self, at=None):
        at = time.monotonic() if at is None else at
        return "steady" if self.arrived_at is not None and at >= self.arrived_at else "arrival"

    def over(self):
        return self.stop_at is not None and time.monotonic() >= self.stop_at

    async def until_over(self):
        await self.all_in.wait()
        await asyncio.sleep(max(0.0, self.stop_at - time.monotonic()))


PHASES = ("arrival", "steady")


class Stats:
    def __init__(self, clock):
        self.clock = clock
        self.samples = defaultdict(list)
        self.errors = defaultdict(int)
        self.examples = defaultdict(list)

    def add(self, kind, ms, ok, detail="", started=None):
        key = (self.clock.phase(started), kind)
        self.samples[key].append(ms)
        if not ok:
            self.errors[key] += 1
            if len(self.examples[key]) < 3:
                self.examples[key].append(detail)

    def table(self):
        rows = []
        for key in sorted(self.samples, key=lambda k: (PHASES.index(k[0]), k[1])):
            values = sorted(self.samples[key])

            def pct(p, values=values):
                return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]
            n, errs = len(values), self.errors[key]
            rows.append({"phase": key[0], "class": key[1], "requests": n, "errors": errs, "error_rate": errs / n if n else 0,
                         "p50_ms": round(pct(50), 1), "p95_ms": round(pct(95), 1), "p99_ms": round(pct(99), 1),
                         "examples": self.examples[key]})
        return rows


def _env(args, workdir):
    env = dict(os.environ)
    for key in ("DATABASE_URL", "REDIS_URL"):
        env.pop(key, None)
    env.update({"DJANGO_SETTINGS_MODULE": "bench.load_settings", "DEBUG": "0", "SECURE_SSL_REDIRECT": "0",
                "SECURE_COOKIES": "0", "SECURE_HSTS_SECONDS": "0", "RQ_INLINE": "1", "PYTHONPATH": str(ROOT),
                "MEDIA_ROOT": str(Path(workdir) / "media"), "LOG_LEVEL": "WARNING"})
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    else:
        env["DATABASE_URL"] = f"sqlite:///{Path(workdir) / 'load.sqlite3'}"
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    env.setdefault("DB_POOL_MAX_SIZE", "10")  # PostgreSQL only (config/settings.py); per web process
    return env


def _run(cmd, env, timeout):
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return result.stdout


def _migrate(args, env, workdir):
    """Migrate the run's database. Embedded, a fresh SQLite file costs ~20 s of CPU to migrate, more than
    a CI-size run itself: the migrated file is kept once per set of migrations (the hash of every
    migration file and requirements.txt) in the temp directory and copied for the next run, which then
    has nothing left to apply."""
    if args.database_url:
        _run([PY, "manage.py", "migrate", "--noinput"], env, timeout=600)
        return
    import hashlib
    import shutil

    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes())
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    template = Path(tempfile.gettempdir()) / f"cc-load-template-{digest.hexdigest()[:16]}.sqlite3"
    target = Path(workdir) / "load.sqlite3"
    if template.exists():
        shutil.copyfile(template, target)
    _run([PY, "manage.py", "migrate", "--noinput"], env, timeout=600)
    if not template.exists():
        partial = template.with_suffix(f".{os.getpid()}.part")
        shutil.copyfile(target, partial)
        os.replace(partial, template)  # atomic: a parallel run never copies half a file


def _server_command(server, port):
    if server == "uvicorn":  # as the Procfile runs it
        sys.path.insert(0, str(ROOT))
        from config import web

        return web.command("127.0.0.1", port)
    # For comparison only (--server daphne): the server the project used before session 4, HTTP through
    # the same application, a WebSocket handshake allowed 60 s (daphne's default 5 s refused bursts).
    return [PY, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "--websocket_connect_timeout", "60",
            "config.asgi:application"]


def _start_servers(n, env, workdir, base_port, server="uvicorn"):
    procs, ports = [], []
    for i in range(n):
        port = base_port + i
        log = open(Path(workdir) / f"web-{port}.log", "wb")
        # Each with a bounded connection pool (DB_POOL_MAX_SIZE), as the Procfile runs them.
        procs.append(subprocess.Popen(_server_command(server, port),
                                      cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        ports.append(port)
    import urllib.request

    deadline = time.monotonic() + 60
    for port in ports:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
                break
            except Exception:
                if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                    _stop(procs)
                    raise SystemExit(f"the web process on {port} did not start (logs in {workdir})")
                time.sleep(0.3)
    return procs, ports


def _cpu_seconds(pid) -> float:
    """User + system CPU time of a process (all its threads) so far, from /proc (Linux); 0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _service_cpu_seconds() -> dict:
    """CPU time so far of this machine's PostgreSQL and Redis server processes (they share the cores
    with the web processes and the load generator; every process, other databases' too; a backend that
    exited during the run is not counted, the pool keeps the web processes' connections open), by name."""
    totals = {"postgres": 0.0, "redis-server": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.find("(") + 1:text.rfind(")")]
        if name in totals:
            totals[name] += _cpu_seconds(int(stat.parent.name))
    return totals


def _stop(procs):
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


async def _timed(stats, kind, coro, ok_status=(200,)):
    started, start = time.monotonic(), time.perf_counter()
    try:
        response = await coro
    except Exception as exc:  # connection refused/reset, timeouts: errors, with what happened
        stats.add(kind, (time.perf_counter() - start) * 1000, False, f"{type(exc).__name__}: {exc}"[:200], started)
        return None
    ok = response.status_code in ok_status
    stats.add(kind, (time.perf_counter() - start) * 1000, ok, f"{response.status_code} {response.url}", started)
    return response


CONFIG_RE = re.compile(r'<script id="lobby-config" type="application/json">(.*?)</script>', re.S)


def changed_by(msg, cfg):
    """The fragments an event changes for a page: lobby.js's ``changedBy``, line for line."""
    p = msg.get("payload") or {}
    me = cfg.get("me")

    def is_me(value):
        return me is not None and value == me
    concerns_me = not isinstance(p.get("concerns"), list) or any(is_me(x) for x in p["concerns"])
    event = msg.get("event")
    if event == "roster.updated":
        return ["roster", "header"] if is_me(p.get("registration")) or cfg.get("waitlisted") else ["roster"]
    if event == "announcement.new":
        return ["announcements"]
    if event in ("match.updated", "bracket.updated"):
        return ["bracket", "my-match"] if concerns_me else ["bracket"]
    if event == "tournament.updated":
        return ["header"]
    if event == "notification.new":
        return ["notifications"]
    return []


async def participant(i, token, slug, base, client, stats, clock, poll, ramp, counts, poller):
    """See ``_participant``; tells the clock when this participant is in (or gave up) whatever happens."""
    arrived = [False]

    def arrive():
        if not arrived[0]:
            arrived[0] = True
            clock.arrived()
    try:
        await _participant(i, token, slug, base, client, stats, clock, poll, ramp, counts, poller, arrive)
    finally:
        arrive()


async def _participant(i, token, slug, base, client, stats, clock, poll, ramp, counts, poller, arrive):
    """One participant, doing what the lobby page's script (lobby.js) does: open the private link, load
    the page, then either keep a socket open — tell it what the page shows ("watch": roster page 1 and
    the announcements; the bracket is not opened), take the HTML pushed with events, fetch the page's
    own fragments an event concerns, coalesced per fragment for 150 ms — or, for a ``poller`` (a
    browser whose socket cannot connect), fetch every fragment of the page except the on-demand bracket
    every ``poll`` seconds."""
    import websockets

    await asyncio.sleep(random.random() * ramp)  # arrivals spread over the ramp (0: everyone at once)
    response = await _timed(stats, "lobby_join", client.get(f"{base}/lobby/join/{token}/"), ok_status=(302,))
    if response is None or "sessionid" not in response.cookies:
        return
    headers = {"Cookie": f"sessionid={response.cookies['sessionid']}"}
    page = await _timed(stats, "lobby_page", client.get(f"{base}/lobby/{slug}/", headers=headers))
    found = CONFIG_RE.search(page.text) if page is not None else None
    if found is None:
        return
    cfg = json.loads(found.group(1))
    lazy = set(cfg.get("lazy") or ())

    async def fetch(name):
        await _timed(stats, "lobby_fragment", client.get(base + cfg["fragments"][name], headers=headers))

    if poller:
        counts["pollers"] += 1
        arrive()
        while not clock.over():
            await asyncio.sleep(poll * (0.8 + 0.4 * random.random()))
            if clock.over():
                break
            await asyncio.gather(*(fetch(name) for name in cfg["fragments"] if name not in lazy))
        return

    ws_url = base.replace("http://", "ws://") + cfg["ws"]
    started, start = time.monotonic(), time.perf_counter()
    try:
        socket = await websockets.connect(ws_url, additional_headers={**headers, "Origin": base}, open_timeout=HTTP_TIMEOUT)
        stats.add("ws_connect", (time.perf_counter() - start) * 1000, True, started=started)
    except Exception as exc:
        stats.add("ws_connect", (time.perf_counter() - start) * 1000, False, f"{type(exc).__name__}: {exc}"[:200], started)
        return
    arrive()
    await socket.send(json.dumps({"action": "watch", "roster": cfg.get("rosterPage") or 1, "bracket": False,
                                  "announcements": "announcements" in cfg["fragments"], "lang": cfg.get("lang")}))
    pending, fetches = set(), []

    async def fetch_soon(name):
        await asyncio.sleep(0.15)  # lobby.js coalesces a burst of events into one fetch per fragment
        pending.discard(name)
        await fetch(name)

    async def read():
        try:
            async for raw in socket:
                msg = json.loads(raw)
                if not msg.get("event") or msg["event"] in ("hello", "pong"):
                    continue
                counts["messages"] += 1
                html = msg.get("html") or {}
                for name in changed_by(msg, cfg):
                    if name in html and (name != "roster" or msg.get("page") == (cfg.get("rosterPage") or 1)):
                        counts["pushed"] += 1
                    elif name in cfg["fragments"] and name not in lazy and name not in pending:
                        pending.add(name)
                        fetches.append(asyncio.ensure_future(fetch_soon(name)))
        except Exception:
            pass  # closed at the end of the run (or by the server: counted below)

    reader = asyncio.ensure_future(read())
    await clock.until_over()
    if socket.close_code is not None and socket.close_code != 1000:
        stats.add("ws_open_until_end", 0, False, f"closed by server {socket.close_code}")
    else:
        stats.add("ws_open_until_end", 0, True)
    await socket.close()
    reader.cancel()
    await asyncio.gather(*fetches, return_exceptions=True)


async def staff_member(username, password, base, stats, queue, clock, tournament, think):
    async with HttpClient() as client:
        page = await _timed(stats, "admin_login", client.get(f"{base}/admin/login/"))
        if page is None:
            return
        token = CSRF_RE.search(page.text).group(1)
        await _timed(stats, "admin_login", client.post(f"{base}/admin/login/", data={
            "username": username, "password": password, "csrfmiddlewaretoken": token, "next": "/admin/"},
            headers={"Referer": f"{base}/admin/login/"}), ok_status=(302,))
        done = 0
        while not clock.over():
            try:
                kind, path = queue.get_nowait()
            except asyncio.QueueEmpty:
                break
            form = await _timed(stats, "admin_action_page", client.get(f"{base}{path}"))
            if form is None or not CSRF_RE.search(form.text):
                continue
            data = {"reason": "load during event day", **hidden_fields(form.text)}
            result = await _timed(stats, "admin_action_post", client.post(
                f"{base}{path}", data=data,
                headers={"Referer": f"{base}{path}"}), ok_status=(302, 303))
            if result is not None and result.status_code in (302, 303):
                done += 1
            if done % 5 == 0:
                await _timed(stats, "admin_changelist", client.get(
                    f"{base}/admin/tournaments/registration/?tournament={tournament}"))
            await asyncio.sleep(think * (0.5 + random.random()))  # reading the next item, deciding
        return done


async def drive(args, work, ports):
    clock = Clock(len(work["tokens"]), args.duration)
    stats = Stats(clock)
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    queue = asyncio.Queue()
    items = ([("approve", f"/admin/tournaments/registration/{pk}/approve/") for pk in work["approve"]]
             + [("check_in", f"/admin/tournaments/registration/{pk}/check_in/") for pk in work["check_in"]]
             + [("confirm", f"/admin/tournaments/match/{pk}/confirm_result/") for pk in work["confirm"]])
    random.Random(1).shuffle(items)
    for item in items:
        queue.put_nowait(item)
    counts = {"messages": 0, "pushed": 0, "pollers": 0}
    pollers = set(random.Random(2).sample(range(len(work["tokens"])), round(args.pollers * len(work["tokens"]))))
    clients = [HttpClient(args.connections, keep_cookies=False) for _ in bases]
    try:
        tasks = [participant(i, token, work["slug"], bases[i % len(bases)], clients[i % len(bases)], stats, clock,
                             args.poll, args.ramp, counts, i in pollers) for i, token in enumerate(work["tokens"])]
        staff = [staff_member(user, work["password"], bases[i % len(bases)], stats, queue, clock, work["tournament"], args.think)
                 for i, user in enumerate(work["staff"])]
        staff_tasks = [asyncio.ensure_future(s) for s in staff]
        all_tasks = [asyncio.ensure_future(t) for t in tasks] + staff_tasks
        # Hard bound: whatever has not finished (e.g. still waiting to join on an overloaded machine)
        # by then is cancelled and counted as an error of its own class.
        _done, pending = await asyncio.wait(all_tasks, timeout=args.ramp + args.duration + args.grace)
        for task in pending:
            task.cancel()
            stats.add("unfinished_at_deadline", 0, False, "cancelled at the hard time bound")
        await asyncio.gather(*pending, return_exceptions=True)
    finally:
        for client in clients:
            await client.aclose()
    actions_done = sum((t.result() or 0) for t in staff_tasks if t.done() and not t.cancelled() and not t.exception())
    counts["arrival_s"] = round((clock.arrived_at or time.monotonic()) - clock.started, 1)
    return stats, actions_done, len(items), counts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--staff", type=int, default=20)
    parser.add_argument("--matches", type=int, default=None, help="reported results to confirm (default participants/8)")
    parser.add_argument("--duration", type=float, default=60.0,
                        help="seconds of the steady phase: everyone connected, staff acting (after the arrivals)")
    parser.add_argument("--poll", type=float, default=10.0, help="seconds between a polling participant's rounds of fragment fetches")
    parser.add_argument("--pollers", type=float, default=0.05,
                        help="share of participants whose socket cannot connect (proxies, old browsers): they poll "
                             "every fragment of their page every --poll s, as lobby.js does with its socket down")
    parser.add_argument("--think", type=float, default=5.0,
                        help="seconds a staff member takes between two actions (jittered ±50 %%): reading the next "
                             "registration or result and deciding; 0 = back to back (a stress test, not a desk)")
    parser.add_argument("--ramp", type=float, default=30.0,
                        help="seconds over which participants arrive (event-day doors opening); 0 = all at once")
    parser.add_argument("--herd", action="store_true", help="thundering herd: everyone arrives at once (--ramp 0)")
    parser.add_argument("--connections", type=int, default=200, help="HTTP connections per web process")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--server", choices=("uvicorn", "daphne"), default="uvicorn", help="the web processes' server: uvicorn as deployed (config/web.py), or daphne to compare")
    parser.add_argument("--grace", type=float, default=240.0, help="seconds after --duration before stragglers are cancelled")
    parser.add_argument("--json", help="also write the report here")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any request failed")
    args = parser.parse_args(argv)
    args.participants = min(args.participants, 5000)   # bounded, whatever is asked
    args.duration = min(args.duration, 900)
    args.ramp = 0.0 if args.herd else max(0.0, min(args.ramp, 900))  # bounded, like the rest
    args.database_url = os.environ.get("LOAD_DATABASE_URL", "")
    args.redis_url = os.environ.get("LOAD_REDIS_URL", "")
    matches = args.matches if args.matches is not None else max(1, args.participants // 8)
    if not args.database_url:
        print("WARNING: LOAD_DATABASE_URL not set: embedded mode (SQLite file, in-memory channel layer, one web "
              "process). Figures are for that shape, not for the scaled deployment.", file=sys.stderr)
    if args.database_url and not args.redis_url:
        print("WARNING: LOAD_REDIS_URL not set: one web process with the in-memory channel layer.", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="cc-load-") as workdir:
        env = _env(args, workdir)
        t0 = time.monotonic()
        _migrate(args, env, workdir)
        migrate_s = time.monotonic() - t0
        out = _run([PY, "bench/load_seed.py", str(args.participants), str(args.staff), str(matches)], env, timeout=1800)
        work = json.loads(next(line for line in out.splitlines() if line.startswith("SEED "))[5:])
        seed_s = time.monotonic() - t0
        servers = 2 if args.redis_url else 1
        procs, ports = _start_servers(servers, env, workdir, args.port, args.server)
        try:
            started = time.monotonic()
            server_cpu0, own_cpu0 = sum(_cpu_seconds(p.pid) for p in procs), time.process_time()
            services0 = _service_cpu_seconds()
            stats, done, total, counts = asyncio.run(drive(args, work, ports))
            elapsed = time.monotonic() - started
            server_cpu = sum(_cpu_seconds(p.pid) for p in procs) - server_cpu0
            own_cpu = time.process_time() - own_cpu0
            services = {name: round(cpu - services0[name], 1) for name, cpu in _service_cpu_seconds().items()}
            load_avg = os.getloadavg()
            died = [p.pid for p in procs if p.poll() is not None]
        finally:
            _stop(procs)
            logs = Path(tempfile.gettempdir()) / f"cc-load-logs-{int(time.time())}"
            logs.mkdir(exist_ok=True)
            for log in Path(workdir).glob("web-*.log"):  # kept: server-side errors (500s) are explained there
                (logs / log.name).write_bytes(log.read_bytes())
            print(f"web process logs: {logs}", file=sys.stderr)
    rows = stats.table()
    requests = sum(r["requests"] for r in rows)
    errors = sum(r["errors"] for r in rows)
    report = {"participants": args.participants, "staff": args.staff, "web_processes": servers, "ramp_s": args.ramp,
              "mode": "scaled (PostgreSQL + Redis)" if args.redis_url else ("PostgreSQL" if args.database_url else "embedded (SQLite)"),
              "duration_s": round(elapsed, 1), "seed_and_migrate_s": round(seed_s, 1),
              "migrate_s": round(migrate_s, 1), "seed_s": round(seed_s - migrate_s, 1), "requests": requests,
              "errors": errors, "error_rate": errors / requests if requests else 0, "staff_actions_done": done,
              "staff_actions_queued": total, "ws_messages_received": counts["messages"],
              "ws_pushed_fragments": counts["pushed"], "pollers": counts["pollers"], "arrival_s": counts["arrival_s"],
              "classes": rows,
              "processes_died": died, "server_cpu_s": round(server_cpu, 1), "generator_cpu_s": round(own_cpu, 1),
              "postgres_cpu_s": services["postgres"], "redis_cpu_s": services["redis-server"],
              "server_cpu_ms_per_request": round(1000 * server_cpu / requests, 1) if requests else None,
              "load_average_at_end": [round(x, 1) for x in load_avg]}
    print(f"\nLoad: {args.participants} participants, {args.staff} staff, {servers} {args.server} web process(es), "
          f"{report['mode']}, arrivals over {args.ramp:g} s{' (thundering herd)' if not args.ramp else ''}, "
          f"{elapsed:.0f} s (migrate {migrate_s:.0f} s, seed {seed_s - migrate_s:.0f} s)")
    titles = {"arrival": f"arrival: {args.participants} participants coming in over {args.ramp:g} s (everyone in after "
                         f"{counts['arrival_s']:g} s), staff already working",
              "steady": f"steady: everyone connected, staff acting, {args.duration:g} s"}
    for phase in PHASES:
        print(f"\n{titles[phase]}")
        print(f"{'class':<20}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  p95<2s")
        for r in (r for r in rows if r["phase"] == phase):
            print(f"{r['class']:<20}{r['requests']:>9}{r['errors']:>8}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['p99_ms']:>9}  "
                  f"{'ok' if r['p95_ms'] < TARGET_P95_MS else 'MISS'}")
            for example in r["examples"]:
                print(f"    e.g. {example}")
    verdict = "ok" if report["error_rate"] < TARGET_ERRORS else "MISS"
    print(f"total {requests} requests, {errors} errors ({report['error_rate']:.3%}; target < 0.1% {verdict}); "
          f"staff actions {done}/{total}; {counts['messages']} live events received over WebSocket, "
          f"{counts['pushed']} fragments came with them (not fetched); {counts['pollers']} participants polling without a socket")
    print(f"CPU: web processes {server_cpu:.1f} s ({report['server_cpu_ms_per_request']} ms per request, all classes), "
          f"load generator {own_cpu:.1f} s, PostgreSQL {services['postgres']} s, Redis {services['redis-server']} s (all of "
          f"this machine's), over {elapsed:.0f} s on {os.cpu_count()} cores; load average at the end "
          f"{load_avg[0]:.1f} / {load_avg[1]:.1f} / {load_avg[2]:.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    if died or (args.strict and errors):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
