"""Players and teams: an organizer sees only people taking part in their tournaments or created by
them; people forms write through services."""
import pytest
from django.urls import reverse

from tests.factories import enter, make_tournament
from tournaments.models import AuditLog, Player, Team
from tournaments.services import setup

pytestmark = pytest.mark.django_db


def test_organizer_sees_only_their_entrants_and_creations(client, organizer, other_organizer, game):
    mine = make_tournament(organizer, game, slug="mine")
    theirs = make_tournament(other_organizer, game, slug="theirs")
    (my_reg,) = enter(mine)
    (their_reg,) = enter(theirs)
    created = setup.create_player(actor=organizer, display_name="Walk-in", email="walkin@example.com")
    client.force_login(organizer)
    listed = {p.pk for p in client.get(reverse("admin:tournaments_player_changelist")).context["cl"].result_list}
    assert listed == {my_reg.player_id, created.pk}
    assert client.get(reverse("admin:tournaments_player_change", args=[their_reg.player_id])).status_code in (302, 404)
    assert client.get(reverse("admin:tournaments_player_history", args=[their_reg.player_id])).status_code == 404
    found = client.get(reverse("admin:autocomplete"), {"app_label": "tournaments", "model_name": "registration",
                                                      "field_name": "player", "term": "Player"}).json()
    assert {int(r["id"]) for r in found["results"]} <= {my_reg.player_id, created.pk}


def test_player_add_goes_through_the_service(client, organizer):
    client.force_login(organizer)
    response = client.post(reverse("admin:tournaments_player_add"),
                           {"display_name": "Rafiq", "email": "RAFIQ@Example.com", "phone": "", "country": "BD", "game_ids": "{}"})
    assert response.status_code == 302, response.content.decode()[:2000]
    player = Player.objects.get(display_name="Rafiq")
    assert player.email == "rafiq@example.com"  # normalised by the service
    assert AuditLog.objects.filter(action="player.create", actor=organizer, target_id=str(player.pk)).exists()
    response = client.post(reverse("admin:tournaments_player_add"),
                           {"display_name": "Zed", "email": "", "phone": "", "country": "", "game_ids": '{"efootball": "12"}'},
                           follow=True)
    assert not Player.objects.filter(display_name="Zed").exists()


def test_team_roster_rules_apply_in_the_admin(client, organizer, team_game):
    captain = setup.create_player(actor=organizer, display_name="Cap")
    client.force_login(organizer)
    response = client.post(reverse("admin:tournaments_team_add"), {
        "name": "Nova", "tag": "nova", "game": team_game.pk, "captain": captain.pk,
        "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0, "memberships-MIN_NUM_FORMS": 0,
        "memberships-MAX_NUM_FORMS": 1000})
    assert response.status_code == 302, response.content.decode()[:2000]
    team = Team.objects.get(tag="NOVA")
    assert team.memberships.get().player == captain
    assert AuditLog.objects.filter(action="team.create", actor=organizer).exists()
