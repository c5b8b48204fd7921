"""Run the time-driven work once (cron) or every N seconds (``--loop 60``, a Procfile process)."""
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tournaments.services.schedules import run_all


class Command(BaseCommand):
    help = "Check-in open/close, match reminders, unpaid-registration expiry (idempotent; safe to run often)."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Pretend it is this ISO time (testing, catching up).")
        parser.add_argument("--loop", type=int, default=0, help="Run every LOOP seconds until stopped.")

    def handle(self, *args, **options):
        now = None
        if options["now"]:
            now = parse_datetime(options["now"])
            if now is None:
                raise CommandError("--now must be an ISO date-time, e.g. 2026-03-01T18:00:00+06:00")
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        from tournaments import outbox

        while True:
            result = run_all(now or timezone.now())
            if outbox.jobs_enabled() or outbox.events_enabled():
                try:  # the clock also delivers messages that waited for Redis (ops: outbox)
                    result["outbox"] = outbox.drain()["delivered"]
                except Exception as exc:
                    result["outbox"] = f"error:{type(exc).__name__}"
            self.stdout.write(" ".join(f"{k}={v}" for k, v in result.items()))
            if not options["loop"]:
                return
            time.sleep(options["loop"])
