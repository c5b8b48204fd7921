"""Fixed-window rate limits kept in the Django cache (Redis when scaled, so they hold across web
processes; per process in embedded mode). Used by lobby actions over HTTP and WebSocket."""
import time

from django.conf import settings
from django.core.cache import cache

DEFAULTS = {
    "action": (20, 60),           # HTTP actions per registration per minute
    "join": (30, 60),
    "signup": (10, 600),          # public sign-up submissions per client address per 10 minutes             # link opens per client address per minute (tokens are 256-bit; this is hygiene)
    "ws_connection": (10, 10),    # WebSocket actions per connection per 10 s (counted in memory)
    "ws_registration": (30, 10),  # WebSocket actions per registration across all its connections per 10 s
    "verify": (30, 60),           # public certificate checks (and PDF uploads) per client address per minute
}


def limits(name: str) -> tuple[int, int]:
    return getattr(settings, "LOBBY_RATE_LIMITS", {}).get(name, DEFAULTS[name])


def hit(name: str, who) -> int:
    """Count one request of ``who`` against limit ``name``; 0 when allowed, else seconds to wait."""
    limit, window = limits(name)
    now = time.time()
    key = f"lobby-rl:{name}:{who}:{int(now // window)}"
    if cache.add(key, 1, timeout=window + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window + 1)
            count = 1
    if count > limit:
        return max(1, int(window - now % window) + 1)
    return 0


class ConnectionLimiter:
    """Sliding window of one WebSocket connection's actions, in memory (no cache round trip)."""

    def __init__(self, name: str = "ws_connection"):
        self.limit, self.window = limits(name)
        self.stamps: list[float] = []

    def allow(self) -> bool:
        now = time.monotonic()
        cutoff = now - self.window
        self.stamps = [t for t in self.stamps if t > cutoff]
        if len(self.stamps) >= self.limit:
            return False
        self.stamps.append(now)
        return True
