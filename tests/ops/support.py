"""Our own throw-away Redis and PostgreSQL servers for the fault tests (never the shared ones:
other work on this machine uses 127.0.0.1:6379 and :5432). Each runs on a free loopback port in a
temporary directory and is stopped and started only by the test that owns it; every wait is
bounded in time."""
import os
import shutil
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from tests.support.liveserver import free_port

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
START_TIMEOUT = 30


def missing_redis() -> str | None:
    return None if shutil.which("redis-server") else "redis-server is not installed (apt-get install redis-server)"


def missing_postgres() -> str | None:
    for tool in ("initdb", "pg_ctl", "postgres"):
        if not (PG_BIN / tool).exists():
            return f"{PG_BIN / tool} is missing (apt-get install postgresql-15, or set PG_BIN)"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "running as root without runuser: initdb refuses root"
    return None


class OwnRedis:
    def __init__(self, directory):
        self.port = free_port()
        self.directory = Path(directory)
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        import redis

        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory), "--protected-mode", "no"],
            stdout=open(self.directory / f"redis-{self.port}.log", "ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
                return self
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("our redis-server did not start")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None


@contextmanager
def own_redis(directory):
    server = OwnRedis(directory).start()
    try:
        yield server
    finally:
        server.stop()


class OwnPostgres:
    """initdb + pg_ctl into a temporary directory, as the ``postgres`` user when we are root."""

    def __init__(self):
        import tempfile

        # Not under pytest's tmp_path: that tree is private to root and the postgres user must enter it.
        self.base = Path(tempfile.mkdtemp(prefix="commandcenter-pg-"))
        self.port = free_port()
        self.directory = self.base / "pgdata"
        self.socket_dir = self.base / "pgsock"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args, check=True):
        command = [str(PG_BIN / args[0]), *map(str, args[1:])]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)

    def init(self):
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory.parent, "postgres")
            shutil.chown(self.socket_dir, "postgres")
        self._run("initdb", "-D", self.directory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        return self

    def start(self):
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", self.directory, "-o", options, "-l", self.directory.parent / "postgres.log",
                  "-w", "-t", str(START_TIMEOUT), "start")
        return self

    def stop(self, mode="fast"):
        self._run("pg_ctl", "-D", self.directory, "-m", mode, "-w", "-t", str(START_TIMEOUT), "stop", check=False)

    def create_database(self, name):
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


@contextmanager
def own_postgres():
    server = OwnPostgres()
    try:
        server.init().start()
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(server.base, ignore_errors=True)
