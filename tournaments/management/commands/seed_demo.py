from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from tournaments.demo import DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = "Create demo games, logins and tournaments at every stage (idempotent)."

    def handle(self, *args, **options):
        # Demo participants have example.com addresses: keep their notification mails off the console.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            counts = seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo data ready: " + ", ".join(f"{v} {k}" for k, v in counts.items())))
        self.stdout.write("Logins: " + ", ".join(f"{u}/{p}" for u, p, *_ in DEMO_USERS))
