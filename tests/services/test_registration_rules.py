"""Registration rules: game IDs unique per tournament, team rosters (sizes, one team per player, the
check-in lock), the ordered waitlist and its automatic promotions."""
from datetime import timedelta

import pytest

from tests.factories import enter, make_player, make_tournament
from tournaments.models import AuditLog, Notification, Registration, TeamMembership
from tournaments.services import DomainError, checkin, registrations, schedules, setup

pytestmark = pytest.mark.django_db
S = Registration.Status
ROLE = TeamMembership.Role


def _player(name, game=None, gid=None):
    return setup.create_player(actor=None, display_name=name, email=f"{name.lower().replace(' ', '.')}@example.com",
                               game_ids={game.slug: gid} if game and gid else {})


def _team(team_game, tag, ids, subs=()):
    """A Valorant team whose players have the given Riot IDs (first is the captain)."""
    players = [_player(f"{tag} {i}", team_game, gid) for i, gid in enumerate(ids)]
    substitutes = [_player(f"{tag} sub {i}", team_game, gid) for i, gid in enumerate(subs)]
    return setup.create_team(actor=None, game=team_game, name=f"Team {tag}", tag=tag, captain=players[0],
                             players=players[1:], substitutes=substitutes)


@pytest.fixture
def team_cup(organizer, team_game):
    return make_tournament(organizer, team_game, participation="team", slug="team-cup", name="Team Cup")


# ---- game IDs ------------------------------------------------------------------------------------------------

def test_solo_duplicate_game_id_is_refused_naming_the_clash(tournament, game):
    first = _player("Rafiq", game, "123456789")
    registrations.register(tournament, player=first)
    twin = _player("Rafiq Two", game, " 123456789 ")
    with pytest.raises(DomainError) as exc:
        registrations.register(tournament, player=twin)
    assert exc.value.code == "game_id_taken"
    assert "123456789 of Rafiq Two is already used by Rafiq" in str(exc.value)
    assert not Registration.objects.filter(player=twin).exists()


def test_same_game_id_is_fine_in_another_tournament_and_after_withdrawal(organizer, tournament, game):
    first = _player("Rafiq", game, "123456789")
    reg = registrations.register(tournament, player=first)
    other = make_tournament(organizer, game, slug="other-cup")
    twin = _player("Twin", game, "123456789")
    assert registrations.register(other, player=twin).status == S.CONFIRMED
    registrations.withdraw(reg.pk, actor=organizer, reason="Left")
    assert registrations.register(tournament, player=twin).status == S.CONFIRMED  # withdrawn entries hold no ID


def test_malformed_game_id_is_refused_with_the_format(tournament, game):
    player = make_player("Bad Id")
    player.game_ids = {game.slug: "12ab"}  # as an import might have left it
    player.save()
    with pytest.raises(DomainError, match=r"Bad Id: “12ab” is not a valid Konami ID \(9–12 digits\), e.g. 123456789."):
        registrations.register(tournament, player=player)


def test_riot_ids_clash_case_insensitively_across_teams(team_cup, team_game):
    registrations.register(team_cup, team=_team(team_game, "AAA", ["Zed#EUW1", "Ana#EUW1"]))
    clash = _team(team_game, "BBB", ["Kai#NA1", "zed#euw1"])
    with pytest.raises(DomainError) as exc:
        registrations.register(team_cup, team=clash)
    assert "ID zed#euw1 of BBB 1 is already used by AAA 0 (Team AAA, registration #" in str(exc.value)


def test_two_players_of_one_team_with_the_same_id_are_refused(team_cup, team_game):
    team = _team(team_game, "DUP", ["Zed#EUW1", "Ana#EUW1"])
    setup.set_member(team, actor=None, player=_player("Copy", team_game, "ZED#EUW1"), role=ROLE.SUBSTITUTE)
    with pytest.raises(DomainError, match="DUP 0 and Copy have the same Valorant ID"):
        registrations.register(team_cup, team=team)


# ---- rosters -------------------------------------------------------------------------------------------------

def test_player_in_two_teams_of_one_tournament_is_refused(team_cup, team_game):
    alpha = _team(team_game, "ALP", ["Cap#ALP1", "Mid#ALP1"])
    registrations.register(team_cup, team=alpha)
    beta = _team(team_game, "BET", ["Cap#BET1"])
    shared = alpha.memberships.get(role=ROLE.PLAYER).player
    setup.set_member(beta, actor=None, player=shared, role=ROLE.PLAYER)  # not entered anywhere yet: allowed
    with pytest.raises(DomainError) as exc:
        registrations.register(team_cup, team=beta)
    assert exc.value.code == "two_teams" and "ALP 1 already plays for Team ALP in Team Cup" in str(exc.value)


def test_adding_a_player_of_another_entered_team_is_refused(team_cup, team_game):
    alpha = _team(team_game, "ALP", ["Cap#ALP1", "Mid#ALP1"])
    beta = _team(team_game, "BET", ["Cap#BET1"])
    registrations.register(team_cup, team=alpha)
    registrations.register(team_cup, team=beta)
    shared = alpha.memberships.get(role=ROLE.PLAYER).player
    with pytest.raises(DomainError, match="already plays for Team ALP"):
        setup.set_member(beta, actor=None, player=shared, role=ROLE.SUBSTITUTE)
    assert not beta.memberships.filter(player=shared).exists()


def test_roster_minimum_at_registration_and_at_confirmation(organizer, team_game):
    team_game.min_players = 3
    team_game.save()
    cup = make_tournament(organizer, team_game, participation="team", slug="min-cup", requires_approval=True)
    small = _team(team_game, "SML", ["Ace#SML1", "Bee#SML1"])
    with pytest.raises(DomainError) as exc:
        registrations.register(cup, team=small)
    assert "Team SML needs at least 3 players (captain included, substitutes not)" in str(exc.value)
    ok = _team(team_game, "OKK", ["Ace#OKK1", "Bee#OKK1", "Cee#OKK1"])
    reg = registrations.register(cup, team=ok)
    setup.remove_member(ok, actor=organizer, player=ok.memberships.filter(role=ROLE.PLAYER).first().player)
    with pytest.raises(DomainError, match="needs at least 3 players"):
        registrations.approve(reg.pk, actor=organizer)
    reg.refresh_from_db()
    assert reg.status == S.PENDING


def test_roster_maximums_hold_for_substitutes(team_game):
    team = _team(team_game, "SUB", ["Ace#SUB1"], subs=["Bee#SUB1", "Cee#SUB1"])
    with pytest.raises(DomainError, match="Valorant allows 2 substitutes; this roster would have 3"):
        setup.set_member(team, actor=None, player=_player("Extra", team_game, "Dee#SUB1"), role=ROLE.SUBSTITUTE)


def test_roster_locked_after_check_in_unless_an_organizer_edits(team_cup, team_game, organizer, checkin_staff):
    setup.add_staff(team_cup.pk, actor=organizer, user=checkin_staff, role="checkin")
    team = _team(team_game, "LCK", ["Ace#LCK1", "Bee#LCK1"])
    reg = registrations.register(team_cup, team=team)
    newcomer = _player("Late", team_game, "Late#LCK1")
    setup.set_member(team, actor=checkin_staff, player=newcomer, role=ROLE.SUBSTITUTE)  # not checked in yet
    checkin.check_in(reg.pk, actor=organizer)
    other = _player("Later", team_game, "Later#LCK1")
    for actor in (checkin_staff, reg, None):
        with pytest.raises(DomainError) as exc:
            setup.set_member(team, actor=actor, player=other, role=ROLE.SUBSTITUTE)
        assert exc.value.code == "roster_locked" and "Team LCK is checked in for Team Cup" in str(exc.value)
    with pytest.raises(DomainError, match="roster is locked"):
        setup.remove_member(team, actor=checkin_staff, player=newcomer)
    assert not AuditLog.objects.filter(action="registration.roster_locked_edit").exists()

    setup.remove_member(team, actor=organizer, player=newcomer)
    setup.set_member(team, actor=organizer, player=other, role=ROLE.SUBSTITUTE)
    entries = AuditLog.objects.filter(action="registration.roster_locked_edit").order_by("pk")
    assert [e.metadata for e in entries] == [{"player": newcomer.pk, "removed": True}, {"player": other.pk, "role": "substitute"}]
    assert all(e.actor == organizer and e.target_id == str(reg.pk) and e.tournament == team_cup for e in entries)


# ---- the waitlist --------------------------------------------------------------------------------------------

def _positions(tournament):
    return list(Registration.objects.filter(tournament=tournament, status=S.WAITLISTED)
                .order_by("waitlist_position").values_list("pk", "waitlist_position"))


def test_withdrawal_promotes_the_head_and_closes_the_gap(tournament, organizer):
    regs = enter(tournament, 11)  # capacity 8: three waiting
    confirmed, waiting = regs[:8], regs[8:]
    registrations.withdraw(confirmed[0].pk, actor=confirmed[0], reason="Busy")
    head = Registration.objects.get(pk=waiting[0].pk)
    assert head.status == S.CONFIRMED and head.waitlist_position is None
    assert Notification.objects.filter(registration=head, kind="registration.promoted").exists()
    assert _positions(tournament) == [(waiting[1].pk, 1), (waiting[2].pk, 2)]
    registrations.withdraw(waiting[1].pk, actor=organizer, reason="Gave up")
    assert _positions(tournament) == [(waiting[2].pk, 1)]


def test_disqualification_and_no_show_promote(tournament, organizer):
    regs = enter(tournament, 10)
    registrations.disqualify(regs[0].pk, actor=organizer, reason="Cheating")
    assert Registration.objects.get(pk=regs[8].pk).status == S.CONFIRMED
    for reg in regs[1:8]:
        checkin.check_in(reg.pk, actor=organizer)
    checkin.check_in(regs[8].pk, actor=organizer)
    registrations.withdraw(regs[1].pk, actor=organizer, reason="Left")  # regs[9] promoted, not checked in
    assert Registration.objects.get(pk=regs[9].pk).status == S.CONFIRMED
    spare = enter(tournament, 1)[0]
    assert spare.waitlist_position == 1
    schedules.close_check_in(tournament.check_in_closes_at + timedelta(minutes=1))
    assert Registration.objects.get(pk=regs[9].pk).status == S.DISQUALIFIED  # the no-show
    assert Registration.objects.get(pk=spare.pk).status == S.CONFIRMED  # promoted into the freed place


def test_rejection_frees_a_place_for_the_waitlist(organizer, game):
    cup = make_tournament(organizer, game, slug="reject-cup", capacity=2, requires_approval=True)
    first, second, third = enter(cup, 3)
    registrations.approve(first.pk, actor=organizer)
    registrations.approve(second.pk, actor=organizer)
    registrations.move_to_waitlist(third.pk, actor=organizer)
    registrations.withdraw(second.pk, actor=organizer, reason="Left")
    third.refresh_from_db()
    assert third.status == S.PENDING  # approval events promote to review, not straight in
    registrations.reject(third.pk, actor=organizer, reason="Not eligible")
    assert Registration.objects.filter(tournament=cup, status=S.WAITLISTED).count() == 0


def test_organizer_reorders_the_waitlist(tournament, organizer, other_organizer):
    regs = enter(tournament, 12)
    a, b, c, d = regs[8:]
    registrations.move_in_waitlist(d.pk, actor=organizer, position=1)
    assert _positions(tournament) == [(d.pk, 1), (a.pk, 2), (b.pk, 3), (c.pk, 4)]
    registrations.move_down(d.pk, actor=organizer)
    registrations.move_up(c.pk, actor=organizer)
    assert _positions(tournament) == [(a.pk, 1), (d.pk, 2), (c.pk, 3), (b.pk, 4)]
    assert Notification.objects.filter(registration=d, kind="registration.waitlist_moved").count() == 2
    move = AuditLog.objects.filter(action="registration.waitlist_move", target_id=str(d.pk)).order_by("pk").first()
    assert move.metadata == {"from": 4, "to": 1}
    for bad in (0, 5, "x"):
        with pytest.raises(DomainError, match="position"):
            registrations.move_in_waitlist(a.pk, actor=organizer, position=bad)
    with pytest.raises(DomainError, match="not on the waitlist"):
        registrations.move_in_waitlist(regs[0].pk, actor=organizer, position=1)
    with pytest.raises(DomainError, match="not allowed"):
        registrations.move_in_waitlist(a.pk, actor=other_organizer, position=2)
    assert _positions(tournament) == [(a.pk, 1), (d.pk, 2), (c.pk, 3), (b.pk, 4)]
    registrations.withdraw(regs[0].pk, actor=organizer, reason="Left")
    assert Registration.objects.get(pk=a.pk).status == S.CONFIRMED  # the reordered head goes first
    assert _positions(tournament) == [(d.pk, 1), (c.pk, 2), (b.pk, 3)]


def test_promote_by_hand_respects_capacity(tournament, organizer):
    regs = enter(tournament, 10)
    with pytest.raises(DomainError, match="is full"):
        registrations.promote(regs[9].pk, actor=organizer)
    registrations.withdraw(regs[0].pk, actor=organizer, reason="Left")  # regs[8] promoted automatically
    assert Registration.objects.filter(tournament=tournament, status=S.CONFIRMED).count() == 8
    assert _positions(tournament) == [(regs[9].pk, 1)]

