from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from tournaments.demo import DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = "Create demo games, logins and tournaments at every stage (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="Prefix of the printed lobby links.")

    def handle(self, *args, **options):
        # Demo participants have example.com addresses: keep their notification mails off the console.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            links = {}
            counts = seed_demo(lobby_links=links)
        self.stdout.write(self.style.SUCCESS("Demo data ready: " + ", ".join(f"{v} {k}" for k, v in counts.items())))
        self.stdout.write("Logins: " + ", ".join(f"{u}/{p}" for u, p, *_ in DEMO_USERS))
        base = options["base_url"].rstrip("/")
        for slug, (name, path, _playing) in sorted(links.items()):
            self.stdout.write(f"Lobby of {slug} as {name}: {base}{path}")
        if not links:
            self.stdout.write("Lobby links were issued on the first run (tokens are stored hashed); "
                              "`python manage.py lobby_link efootball-weekly-42` prints a fresh one.")
