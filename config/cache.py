"""Django's Redis cache, tolerant of Redis being down.

Why our own: Django's ``RedisCache`` raises ``ConnectionError`` from every call when Redis is
unreachable, and the cache only holds disposable data here (rate-limit counters, throttles). A Redis
outage must not take the admin down with it (issue 10), so reads miss and writes are dropped while
Redis is unreachable, with one warning per failing call; rate limits fail open meanwhile.
(django-redis has ``IGNORE_EXCEPTIONS`` for this, but it is a second Redis client library for
one behaviour.)
"""
import logging

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)


def _unreachable():
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def _tolerant(name, fallback):
    def method(self, *args, **kwargs):
        try:
            return getattr(super(ResilientRedisCache, self), name)(*args, **kwargs)
        except _unreachable() as exc:
            logger.warning("cache %s skipped: Redis unreachable (%s)", name, type(exc).__name__)
            return fallback(*args, **kwargs) if callable(fallback) else fallback
    method.__name__ = name
    return method


class ResilientRedisCache(RedisCache):
    get = _tolerant("get", lambda key, default=None, version=None: default)
    set = _tolerant("set", None)
    add = _tolerant("add", True)          # "added": a rate limit counts this hit as the first one
    touch = _tolerant("touch", False)
    delete = _tolerant("delete", False)
    has_key = _tolerant("has_key", False)
    get_many = _tolerant("get_many", {})
    set_many = _tolerant("set_many", [])
    delete_many = _tolerant("delete_many", None)
    clear = _tolerant("clear", None)
    incr = _tolerant("incr", 1)
