"""Command Center server time at event scale, against a bare ModelAdmin on the same table.

- Registration changelist with 10,000 rows: our RegistrationAdmin (badges, payment-state subquery,
  scoped filters, row actions) vs unfold's plain ``ModelAdmin`` with three columns, on its own site.
- Dashboard with 100 tournaments / 100,000 registrations vs the bare changelist of the same 100,000 rows.
Both sides list the same 100 rows per page (Django's default ``list_per_page``) with the same counts
(paginator and full count), as the same user (an Admin, i.e. a superuser: no scoping filter on either
side), in the same process with the same start-up patches (``admin_ui/patches.py`` applies to unfold
and Django's admin for both sites). Medians of several requests through Django's test client (server
time, no network), ours and bare interleaved so load from other work falls on both; process CPU time
is shown next to wall-clock time because the machine is shared. Plus query counts.
"""
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from django_setup import setup_django  # noqa: E402
RUNS = 9


def _data(tournaments: int, per_tournament: int, organizer):
    from datetime import timedelta

    from django.utils import timezone

    from tournaments.models import Game, Player, Registration, Tournament

    now = timezone.now()
    game, _ = Game.objects.get_or_create(slug="bench", defaults=dict(name="Bench", team_size=1, id_format="konami_id",
                                                                    result_type="map_score"))
    start = Tournament.objects.count()
    made = []
    for i in range(tournaments):
        t = Tournament(name=f"Bench {start + i}", slug=f"bench-{start + i}", game=game, organizer=organizer,
                       participation="solo", capacity=per_tournament, registration_opens_at=now - timedelta(days=2),
                       registration_closes_at=now + timedelta(days=1), starts_at=now + timedelta(days=2),
                       status=Tournament.Status.REGISTRATION_OPEN)
        t.save()
        players = Player.objects.bulk_create([Player(display_name=f"P{start + i}-{n}") for n in range(per_tournament)],
                                             batch_size=5000)
        statuses = [Registration.Status.CONFIRMED, Registration.Status.PENDING, Registration.Status.WAITLISTED]
        Registration.objects.bulk_create([Registration(tournament=t, player=p, status=statuses[n % 3])
                                          for n, p in enumerate(players)], batch_size=5000)
        made.append(t)
    return made


def _bare_site():
    """unfold's own site and ModelAdmin (same templates as ours) with three columns and nothing else."""
    from unfold.admin import ModelAdmin
    from unfold.sites import UnfoldAdminSite

    from tournaments.models import Registration

    site = UnfoldAdminSite(name="bare")

    class BareRegistrationAdmin(ModelAdmin):
        list_display = ("id", "status", "seed")

    site.register(Registration, BareRegistrationAdmin)
    return site


def _request(client, url):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall, cpu = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
    assert response.status_code == 200, (url, response.status_code)
    queries = len(ctx.captured_queries)  # read before reset_queries() empties the connection's log
    reset_queries()
    return wall, cpu, queries


def _time_pair(client, ours_url, bare_url):
    """Both pages requested in turn (ours, bare, ours, bare, …) so that load from other work on the
    machine falls on both alike; medians of wall-clock and of process CPU time per request."""
    client.get(ours_url), client.get(bare_url)  # warm-up
    samples = {ours_url: [], bare_url: []}
    for _ in range(RUNS):
        for url in (ours_url, bare_url):
            samples[url].append(_request(client, url))

    def summary(rows):
        return (statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows), rows[-1][2])
    return summary(samples[ours_url]), summary(samples[bare_url])


def main():
    setup_django()
    from django.contrib.auth.models import User
    from django.test import Client, override_settings
    from django.urls import path

    from config import urls as project_urls

    organizer = User.objects.create_user("bench-org", "org@example.com", "x", is_staff=True, is_superuser=True)
    site = _bare_site()

    class Urls:
        urlpatterns = [path("bare/", site.urls)] + project_urls.urlpatterns

    rows = []
    with override_settings(ROOT_URLCONF=Urls, ALLOWED_HOSTS=["*"], DEBUG=False):
        client = Client()
        client.force_login(organizer)
        _data(1, 10_000, organizer)
        changelist, bare = "/admin/tournaments/registration/", "/bare/tournaments/registration/"
        rows.append(("registration changelist, 10,000 rows", *_time_pair(client, changelist, bare)))
        _data(99, 909, organizer)  # ≈ 100 tournaments, 100,000 registrations in all
        rows.append(("dashboard, 100 tournaments / 100,000 registrations", *_time_pair(client, "/admin/", bare)))
        rows.append(("registration changelist, 100,000 rows", *_time_pair(client, changelist, bare)))
    print("\nCommand Center server time (median of %d requests each, ours and bare interleaved; bare = unfold "
          "ModelAdmin, 3 columns, same table, same 100 rows per page; cpu = process CPU time)" % RUNS)
    print(f"{'case':<52} | {'ours ms':>8} | {'cpu':>5} | {'queries':>7} | {'bare ms':>8} | {'cpu':>5} | {'queries':>7} | "
          f"{'ratio':>5} | {'cpu':>5} | target")
    print("-" * 136)
    for case, (ours_ms, ours_cpu, ours_q), (bare_ms, bare_cpu, bare_q) in rows:
        ratio = ours_ms / bare_ms
        print(f"{case:<52} | {ours_ms:>8.0f} | {ours_cpu:>5.0f} | {ours_q:>7} | {bare_ms:>8.0f} | {bare_cpu:>5.0f} | "
              f"{bare_q:>7} | {ratio:>5.2f} | {ours_cpu / bare_cpu:>5.2f} | ≤1.5× {'ok' if ratio <= 1.5 else 'MISSED'}")


if __name__ == "__main__":
    main()
