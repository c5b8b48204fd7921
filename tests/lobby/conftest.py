"""Lobby fixtures: a live 1v1 event with a match between two entrants, and signed-in clients."""
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import enter, make_tournament
from tournaments.services import lobby_access, setup, tournaments as tournament_services


def _clear_rate_limits():
    """Forget rate-limit windows between tests — only ours: on Redis the cache DB is shared (RQ)."""
    from django.conf import settings
    from django.core.cache import cache

    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter("*lobby-rl:*"):
            client.delete(key)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from tournaments.lobby import fragment_cache

    _clear_rate_limits()
    fragment_cache.forget_all()  # no cached roster/bracket of an earlier test (same slugs) is reachable
    yield
    _clear_rate_limits()


@pytest.fixture
def live(organizer, game):
    """A live tournament, 4 confirmed entrants, match M1 (a vs b, in an hour) with lobby info."""
    t = make_tournament(organizer, game, name="Lobby Cup", slug="lobby-cup", capacity=8)
    a, b, c, d = enter(t, 4)
    tournament_services.close_registration(t.pk, actor=organizer)
    t = tournament_services.start(t.pk, actor=organizer)
    match = setup.create_match(t.pk, actor=organizer, key="M1", slot_a=a, slot_b=b,
                               scheduled_at=timezone.now() + timedelta(hours=1))
    from tournaments.services import matches

    match = matches.set_lobby_info(match.pk, actor=organizer, lobby_code="ROOM-42", lobby_server="EU West",
                                   stream_url="https://twitch.tv/example")
    return t, match, a, b, c, d


def join(client, registration, organizer=None):
    """Issue a link (as the system) and open it with ``client``; returns the raw token."""
    token = lobby_access.issue_link(registration.pk, actor=None)
    response = client.get(lobby_access.join_path(token))
    assert response.status_code == 302, response.content[:500]
    return token


def account_client(registration, username):
    """A client signed in as a new user who is ``registration``'s player (an account, no link)."""
    from django.contrib.auth.models import User

    user = User.objects.create_user(username, f"{username}@example.com", f"pw-{username}-1234")
    player = registration.player
    player.user = user
    player.save()
    client = Client()
    client.force_login(user)
    return client, user


@pytest.fixture
def joined(live):
    """Clients in the lobby as a and as b, plus a spectator client."""
    t, match, a, b, c, d = live
    ca, cb = Client(), Client()
    join(ca, a)
    join(cb, b)
    return t, match, a, b, ca, cb
