"""Upload abuse on every upload endpoint: lobby evidence, lobby payment proof, admin imports, verify.

Oversize, wrong type, polyglot (valid GIF header + HTML/JS), a PNG named .html, and an xlsx zip bomb
are refused with a clear message and nothing is written; an accepted image is stored under a random
name with its real format's extension.
"""
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.factories import enter
from tests.lobby.conftest import _fresh_rate_limits, join, joined, live  # noqa: F401  (fixtures)
from tournaments.models import ImportJob, MatchReport, Payment

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    return buf.getvalue()


def _gif_polyglot() -> bytes:
    buf = io.BytesIO()
    Image.new("P", (8, 8)).save(buf, "GIF")
    return buf.getvalue() + b"<html><script>alert(document.cookie)</script></html>"


OVERSIZE = b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024 + 10)
BAD_IMAGES = [
    ("huge.png", OVERSIZE, "the limit is 5 MB"),
    ("notes.png", b"just some text", "is not a PNG, JPEG, WebP or GIF image"),
    ("page.html", b"<html><script>alert(1)</script></html>", "is not a PNG, JPEG, WebP or GIF image"),
    ("shot.gif", _gif_polyglot(), "contains web-page code"),
]


def _text(response):
    return response.content.decode()


@pytest.mark.parametrize("name,data,message", BAD_IMAGES, ids=["oversize", "text", "html", "gif-polyglot"])
def test_lobby_evidence_refuses_abuse(joined, name, data, message):
    t, match, a, b, ca, cb = joined
    response = ca.post(f"/lobby/{t.slug}/matches/{match.pk}/report/",
                       {"score_a": "2", "score_b": "1", "evidence": SimpleUploadedFile(name, data)})
    assert response.status_code in (400, 413)
    if response.status_code == 400:
        assert message in _text(response)
    assert not MatchReport.objects.exists()


@pytest.mark.parametrize("name,data,message", BAD_IMAGES, ids=["oversize", "text", "html", "gif-polyglot"])
def test_lobby_payment_proof_refuses_abuse(paid_tournament, name, data, message):
    (a,) = enter(paid_tournament)
    client = Client()
    join(client, a)
    response = client.post(f"/lobby/{paid_tournament.slug}/payment/",
                           {"method": "bkash", "amount": "500", "reference": "TX1", "proof": SimpleUploadedFile(name, data)})
    assert response.status_code in (400, 413)
    if response.status_code == 400:
        assert message in _text(response)
    assert not Payment.objects.exists()


def test_a_png_named_html_is_stored_as_png(joined):
    t, match, a, b, ca, cb = joined
    response = ca.post(f"/lobby/{t.slug}/matches/{match.pk}/report/",
                       {"score_a": "2", "score_b": "1", "evidence": SimpleUploadedFile("proof.html", _png(), "text/html")})
    assert response.status_code == 303
    stored = MatchReport.objects.get().evidence.name
    assert stored.endswith(".png") and "proof" not in stored


def _zip_bomb_xlsx() -> bytes:
    """A workbook whose one sheet unpacks to ~300 MB of zeros (a few hundred KB on disk)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b"0" * (1024 * 1024)
            for _ in range(300):
                sheet.write(block)
    return buf.getvalue()


@pytest.mark.parametrize("name,data,message", [
    ("bomb.xlsx", _zip_bomb_xlsx(), "unpacks to"),
    ("list.xlsx", b"name,email\nA,a@example.com\n", "is not an Excel workbook"),
    ("list.csv", _png(), "CSV"),
    ("page.html", b"<script>alert(1)</script>", "is not a CSV or Excel"),
], ids=["zip-bomb", "csv-named-xlsx", "png-named-csv", "html"])
def test_import_upload_refuses_abuse(client, organizer, tournament, name, data, message,
                                     django_capture_on_commit_callbacks):
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin_ui:tournament_imports", args=[tournament.pk]),
                           {"kind": "registrations", "preset": "auto", "overflow": "waitlist", "reason": "",
                                "file": SimpleUploadedFile(name, data)}, follow=True)
    assert response.status_code == 200
    body = _text(response)
    from tests.jobs.support import drain

    drain()  # services tier: the check job was queued on RQ; run it (embedded already ran it inline)
    jobs = list(ImportJob.objects.all())
    # Refused on the form, or stored and failed at once with the message (never imported).
    assert message in body or all(message in j.message for j in jobs), [(j.status, j.message) for j in jobs]
    assert all(j.status in (ImportJob.Status.FAILED,) for j in jobs)
    from tournaments.models import Registration

    assert not Registration.objects.filter(tournament=tournament).exists()


def test_verify_page_refuses_non_pdf_uploads(client, organizer, game):
    from tests.jobs.support import solo_event
    from tournaments.services import certificates

    tournament, regs = solo_event(organizer, game)
    certificate = certificates.issue(tournament.pk, actor=organizer, kind="champion", registration_id=regs[0].pk)
    url = reverse("certificate_verify", args=[certificate.code])
    response = client.post(url, {"file": SimpleUploadedFile("c.pdf", _gif_polyglot())})
    assert "Upload the certificate as a PDF file." in _text(response)
