"""The admin serves the demo event and keeps organizers inside their own tournaments."""
import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from tournaments.demo import seed_demo
from tournaments.models import Dispute, Match, Payment, Registration, Tournament

pytestmark = pytest.mark.django_db

CHANGELISTS = ["tournament", "registration", "payment", "match", "dispute", "announcement", "auditlog", "player", "team", "game"]


@pytest.fixture
def demo(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    seed_demo()
    return {u.username: u for u in User.objects.all()}


def _login(client, user):
    client.force_login(user)
    return client


def test_login_page_and_redirect(client, demo):
    assert client.get("/").status_code == 302
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    response = client.post(reverse("admin:login"), {"username": "alice", "password": "alice"})
    assert response.status_code == 302


@pytest.mark.parametrize("username", ["admin", "alice", "mod", "checkin"])
def test_dashboard_renders_for_every_role(client, demo, username):
    response = _login(client, demo[username]).get(reverse("admin:index"))
    assert response.status_code == 200
    assert b"Results awaiting confirmation" in response.content


@pytest.mark.parametrize("model", CHANGELISTS)
def test_changelists_and_details_render_for_admin(client, demo, model):
    _login(client, demo["admin"])
    response = client.get(reverse(f"admin:tournaments_{model}_changelist"))
    assert response.status_code == 200


def test_detail_and_history_pages_render(client, demo):
    _login(client, demo["alice"])
    for obj in [Tournament.objects.get(slug="efootball-weekly-42"), Registration.objects.filter(tournament__organizer=demo["alice"]).first(),
                Match.objects.filter(status=Match.Status.DISPUTED).first(), Dispute.objects.first(), Payment.objects.first()]:
        name = obj._meta.model_name
        assert client.get(reverse(f"admin:tournaments_{name}_change", args=[obj.pk])).status_code == 200, name
        assert client.get(reverse(f"admin:tournaments_{name}_history", args=[obj.pk])).status_code == 200, name


def test_organizer_sees_only_own_tournaments(client, demo):
    _login(client, demo["bob"])
    response = client.get(reverse("admin:tournaments_tournament_changelist"))
    assert b"PUBG Mobile Showdown" in response.content
    assert b"Dhaka Valorant Cup" not in response.content
    response = client.get(reverse("admin:tournaments_registration_changelist"))
    assert response.context["cl"].result_count == Registration.objects.filter(tournament__organizer=demo["bob"]).count()


def test_organizer_cannot_open_another_organizers_objects_by_url(client, demo):
    _login(client, demo["bob"])
    alice_objects = [Tournament.objects.get(slug="dhaka-valorant-cup"),
                     Registration.objects.filter(tournament__slug="dhaka-valorant-cup").first(),
                     Payment.objects.filter(registration__tournament__slug="dhaka-valorant-cup").first(),
                     Match.objects.filter(tournament__slug="efootball-weekly-42").first(),
                     Dispute.objects.first()]
    for obj in alice_objects:
        name = obj._meta.model_name
        for view in ("change", "history"):
            response = client.get(reverse(f"admin:tournaments_{name}_{view}", args=[obj.pk]))
            assert response.status_code in (302, 404), (name, view)
            if response.status_code == 302:
                assert response.url == reverse("admin:index")


def test_state_fields_are_read_only_in_forms(client, demo):
    _login(client, demo["alice"])
    reg = Registration.objects.filter(tournament__organizer=demo["alice"]).first()
    response = client.get(reverse("admin:tournaments_registration_change", args=[reg.pk]))
    assert b'name="status"' not in response.content
