"""Per-object timeline (history + audit) and audit entries that link to their objects."""
import pytest
from django.urls import reverse

from tests.factories import enter
from tournaments.services import registrations

pytestmark = pytest.mark.django_db


def test_timeline_merges_history_and_audit(client, organizer, approval_tournament):
    (reg,) = enter(approval_tournament)
    registrations.reject(reg.pk, actor=organizer, reason="Smurf <b>account</b>")
    client.force_login(organizer)
    change = client.get(reverse("admin:tournaments_registration_change", args=[reg.pk])).content.decode()
    url = reverse("admin:tournaments_registration_action_timeline", args=[reg.pk])
    assert url in change
    body = client.get(url).content.decode()
    assert "registration.reject" in body and "reject: pending → rejected" in body
    assert "Smurf &lt;b&gt;account&lt;/b&gt;" in body  # user text escaped
    assert "pending" in body and "rejected" in body  # the status diff


def test_timeline_is_scoped(client, other_organizer, approval_tournament):
    (reg,) = enter(approval_tournament)
    client.force_login(other_organizer)
    assert client.get(reverse("admin:tournaments_registration_action_timeline", args=[reg.pk])).status_code == 404


def test_audit_entries_link_to_the_object(client, organizer, approval_tournament):
    (reg,) = enter(approval_tournament)
    registrations.approve(reg.pk, actor=organizer)
    client.force_login(organizer)
    body = client.get(reverse("admin:tournaments_auditlog_changelist")).content.decode()
    assert reverse("admin:tournaments_registration_action_timeline", args=[reg.pk]) in body


def test_clone_and_restore_from_the_tournament_page(client, organizer, tournament):
    from tournaments.models import Tournament
    from tournaments.services import setup

    client.force_login(organizer)
    clone_url = reverse("admin:tournaments_tournament_action_clone", args=[tournament.pk])
    assert "Weekly Cup (copy)" in client.get(clone_url).content.decode()
    response = client.post(clone_url, {"name": "Weekly Cup #2", "slug": "weekly-cup-2", "shift_days": 7, "confirm": "1"},
                           follow=True)
    assert "was created as a draft" in response.content.decode()
    assert Tournament.objects.get(slug="weekly-cup-2").status == Tournament.Status.DRAFT
    original = tournament.history.order_by("history_date").first()
    setup.update_tournament(tournament.pk, actor=organizer, capacity=30)
    restore_url = reverse("admin:tournaments_tournament_action_restore_version", args=[tournament.pk])
    response = client.post(restore_url, {"version": original.history_id, "reason": "Back to 8", "confirm": "1"}, follow=True)
    tournament.refresh_from_db()
    assert tournament.capacity == 8 and tournament.status == Tournament.Status.REGISTRATION_OPEN
