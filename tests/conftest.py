"""Shared fixtures: users in every role, a game, tournaments in useful states, entrants."""
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from tournaments.models import Game
from tournaments.roles import CHECKIN_STAFF, MODERATORS, ORGANIZERS, ensure_role_groups

from tests.factories import make_tournament

SERVICES_TIER = bool(settings.REDIS_URL) and settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config, items):
    if SERVICES_TIER:
        return
    skip = pytest.mark.skip(reason="services tier only (set DATABASE_URL to PostgreSQL and REDIS_URL)")
    for item in items:
        if item.get_closest_marker("services"):
            item.add_marker(skip)


def pytest_report_header(config):
    return f"tier: {'services (PostgreSQL + Redis)' if SERVICES_TIER else 'embedded (SQLite, in-memory layer, inline jobs)'}"


@pytest.fixture(autouse=True)
def _media_and_mail(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never in settings.py


def _staff(username, group=None, superuser=False):
    user = User.objects.create_user(username, f"{username}@example.com", "pw-" + username, is_staff=True, is_superuser=superuser)
    if group:
        user.groups.add(ensure_role_groups()[group])
    return user


@pytest.fixture
def admin_user(db):
    return _staff("root", superuser=True)


@pytest.fixture
def organizer(db):
    return _staff("alice", ORGANIZERS)


@pytest.fixture
def other_organizer(db):
    return _staff("bob", ORGANIZERS)


@pytest.fixture
def moderator(db):
    return _staff("mod", MODERATORS)


@pytest.fixture
def checkin_staff(db):
    return _staff("door", CHECKIN_STAFF)


@pytest.fixture
def game(db):
    return Game.objects.create(name="eFootball", slug="efootball", team_size=1, max_substitutes=0,
                               id_format="konami_id", result_type="map_score")


@pytest.fixture
def team_game(db):
    return Game.objects.create(name="Valorant", slug="valorant", team_size=5, max_substitutes=2,
                               id_format="riot_id", result_type="map_score")


@pytest.fixture
def tournament(organizer, game):
    return make_tournament(organizer, game)


@pytest.fixture
def paid_tournament(organizer, game):
    return make_tournament(organizer, game, name="Paid Cup", slug="paid-cup", entry_fee=Decimal("500"),
                           payment_methods=["bkash", "nagad"])


@pytest.fixture
def approval_tournament(organizer, game):
    return make_tournament(organizer, game, name="Invitational", slug="invitational", requires_approval=True)




@pytest.fixture
def sent_events(monkeypatch):
    """Every lobby event handed to the channel layer (i.e. after commit), in order; still delivered."""
    from tournaments import events

    sent = []
    real_send = events._send

    def record(group, event_type, payload):
        sent.append({"group": group, "event": event_type, "payload": payload})
        real_send(group, event_type, payload)

    monkeypatch.setattr(events, "_send", record)
    return sent
