"""Jobs: certificates per second (vs a bare one-page ReportLab PDF, same run) and a 10,000-recipient
payout run (and a re-run that must add 0 rows).

Certificates: 500 issued through the service (render + SHA-256 + file + row + history + audit +
notification) as 2 batch jobs of 250 on 2 real ``rqworker --burst`` processes (Redis:
``BENCH_REDIS_URL``, default redis://127.0.0.1:6379/13; the workers share one SQLite file). Without
Redis they run in-process with 1 worker (said in the table).

The floor, measured in the same run and interleaved with ours (``BENCH_ROUNDS`` rounds, medians
reported): a bare one-page ReportLab PDF — the same A4-landscape canvas with default settings, a
title line and four more lines of the same words in the standard Helvetica (nothing embedded), no
border, no QR code (``certificate_pdf.render_bare``). Also measured alone: our certificate PDF
rendered with no database or file.

Both CPU time and wall time are given: the machine is shared with other work, so wall time is noisy.
Floor: ``time.process_time`` / ``perf_counter`` per PDF. Ours per certificate: wall = time inside
the slower job (``JobRun`` start → finish, worker start-up excluded) / 250; CPU = CPU of the two
worker processes (with their forked job processes, via ``RUSAGE_CHILDREN``) minus the CPU of two idle
``rqworker --burst`` processes started the same way in the same round, / 500.

Payouts: 10,000 placed entrants, a DeltaCoin pool (every recipient is credited by the run itself).
Measured: the run (``execute_run``), then a re-run after marking the run *running* again (as if the
worker died just before finishing): it must walk every recipient and add 0 rows.
"""
import os
import resource
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
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


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


def _sample_text():
    from tournaments import certificate_pdf

    return certificate_pdf.CertificateText("Certificate of Achievement", "Champion", "is presented to", "Игрок 17 খেলোয়াড়",
                                           "for finishing 1st in Bench", "Bench · 1 January 2026 · organised by bench",
                                           "Verify this certificate:", "https://cc.example.org/verify/abcdefghijklmnopqrstuv/",
                                           "Certificate code: abcdefghijklmnopqrstuv")


def _per_pdf(func, items):
    """(CPU ms, wall ms) per call of ``func`` over ``items``."""
    cpu, wall = time.process_time(), time.perf_counter()
    for item in items:
        func(item)
    return (time.process_time() - cpu) / len(items) * 1000, (time.perf_counter() - wall) / len(items) * 1000


def _texts(n):
    """``n`` certificates' words as a batch has them: the same tournament lines, a different name,
    code and verify URL on each (the same text every time would let the per-line caches answer)."""
    import dataclasses
    import secrets

    text = _sample_text()
    texts = []
    for i in range(n):
        code = secrets.token_urlsafe(16)
        texts.append(dataclasses.replace(text, name=f"Игрок {i} খেলোয়াড়", verify_url=f"https://cc.example.org/verify/{code}/",
                                         code_label=f"Certificate code: {code}"))
    return texts


def _floors(n=200):
    """(bare CPU, bare wall, ours-render-only CPU, ours wall) per PDF, ms, interleaved."""
    import dataclasses

    from tournaments import certificate_pdf

    certificate_pdf.warm_up()  # steady state, as in a warm worker (fonts and QR pieces built)
    texts = _texts(n)
    bare_texts = [dataclasses.replace(t, name="Zed") for t in texts]
    certificate_pdf.render(texts[0])
    certificate_pdf.render_bare(bare_texts[0])
    bare = _per_pdf(certificate_pdf.render_bare, bare_texts)
    ours = _per_pdf(certificate_pdf.render, texts)
    return (*bare, *ours)


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
    cpu, started = time.process_time(), time.perf_counter()
    result = certificates.generate_batch(t.pk)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert result["created"] == CERTIFICATES and Certificate.objects.filter(tournament=t).count() == CERTIFICATES
    return elapsed / CERTIFICATES * 1000, cpu / CERTIFICATES * 1000, 1, "in-process (no Redis)"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _burst_workers(env, n=2) -> tuple[float, float]:
    """Run ``n`` ``rqworker certificates --burst`` until the queue is empty: (wall s, CPU s)."""
    cpu, started = _children_cpu(), time.perf_counter()
    workers = [subprocess.Popen([sys.executable, "manage.py", "rqworker", "certificates", "--burst"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(n)]
    for w in workers:
        w.wait(900)
    return time.perf_counter() - started, _children_cpu() - cpu


def _certificates_with_workers(redis_url, db):
    """Two batch jobs (250 each) on two rqworker processes; returns per-certificate wall and CPU ms."""
    import redis
    from rq import Queue

    from tournaments import jobs
    from tournaments.models import Certificate, JobRun

    connection = redis.Redis.from_url(redis_url)
    for key in connection.scan_iter("rq:*"):
        connection.delete(key)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db['NAME']}", "REDIS_URL": redis_url, "LOG_LEVEL": "WARNING",
           "MEDIA_ROOT": tempfile.mkdtemp()}
    _idle_wall, idle_cpu = _burst_workers(env)  # start-up and shutdown alone: subtracted below
    events = [_completed_event(CERTIFICATES // 2, f"certs{i}")[0] for i in range(2)]
    queue = Queue("certificates", connection=connection)
    for t in events:
        JobRun.objects.create(job_id=f"bench-certs-{t.pk}", func="tournaments.jobs.generate_certificates", queue="certificates")
        queue.enqueue(jobs.execute, "tournaments.jobs.generate_certificates", f"bench-certs-{t.pk}", [t.pk], {},
                      job_id=f"bench-certs-{t.pk}", job_timeout=600)
    wall, cpu = _burst_workers(env)
    made = Certificate.objects.filter(tournament__in=events).count()
    assert made == CERTIFICATES, f"workers issued {made} of {CERTIFICATES}"
    runs = JobRun.objects.filter(job_id__in=[f"bench-certs-{t.pk}" for t in events])
    in_jobs = max((r.finished_at - r.started_at).total_seconds() for r in runs)  # the slower worker, startup excluded
    per_cert_wall = in_jobs / (CERTIFICATES / 2) * 1000
    per_cert_cpu = max(cpu - idle_cpu, 0) / CERTIFICATES * 1000
    return per_cert_wall, per_cert_cpu, 2, f"2 rqworker processes (Redis, shared SQLite); last round's wall {wall:.1f} s incl. worker start-up"


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
    redis_url = _redis_url() if engine == "sqlite" else None
    rounds = []
    for _ in range(ROUNDS):  # floor and ours interleaved; medians below
        floors = _floors()
        issued = _certificates_with_workers(redis_url, db) if redis_url else _certificates_in_process()
        rounds.append((*floors, *issued[:2]))
        how, workers = issued[3], issued[2]
    med = [statistics.median(r[i] for r in rounds) for i in range(6)]
    bare_cpu, bare_wall, render_cpu, render_wall, cert_wall, cert_cpu = med
    print(f"\nCertificates: {CERTIFICATES}, {how}; database {engine}; medians of {ROUNDS} interleaved rounds")
    print(f"{'measure':<46} | {'CPU ms':>7} | {'wall ms':>7} | {'per worker /s':>13} | {'x floor (CPU)':>13} | {'x floor (wall)':>14}")
    print("-" * 115)
    for label, cpu, wall in (("bare one-page ReportLab PDF (floor)", bare_cpu, bare_wall),
                             ("certificate PDF, render only (fonts + QR)", render_cpu, render_wall),
                             (f"issued via service ({workers} worker{'s' if workers > 1 else ''})", cert_cpu, cert_wall)):
        print(f"{label:<46} | {cpu:>7.2f} | {wall:>7.2f} | {1000 / wall:>13.0f} | {cpu / bare_cpu:>13.1f} | {wall / bare_wall:>14.1f}")
    print("(per worker /s from wall time; targets: >= 50/s per worker, <= 2x the floor)")
    for i, r in enumerate(rounds):
        print(f"  round {i + 1}: floor {r[0]:.2f}/{r[1]:.2f} ms, render {r[2]:.2f}/{r[3]:.2f} ms, "
              f"issued {r[5]:.2f}/{r[4]:.2f} ms (CPU/wall)")
    if os.environ.get("BENCH_SKIP_PAYOUTS"):
        return

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
