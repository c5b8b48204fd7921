"""What a certificate batch costs that does not depend on rendering: its queries grow with chunks of
certificates, never with certificates, and the RQ worker builds the certificate fonts once, before it
forks job processes (wall-clock figures live in bench/bench_jobs.py)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import make_tournament
from tournaments import certificate_pdf, worker
from tournaments.models import AuditLog, Certificate, Notification, Placement, Player, Registration, Tournament
from tournaments.services import certificates

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_rq")]


def _finished(organizer, game, n):
    tournament = make_tournament(organizer, game, capacity=max(8, n), open_registration=False)
    players = Player.objects.bulk_create([Player(display_name=f"Игрок {i} খেলোয়াড়", email=f"b{tournament.pk}-{i}@example.com")
                                          for i in range(n)])
    regs = Registration.objects.bulk_create([Registration(tournament=tournament, player=p, status=Registration.Status.CONFIRMED)
                                             for p in players])
    Placement.objects.bulk_create([Placement(tournament=tournament, registration=r, rank=i + 1) for i, r in enumerate(regs)])
    Tournament.objects.filter(pk=tournament.pk).update(status=Tournament.Status.COMPLETED, completed_at=timezone.now())
    return tournament


def _batch_queries(organizer, game, n) -> int:
    tournament = _finished(organizer, game, n)
    with CaptureQueriesContext(connection) as ctx:
        result = certificates.generate_batch(tournament.pk)
    assert result == {"created": n, "skipped": 0, "total": n}
    assert Certificate.objects.filter(tournament=tournament).count() == n
    assert Certificate.history.filter(tournament=tournament, history_type="+").count() == n
    assert AuditLog.objects.filter(tournament=tournament, action="certificate.issue").count() == n
    assert Notification.objects.filter(registration__tournament=tournament, kind="certificate.ready").count() == n
    return len(ctx.captured_queries)


def test_a_batch_of_100_costs_the_queries_of_a_batch_of_10(organizer, game):
    assert certificates.CHUNK >= 100
    assert _batch_queries(organizer, game, 100) == _batch_queries(organizer, game, 10)


def test_queries_grow_by_chunks_only(organizer, game, monkeypatch):
    monkeypatch.setattr(certificates, "CHUNK", 4)
    one, also_one, two, three = (_batch_queries(organizer, game, n) for n in (3, 4, 8, 12))
    assert one == also_one
    per_chunk = two - one
    assert 0 < per_chunk <= 24 and three - two == per_chunk  # 9 embedded, 18 scaled (the e-mail job: JobRun + outbox)


def test_batch_files_keep_their_names_and_hashes(organizer, game):
    tournament = _finished(organizer, game, 3)
    certificates.generate_batch(tournament.pk)
    for certificate in Certificate.objects.filter(tournament=tournament):
        today = timezone.now()
        assert certificate.file.name == f"certificates/{today:%Y/%m}/{tournament.slug}-{certificate.kind}-{certificate.code}.pdf"
        with certificate.file.open("rb") as handle:
            assert certificates.sha256_of(handle.read()) == certificate.sha256


def test_worker_warms_up_fonts_and_qr_pieces_without_touching_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        seconds = worker.warm_up()
    assert seconds > 0
    for bold in (False, True):
        for face in certificate_pdf.faces(bold)[1:]:
            font = certificate_pdf.pdfmetrics.getFont(face.name)
            assert set(font._blocks) == set(font._members)  # every block built
    assert len(certificate_pdf._qr_chunks) >= 3 * 2 ** certificate_pdf.QR_CHUNK


def test_the_rq_worker_class_is_the_warm_one(monkeypatch):
    import logging

    from django_rq.workers import get_worker_class

    assert get_worker_class() is worker.WarmWorker
    called = []
    monkeypatch.setattr(worker, "warm_up", lambda: called.append("warm") or 0.0)
    monkeypatch.setattr(worker.Worker, "bootstrap", lambda self, *a, **k: called.append("rq"))  # RQ's own start-up
    w = worker.WarmWorker.__new__(worker.WarmWorker)
    w.name, w.log = "test", logging.getLogger("test")
    w.bootstrap()
    assert called == ["rq", "warm"]
