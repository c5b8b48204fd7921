"""Deliver outbox messages (job enqueues, lobby events) that waited for Redis; ``--loop N`` runs
as the Procfile's ``outbox`` process. Safe to run anywhere, any number of times: delivery is in
order and once per message."""
import time

from django.core.management.base import BaseCommand

from tournaments import outbox


class Command(BaseCommand):
    help = "Deliver pending outbox messages to Redis (RQ jobs, lobby events), in order."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, help="Drain every LOOP seconds until stopped.")

    def handle(self, *args, **options):
        while True:
            try:
                result = outbox.drain()
            except Exception as exc:  # database down too: say so and keep looping
                result = {"delivered": 0, "pending": "?", "error": f"{type(exc).__name__}: {exc}"}
            if result["delivered"] or result["error"] or not options["loop"]:
                self.stdout.write(f"delivered={result['delivered']} pending={result['pending']}"
                                  + (f" error={result['error'][:200]}" if result["error"] else ""))
            if not options["loop"]:
                return
            time.sleep(options["loop"])
