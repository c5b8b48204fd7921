"""The lobby's WebSocket: server → client events, plus a few small client actions.

Connect rules: the tournament must be viewable (not a draft, not cancelled/archived); the origin was
checked by ``AllowedHostsOriginValidator`` (config/asgi.py). A session holding an active private
link (or a logged-in participant) joins the private ``registration_<id>`` group too; anyone else is
a read-only spectator.

Client frames are untrusted: text only, at most 2 KB, JSON objects of a known schema. A frame that
breaks the rules gets an ``{"error": ...}`` frame (oversize: close 4400); actions are rate-limited
per connection (memory) and per registration across connections (Django cache). Nothing a client
sends can crash the consumer.
"""
import json
import logging

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.consumer import get_handler_name
from django.utils.translation import gettext as _

from .. import events
from ..models import Tournament
from ..services import DomainError, checkin, notifications, sanctions
from . import identity, ratelimit

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 2048
CLOSE_BAD_FRAME = 4400
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
PARTICIPANT_ACTIONS = {"check_in", "read_notifications"}
ACTIONS = {"ping"} | PARTICIPANT_ACTIONS


def _load(slug, session, user):
    tournament = Tournament.objects.filter(slug=slug).first()
    if not identity.viewable(tournament):
        return None, None
    registration = identity.participant(session, user, tournament)
    if registration is not None and sanctions.blocking(registration) is not None:
        registration = None  # issue 8: a sanctioned participant follows the public lobby only
    return tournament, registration


def _still_allowed(tournament, session, user, registration_id):
    """Re-check on every action: a link revoked after connecting must not keep acting."""
    registration = identity.participant(session, user, tournament)
    return registration if registration is not None and registration.pk == registration_id else None


class LobbyConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.groups_joined = []
        self.registration = None
        self.limiter = ratelimit.ConnectionLimiter()
        slug = self.scope["url_route"]["kwargs"]["slug"]
        try:
            self.tournament, self.registration = await database_sync_to_async(_load)(
                slug, self.scope.get("session"), self.scope.get("user"))
        except Exception:
            logger.exception("Lobby connect failed for %s", slug)
            await self.close()
            return
        if self.tournament is None:
            await self.close()  # before accept: the handshake is refused (HTTP 403)
            return
        self.groups_joined.append(events.lobby_group(self.tournament.slug))
        if self.registration is not None:
            self.groups_joined.append(events.private_group(self.registration.pk))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"event": "hello", "payload": {
            "tournament": self.tournament.slug,
            "participant": self.registration.display_name if self.registration is not None else None}})

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:  # the layer may be gone at shutdown; nothing to clean then
                logger.debug("group_discard failed for %s", group, exc_info=True)

    # ---- server → client -------------------------------------------------------------------------
    async def lobby_event(self, message):
        await self.send_json({"event": message.get("event"), "payload": message.get("payload") or {}})

    # ---- client → server -------------------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        try:
            await self._receive(text_data, bytes_data)
        except Exception:  # never let a frame take the connection down with a traceback
            logger.exception("Lobby frame handling failed")
            await self._error(_("Something went wrong; try again."), "server_error")

    async def _receive(self, text_data, bytes_data):
        if bytes_data is not None or text_data is None:
            await self._error(_("Send JSON text frames."), "bad_frame")
            return
        if len(text_data.encode("utf-8", "replace")) > MAX_FRAME_BYTES:
            await self._error(_("Frame too large (2 KB at most)."), "too_large")
            await self.close(code=CLOSE_BAD_FRAME)
            return
        if not self.limiter.allow():
            await self._error(_("Too many messages; slow down."), "rate_limited")
            return
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):
            await self._error(_("Not valid JSON."), "bad_json")
            return
        problem = self._schema_problem(content)
        if problem:
            await self._error(problem, "bad_request")
            return
        action = content["action"]
        if action == "ping":
            await self.send_json({"event": "pong"})
            return
        if self.registration is None:
            await self._error(_("Open your private lobby link to do this."), "forbidden")
            return
        wait = await sync_to_async(ratelimit.hit)("ws_registration", self.registration.pk)
        if wait:
            await self._error(_("Too many actions; wait %(s)d seconds.") % {"s": wait}, "rate_limited")
            return
        await self._act(action)

    @staticmethod
    def _schema_problem(content):
        if not isinstance(content, dict):
            return _("Send a JSON object like {\"action\": \"ping\"}.")
        action = content.get("action")
        if not isinstance(action, str):
            return _("“action” must be a string.")
        if action not in ACTIONS:
            return _("Unknown action. Allowed: %(a)s.") % {"a": ", ".join(sorted(ACTIONS))}
        extra = set(content) - {"action"}
        if extra:
            return _("Unexpected field(s): %(f)s.") % {"f": ", ".join(sorted(map(str, extra)))[:200]}
        return None

    async def _act(self, action):
        try:
            result = await database_sync_to_async(self._run_action)(action)
        except DomainError as exc:
            await self._error(exc.message, exc.code)
            return
        await self.send_json({"reply": action, "ok": True, **result})

    def _run_action(self, action):
        registration = _still_allowed(self.tournament, self.scope.get("session"), self.scope.get("user"), self.registration.pk)
        if registration is None:
            raise DomainError(_("Your lobby link is no longer valid."), code="forbidden")
        if action == "check_in":
            checkin.check_in(registration.pk, actor=registration)
            return {}
        if action == "read_notifications":
            return {"marked": notifications.mark_read(registration.pk, actor=registration)}
        raise DomainError(_("Unknown action."), code="bad_request")  # unreachable: the schema check ran first

    async def _error(self, message, code):
        await self.send_json({"error": str(message), "code": code})

    async def dispatch(self, message):
        """Channels (4.2+) hands every message to the connection's thread to run
        ``close_old_connections`` before the handler: one thread hand-off per live event per open
        lobby, ~9 % of a web process's CPU under event-day load (py-spy, session 4). Every handler
        here that touches the database does it through ``database_sync_to_async``, which closes old
        connections around the call itself; the others (live events, disconnect) touch none. So the
        hand-off is skipped; everything else is Channels' own dispatch."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
