"""Fixtures for jobs, payouts, certificates, webhooks and schedules (both tiers)."""
import pytest

from tests.jobs.support import SERVICES_TIER


@pytest.fixture(autouse=True)
def _jobs_settings(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.PUBLIC_BASE_URL = "https://cc.example.org"


@pytest.fixture
def clean_rq():
    """Empty our RQ keys in the test Redis database before and after (services tier)."""
    if not SERVICES_TIER:
        yield None
        return
    import django_rq

    connection = django_rq.get_connection("default")

    def wipe():
        for key in connection.scan_iter("rq:*"):
            connection.delete(key)

    wipe()
    yield connection
    wipe()
