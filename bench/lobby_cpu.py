"""Server CPU per lobby request at event scale: one request at a time, in process, on the seed of
``make load`` (bench/load_seed.py: N entrants, half confirmed, half pending, a lobby link each).

    .venv/bin/python bench/lobby_cpu.py                       # 1,000 entrants, throw-away SQLite file
    LOAD_DATABASE_URL=postgres://…/cc_load .venv/bin/python bench/lobby_cpu.py --participants 1000

Each request class is timed ``--repeat`` times through Django's test client (the whole middleware
stack, templates, sessions, database; no network, no daphne); the table gives the median process CPU
time and wall time per request, next to ``/healthz`` (the floor: middleware and URL routing only) and
the number of SQL queries. Fragments are asked for by a participant whose lobby link was opened, as
the page's script does; "cold" = after every shared-fragment cache entry is dropped (the first
request after a change), "warm" = a repeat request.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def measure(work, repeat):
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    slug, tokens = work["slug"], work["tokens"]
    rows = []

    def timed(label, make_request, prepare=None, ok=(200,)):
        cpu, wall, queries = [], [], 0
        for i in range(repeat):
            if prepare:
                prepare(i)
            c0, w0 = time.process_time(), time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                response = make_request(i)
            wall.append((time.perf_counter() - w0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            assert response.status_code in ok, (label, response.status_code)
            queries = len(ctx.captured_queries)
        rows.append({"request": label, "cpu_ms": round(statistics.median(cpu), 1),
                     "wall_ms": round(statistics.median(wall), 1), "queries": queries,
                     "bytes": len(getattr(response, "content", b""))})

    clients = [Client() for _ in range(repeat)]
    for client in clients:  # a test client builds its middleware on its first request (WhiteNoise then scans
        client.handler.load_middleware()  # STATIC_ROOT: ~40 ms): a web process does that once, not per join
    timed("healthz (floor)", lambda i: clients[0].get("/healthz"))
    timed("lobby_join", lambda i: clients[i].get(f"/lobby/join/{tokens[i]}/"), ok=(302,))
    me = clients[0]
    timed("lobby_page (warm)", lambda i: me.get(f"/lobby/{slug}/"))
    timed("lobby_page (cold)", lambda i: me.get(f"/lobby/{slug}/"), prepare=lambda i: _drop_shared(cache))
    from tournaments.lobby.views import FRAGMENTS

    for name in FRAGMENTS:
        url = f"/lobby/{slug}/fragments/{name}/"
        timed(f"fragment {name} (warm)", lambda i, url=url: me.get(url))
        timed(f"fragment {name} (cold)", lambda i, url=url: me.get(url), prepare=lambda i: _drop_shared(cache))
    timed("ws_connect", lambda i: _ws_connect(slug, me))
    return rows


def _drop_shared(cache):
    """Forget cached shared fragments (a no-op before they existed)."""
    try:
        from tournaments.lobby import fragment_cache
    except ImportError:
        return
    fragment_cache.forget_all()


def _profile(work, path):
    import cProfile
    import pstats

    from django.test import Client

    client = Client()
    client.get(f"/lobby/join/{work['tokens'][-1]}/")
    url = path.format(slug=work["slug"], token=work["tokens"][-2])  # {token}: another participant's link
    client.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        client.get(url)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:  # and what it asks the database, one query a line
        client.get(url)
    print(f"{len(ctx.captured_queries)} queries of {url}:")
    for query in ctx.captured_queries:
        print("  " + query["sql"][:400])


class _Done:
    status_code = 200
    content = b""


def _ws_connect(slug, client):
    """One lobby WebSocket handshake through the whole ASGI stack (origin check, session, auth)."""
    from asgiref.sync import async_to_sync
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    async def run():
        cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
        communicator = WebsocketCommunicator(application, f"/ws/lobby/{slug}/",
                                             headers=[(b"origin", b"http://localhost"), (b"host", b"localhost"),
                                                      (b"cookie", cookie)])
        connected, _ = await communicator.connect(timeout=30)
        assert connected
        await communicator.receive_json_from(timeout=30)
        await communicator.disconnect()
    async_to_sync(run)()
    return _Done()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json")
    parser.add_argument("--profile", help="also print where the CPU goes (cProfile) and the SQL of this request path, "
                        "e.g. /lobby/{slug}/fragments/header/ or /lobby/join/{token}/ (as the joined participant)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: the work file, in the child process
    args = parser.parse_args(argv)
    if args.measure:
        work = json.loads(Path(args.measure).read_text())
        rows = measure(work, args.repeat)
        if args.profile:
            _profile(work, args.profile)
        print("ROWS " + json.dumps(rows))
        return 0
    from bench import load

    class Opts:
        database_url = os.environ.get("LOAD_DATABASE_URL", "")
        redis_url = os.environ.get("LOAD_REDIS_URL", "")

    with tempfile.TemporaryDirectory(prefix="cc-lobby-cpu-") as workdir:
        env = load._env(Opts, workdir)
        env["ALLOWED_HOSTS"] = "localhost,127.0.0.1,testserver"
        load._migrate(Opts, env, workdir)
        out = load._run([load.PY, "bench/load_seed.py", str(args.participants), "1", "1"], env, timeout=1800)
        work = next(line for line in out.splitlines() if line.startswith("SEED "))[5:]
        work_file = Path(workdir) / "work.json"
        work_file.write_text(work)
        out = load._run([load.PY, __file__, "--measure", str(work_file), "--repeat", str(args.repeat)]
                        + (["--profile", args.profile] if args.profile else []), env, timeout=1800)
        if args.profile:
            print(out[:out.find("ROWS ")])
        rows = json.loads(next(line for line in out.splitlines() if line.startswith("ROWS "))[5:])
    load_avg = os.getloadavg()
    print(f"Lobby request CPU at {args.participants} entrants ({'PostgreSQL' if Opts.database_url else 'SQLite'}"
          f"{' + Redis cache' if Opts.redis_url else ', local-memory cache'}), median of {args.repeat}; "
          f"load average {load_avg[0]:.1f}")
    print(f"{'request':<30}{'CPU ms':>8}{'wall ms':>9}{'queries':>9}{'bytes':>9}")
    for r in rows:
        print(f"{r['request']:<30}{r['cpu_ms']:>8}{r['wall_ms']:>9}{r['queries']:>9}{r['bytes']:>9}")
    if args.json:
        Path(args.json).write_text(json.dumps({"participants": args.participants, "load_avg": load_avg, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
