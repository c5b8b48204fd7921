"""Real web processes for tests that need WebSockets across processes (the browser tier and the
multi-process services test): the equivalent of channels' ChannelsLiveServerTestCase, as a context
manager usable from pytest fixtures.

Each process is the deployed web command (``config/web.py``: uvicorn) serving
``tests.support.live_asgi:application`` on a free loopback port,
pointed at the *test* database (SQLite file or PostgreSQL) and at Redis, so the Redis channel layer
carries events between the test process and every server. Startup and shutdown are bounded in time.
"""
import os
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from config import web

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30
STOP_TIMEOUT = 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_reachable(url: str) -> str | None:
    """None when Redis answers PING, else the reason it does not."""
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
        return None
    except Exception as exc:  # any failure means "not usable here"
        return f"{type(exc).__name__}: {exc}"


def shared_database_url() -> str:
    """A URL for the database pytest-django created (call after the test DB exists)."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(db["NAME"])
        if connection.is_in_memory_db():
            raise RuntimeError("an in-memory SQLite test database cannot be shared with a server process; "
                               "set SQLITE_TEST_NAME (make test-browser does)")
        return f"sqlite:///{name}"
    if connection.vendor == "postgresql":
        auth = db["USER"] or ""
        if db.get("PASSWORD"):
            auth += f":{db['PASSWORD']}"
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    raise RuntimeError(f"unsupported database vendor {connection.vendor}")


def channel_layers(redis_url: str, backend: str = "channels_redis.pubsub.RedisPubSubChannelLayer") -> dict:
    return {"default": {"BACKEND": backend, "CONFIG": {"hosts": [redis_url]}}}


class Server:
    def __init__(self, port, process, log_path):
        self.port, self.process, self.log_path = port, process, log_path
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"

    def log(self) -> str:
        try:
            return Path(self.log_path).read_text(errors="replace")[-4000:]
        except OSError:
            return ""


def _wait_ready(server: Server):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the web process exited with {server.process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the web process did not answer within {START_TIMEOUT} s:\n{server.log()}")


def _stop(server: Server):
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(STOP_TIMEOUT)


@contextmanager
def web_servers(count: int, *, database_url: str, redis_url: str, log_dir, extra_env: dict | None = None):
    """Start ``count`` web processes sharing the database and Redis; yield their ``Server``s."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "PYTEST_CURRENT_TEST")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": database_url, "REDIS_URL": redis_url,
        "RQ_INLINE": "1",            # jobs run in-process, as in the embedded shape
        "SECURE_COOKIES": "0",       # plain http on loopback
        "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
    })
    env.update(extra_env or {})
    servers = []
    try:
        for i in range(count):
            port = free_port()
            log_path = Path(log_dir) / f"web-{port}.log"
            log = open(log_path, "wb")
            process = subprocess.Popen(
                web.command("127.0.0.1", port, "tests.support.live_asgi:application"),
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            log.close()
            servers.append(Server(port, process, log_path))
        for server in servers:
            _wait_ready(server)
        yield servers
    finally:
        for server in servers:
            _stop(server)
