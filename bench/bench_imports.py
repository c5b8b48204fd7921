"""Importing a 10,000-row XLSX registration sheet (validate + write, history included).

Ours: ``tournaments.imports.engine.import_file`` — read (openpyxl read-only), header/preset detection,
per-row validation (names, emails, Riot IDs, duplicates, capacity), then players, registrations,
history rows, audit entries and notifications written in bulk inside one transaction.

Peer, same file, same run: django-import-export's default row-by-row configuration — the library's
own XLSX loader, then a plain ``ModelResource`` for players (``import_id_fields=("email",)``) and one
for registrations (``ForeignKeyWidget(Player, "email")``), ``import_data(dry_run=False)``. simple-history
writes history for both through the ``post_save`` signal; no audit, no validation of game IDs.

Peak memory: ``tracemalloc`` in a separate, untimed pass (it slows Python down). Throw-away SQLite
(or $BENCH_DATABASE_URL).
"""
import io
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from django_setup import setup_django  # noqa: E402
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
RUNS = 3


def _xlsx(tag: str) -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["name", "email", "Riot ID", "seed", "Discord"])
    for i in range(ROWS):
        sheet.append([f"Player {tag} {i}", f"p{i}@{tag}.example", f"Pl{i}#" + (tag + "abc")[:5], i + 1, f"disc{i}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _event(index):
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.utils import timezone

    from tournaments.models import Game, Tournament

    now = timezone.now()
    user, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True})
    game, _ = Game.objects.get_or_create(slug="bench-riot", defaults=dict(name="Bench Riot", team_size=1, id_format="riot_id",
                                                                         result_type="map_score"))
    t = Tournament(name=f"Import bench #{index}", slug=f"import-bench-{index}", game=game, organizer=user, participation="solo",
                   capacity=ROWS, requires_approval=False, registration_opens_at=now - timedelta(days=1),
                   registration_closes_at=now + timedelta(days=1), starts_at=now + timedelta(days=2),
                   status=Tournament.Status.REGISTRATION_OPEN)
    t.save()
    return t, user


def _ours(index, data):
    from tournaments.imports.engine import import_file
    from tournaments.models import Registration

    t, user = _event(index)
    started = time.perf_counter()
    report = import_file(t, "registrations", "bench.xlsx", data, actor=user)
    elapsed = time.perf_counter() - started
    assert report.ok, report.error_texts()[:3]
    assert Registration.objects.filter(tournament=t).count() == ROWS
    return elapsed


def _peer(index, data):
    from import_export.formats.base_formats import XLSX

    from tournaments.imports.resources import PlainPlayerResource, PlainRegistrationResource
    from tournaments.models import Registration

    t, _user = _event(index)
    started = time.perf_counter()
    dataset = XLSX().create_dataset(data)
    dataset.headers = ["display_name", "email", "riot", "seed", "discord"]
    players = PlainPlayerResource().import_data(dataset, dry_run=False, raise_errors=True)
    dataset.append_col([t.pk] * len(dataset), header="tournament")
    regs = PlainRegistrationResource().import_data(dataset, dry_run=False, raise_errors=True)
    elapsed = time.perf_counter() - started
    assert not players.has_errors() and not regs.has_errors()
    assert Registration.objects.filter(tournament=t).count() == ROWS
    return elapsed


def _peak_mb(fn, *args) -> float:
    tracemalloc.start()
    fn(*args)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024 / 1024


def main():
    vendor = setup_django()
    from django.conf import settings

    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    from tournaments import jobs

    jobs.enqueue = lambda *args, **kwargs: None  # entrants' emails: a worker's job in scaled mode, not part of the import
    print(f"\nRegistration import, {ROWS:,}-row XLSX, validate + write with history ({vendor}; "
          f"ours median of {RUNS}, peer 1 run)")
    ours = statistics.median(_ours(i, _xlsx(f"o{i}")) for i in range(RUNS))
    peer = _peer(100, _xlsx("peer"))
    ours_mb = _peak_mb(_ours, 200, _xlsx("m1"))
    peer_mb = _peak_mb(_peer, 201, _xlsx("m2"))
    print(f"{'importer':<44} | {'seconds':>7} | {'rows/s':>7} | {'peak MB':>7} | {'vs peer':>7}")
    print("-" * 86)
    print(f"{'ours (bulk path, history + audit)':<44} | {ours:>7.2f} | {ROWS / ours:>7.0f} | {ours_mb:>7.0f} | {peer / ours:>6.1f}×")
    print(f"{'django-import-export ModelResource default':<44} | {peer:>7.2f} | {ROWS / peer:>7.0f} | {peer_mb:>7.0f} | {1:>6.1f}×")
    print(f"target: ≥10× faster than the peer, ≤300 MB peak — {'met' if peer / ours >= 10 and ours_mb <= 300 else 'NOT met'}")


if __name__ == "__main__":
    main()
