"""A waitlisted participant sees their place in the queue in the lobby, and it follows a reorder."""
import pytest
from django.test import Client

from tests.factories import enter, make_tournament
from tournaments.services import registrations

from .conftest import join

pytestmark = pytest.mark.django_db


def test_waitlisted_participant_sees_their_position(organizer, game):
    cup = make_tournament(organizer, game, slug="queue-cup", name="Queue Cup", capacity=2)
    first, second, third, fourth = enter(cup, 4)
    client = Client()
    join(client, fourth)
    page = client.get(f"/lobby/{cup.slug}/").content.decode()
    assert 'data-testid="my-waitlist-position"' in page and "Number 2 on the waitlist." in page
    registrations.move_in_waitlist(fourth.pk, actor=organizer, position=1)
    assert "Number 1 on the waitlist." in client.get(f"/lobby/{cup.slug}/").content.decode()
    confirmed = Client()
    join(confirmed, first)
    assert 'data-testid="my-waitlist-position"' not in confirmed.get(f"/lobby/{cup.slug}/").content.decode()
