"""Jobs: certificates per second (vs a bare one-page ReportLab PDF, same run) and a 10,000-recipient
payout run (and a re-run that must add 0 rows).

Certificates: 500 issued through the service (render + SHA-256 + file + row + history + audit +
notification). With Redis (``BENCH_REDIS_URL``, default redis://127.0.0.1:6379/13, if it answers)
they run as 2 batch jobs on 2 real ``rqworker --burst`` processes sharing one SQLite file; without
Redis they run in-process with 1 worker (said in the table). Floors measured in the same run: a bare
one-page PDF and our certificate PDF rendered alone (no database, no file).

Payouts: 10,000 placed entrants, a DeltaCoin pool (every recipient is credited by the run itself).
Measured: the run (``execute_run``), then a re-run after marking the run *running* again (as if the
worker died just before finishing): it must walk every recipient and add 0 rows.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from django_setup import setup_django  # noqa: E402
CERTIFICATES = int(os.environ.get("BENCH_CERTIFICATES", "500"))
RECIPIENTS = int(os.environ.get("BENCH_RECIPIENTS", "10000"))


def _setup_django():
    setup_django()
    from django.conf import settings

    return settings.DATABASES["default"]


def _completed_event(n, tag, **fields):
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.utils import timezone

    from tournaments.models import Game, Placement, Player, Registration, Tournament

    now = timezone.now()
    user, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True})
    game, _ = Game.objects.get_or_create(slug="bench", defaults=dict(name="Bench", team_size=1, id_format="konami_id",
                                                                    result_type="map_score"))
    t = Tournament(name=f"Bench {tag}", slug=f"bench-jobs-{tag}-{time.time_ns()}", game=game, organizer=user, participation="solo",
                   capacity=n, registration_opens_at=now - timedelta(days=3), registration_closes_at=now - timedelta(days=2),
                   starts_at=now - timedelta(days=1), status=Tournament.Status.COMPLETED, **fields)
    t.save()
    players = Player.objects.bulk_create([Player(display_name=f"Игрок {i} খেলোয়াড়", email=f"p{i}@example.com") for i in range(n)])
    regs = Registration.objects.bulk_create([Registration(tournament=t, player=p, status=Registration.Status.CONFIRMED) for p in players])
    Placement.objects.bulk_create([Placement(tournament=t, registration=r, rank=i + 1) for i, r in enumerate(regs)])
    return t, user


def _floors(n=200):
    from tournaments import certificate_pdf

    text = certificate_pdf.CertificateText("Certificate of Achievement", "Champion", "is presented to", "Алексей সাকিব Zed",
                                           "for finishing 1st in Bench", "Bench · 1 January 2026 · organised by bench", "Verify:",
                                           "https://cc.example.org/verify/abcdefghijklmnopqrstuv/", "Code: abcdefghijklmnopqrstuv")
    certificate_pdf.render(text)
    bare, ours = [], []
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(n):
            certificate_pdf.render_bare()
        bare.append((time.perf_counter() - started) / n * 1000)
        started = time.perf_counter()
        for _ in range(n):
            certificate_pdf.render(text)
        ours.append((time.perf_counter() - started) / n * 1000)
    return statistics.median(bare), statistics.median(ours)


def _redis_url():
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
        return url
    except Exception:
        return None


def _certificates_in_process():
    from tournaments.models import Certificate
    from tournaments.services import certificates

    t, _user = _completed_event(CERTIFICATES, "certs")
    started = time.perf_counter()
    result = certificates.generate_batch(t.pk)
    elapsed = time.perf_counter() - started
    assert result["created"] == CERTIFICATES and Certificate.objects.filter(tournament=t).count() == CERTIFICATES
    return elapsed, 1, "in-process (no Redis)"


def _certificates_with_workers(redis_url, db):
    """Two batch jobs (250 each) on two rqworker processes."""
    import redis
    from rq import Queue

    from tournaments import jobs
    from tournaments.models import Certificate

    connection = redis.Redis.from_url(redis_url)
    for key in connection.scan_iter("rq:*"):
        connection.delete(key)
    events = [_completed_event(CERTIFICATES // 2, f"certs{i}")[0] for i in range(2)]
    queue = Queue("certificates", connection=connection)
    from tournaments.models import JobRun

    for t in events:
        JobRun.objects.create(job_id=f"bench-certs-{t.pk}", func="tournaments.jobs.generate_certificates", queue="certificates")
        queue.enqueue(jobs.execute, "tournaments.jobs.generate_certificates", f"bench-certs-{t.pk}", [t.pk], {},
                      job_id=f"bench-certs-{t.pk}", job_timeout=600)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db['NAME']}", "REDIS_URL": redis_url, "LOG_LEVEL": "WARNING",
           "MEDIA_ROOT": tempfile.mkdtemp()}
    started = time.perf_counter()
    workers = [subprocess.Popen([sys.executable, "manage.py", "rqworker", "certificates", "--burst"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    for w in workers:
        w.wait(900)
    wall = time.perf_counter() - started
    made = Certificate.objects.filter(tournament__in=events).count()
    assert made == CERTIFICATES, f"workers issued {made} of {CERTIFICATES}"
    from tournaments.models import JobRun

    runs = JobRun.objects.filter(job_id__in=[f"bench-certs-{t.pk}" for t in events])
    in_jobs = max((r.finished_at - r.started_at).total_seconds() for r in runs)  # the slower worker, startup excluded
    return in_jobs, 2, f"2 rqworker processes (Redis, shared SQLite); wall {wall:.1f} s incl. worker start-up"


def _payouts(redis_url):
    """With Redis the run queues its notification e-mails like a real worker does; without it they
    run inline inside the run (embedded mode), which the table says."""
    from django.conf import settings
    from django.db.models import Count

    if redis_url:
        settings.JOBS_INLINE = False
        settings.RQ_QUEUES = {name: {"URL": redis_url, "DEFAULT_TIMEOUT": 600, "ASYNC": True} for name in settings.RQ_QUEUES}

    from tournaments.models import Payout, PayoutRun, WalletEntry
    from tournaments.services import payouts

    share = {str(i + 1): 100 / RECIPIENTS for i in range(RECIPIENTS)}
    share = {k: f"{v:.2f}" for k, v in share.items()}  # 0.01 % each: adds up to exactly 100
    t, user = _completed_event(RECIPIENTS, "payouts", prize_deltacoin=RECIPIENTS * 100, prize_distribution=share)
    run = PayoutRun.objects.create(tournament=t, team_split="equal", created_by=user)
    started = time.perf_counter()
    payouts.execute_run(run.pk)
    first = time.perf_counter() - started
    rows = (Payout.objects.filter(tournament=t).count(), WalletEntry.objects.filter(tournament=t).count())
    PayoutRun.objects.filter(pk=run.pk).update(status=PayoutRun.Status.RUNNING)  # "the worker died before finishing"
    started = time.perf_counter()
    payouts.execute_run(run.pk)
    rerun = time.perf_counter() - started
    after = (Payout.objects.filter(tournament=t).count(), WalletEntry.objects.filter(tournament=t).count())
    duplicates = Payout.objects.filter(tournament=t).values("player_id").annotate(n=Count("id")).filter(n__gt=1).count()
    return first, rerun, rows, after, duplicates


def main():
    db = _setup_django()
    engine = db["ENGINE"].rsplit(".", 1)[-1]
    bare, render_only = _floors()
    redis_url = _redis_url() if engine == "sqlite" else None
    if redis_url:
        elapsed, workers, how = _certificates_with_workers(redis_url, db)
    else:
        elapsed, workers, how = _certificates_in_process()
    per_cert = elapsed / (CERTIFICATES / workers) * 1000
    print(f"\nCertificates: {CERTIFICATES}, {how}; database {engine}")
    print(f"{'measure':<44} | {'ms/cert':>8} | {'certs/s per worker':>18} | {'x bare PDF':>10}")
    print("-" * 90)
    for label, ms in (("bare one-page ReportLab PDF (floor)", bare), ("certificate PDF render only (fonts + QR)", render_only),
                      (f"issued via service ({workers} worker{'s' if workers > 1 else ''})", per_cert)):
        print(f"{label:<44} | {ms:>8.2f} | {1000 / ms:>18.0f} | {ms / bare:>10.1f}")
    print(f"(time in the jobs for {CERTIFICATES}: {elapsed:.1f} s; target >= 50/s per worker)")

    first, rerun, rows, after, duplicates = _payouts(redis_url)
    mode = "notification e-mails queued to Redis" if redis_url else "notification e-mails sent inline (no Redis)"
    print(f"\nPayout run: {RECIPIENTS:,} recipients (DeltaCoin, credited by the run; {mode}); database {engine}")
    print(f"{'run':<34} | {'seconds':>8} | {'ms/recipient':>12} | {'payouts':>8} | {'wallet entries':>14}")
    print("-" * 90)
    print(f"{'first run':<34} | {first:>8.1f} | {first / RECIPIENTS * 1000:>12.2f} | {rows[0]:>8} | {rows[1]:>14}")
    print(f"{'re-run after a crash (no-op)':<34} | {rerun:>8.1f} | {rerun / RECIPIENTS * 1000:>12.2f} | {after[0] - rows[0]:>+8} | "
          f"{after[1] - rows[1]:>+14}")
    print(f"(recipients paid twice: {duplicates})")


if __name__ == "__main__":
    main()
