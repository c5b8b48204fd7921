"""The lobby's WebSocket: server → client events, plus a few small client actions.

Connect rules: the tournament must be viewable (not a draft, not cancelled/archived); the origin was
checked by ``AllowedHostsOriginValidator`` (config/asgi.py). A session holding an active private
link (or a logged-in participant) joins the private ``registration_<id>`` group too; anyone else is
a read-only spectator.

Client frames are untrusted: text only, at most 2 KB, JSON objects of a known schema. A frame that
breaks the rules gets an ``{"error": ...}`` frame (oversize: close 4400); actions are rate-limited
per connection (memory) and per registration across connections (Django cache). Nothing a client
sends can crash the consumer.

Shared fragments travel with the event that changes them: a page tells its socket what it shows
(``{"action": "watch", "roster": <page>, "bracket": <bool>, "announcements": <bool>, "lang": <code>}``)
and a ``roster.updated`` / ``announcement.new`` / ``match.updated`` / ``bracket.updated`` frame then
carries ``"html": {fragment: html}`` for what it watches. The HTML is the same for every viewer and
comes from the same code as the HTTP fragment views (``views.pushed_html``, through the fragment
cache); each process renders it once per message and language (all its sockets that receive the
message await the same render, ``_Renders``) and encodes the frame once, so an event costs a process
one render however many lobbies are open, instead of one HTTP request per open page. Anything of a
participant is never pushed: their own header, match and notifications are fetched by their page,
and only when the event concerns them (``payload.registration`` / ``payload.concerns``).
"""
import asyncio
import json
import logging
import weakref
from collections import OrderedDict

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.consumer import get_handler_name
from django.conf import settings
from django.contrib import auth
from django.utils import translation
from django.utils.functional import SimpleLazyObject
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
ACTIONS = {"ping", "watch"} | PARTICIPANT_ACTIONS
WATCH_FIELDS = {"roster", "bracket", "announcements", "lang"}
MAX_ROSTER_PAGE = 10**6
# Which shared fragments an event changes (the page's own parts are fetched by the page: lobby.js).
PUSHED = {"roster.updated": ("roster",), "announcement.new": ("announcements",),
          "match.updated": ("bracket",), "bracket.updated": ("bracket",)}


def _render_pushed(tournament_id, wanted, language):
    """The shared fragments ``wanted`` ((name, page) pairs) of a tournament, rendered in ``language``,
    by name; a fragment that failed to render is left out (the page then fetches it)."""
    from . import views

    tournament = Tournament.objects.select_related("game").filter(pk=tournament_id).first()
    if not identity.viewable(tournament):
        return {}
    html = {}
    with translation.override(language):
        for name, page in wanted:
            try:
                html[name] = views.pushed_html(name, tournament, page or 1)
            except Exception:
                logger.exception("Could not render the %s fragment of %s for a live event", name, tournament.slug)
    return html


class _Renders:
    """Frames being built, per event loop: the first socket that needs a frame starts its render, the
    others that receive the same message (same fragments, page, language) await the same task. Bounded:
    the oldest entries are dropped (a message's sockets all ask for it within moments)."""

    LIMIT = 256

    def __init__(self):
        self._by_loop = weakref.WeakKeyDictionary()

    def get(self, key, make):
        loop = asyncio.get_running_loop()
        tasks = self._by_loop.get(loop)
        if tasks is None:
            tasks = self._by_loop[loop] = OrderedDict()
        task = tasks.get(key)
        if task is None:
            task = tasks[key] = loop.create_task(make())
            while len(tasks) > self.LIMIT:
                tasks.popitem(last=False)
        return task


_renders = _Renders()


class _SessionOnly:
    """What ``django.contrib.auth.get_user`` reads of a request: its session."""

    def __init__(self, session):
        self.session = session


def _load(slug, session, user=None):
    """Everything the handshake needs, in one hop to the connection's thread: the tournament, the
    participant and (only when no private link answers, i.e. for an account holder) the user.

    The socket stack has Channels' session middleware but not its ``AuthMiddleware``
    (config/asgi.py): that middleware loads the user in a hop of its own before the consumer runs,
    and most lobby sockets are opened by private links, which need no user. Here the user is a lazy
    object over the same session, resolved by Django's own ``auth.get_user`` on first use."""
    tournament = Tournament.objects.filter(slug=slug).first()
    if not identity.viewable(tournament):
        return None, None, user
    if user is None:
        user = SimpleLazyObject(lambda: auth.get_user(_SessionOnly(session)))
    registration = identity.participant(session, user, tournament)
    if registration is not None and sanctions.blocking(registration) is not None:
        registration = None  # issue 8: a sanctioned participant follows the public lobby only
    return tournament, registration, user


def _still_allowed(tournament, session, user, registration_id):
    """Re-check on every action: a link revoked after connecting must not keep acting."""
    registration = identity.participant(session, user, tournament)
    return registration if registration is not None and registration.pk == registration_id else None


def _supported_language(code):
    """The site language ``code`` stands for, or None (``translation.get_supported_language_variant``)."""
    if len(code) > 20:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


class LobbyConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.groups_joined = []
        self.registration = None
        self.limiter = ratelimit.ConnectionLimiter()
        self.watching = {"roster": None, "bracket": False, "announcements": False}
        self.language = settings.LANGUAGE_CODE
        slug = self.scope["url_route"]["kwargs"]["slug"]
        try:
            self.tournament, self.registration, self.scope["user"] = await database_sync_to_async(_load)(
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
        event, payload = message.get("event"), message.get("payload") or {}
        wanted = tuple((name, self.watching["roster"] if name == "roster" else None)
                       for name in PUSHED.get(event, ()) if self.watching.get(name))
        if not wanted or not message.get("id"):
            await self.send_json({"event": event, "payload": payload})
            return
        key = (message["id"], self.tournament.pk, wanted, self.language)
        task = _renders.get(key, lambda: self._frame(event, payload, wanted))
        # shielded: a socket that goes away while waiting must not cancel the others' frame
        text = task.result() if task.done() else await asyncio.shield(task)
        await self.send(text_data=text)

    async def _frame(self, event, payload, wanted):
        frame = {"event": event, "payload": payload}
        if any(name == "roster" for name, _page in wanted):
            frame["page"] = dict(wanted)["roster"]  # the page's script checks it still shows this page
        try:
            # Not on this socket's own thread: it may close before the others get the frame.
            html = await database_sync_to_async(_render_pushed, thread_sensitive=False)(self.tournament.pk, wanted, self.language)
        except Exception:  # the event still goes out; the page fetches what is missing
            logger.exception("Could not render pushed fragments for %s", event)
            html = {}
        if html:
            frame["html"] = html
        return json.dumps(frame)

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
        if action == "watch":
            self._watch(content)
            await self.send_json({"reply": "watch", "ok": True})
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
        extra = set(content) - {"action"} - (WATCH_FIELDS if action == "watch" else set())
        if extra:
            return _("Unexpected field(s): %(f)s.") % {"f": ", ".join(sorted(map(str, extra)))[:200]}
        if action == "watch":
            roster = content.get("roster")
            if roster is not None and (isinstance(roster, bool) or not isinstance(roster, int)
                                       or not 1 <= roster <= MAX_ROSTER_PAGE):
                return _("“roster” must be a page number from 1 to %(n)d, or null.") % {"n": MAX_ROSTER_PAGE}
            for flag in ("bracket", "announcements"):
                if flag in content and not isinstance(content[flag], bool):
                    return _("“%(f)s” must be true or false.") % {"f": flag}
            lang = content.get("lang")
            if lang is not None and (not isinstance(lang, str) or not _supported_language(lang)):
                return _("“lang” must be one of the site's languages.")
        return None

    def _watch(self, content):
        """What the page shows, for the HTML pushed with events (validated by ``_schema_problem``)."""
        self.watching = {"roster": content.get("roster"), "bracket": bool(content.get("bracket")),
                         "announcements": bool(content.get("announcements"))}
        if content.get("lang"):
            self.language = _supported_language(content["lang"])

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
