"""The Jobs page, the Prizes page and the new admins through the test client (both tiers)."""
import pytest
from django.urls import reverse

from tests.jobs.support import drain, solo_event
from tournaments.models import Certificate, JobRun, Payout
from tournaments.services import certificates, payouts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_rq")]


def login(client, user):
    client.force_login(user)
    return client


def test_jobs_page_lists_runs_scoped_to_the_organizer(client, organizer, other_organizer, game, django_capture_on_commit_callbacks):
    tournament, regs = solo_event(organizer, game)
    with django_capture_on_commit_callbacks(execute=True):
        certificates.start_batch(tournament.pk, actor=organizer)
    drain()
    job_id = certificates.batch_job_id(tournament.pk)
    page = login(client, organizer).get(reverse("admin_ui:jobs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-run="{job_id}"' in html and 'data-status="finished"' in html
    assert reverse("admin_ui:tournament_prizes", args=[tournament.pk]) in html  # linked to what it works on
    other = login(client, other_organizer).get(reverse("admin_ui:jobs")).content.decode()
    assert job_id not in other


def test_failed_job_shows_its_error_and_can_be_retried(client, admin_user, organizer, game, settings, django_capture_on_commit_callbacks):
    tournament, regs = solo_event(organizer, game)
    real = certificates.generate_batch
    calls = {"n": 0}

    def flaky(tournament_id):
        calls["n"] += 1
        if calls["n"] <= 4:  # the first try and its three retries (embedded retries at once)
            raise RuntimeError("font server on fire")
        return real(tournament_id)

    settings.JOBS_RETRY_INTERVALS = [0, 0, 0]
    certificates.generate_batch = flaky
    try:
        with django_capture_on_commit_callbacks(execute=True):
            certificates.start_batch(tournament.pk, actor=organizer)
        drain()
        job_id = certificates.batch_job_id(tournament.pk)
        run = JobRun.objects.get(job_id=job_id)
        assert run.status == JobRun.Status.FAILED and "font server on fire" in run.error
        html = login(client, admin_user).get(reverse("admin_ui:jobs")).content.decode()
        assert "font server on fire" in html
        assert client.get(reverse("admin_ui:job_retry", args=[job_id])).status_code == 405  # POST only
        response = client.post(reverse("admin_ui:job_retry", args=[job_id]))
        assert response.status_code == 302
        drain()
    finally:
        certificates.generate_batch = real
    assert JobRun.objects.get(job_id=job_id).status == JobRun.Status.FINISHED
    assert Certificate.objects.filter(tournament=tournament).count() == 4


def test_prizes_page_dry_run_then_pay(client, organizer, other_organizer, game, django_capture_on_commit_callbacks):
    tournament, regs = solo_event(organizer, game)
    url = reverse("admin_ui:tournament_prizes", args=[tournament.pk])
    assert login(client, other_organizer).get(url).status_code == 404
    html = login(client, organizer).get(url).content.decode()
    assert "5000.00 BDT" in html and "3000.00 BDT" in html and not Payout.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin_ui:tournament_prizes_action", args=[tournament.pk, "pay"]), {"team_split": "equal"})
    assert response.status_code == 302
    drain()
    assert Payout.objects.filter(tournament=tournament).count() == 3
    payout = Payout.objects.order_by("rank").first()
    mark = reverse("admin:tournaments_payout_action_mark_paid", args=[payout.pk])
    assert client.get(mark).status_code == 200
    client.post(mark, {"method": "bkash", "reference": "BK-77"})
    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID and payout.reference == "BK-77"
    for other in Payout.objects.exclude(pk=payout.pk):
        payouts.mark_paid(other.pk, actor=organizer, method="nagad", reference=f"NG-{other.pk}")
    assert 'data-testid="reconciled"' in client.get(url).content.decode()


def test_certificate_admin_download_is_scoped(client, organizer, other_organizer, game):
    tournament, regs = solo_event(organizer, game)
    certificate = certificates.issue(tournament.pk, actor=organizer, kind="champion", registration_id=regs[0].pk)
    url = reverse("admin:tournaments_certificate_download", args=[certificate.pk])
    response = login(client, organizer).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")
    assert login(client, other_organizer).get(url).status_code == 404
    for name in ("certificate", "payout", "walletentry", "jobrun", "webhookendpoint", "webhookdelivery"):
        assert login(client, organizer).get(reverse(f"admin:tournaments_{name}_changelist")).status_code == 200
