from django.core.management.base import BaseCommand

from tournaments.demo import DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = "Create demo games, logins and tournaments at every stage (idempotent)."

    def handle(self, *args, **options):
        counts = seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo data ready: " + ", ".join(f"{v} {k}" for k, v in counts.items())))
        self.stdout.write("Logins: " + ", ".join(f"{u}/{p}" for u, p, *_ in DEMO_USERS))
