"""Sanctions: who may issue them, their window and scope, and enforcement at registration, check-in
and in the lobby (page, private link, actions)."""
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import enter, make_player, make_tournament
from tests.lobby.conftest import join
from tournaments.models import AuditLog, Registration, Sanction
from tournaments.services import DomainError, PermissionDenied, checkin, lobby_access, registrations, sanctions, setup

pytestmark = pytest.mark.django_db
NOW = timezone.now


def test_who_may_sanction(organizer, other_organizer, admin_user, tournament):
    player = make_player()
    with pytest.raises(PermissionDenied, match="Only administrators"):
        sanctions.issue(actor=organizer, player=player, reason="x")
    with pytest.raises(PermissionDenied, match="not allowed"):
        sanctions.issue(actor=other_organizer, player=player, tournament=tournament, reason="x")
    with pytest.raises(DomainError, match="Give a reason"):
        sanctions.issue(actor=organizer, player=player, tournament=tournament, reason="  ")
    with pytest.raises(DomainError, match="end after it starts"):
        sanctions.issue(actor=organizer, player=player, tournament=tournament, reason="x", ends_at=NOW() - timedelta(days=1))
    assert not Sanction.objects.exists()
    local = sanctions.issue(actor=organizer, player=player, tournament=tournament, reason="Toxic")
    everywhere = sanctions.issue(actor=admin_user, player=player, reason="Fraud", kind="ban")
    assert [a.action for a in AuditLog.objects.filter(action="sanction.issue").order_by("id")] == ["sanction.issue"] * 2
    with pytest.raises(PermissionDenied):
        sanctions.lift(everywhere.pk, actor=organizer, reason="sorry")
    sanctions.lift(local.pk, actor=organizer, reason="Apologised")
    with pytest.raises(DomainError, match="already lifted"):
        sanctions.lift(local.pk, actor=organizer, reason="again")


def test_registration_refused_with_the_reason(organizer, tournament, game):
    player = make_player("Cheater")
    sanctions.issue(actor=organizer, player=player, tournament=tournament, reason="Smurfing", kind="ban",
                    ends_at=NOW() + timedelta(days=7))
    with pytest.raises(DomainError) as exc:
        registrations.register(tournament, player=player)
    assert exc.value.code == "sanctioned" and "Cheater is banned in this tournament until" in exc.value.message
    assert "Reason: Smurfing" in exc.value.message
    with pytest.raises(DomainError, match="sanction|banned"):
        registrations.register(tournament, player=player, actor=organizer)  # staff too
    other = make_tournament(organizer, game, slug="other-event")
    registrations.register(other, player=player)  # a tournament sanction stays in its tournament
    assert not Registration.objects.filter(tournament=tournament).exists()


def test_global_sanction_and_window(admin_user, organizer, tournament, game):
    player = make_player()
    later = sanctions.issue(actor=admin_user, player=player, reason="Starts tomorrow", starts_at=NOW() + timedelta(days=1))
    expired = sanctions.issue(actor=admin_user, player=player, reason="Over", starts_at=NOW() - timedelta(days=3),
                              ends_at=NOW() - timedelta(days=1))
    assert not later.in_force() and not expired.in_force()
    registrations.register(tournament, player=player)  # neither is in force now
    now_ban = sanctions.issue(actor=admin_user, player=player, reason="Fraud", kind="ban")
    other = make_tournament(organizer, game, slug="elsewhere")
    with pytest.raises(DomainError, match="banned in all tournaments until further notice"):
        registrations.register(other, player=player)
    sanctions.lift(now_ban.pk, actor=admin_user, reason="Appeal won")
    registrations.register(other, player=player)


def test_team_with_a_sanctioned_member_is_refused(organizer, team_game):
    t = make_tournament(organizer, team_game, slug="teams", participation="team")
    captain, member = make_player("Cap"), make_player("Mem")
    team = setup.create_team(actor=None, game=team_game, name="Wolves", tag="WLF", captain=captain, players=[member])
    sanctions.issue(actor=organizer, player=member, tournament=t, reason="Account sharing")
    with pytest.raises(DomainError, match="Mem is suspended"):
        registrations.register(t, team=team)


def test_check_in_refused(organizer, tournament):
    reg = enter(tournament, 1)[0]
    sanction = sanctions.issue(actor=organizer, player=reg.player, tournament=tournament, reason="No-show last week")
    with pytest.raises(DomainError, match="No-show last week"):
        checkin.check_in(reg.pk, actor=reg)
    with pytest.raises(DomainError, match="suspended"):
        checkin.check_in(reg.pk, actor=organizer)
    assert Registration.objects.get(pk=reg.pk).checked_in_at is None
    sanctions.lift(sanction.pk, actor=organizer, reason="ok")
    checkin.check_in(reg.pk, actor=reg)


def test_lobby_refuses_politely(organizer, tournament):
    reg = enter(tournament, 1)[0]
    client = Client()
    join(client, reg)
    assert "My matches" in client.get(reverse("lobby:page", args=[tournament.slug])).content.decode()
    sanctions.issue(actor=organizer, player=reg.player, tournament=tournament, reason="<b>Harassment</b>")
    page = client.get(reverse("lobby:page", args=[tournament.slug]))
    assert page.status_code == 403
    body = page.content.decode()
    assert "Your lobby access is paused" in body and "&lt;b&gt;Harassment&lt;/b&gt;" in body and "<b>Harassment" not in body
    action = client.post(reverse("lobby:check_in", args=[tournament.slug]))
    assert action.status_code == 403 and "Harassment" in action.content.decode()
    assert Registration.objects.get(pk=reg.pk).checked_in_at is None
    fresh = Client()
    token = lobby_access.issue_link(reg.pk, actor=None)
    opened = fresh.get(lobby_access.join_path(token))
    assert opened.status_code == 403 and "Harassment" in opened.content.decode()
    # spectators still see the public lobby
    assert Client().get(reverse("lobby:page", args=[tournament.slug])).status_code == 200


def test_import_refuses_a_sanctioned_player(organizer, tournament):
    from tests.imports.conftest import csv_bytes, run

    player = make_player("Banned Bob")
    sanctions.issue(actor=organizer, player=player, tournament=tournament, reason="Match fixing", kind="ban")
    report = run(tournament, csv_bytes(f"Name,Email\nAnn,ann@example.com\nBob,{player.email}\n"), organizer)
    assert any(e.startswith("row 3") and "Match fixing" in e for e in report.error_texts()), report.error_texts()
    assert not Registration.objects.filter(tournament=tournament).exists()


def test_websocket_treats_a_sanctioned_participant_as_a_spectator(organizer, tournament):
    from tournaments.lobby import consumers, identity

    reg = enter(tournament, 1)[0]
    lobby_access.issue_link(reg.pk, actor=None)
    session = {}
    identity.remember(session, reg, lobby_access.active_link(reg.pk))
    assert consumers._load(tournament.slug, session)[1] == reg
    sanctions.issue(actor=organizer, player=reg.player, tournament=tournament, reason="Cheating")
    loaded_tournament, participant, _user = consumers._load(tournament.slug, session)
    assert loaded_tournament == tournament and participant is None
