from django.core.management.base import BaseCommand, CommandError

from tournaments.models import Registration, Tournament
from tournaments.services import DomainError, lobby_access


class Command(BaseCommand):
    help = ("Issue a fresh private lobby link (revoking the previous one) and print it: for one registration, "
            "or for the first active registration of a tournament.")

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Tournament slug.")
        parser.add_argument("--registration", type=int, help="Registration id (default: the first active one).")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, slug, registration=None, base_url="http://127.0.0.1:8000", **options):
        tournament = Tournament.objects.filter(slug=slug).first()
        if tournament is None:
            raise CommandError(f"No tournament {slug!r}.")
        regs = Registration.objects.filter(tournament=tournament, status__in=Registration.ACTIVE).order_by("pk")
        reg = regs.filter(pk=registration).first() if registration else regs.first()
        if reg is None:
            raise CommandError("No such active registration in this tournament.")
        try:
            token = lobby_access.issue_link(reg.pk, actor=None)
        except DomainError as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"Lobby of {slug} as {reg.display_name}: {base_url.rstrip('/')}{lobby_access.join_path(token)}")
