"""Holes the security suite found, each pinned by a direct test."""
import pytest
from django.urls import reverse

from tests.factories import make_tournament

pytestmark = pytest.mark.django_db


def test_rq_dashboards_are_for_superusers_only(client, organizer):
    """django-rq only asks for staff; organizers are staff and could empty queues (POST) or read every
    organizer's jobs. Refused before RQ touches Redis."""
    client.force_login(organizer)
    for url in ("/admin/rq/", "/admin/rq/queues/0/", "/admin/rq/queues/0/x/", "/admin/rq/stats.json/",
                reverse("admin:django_rq_home"), reverse("admin:django_rq_jobs", args=[0])):
        assert client.get(url).status_code == 403, url
    for url in ("/admin/rq/queues/0/empty/", "/admin/rq/queues/0/requeue-all/", "/admin/rq/queues/0/x/delete/"):
        assert client.post(url, {"post": "yes"}).status_code == 403, url
    index = client.get(reverse("admin:index")).content.decode()
    assert "django_rq/dashboard" not in index


def test_anonymous_rq_pages_ask_for_login(client):
    response = client.get("/admin/rq/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_tournament_version_page_renders(client, organizer, game):
    tournament = make_tournament(organizer, game, name="Versioned")
    client.force_login(organizer)
    version = tournament.history.order_by("-history_id").first()
    url = reverse("admin:tournaments_tournament_simple_history", args=[tournament.pk, version.history_id])
    response = client.get(url)
    assert response.status_code == 200 and "Versioned" in response.content.decode()


def test_game_has_no_history_version_page(admin_user, client, game):
    client.force_login(admin_user)
    assert client.get(f"/admin/tournaments/game/{game.pk}/history/1/").status_code in (302, 404)
    assert client.get(reverse("admin:tournaments_game_history", args=[game.pk])).status_code == 200


def test_sanction_list_with_a_global_ban_renders_for_administrators(client, admin_user, organizer, game):
    """Row actions asked the tournament's role even for a global sanction (no tournament): the
    administrators' sanction list crashed (500). The lift action is offered on it to administrators only."""
    from tests.factories import make_player
    from tournaments.models import Sanction
    from tournaments.services import sanctions

    ban = sanctions.issue(actor=admin_user, player=make_player("Global Griefer"), kind="ban", reason="Fraud")
    lift = reverse("admin:tournaments_sanction_action_lift", args=[ban.pk])
    client.force_login(admin_user)
    response = client.get(reverse("admin:tournaments_sanction_changelist"))
    assert response.status_code == 200 and "Fraud" in response.content.decode() and lift in response.content.decode()
    client.force_login(organizer)
    response = client.get(reverse("admin:tournaments_sanction_changelist"))
    assert response.status_code == 200 and "Fraud" not in response.content.decode()
    assert client.post(lift, {"reason": "x"}).status_code in (302, 403, 404)
    assert Sanction.objects.get(pk=ban.pk).lifted_at is None
