"""Shared lobby fragments (roster pages, the bracket) rendered once per version of their data.

At an event of 1,000 entrants the roster and the bracket cost 50–80 ms of CPU to render and every
participant's page asks for them; the same HTML for everyone, until something changes. So the
rendered HTML is kept in Django's cache (Redis in the scaled shape, shared by the web processes;
local memory embedded) under a key that changes whenever the data may have changed:

- the tournament's *lobby version*: a token replaced after every commit that published a lobby
  event for the tournament (``tournaments.events.publish``: registrations, check-ins, results,
  brackets, announcements, the tournament itself) — the same moment lobbies are told to refresh;
- a *stamp* read from the database on every request (one aggregate query per table: row count and
  newest ``updated_at``), which also catches writes that publish nothing (an admin renaming a
  player, a stage edited in the admin);
- the active language and time zone (the HTML is translated and shows local times).

A cached entry also expires after ``TTL`` seconds whatever happens, a bound on staleness should a
write ever bypass both. Only HTML that is the same for every viewer goes in here — never anything
of a participant (their row is highlighted in the browser, see lobby.js). Why our own and not
Django's ``cache_page``/``{% cache %}``: those key by URL or by fixed fragments names, they have no
way to change the key when the data changes (the vary-on values would cost the same queries as the
rendering they save).
"""
import hashlib
import secrets

from django.core.cache import cache
from django.utils import timezone, translation

PREFIX = "lobby-frag:"
TTL = 300            # seconds; a bound on staleness, not the invalidation mechanism
VERSION_TTL = 86400  # the per-tournament version token; when it expires a fresh one is drawn
_EPOCH = PREFIX + "epoch"


def _version_key(tournament_id: int) -> str:
    return f"{PREFIX}v:{tournament_id}"


def bump(tournament_id: int) -> None:
    """Called after a commit that changed what a lobby shows: every cached fragment of the
    tournament is unreachable from now on (it expires on its own)."""
    cache.set(_version_key(tournament_id), secrets.token_hex(8), VERSION_TTL)


def forget_all() -> None:
    """Make every cached fragment of every tournament unreachable (tests, the CPU bench's "cold")."""
    cache.set(_EPOCH, secrets.token_hex(8), None)


def _tokens(tournament_id: int) -> tuple[str, str]:
    """The epoch and the tournament's version, drawing (and storing) fresh ones when missing: an
    evicted version must never fall back to a value an older entry was stored under."""
    key = _version_key(tournament_id)
    found = cache.get_many([_EPOCH, key])
    epoch, version = found.get(_EPOCH), found.get(key)
    if epoch is None:
        cache.add(_EPOCH, secrets.token_hex(8), None)
        epoch = cache.get(_EPOCH) or secrets.token_hex(8)  # unreachable cache: a key nobody shares
    if version is None:
        cache.add(key, secrets.token_hex(8), VERSION_TTL)
        version = cache.get(key) or secrets.token_hex(8)
    return epoch, version


def render(tournament, name: str, params: tuple, stamp: tuple, make_html) -> str:
    """The cached HTML of fragment ``name`` (with ``params``, e.g. the roster page) for
    ``tournament`` whose data is at ``stamp``; ``make_html()`` renders it on a miss."""
    epoch, version = _tokens(tournament.pk)
    raw = repr((epoch, version, name, params, stamp, translation.get_language(), timezone.get_current_timezone_name()))
    key = f"{PREFIX}{tournament.pk}:{name}:{hashlib.sha256(raw.encode()).hexdigest()[:32]}"
    html = cache.get(key)
    if html is None:
        html = make_html()
        cache.set(key, html, TTL)
    return html
