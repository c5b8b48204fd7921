"""The security suite's shared world: organizer A owns one object of every kind (world.py)."""
import pytest

from tests.security.world import build


@pytest.fixture
def world(django_capture_on_commit_callbacks, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True  # A's webhook endpoint is on loopback
    return build(django_capture_on_commit_callbacks)
