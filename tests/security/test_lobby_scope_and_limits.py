"""Lobby token scope (own tournament only, revocable, hashed at rest) and 429 + Retry-After on the
lobby and the public certificate page."""
import pytest
from django.db import connection
from django.test import Client

from tests.factories import enter, make_tournament
from tests.lobby.conftest import _fresh_rate_limits, join, joined, live  # noqa: F401  (fixtures)
from tournaments.models import LobbyAccess
from tournaments.services import lobby_access

pytestmark = pytest.mark.django_db


def test_a_link_for_one_tournament_opens_nothing_in_another(joined, organizer, game):
    t, match, a, b, ca, cb = joined
    other = make_tournament(organizer, game, name="Other Cup", slug="other-cup")
    (stranger,) = enter(other, 1)
    token = lobby_access.issue_link(a.pk, actor=None)
    client = Client()
    # the tournament-specific join path of another event refuses the token and signs nobody in
    assert client.get(f"/lobby/{other.slug}/join/{token}/").status_code == 404
    assert not any("lobby" in key for key in client.session.keys())
    assert client.get(lobby_access.join_path(token)).status_code == 302  # signed in to *its* event
    # in the other event this session is a spectator: no private fragments, no actions
    assert client.get(f"/lobby/{other.slug}/fragments/my-match/").status_code in (403, 404)
    assert client.get(f"/lobby/{other.slug}/fragments/notifications/").status_code in (403, 404)
    response = client.post(f"/lobby/{other.slug}/check-in/")
    assert response.status_code in (403, 404), response.status_code
    stranger.refresh_from_db()
    assert stranger.checked_in_at is None


def test_revoked_link_is_refused_and_ends_its_session(joined, organizer):
    t, match, a, b, ca, cb = joined
    token = lobby_access.issue_link(a.pk, actor=None)
    client = Client()
    assert client.get(lobby_access.join_path(token)).status_code == 302
    assert client.get(f"/lobby/{t.slug}/fragments/my-match/").status_code == 200
    lobby_access.revoke(a.pk, actor=organizer, reason="lost phone")
    assert client.get(f"/lobby/{t.slug}/fragments/my-match/").status_code in (403, 404)
    assert Client().get(lobby_access.join_path(token)).status_code == 404


def test_tokens_are_hashed_at_rest(live):
    t, match, a, b, c, d = live
    token = lobby_access.issue_link(a.pk, actor=None)
    assert len(token) >= 43  # ≥ 256 bits url-safe
    access = LobbyAccess.objects.get(registration=a, revoked_at__isnull=True)
    assert token not in access.token_hash and len(access.token_hash) == 64
    with connection.cursor() as cursor:  # nowhere in the database
        for model_table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{model_table}"')
            assert not any(token in str(row) for row in cursor.fetchall()), model_table


def test_lobby_actions_answer_429_with_retry_after(joined, settings):
    settings.LOBBY_RATE_LIMITS = {"action": (1, 60)}
    t, match, a, b, ca, cb = joined
    assert ca.post(f"/lobby/{t.slug}/notifications/read/").status_code == 303
    response = ca.post(f"/lobby/{t.slug}/notifications/read/")
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1


def test_lobby_link_guessing_answers_429(live, settings):
    settings.LOBBY_RATE_LIMITS = {"join": (2, 60)}
    client = Client()
    for _ in range(2):
        assert client.get("/lobby/join/guess/").status_code == 404
    response = client.get("/lobby/join/guess/")
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1


def test_public_certificate_page_answers_429(client, settings):
    settings.LOBBY_RATE_LIMITS = {"verify": (2, 60)}
    for _ in range(2):
        assert client.get("/verify/NOPE/").status_code == 404
    response = client.get("/verify/NOPE/")
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert "Too many requests" in response.content.decode()
