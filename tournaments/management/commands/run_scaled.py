"""``make run-scaled``: the scaled shape on one machine, like the Procfile on a platform.

PostgreSQL (DATABASE_URL) + Redis (REDIS_URL); migrations and collectstatic (WhiteNoise serves the
compressed, hashed copies); then TWO uvicorn web processes (``config/web.py``, as the Procfile runs them) behind a loopback round-robin balancer
(``config/balancer.py``; clients use one address), TWO RQ workers (``--with-scheduler``: RQ elects
one scheduler), the clock (schedules) and the outbox drainer. Metrics from every process are
summed through prometheus_client's multiprocess directory. A child that dies is restarted after a
short pause (web processes too: the balancer routes around it meanwhile). Ctrl-C / SIGTERM stops
everything.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config import web

ROOT = Path(settings.BASE_DIR)
QUEUES = ["default", "payouts", "certificates", "notifications"]
# Web processes only (as in the Procfile): a bounded PostgreSQL connection pool (config/settings.py,
# DB_POOL_MAX_SIZE). Not for RQ workers: they fork, and a pool must not be forked.
WEB_ENV = {"DB_POOL_MAX_SIZE": os.environ.get("DB_POOL_MAX_SIZE", "10")}


class Command(BaseCommand):
    help = "Run two web processes behind a balancer, two RQ workers, the clock and the outbox drainer."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000, help="The balancer's port (web processes use the next ones).")
        parser.add_argument("--web", type=int, default=2)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--skip-setup", action="store_true", help="No migrate/collectstatic (already done).")
        parser.add_argument("--demo", action="store_true", help="Load the demo data (seed_demo) after migrating.")
        parser.add_argument("--run-for", type=float, default=0, help="Stop by itself after N seconds (tests, smoke runs).")

    def handle(self, *args, **options):
        if settings.EMBEDDED or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
            raise CommandError("Scaled mode needs DATABASE_URL=postgres://… and REDIS_URL=redis://… "
                               "(e.g. make run-scaled SCALED_DATABASE_URL=… SCALED_REDIS_URL=…).")
        metrics_dir = Path(tempfile.mkdtemp(prefix="commandcenter-metrics-"))
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "STATIC_MANIFEST": "1", "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
        if not options["skip_setup"]:  # the Procfile's release step; subprocesses so STATIC_MANIFEST applies
            steps = [["migrate", "--noinput"], ["collectstatic", "--noinput", "-v", "0"]] + ([["seed_demo"]] if options["demo"] else [])
            for step in steps:
                subprocess.run([sys.executable, "manage.py", *step], cwd=ROOT, env=env, check=True)
        host, port = options["host"], options["port"]
        web_ports = [port + 1 + i for i in range(options["web"])]
        specs = {}
        for i, web_port in enumerate(web_ports):
            specs[f"web.{i + 1}"] = web.command(host, web_port)
        for i in range(options["workers"]):
            specs[f"worker.{i + 1}"] = [sys.executable, "manage.py", "rqworker", *QUEUES, "--with-scheduler",
                                        "--name", f"worker-{os.getpid()}-{i + 1}"]
        specs["clock"] = [sys.executable, "manage.py", "run_schedules", "--loop", "60"]
        specs["outbox"] = [sys.executable, "manage.py", "drain_outbox", "--loop", "5"]
        specs["balancer"] = [sys.executable, "-m", "config.balancer", f"{host}:{port}", *[f"{host}:{p}" for p in web_ports]]
        children = {}
        stopping = {"now": False}

        def stop(*_args):
            stopping["now"] = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            for name, command in specs.items():
                children[name] = subprocess.Popen(command, cwd=ROOT, env={**env, **WEB_ENV} if name.startswith("web.") else env)
            self.stdout.write(self.style.SUCCESS(
                f"Command Center (scaled) on http://{host}:{port}/admin/ — web {web_ports} behind the balancer, "
                f"{options['workers']} RQ workers, clock, outbox drainer; metrics dir {metrics_dir}"))
            started = time.monotonic()
            restarts = {}
            while not stopping["now"]:
                if options["run_for"] and time.monotonic() - started > options["run_for"]:
                    break
                for name, child in list(children.items()):
                    code = child.poll()
                    if code is None:
                        continue
                    due = restarts.setdefault(name, time.monotonic() + 2)
                    if time.monotonic() >= due:
                        self.stderr.write(f"{name} exited with {code}; restarting")
                        restarts.pop(name)
                        if name.startswith("web."):
                            _forget_dead_process(metrics_dir, child.pid)
                        children[name] = subprocess.Popen(specs[name], cwd=ROOT, env={**env, **WEB_ENV} if name.startswith("web.") else env)
                time.sleep(0.2)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.terminate()
            deadline = time.monotonic() + 15
            for child in children.values():
                try:
                    child.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait(5)
            shutil.rmtree(metrics_dir, ignore_errors=True)
            self.stdout.write("stopped")


def _forget_dead_process(metrics_dir, pid):
    """prometheus_client multiprocess mode: drop a dead process's live gauges (its connections are gone)."""
    try:
        from prometheus_client import multiprocess

        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        multiprocess.mark_process_dead(pid, str(metrics_dir))
    except Exception:  # metrics must never stop the supervisor
        pass
