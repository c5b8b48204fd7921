"""Battle-royale lobbies: generated, results entered with the game's points table, placements."""
import pytest
from django.urls import reverse

from tests.factories import enter, make_tournament
from tournaments.models import AuditLog, Game, Lobby, Placement, Tournament
from tournaments.services import DomainError, brackets, lobbies
from tournaments.services import tournaments as tournament_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def br_game(db):
    return Game.objects.create(name="Free Fire", slug="free-fire", team_size=4, max_substitutes=1, id_format="mobile_uid",
                               result_type="points", br_points_table=[12, 9, 7, 5, 4, 3, 2, 1], br_points_per_kill=1)


def _event(organizer, br_game, n=12):
    t = make_tournament(organizer, br_game, capacity=n, slug=f"br-{n}", format="battle_royale")
    enter(t, n)
    tournament_services.close_registration(t.pk, actor=organizer)
    return t


def _results_by_seed(lobby, stage):
    rank = {pk: i for i, pk in enumerate(stage.seeds)}
    ordered = sorted(lobby.entries.all(), key=lambda e: rank[e.registration_id])
    return [(e.registration_id, place, 3 if place == 1 else 0) for place, e in enumerate(ordered, start=1)]


def test_lobbies_generated_and_points_follow_the_table(organizer, br_game):
    t = _event(organizer, br_game)
    stage = brackets.generate(t.pk, actor=organizer, options={"lobby_size": 6, "rounds": 2})
    assert stage.lobbies.count() == 4 and all(lobby.entries.count() == 6 for lobby in stage.lobbies.all())
    lobby = stage.lobbies.get(key="BR.R1.L1")
    lobbies.record_results(lobby.pk, actor=organizer, rows=_results_by_seed(lobby, stage))
    winner = lobby.entries.get(placement=1)
    assert winner.points == 12 + 3  # 1st place with 3 kills
    assert lobby.entries.get(placement=6).points == 3
    assert AuditLog.objects.filter(action="lobby.results", target_id=str(lobby.pk)).exists()


def test_bad_results_are_refused_and_change_nothing(organizer, br_game):
    t = _event(organizer, br_game, 6)
    stage = brackets.generate(t.pk, actor=organizer, options={"lobby_size": 6, "rounds": 1})
    lobby = stage.lobbies.get()
    rows = _results_by_seed(lobby, stage)
    cases = [
        (rows[:-1], "missing"),
        (rows[:-1] + [(rows[0][0], 6, 0)], "twice"),
        ([(r, 1, k) for r, _p, k in rows], "both finish #1"),
        (rows[:-1] + [(rows[-1][0], 7, 0)], "out of range"),
        (rows[:-1] + [(999999, 6, 0)], "not in this lobby"),
        (rows[:-1] + [(rows[-1][0], 6, -1)], "Kills"),
        (rows[:-1] + [(rows[-1][0], "x", 0)], "whole numbers"),
    ]
    for bad, message in cases:
        with pytest.raises(DomainError, match=message):
            lobbies.record_results(lobby.pk, actor=organizer, rows=bad)
    lobby.refresh_from_db()
    assert lobby.status == Lobby.Status.SCHEDULED and not lobby.entries.filter(placement__isnull=False).exists()


def test_all_lobbies_done_gives_placements_and_completes(organizer, br_game):
    t = _event(organizer, br_game)
    stage = brackets.generate(t.pk, actor=organizer, options={"lobby_size": 6, "rounds": 2})
    tournament_services.start(t.pk, actor=organizer)
    for lobby in stage.lobbies.order_by("id"):
        lobbies.record_results(lobby.pk, actor=organizer, rows=_results_by_seed(lobby, stage))
    t.refresh_from_db()
    assert t.status == Tournament.Status.COMPLETED
    assert Placement.objects.filter(tournament=t).count() == 12
    rows = lobbies.standings(stage)
    assert rows[0].points >= rows[1].points and rows[0].decided_by


def test_correction_needs_a_reason(organizer, br_game):
    t = _event(organizer, br_game, 6)
    stage = brackets.generate(t.pk, actor=organizer, options={"lobby_size": 6, "rounds": 2})
    lobby = stage.lobbies.get(key="BR.R1.L1")
    rows = _results_by_seed(lobby, stage)
    lobbies.record_results(lobby.pk, actor=organizer, rows=rows)
    swapped = [(rows[1][0], 1, 0), (rows[0][0], 2, 0)] + rows[2:]
    with pytest.raises(DomainError, match="reason"):
        lobbies.record_results(lobby.pk, actor=organizer, rows=swapped)
    lobbies.record_results(lobby.pk, actor=organizer, rows=swapped, reason="Kill feed review")
    assert lobby.entries.get(placement=1).registration_id == rows[1][0]
    assert AuditLog.objects.filter(action="lobby.correct", reason="Kill feed review").exists()


def test_results_form_in_the_command_center(client, organizer, other_organizer, br_game):
    t = _event(organizer, br_game, 6)
    stage = brackets.generate(t.pk, actor=organizer, options={"lobby_size": 6, "rounds": 1})
    lobby = stage.lobbies.get()
    url = reverse("admin_ui:lobby_results", args=[t.pk, lobby.pk])
    client.force_login(other_organizer)
    assert client.get(url).status_code == 404
    client.force_login(organizer)
    page = client.get(reverse("admin_ui:tournament_bracket", args=[t.pk])).content.decode()
    assert url in page and 'data-key="BR.R1.L1"' in page
    data = {}
    for registration_id, place, kills in _results_by_seed(lobby, stage):
        data[f"placement_{registration_id}"] = place
        data[f"kills_{registration_id}"] = kills
    bad = dict(data)
    first = next(iter(k for k in bad if k.startswith("placement_")))
    second = [k for k in bad if k.startswith("placement_")][1]
    bad[second] = bad[first]
    response = client.post(url, bad, follow=True)
    assert "cannot both finish" in response.content.decode()
    response = client.post(url, data, follow=True)
    assert "saved" in response.content.decode()
    assert 'data-testid="br-standings"' in response.content.decode()
