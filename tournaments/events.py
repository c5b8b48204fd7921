"""Domain events → channel-layer messages, sent only after the transaction commits.

A rolled-back change never reaches a lobby. Payloads carry ids and display names, never emails or
phones; an event that changes some participants' own matches names them (``concerns``: registration
ids), so only their lobbies re-fetch their match. Scaled mode (Redis) writes each event to the outbox in the same transaction as the change
and delivers it after commit, in order, or later when Redis is back (``tournaments.outbox``);
embedded mode sends to the in-memory layer after commit. Either way a failure never undoes the
database change, and lobbies also catch up through their polling fallback.
"""
import asyncio
import logging
import secrets

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

EVENT_TYPES = {
    "roster.updated", "announcement.new", "match.updated", "bracket.updated", "tournament.updated", "notification.new",
}


def lobby_group(tournament_slug: str) -> str:
    return f"lobby_{tournament_slug}"


def private_group(registration_id: int) -> str:
    return f"registration_{registration_id}"


def _schedule(group: str, event_type: str, payload: dict) -> None:
    from . import outbox

    if outbox.events_enabled():
        outbox.add("event", group, {"group": group, "event": event_type, "payload": payload})
    else:
        transaction.on_commit(lambda: _send_quietly(group, event_type, payload))


def _send_quietly(group: str, event_type: str, payload: dict) -> None:
    try:
        _send(group, event_type, payload)
    except Exception:  # the change is committed; lobbies recover by polling
        logger.exception("Could not deliver %s to %s", event_type, group)


def _send(group: str, event_type: str, payload: dict) -> None:
    """Hand one event to the channel layer now; raises if the layer is unreachable."""
    layer = get_channel_layer()
    if layer is None:
        return
    # "id": one token per message sent, shared by every socket that receives it: a lobby process
    # renders the HTML it pushes with the event once per message (lobby/consumers.py).
    message = {"type": "lobby.event", "event": event_type, "payload": payload, "id": secrets.token_hex(8)}
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:  # committed from a thread that runs an event loop: schedule on it
        loop.create_task(layer.group_send(group, message))
        return
    async_to_sync(layer.group_send)(group, message)


def _send_many(messages: list[tuple[str, dict]]) -> None:
    """Several group messages through one entry into the event loop (a batch job's notifications:
    one ``async_to_sync`` per message costs a thread hand-off each)."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send_all():
        results = await asyncio.gather(*(layer.group_send(group, message) for group, message in messages), return_exceptions=True)
        for (group, message), result in zip(messages, results):
            if isinstance(result, Exception):
                logger.error("Could not deliver %s to %s: %r", message["event"], group, result)

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:
        loop.create_task(send_all())
        return
    try:
        async_to_sync(send_all)()
    except Exception:  # the change is committed; lobbies recover by polling
        logger.exception("Could not deliver %d events", len(messages))


def publish_private_many(events: list[tuple[int, str, dict]]) -> None:
    """``publish_private`` for many ``(registration_id, event_type, payload)`` at once, after commit."""
    for _registration_id, event_type, _payload in events:
        if event_type not in EVENT_TYPES:
            raise ValueError(f"Unknown event type {event_type!r}")
    messages = [(private_group(registration_id), {"type": "lobby.event", "event": event_type, "payload": payload})
                for registration_id, event_type, payload in events]
    if messages:
        transaction.on_commit(lambda: _send_many(messages))


def publish(tournament, event_type: str, payload: dict | None = None) -> None:
    """Schedule ``event_type`` for everyone watching ``tournament``'s lobby, after commit."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {event_type!r}")
    body = {"tournament": tournament.slug, **(payload or {})}
    _schedule(lobby_group(tournament.slug), event_type, body)
    transaction.on_commit(lambda: _lobby_changed(tournament.pk))
    from . import webhooks  # every domain event also reaches the organizer's webhooks

    webhooks.dispatch(tournament, event_type, payload)


def _lobby_changed(tournament_id: int) -> None:
    """The lobby's shared fragments cached before this commit are out of date (lobby.fragment_cache)."""
    from .lobby import fragment_cache

    try:
        fragment_cache.bump(tournament_id)
    except Exception:  # the change is committed; the fragments' data stamp and expiry still apply
        logger.exception("Could not bump the lobby version of tournament %s", tournament_id)


def publish_private(registration_id: int, event_type: str, payload: dict) -> None:
    """Schedule an event for one registration's private channel, after commit."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {event_type!r}")
    _schedule(private_group(registration_id), event_type, payload)
