"""Private lobby links: issued once, stored hashed, revocable, scoped to their own tournament."""
import hashlib

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.factories import enter, make_tournament
from tournaments.lobby import identity
from tournaments.models import AuditLog, LobbyAccess, Notification
from tournaments.services import DomainError, lobby_access, registrations

from .conftest import account_client, join

pytestmark = pytest.mark.django_db


def test_issue_returns_a_long_random_token_stored_only_as_its_hash(live):
    t, match, a, *_ = live
    token = lobby_access.issue_link(a.pk, actor=None)
    assert len(token) >= 43  # token_urlsafe(32): 256 bits
    access = LobbyAccess.objects.get(registration=a)
    assert access.token_hash == hashlib.sha256(token.encode()).hexdigest() and len(access.token_hash) == 64
    assert token not in str(LobbyAccess.objects.values().first())
    assert access.history.first().history_change_reason == "issued"
    entry = AuditLog.objects.get(action="lobby_access.issue")
    assert entry.actor_label == "system" and entry.metadata == {"access": access.pk, "replaced": 0}
    assert not Notification.objects.filter(body__contains=token).exists()  # a credential is never stored in clear


def test_the_link_is_mailed_after_commit_and_nowhere_stored(live, django_capture_on_commit_callbacks, mailoutbox):
    t, match, a, *_ = live
    with django_capture_on_commit_callbacks(execute=True):
        token = lobby_access.issue_link(a.pk, actor=None)
    link_mails = [m for m in mailoutbox if "private lobby link" in m.subject]
    assert len(link_mails) == 1 and lobby_access.join_path(token) in link_mails[0].body
    assert not Notification.objects.filter(body__contains=token).exists()


def test_two_tokens_differ(live):
    t, match, a, b, *_ = live
    assert lobby_access.issue_link(a.pk, actor=None) != lobby_access.issue_link(b.pk, actor=None)


def test_reissue_revokes_the_previous_link(live, organizer):
    t, match, a, *_ = live
    old = lobby_access.issue_link(a.pk, actor=organizer)
    new = lobby_access.issue_link(a.pk, actor=organizer)
    assert lobby_access.resolve(old) is None
    access, reg = lobby_access.resolve(new)
    assert reg == a and access.created_by == organizer
    revoked = LobbyAccess.objects.get(revoked_at__isnull=False)
    assert revoked.revoked_reason == "replaced by a new link"
    assert AuditLog.objects.filter(action="lobby_access.issue").last().metadata["replaced"] in (0, 1)


def test_resolve_rejects_unknown_malformed_and_revoked(live, organizer):
    t, match, a, *_ = live
    token = lobby_access.issue_link(a.pk, actor=None)
    for bad in ("", "x", token[:-1], token + "x", "a" * 500, None, 42):
        assert lobby_access.resolve(bad) is None
    assert lobby_access.revoke(a.pk, actor=organizer, reason="leaked on stream") == 1
    assert lobby_access.resolve(token) is None
    access = LobbyAccess.objects.get()
    assert access.revoked_reason == "leaked on stream" and access.revoked_at is not None
    assert AuditLog.objects.get(action="lobby_access.revoke").reason == "leaked on stream"


def test_resolve_records_last_use(live):
    t, match, a, *_ = live
    token = lobby_access.issue_link(a.pk, actor=None)
    assert LobbyAccess.objects.get().last_used_at is None
    access, _reg = lobby_access.resolve(token)
    assert access.last_used_at is not None
    assert LobbyAccess.objects.get().last_used_at == access.last_used_at


def test_revoke_needs_a_reason_and_an_active_link(live, organizer):
    t, match, a, *_ = live
    with pytest.raises(DomainError, match="Give a reason"):
        lobby_access.revoke(a.pk, actor=organizer, reason=" ")
    with pytest.raises(DomainError, match="has no active lobby link"):
        lobby_access.revoke(a.pk, actor=organizer, reason="x")
    assert not AuditLog.objects.filter(action="lobby_access.revoke").exists()


def test_only_managers_or_the_system_issue_and_revoke(live, moderator, other_organizer, organizer):
    t, match, a, b, *_ = live
    for actor in (moderator, other_organizer, b, a):
        with pytest.raises(DomainError):
            lobby_access.issue_link(a.pk, actor=actor)
    assert not LobbyAccess.objects.exists()
    lobby_access.issue_link(a.pk, actor=organizer)
    with pytest.raises(DomainError):
        lobby_access.revoke(a.pk, actor=moderator, reason="no")
    assert LobbyAccess.objects.get().revoked_at is None


def test_withdrawn_entrants_get_no_new_link(organizer, game):
    t = make_tournament(organizer, game, slug="withdrawn-link")
    (a,) = enter(t)
    registrations.withdraw(a.pk, actor=a)
    with pytest.raises(DomainError, match="gets no lobby link"):
        lobby_access.issue_link(a.pk, actor=organizer)


def test_ensure_link_is_idempotent(live):
    t, match, a, *_ = live
    assert lobby_access.ensure_link(a.pk, actor=None)
    assert lobby_access.ensure_link(a.pk, actor=None) is None
    assert LobbyAccess.objects.count() == 1


# ---- the join flow -----------------------------------------------------------------------------------

def test_join_rotates_the_session_and_drops_the_token_from_the_url(live):
    t, match, a, *_ = live
    client = Client()
    client.get(f"/lobby/{t.slug}/")  # a pre-existing session (as a fixation attacker would plant)
    client.session.save()
    before = client.cookies["sessionid"].value if "sessionid" in client.cookies else None
    token = lobby_access.issue_link(a.pk, actor=None)
    response = client.get(lobby_access.join_path(token))
    assert response.status_code == 302 and response["Location"] == f"/lobby/{t.slug}/"
    assert token not in response["Location"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    after = client.cookies["sessionid"].value
    assert after and after != before
    assert client.session[identity.session_key(t.slug)]["registration"] == a.pk


def test_join_never_adopts_a_planted_unknown_session_id(live):
    """A session id the server never issued (planted by an attacker) is not the one the link's rights
    go to; nor does a browser without a session get two: one fresh id."""
    t, match, a, b, *_ = live
    client = Client()
    client.cookies["sessionid"] = "attackerchosen0000000000000000ab"
    client.get(lobby_access.join_path(lobby_access.issue_link(a.pk, actor=None)))
    assert client.cookies["sessionid"].value not in ("", "attackerchosen0000000000000000ab")
    assert client.session[identity.session_key(t.slug)]["registration"] == a.pk
    from django.contrib.sessions.models import Session

    fresh = Client()
    count = Session.objects.count()
    fresh.get(lobby_access.join_path(lobby_access.issue_link(b.pk, actor=None)))
    assert Session.objects.count() == count + 1
    assert fresh.session[identity.session_key(t.slug)]["registration"] == b.pk


def test_a_token_opens_only_its_own_tournament(live, organizer, game):
    t, match, a, *_ = live
    other = make_tournament(organizer, game, name="Other Cup", slug="other-cup")
    (x,) = enter(other)
    client = Client()
    token = join(client, a)
    # the session grants the lobby of a's tournament, and nothing in the other one
    assert client.get(f"/lobby/{t.slug}/").context["registration"] == a
    assert client.get(f"/lobby/{other.slug}/").context["registration"] is None
    # a slugged join link for the wrong tournament is refused
    assert client.get(f"/lobby/{other.slug}/join/{token}/").status_code == 404
    assert client.get(f"/lobby/{t.slug}/join/{token}/").status_code == 302
    # a crafted session entry pointing at a registration of another tournament opens nothing
    session = client.session
    session[identity.session_key(other.slug)] = {"registration": a.pk, "access": LobbyAccess.objects.get(revoked_at=None).pk}
    session.save()
    assert client.get(f"/lobby/{other.slug}/").context["registration"] is None


def test_revoking_ends_sessions_opened_with_the_link(live, organizer):
    t, match, a, *_ = live
    client = Client()
    join(client, a)
    assert client.get(f"/lobby/{t.slug}/").context["registration"] == a
    lobby_access.revoke(a.pk, actor=organizer, reason="lost phone")
    response = client.get(f"/lobby/{t.slug}/")
    assert response.context["registration"] is None
    assert identity.session_key(t.slug) not in client.session


def test_unknown_or_revoked_link_is_a_friendly_404(live, organizer):
    t, match, a, *_ = live
    response = Client().get("/lobby/join/not-a-real-token/")
    assert response.status_code == 404 and b"not valid any more" in response.content
    token = lobby_access.issue_link(a.pk, actor=None)
    lobby_access.revoke(a.pk, actor=organizer, reason="x")
    assert Client().get(lobby_access.join_path(token)).status_code == 404


def test_a_user_with_an_account_needs_no_token(live):
    t, match, a, *_ = live
    client, user = account_client(a, "rafiq")
    assert client.get(f"/lobby/{t.slug}/").context["registration"] == a
    stranger = User.objects.create_user("someone", "s@example.com", "pw-someone-1234")
    client.force_login(stranger)
    assert client.get(f"/lobby/{t.slug}/").context["registration"] is None


def test_the_socket_handshake_loads_a_linked_participant_without_the_user(live):
    """One hop for the handshake (consumers._load): a private link answers from the session, so the
    user behind the session is never looked up; an account holder's is, lazily, from the same session."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tournaments.lobby import consumers, identity

    t, match, a, *_ = live
    lobby_access.issue_link(a.pk, actor=None)
    session = {}
    identity.remember(session, a, lobby_access.active_link(a.pk))
    with CaptureQueriesContext(connection) as ctx:
        tournament, registration, user = consumers._load(t.slug, session)
    assert (tournament, registration) == (t, a)
    assert len(ctx.captured_queries) == 3  # tournament, registration by link, sanctions
    assert not any("auth_user" in q["sql"] for q in ctx.captured_queries)
    client, account = account_client(a, "linkless")
    tournament, registration, user = consumers._load(t.slug, client.session)
    assert registration == a and user.pk == account.pk


def test_opening_a_link_loads_the_tournament_with_the_link_and_nothing_twice(live):
    """The link lookup brings the registration, its player, team and tournament: the join reads none
    of them again (one more query per join, at 1,000 arrivals a minute)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    t, match, a, *_ = live
    token = lobby_access.issue_link(a.pk, actor=None)
    client = Client()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(lobby_access.join_path(token)).status_code == 302
    tables = [q["sql"].split(" FROM ")[1].split()[0] for q in ctx.captured_queries if q["sql"].startswith("SELECT") and " FROM " in q["sql"]]
    assert not any("tournaments_tournament" == name.strip('"') for name in tables), tables
    assert not any(name.strip('"') in ("tournaments_registration", "tournaments_player", "tournaments_team") for name in tables), tables
    assert client.get(f"/lobby/{t.slug}/").context["registration"] == a


def test_the_match_list_reads_both_names_without_more_queries(live):
    """lobby.selectors.my_matches brings both sides' names: reading them, the opponent and the
    report form's labels costs no query after it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tournaments.lobby import selectors
    from tournaments.lobby.forms import ReportForm

    t, match, a, b, *_ = live
    team_free = selectors.my_matches(a)
    assert [m.pk for m in team_free] == [match.pk]
    with CaptureQueriesContext(connection) as ctx:
        names = [(m.side_name_a, m.side_name_b, m.opponent_of(a.pk).display_name) for m in team_free]
        ReportForm(match=team_free[0])
    assert names == [(a.display_name, b.display_name, b.display_name)]
    assert ctx.captured_queries == []


def test_a_sanctioned_link_holder_is_refused_with_the_players_name(live, organizer):
    from tournaments.services import sanctions

    t, match, a, *_ = live
    token = lobby_access.issue_link(a.pk, actor=None)
    sanctions.issue(actor=organizer, player=a.player, tournament=t, reason="Smurfing", kind="suspension")
    response = Client().get(lobby_access.join_path(token))
    assert response.status_code == 403
    assert a.player.display_name in response.content.decode() and "Smurfing" in response.content.decode()
