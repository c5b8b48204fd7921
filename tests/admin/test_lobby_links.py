"""Organizers send, re-send and revoke a registration's private lobby link from its page."""
import pytest
from django.urls import reverse

from tests.factories import enter
from tournaments.models import AuditLog, LobbyAccess
from tournaments.services import lobby_access

pytestmark = pytest.mark.django_db


def test_issue_shows_the_link_once_and_revoke_needs_a_reason(client, organizer, tournament, mailoutbox,
                                                             django_capture_on_commit_callbacks):
    (reg,) = enter(tournament)
    client.force_login(organizer)
    issue = reverse("admin:tournaments_registration_action_issue_link", args=[reg.pk])
    assert issue in client.get(reverse("admin:tournaments_registration_change", args=[reg.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(issue, {"confirm": "1"}, follow=True)
    body = response.content.decode()
    assert "/lobby/join/" in body and "shown once" in body
    access = LobbyAccess.objects.get(registration=reg, revoked_at__isnull=True)
    assert lobby_access.resolve(body.split("/lobby/join/")[1].split("/")[0])[0] == access
    assert any("/lobby/join/" in m.body for m in mailoutbox)
    revoke = reverse("admin:tournaments_registration_action_revoke_link", args=[reg.pk])
    response = client.post(revoke, {"reason": "", "confirm": "1"})
    assert LobbyAccess.objects.filter(registration=reg, revoked_at__isnull=True).exists()
    client.post(revoke, {"reason": "Shared on stream", "confirm": "1"})
    assert not LobbyAccess.objects.filter(registration=reg, revoked_at__isnull=True).exists()
    assert AuditLog.objects.filter(action="lobby_access.revoke", reason="Shared on stream").exists()


def test_other_organizer_cannot_issue(client, other_organizer, tournament):
    (reg,) = enter(tournament)
    client.force_login(other_organizer)
    response = client.post(reverse("admin:tournaments_registration_action_issue_link", args=[reg.pk]), {"confirm": "1"})
    assert response.status_code == 404 and not LobbyAccess.objects.exists()
