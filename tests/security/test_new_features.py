"""Rules for the features merged after the generic suite (issue 8 sign-up extras, issue 9 seasons,
issue 10 metrics) that the route walk alone cannot express.

- A game's all-time table (shared game, any organizer may open it) counts only tournaments the
  viewer may view: organizer B never sees organizer A's entrants there, in the page or its exports.
- Private templates are A's alone; shared ones are offered to every organizer, who may use them
  (their new tournament is theirs) but not rename, re-share or delete them.
- /metrics needs a staff login or the bearer token and carries no tournament, slug or person.
- A custom-field answer becomes a link only when it is an http(s) address.
"""
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.security.support import body_text, client_for, diff, snapshot
from tests.security.world import MARK
from tournaments.models import CustomField, Registration, Tournament, TournamentTemplate
from tournaments.services import custom_fields, templates

pytestmark = pytest.mark.django_db


def test_all_time_table_counts_only_tournaments_the_viewer_may_view(world):
    url = reverse("admin_ui:game_all_time", args=[world.game.pk])
    owner, other = client_for(world.a), client_for(world.b)
    root = client_for(User.objects.create_superuser("root_alltime", "root@example.com", "pw"))
    for suffix in ("", "?format=csv", "?format=xlsx"):
        assert MARK.lower() in body_text(owner.get(url + suffix)).lower(), suffix  # A's own results
        assert MARK.lower() in body_text(root.get(url + suffix)).lower(), suffix   # administrators: all
        response = other.get(url + suffix)
        assert response.status_code == 200 and MARK.lower() not in body_text(response).lower(), suffix


def test_private_templates_stay_private_and_shared_ones_are_used_not_changed(world):
    private = world.objects_by_name("tournamenttemplate")
    shared = templates.save_as_template(world.tournaments["done"].pk, actor=world.a, name=f"{MARK} Shared", shared=True)
    b = client_for(world.b)
    listing = body_text(b.get(reverse("admin:tournaments_tournamenttemplate_changelist")))
    assert f"{MARK} Shared" in listing and f"{MARK} Template" not in listing
    assert b.get(reverse("admin:tournaments_tournamenttemplate_change", args=[private.pk])).status_code in (302, 403, 404)

    before = snapshot()
    b.post(reverse("admin:tournaments_tournamenttemplate_change", args=[shared.pk]), {"name": "Stolen", "shared": ""})
    b.post(reverse("admin:tournaments_tournamenttemplate_delete", args=[shared.pk]), {"post": "yes"})
    assert not diff(before, snapshot())
    shared.refresh_from_db()
    assert shared.name == f"{MARK} Shared" and shared.shared

    created = templates.create_from_template(shared.pk, actor=world.b, name="Bob From Shared", slug="bob-from-shared",
                                             starts_at=timezone.now() + timezone.timedelta(days=30))
    assert created.organizer_id == world.b.pk and created.status == Tournament.Status.DRAFT
    with pytest.raises(Exception):
        templates.create_from_template(private.pk, actor=world.b, name="Bob Private", slug="bob-private",
                                       starts_at=timezone.now() + timezone.timedelta(days=30))
    assert not Tournament.objects.filter(slug="bob-private").exists()
    assert TournamentTemplate.objects.filter(pk=private.pk, owner=world.a).exists()


def test_metrics_need_staff_and_name_no_tournament(world, settings):
    settings.METRICS_TOKEN = ""
    live = world.tournaments["live"]
    owner = client_for(world.a)
    owner.get(reverse("admin_ui:tournament_command_center", args=[live.pk]))
    Client().get(reverse("lobby:page", args=[live.slug]))
    assert Client().get("/metrics").status_code == 401
    player = User.objects.create_user("not_staff", "ns@example.com", "pw")
    assert client_for(player).get("/metrics").status_code == 401
    response = client_for(world.b).get("/metrics")
    assert response.status_code == 200
    text = body_text(response)
    for secret in (live.slug, MARK, MARK.lower(), world.a.username, world.a.email, f"command-center/{live.pk}/"):
        assert secret not in text, secret


def test_url_answers_become_links_only_for_web_addresses(world):
    """A text answer kept from before the field became a URL field must not turn into a script link."""
    live = world.tournaments["live"]
    field = world.extra["custom_field"]
    registration = world.objects_by_name("registration")
    Registration.objects.filter(pk=registration.pk).update(answers={"discord": "javascript:alert(document.cookie)"})
    custom_fields.save_field(live.pk, actor=world.a, field_id=field.pk, kind=CustomField.Kind.URL)
    page = body_text(client_for(world.a).get(reverse("admin:tournaments_registration_change", args=[registration.pk])))
    assert "javascript:alert(document.cookie)" in page  # shown, as text
    assert 'href="javascript:' not in page
