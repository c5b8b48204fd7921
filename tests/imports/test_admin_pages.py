"""The Command Center import pages: upload → preview → confirm, errors, jobs and scoping."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.imports.conftest import counts, golden
from tests.jobs.support import drain
from tournaments.models import AuditLog, ImportJob, Registration

pytestmark = pytest.mark.django_db


def _upload(client, tournament, data, name="a.csv", **extra):
    form = {"kind": "registrations", "preset": "auto", "overflow": "waitlist", "reason": "", "file": SimpleUploadedFile(name, data)}
    form.update(extra)
    return client.post(reverse("admin_ui:tournament_imports", args=[tournament.pk]), form)


def test_upload_preview_confirm(client, riot_event, organizer):
    client.force_login(organizer)
    home = client.get(reverse("admin_ui:tournament_imports", args=[riot_event.pk]))
    assert home.status_code == 200 and 'data-testid="upload-form"' in home.content.decode()
    response = _upload(client, riot_event, golden("startgg_attendees.csv"), name="attendees.csv")
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.VALIDATED and job.totals["new"] == 10 and job.created_by == organizer
    page = client.get(response.url).content.decode()
    assert "Header on row 3" in page and 'data-action="new"' in page and "Import: 10 new, 0 updated" in page
    assert Registration.objects.count() == 0  # the preview writes nothing
    done = client.post(reverse("admin_ui:import_confirm", args=[riot_event.pk, job.pk]), follow=True)
    assert "Imported: 10 new, 0 updated, 0 unchanged." in done.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Registration.objects.count() == 10
    assert [h.status for h in job.history.order_by("history_id")] == ["uploaded", "validated", "importing", "done"]
    assert AuditLog.objects.filter(action="import.run", target_id=str(job.pk)).exists()
    progress = client.get(reverse("admin_ui:import_progress", args=[riot_event.pk, job.pk])).json()
    assert progress["status"] == "done" and progress["progress"] == 100 and progress["finished"] is True
    again = client.post(reverse("admin_ui:import_confirm", args=[riot_event.pk, job.pk]), follow=True)
    assert "it cannot be" in again.content.decode() and Registration.objects.count() == 10


def test_errors_are_listed_and_confirm_is_refused(client, riot_event, organizer):
    client.force_login(organizer)
    data = b"Name,Email,Riot ID\r\n" + b"".join(b"P%d,p%d@x.com,P%d#EU1\r\n" % (i, i, i) for i in range(1, 13)) + b"Zed,z@x.com,Zed\r\n"
    response = _upload(client, riot_event, data)
    page = client.get(response.url).content.decode()
    assert "row 14, column &#x27;Riot ID&#x27;: “Zed” is not a valid Riot ID (name#TAG), e.g. Zed#EUW1." in page
    assert 'data-testid="confirm-form"' not in page
    job = ImportJob.objects.get()
    before = counts()
    client.post(reverse("admin_ui:import_confirm", args=[riot_event.pk, job.pk]))
    assert counts() == before
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED


def test_skip_invalid_rows_imports_the_rest(client, riot_event, organizer):
    client.force_login(organizer)
    data = b"Name,Email,Riot ID\r\nAl,a@x.com,Al#EU1\r\nZed,z@x.com,Zed\r\nBo,b@x.com,Bo#EU1\r\n"
    response = _upload(client, riot_event, data, skip_invalid="on")
    job = ImportJob.objects.get()
    client.post(reverse("admin_ui:import_confirm", args=[riot_event.pk, job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.totals == {"new": 2, "updated": 0, "skipped": 0, "invalid": 1, "rows": 3}
    assert set(Registration.objects.values_list("player__display_name", flat=True)) == {"Al", "Bo"}
    assert response.status_code == 302


def test_bad_upload_is_refused_on_the_form(client, riot_event, organizer):
    client.force_login(organizer)
    response = _upload(client, riot_event, b"%PDF-1.4", name="a.pdf")
    assert response.status_code == 200 and "“a.pdf” is not a CSV or Excel (.xlsx) file." in response.content.decode()
    assert not ImportJob.objects.exists()


def test_unreadable_file_fails_the_job_with_its_message(client, riot_event, organizer):
    client.force_login(organizer)
    response = _upload(client, riot_event, b"Name,Email\r\n")
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert "The file has a header row (row 1) but no rows below it." in client.get(response.url).content.decode()


@pytest.mark.django_db(transaction=True)
def test_large_file_runs_as_jobs(client, riot_event, organizer, clean_rq):
    client.force_login(organizer)
    data = b"Name,Email,Riot ID\r\n" + b"".join(b"Player%d,p%d@x.com,P%d#EU1\r\n" % (i, i, i) for i in range(1, 2501))
    assert len(data) > 64 * 1024
    response = _upload(client, riot_event, data)
    drain()
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.VALIDATED and job.totals["new"] == 2500
    assert 'data-testid="confirm-form"' in client.get(response.url).content.decode()
    client.post(reverse("admin_ui:import_confirm", args=[riot_event.pk, job.pk]))
    job.refresh_from_db()
    if job.status == ImportJob.Status.IMPORTING:
        page = client.get(response.url).content.decode()
        assert 'data-testid="import-progress"' in page
    drain()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Registration.objects.filter(tournament=riot_event).count() == 2500
    assert Registration.objects.filter(status=Registration.Status.CONFIRMED).count() == 64
    assert Registration.objects.filter(status=Registration.Status.WAITLISTED).count() == 2436


def test_other_organizer_gets_404_everywhere(client, riot_event, organizer, other_organizer):
    client.force_login(organizer)
    _upload(client, riot_event, golden("startgg_attendees.csv"))
    job = ImportJob.objects.get()
    client.force_login(other_organizer)
    urls = [reverse("admin_ui:tournament_imports", args=[riot_event.pk]),
            reverse("admin_ui:import_detail", args=[riot_event.pk, job.pk]),
            reverse("admin_ui:import_progress", args=[riot_event.pk, job.pk]),
            reverse("admin_ui:tournament_export", args=[riot_event.pk, "registrations", "csv"]),
            reverse("admin_ui:tournament_export", args=[riot_event.pk, "results", "csv"])]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("admin_ui:import_confirm", args=[riot_event.pk, job.pk])).status_code == 404
    assert _upload(client, riot_event, golden("startgg_attendees.csv")).status_code == 404
    assert ImportJob.objects.count() == 1 and Registration.objects.count() == 0


def test_a_job_of_one_tournament_is_not_found_under_another(client, riot_event, tournament, organizer):
    client.force_login(organizer)
    _upload(client, riot_event, golden("startgg_attendees.csv"))
    job = ImportJob.objects.get()
    assert client.get(reverse("admin_ui:import_detail", args=[tournament.pk, job.pk])).status_code == 404


def test_moderator_cannot_import(client, riot_event, organizer, moderator):
    from tournaments.services import setup

    setup.add_staff(riot_event.pk, actor=organizer, user=moderator, role="moderator")
    client.force_login(moderator)
    assert client.get(reverse("admin_ui:tournament_imports", args=[riot_event.pk])).status_code == 404
    assert client.get(reverse("admin_ui:tournament_export", args=[riot_event.pk, "results", "csv"])).status_code == 200
    assert client.get(reverse("admin_ui:tournament_export", args=[riot_event.pk, "registrations", "csv"])).status_code == 404
