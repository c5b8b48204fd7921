"""Fault tests (issue 10): our own redis-server / PostgreSQL, switched into the settings."""
import pytest

from tests.ops.support import missing_redis, own_redis


def _point_at(settings, url):
    from channels.layers import channel_layers

    from tournaments import outbox

    settings.REDIS_URL = url
    settings.RQ_QUEUES = {name: {**config, "URL": url} for name, config in settings.RQ_QUEUES.items()}
    settings.CHANNEL_LAYERS = {"default": {**settings.CHANNEL_LAYERS["default"], "CONFIG": {"hosts": [url]}}}
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    channel_layers.backends = {}
    outbox._clients.clear()


@pytest.fixture
def redis_server(settings, tmp_path):
    """Our own redis-server (never the shared one) with every Redis setting pointed at it."""
    reason = missing_redis()
    if reason:
        pytest.skip(reason)
    from channels.layers import channel_layers

    with own_redis(tmp_path) as server:
        _point_at(settings, server.url)
        yield server
    channel_layers.backends = {}
