"""Certificates: PDF text in any script, a QR code that decodes to the verify URL, the public verify
page (valid / revoked / tampered upload), regenerate, and the batch job with progress."""
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader

from tests.factories import make_player, make_tournament
from tests.jobs.support import complete_with_placements, drain
from tournaments import certificate_pdf
from tournaments.models import AuditLog, Certificate, JobRun, Notification
from tournaments.services import DomainError, certificates, registrations

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_rq")]

NAMES = ["Zed Latin", "Алексей Смирнов", "সাকিব আল হাসান"]


def pdf_of(certificate) -> bytes:
    with certificate.file.open("rb") as handle:
        return handle.read()


def text_of(data: bytes) -> str:
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


def qr_grid(data: bytes) -> list[list[bool]]:
    """Rebuild the QR module grid from the PDF's QR form XObject: its rectangles, placed by the
    translations (``1 0 0 1 0 dy cm``) that move from row to row."""
    page = PdfReader(io.BytesIO(data)).pages[0]
    forms = page["/Resources"]["/XObject"]
    form = next(forms[name].get_object() for name in forms if "qr" in name)
    size = int(float(form["/BBox"][2]))
    grid = [[False] * size for _ in range(size)]
    offset = 0
    for dy, x, y, w, h in re.findall(rb"1 0 0 1 0 (-?\d+) cm|(\d+) (\d+) (\d+) (\d+) re", form.get_data()):
        if dy:
            offset += int(dy)
            continue
        assert int(h) == 1
        row = size - 1 - (offset + int(y))
        for col in range(int(x), int(x) + int(w)):
            grid[row][col] = True
    return grid


def decode(grid) -> str:
    import zxingcpp

    scale, quiet = 8, 4
    n = len(grid)
    image = Image.new("L", ((n + 2 * quiet) * scale,) * 2, 255)
    pixels = image.load()
    for r, row in enumerate(grid):
        for c, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    for dx in range(scale):
                        pixels[(c + quiet) * scale + dx, (r + quiet) * scale + dy] = 0
    results = zxingcpp.read_barcodes(image)
    assert results, "no QR code found"
    return results[0].text


@pytest.fixture
def finished(organizer, game):
    tournament = make_tournament(organizer, game, name="Dhaka Cup", slug="dhaka-cup")
    players = [make_player(name) for name in NAMES] + [make_player("Fourth Person")]
    regs = [registrations.register(tournament, player=p) for p in players]
    tournament = complete_with_placements(organizer, tournament, [(r, i + 1) for i, r in enumerate(regs)])
    return tournament, regs


def test_batch_issues_every_certificate_with_names_in_any_script(organizer, finished, django_capture_on_commit_callbacks):
    tournament, regs = finished
    with django_capture_on_commit_callbacks(execute=True):
        job_id = certificates.start_batch(tournament.pk, actor=organizer)
    drain()
    issued = {c.registration_id: c for c in Certificate.objects.filter(tournament=tournament)}
    assert [issued[r.pk].kind for r in regs] == ["champion", "runner_up", "third_place", "participant"]
    for reg, name in zip(regs, NAMES):
        certificate = issued[reg.pk]
        data = pdf_of(certificate)
        assert data.startswith(b"%PDF-") and certificates.sha256_of(data) == certificate.sha256
        text = text_of(data)
        assert name in text, text
        assert "Dhaka Cup" in text and "eFootball" in text and "organised by alice" in text
        assert certificate.get_kind_display() in text
        page = PdfReader(io.BytesIO(data)).pages[0]
        assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
    run = JobRun.objects.get(job_id=job_id)
    assert run.status == JobRun.Status.FINISHED and run.progress == {"done": 4, "total": 4, "message": "4 of 4 certificates"}
    assert Notification.objects.filter(kind="certificate.ready").count() == 4
    assert AuditLog.objects.filter(action="certificate.issue").count() == 4
    # a second batch adds nothing
    with django_capture_on_commit_callbacks(execute=True):
        certificates.start_batch(tournament.pk, actor=organizer)
    drain()
    assert Certificate.objects.count() == 4


def test_the_qr_code_decodes_to_the_verify_url(organizer, finished):
    tournament, regs = finished
    certificate = certificates.issue(tournament.pk, actor=organizer, kind="champion", registration_id=regs[0].pk)
    url = f"https://cc.example.org/verify/{certificate.code}/"
    grid = qr_grid(pdf_of(certificate))
    assert grid == certificate_pdf.qr_matrix(url) and len(grid) == 33  # version 4 at level M
    assert decode(grid) == url


def test_verify_page_valid_and_upload_checks(client, organizer, finished):
    tournament, regs = finished
    certificate = certificates.issue(tournament.pk, actor=organizer, kind="runner_up", registration_id=regs[1].pk)
    url = f"/verify/{certificate.code}/"
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and 'data-status="valid"' in html
    assert "Алексей Смирнов" in html and "Dhaka Cup" in html
    assert "@example.com" not in html and "alice" not in html  # no personal data beyond the display name
    data = pdf_of(certificate)
    same = client.post(url, {"file": SimpleUploadedFile("c.pdf", data, content_type="application/pdf")})
    assert 'data-upload="match"' in same.content.decode() and 'data-status="valid"' in same.content.decode()
    altered = data.replace(b"Dhaka Cup", b"Dhaka Cuq", 1) if b"Dhaka Cup" in data else data[:-10] + b"%%EOF\n    "
    forged = client.post(url, {"file": SimpleUploadedFile("c.pdf", altered, content_type="application/pdf")})
    assert 'data-status="tampered"' in forged.content.decode() and 'data-upload="mismatch"' in forged.content.decode()
    not_pdf = client.post(url, {"file": SimpleUploadedFile("c.pdf", b"hello", content_type="application/pdf")})
    assert "Upload the certificate as a PDF file." in not_pdf.content.decode()
    assert client.get("/verify/no-such-code/").status_code == 404


def test_verify_upload_size_limit_and_csrf(client, organizer, finished, settings):
    tournament, regs = finished
    certificate = certificates.issue(tournament.pk, actor=organizer, kind="champion", registration_id=regs[0].pk)
    settings.CERTIFICATE_UPLOAD_MAX_BYTES = 1024
    big = client.post(f"/verify/{certificate.code}/", {"file": SimpleUploadedFile("c.pdf", b"%PDF-" + b"x" * 5000)})
    assert "larger than" in big.content.decode()
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/verify/{certificate.code}/", {"file": SimpleUploadedFile("c.pdf", b"%PDF-1")}).status_code == 403


def test_a_stored_file_altered_on_disk_shows_tampered(client, organizer, finished):
    tournament, regs = finished
    certificate = certificates.issue(tournament.pk, actor=organizer, kind="champion", registration_id=regs[0].pk)
    with open(certificate.file.path, "ab") as handle:
        handle.write(b"\n% edited")
    assert 'data-status="tampered"' in client.get(f"/verify/{certificate.code}/").content.decode()


def test_revoke_shows_the_reason_and_regenerate_replaces(client, organizer, finished):
    tournament, regs = finished
    certificate = certificates.issue(tournament.pk, actor=organizer, kind="champion", registration_id=regs[0].pk)
    certificates.revoke(certificate.pk, actor=organizer, reason="Result overturned after appeal")
    html = client.get(f"/verify/{certificate.code}/").content.decode()
    assert 'data-status="revoked"' in html and "Result overturned after appeal" in html
    with pytest.raises(DomainError, match="was already revoked on .*: Result overturned after appeal"):
        certificates.revoke(certificate.pk, actor=organizer, reason="again")

    second = certificates.issue(tournament.pk, actor=organizer, kind="champion", registration_id=regs[0].pk)
    new = certificates.regenerate(second.pk, actor=organizer, reason="Name corrected")
    second.refresh_from_db()
    assert second.status == Certificate.Status.REVOKED and second.replaced_by == new and new.code in second.revoke_reason
    assert new.status == Certificate.Status.ISSUED and new.code != second.code and new.sha256 != second.sha256
    assert [h.status for h in second.history.order_by("history_id")][:2] == ["issued", "revoked"]


def test_issue_refusals(organizer, other_organizer, finished, game):
    tournament, regs = finished
    with pytest.raises(DomainError, match="finished 2nd; a champion certificate does not match"):
        certificates.issue(tournament.pk, actor=organizer, kind="champion", registration_id=regs[1].pk)
    with pytest.raises(DomainError, match="not allowed"):
        certificates.issue(tournament.pk, actor=other_organizer, kind="champion", registration_id=regs[0].pk)
    certificates.issue(tournament.pk, actor=organizer, kind="champion", registration_id=regs[0].pk)
    with pytest.raises(DomainError, match="already holds a champion certificate"):
        certificates.issue(tournament.pk, actor=organizer, kind="champion", registration_id=regs[0].pk)
    open_one = make_tournament(organizer, game, slug="still-open")
    with pytest.raises(DomainError, match="certificates are issued once it is completed"):
        certificates.start_batch(open_one.pk, actor=organizer)


def test_mvp_certificate_for_a_player(organizer, finished):
    tournament, regs = finished
    mvp = certificates.issue(tournament.pk, actor=organizer, kind="mvp", player_id=regs[2].player_id)
    assert mvp.display_name == "সাকিব আল হাসান" and "Most valuable player" in text_of(pdf_of(mvp))
    with pytest.raises(DomainError, match="must be a player of"):
        certificates.issue(tournament.pk, actor=organizer, kind="mvp", player_id=make_player("Stranger").pk)


def test_missing_font_falls_back_to_helvetica_with_a_warning(settings, caplog):
    from tournaments import certificate_pdf

    settings.CERTIFICATE_FONTS = [("CCMissing", "/nonexistent/Font.ttf", "/nonexistent/Font-Bold.ttf")]
    saved = certificate_pdf._faces
    certificate_pdf._faces = None
    try:
        with caplog.at_level("WARNING"):
            assert certificate_pdf.runs("Zed") == [("Helvetica", "Zed")]
        assert "Certificate font CCMissing is missing" in caplog.text
        data = certificate_pdf.render(certificate_pdf.CertificateText("H", "A", "p", "Zed", "r", "d", "v", "https://x/", "c"))
        assert "Zed" in text_of(data)
    finally:
        certificate_pdf._faces = saved
