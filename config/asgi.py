"""HTTP and WebSocket entry point: uvicorn serves ``config.asgi:application`` (Procfile,
``make run-scaled``), daphne's ``runserver`` serves it in development (``make run``).

HTTP goes to Django's WSGI handler on a bounded pool of threads (a2wsgi's ``WSGIMiddleware``), not
to Django's ASGI handler. Every view and middleware of the project is synchronous; the ASGI handler
runs each request through several sync/async hand-offs on a thread created for that request, which
measured ~2.5 ms more CPU per request than the WSGI path under the same server (``/healthz``: 3.2–4.3 ms
through the ASGI handler, 1.2–1.4 ms through this one; see README "Event-day load"). The pool has
``WEB_THREADS`` threads (default: the database pool's size, ``DB_POOL_MAX_SIZE``, 10); requests beyond
it wait for a thread. At most ``LOBBY_HTTP_SLOTS`` of them (default: all but three) serve lobby
requests at once, so that staff, health checks and metrics never queue behind a burst of arriving
participants (``config.admission``). WebSockets stay on Channels, behind its origin check and
session middleware; the lobby consumer resolves the session, the participant and (only if needed)
the user in one hop to a thread (``tournaments.lobby.consumers._load``) instead of Channels'
``AuthMiddleware`` loading the user in a hop of its own first.
"""
import os

from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
get_asgi_application()  # sets Django up; must run before importing consumers

from a2wsgi import WSGIMiddleware  # noqa: E402

from config.admission import LobbyAdmission, default_slots  # noqa: E402

WEB_THREADS = int(os.environ.get("WEB_THREADS") or os.environ.get("DB_POOL_MAX_SIZE") or 10)
http_application = LobbyAdmission(WSGIMiddleware(get_wsgi_application(), workers=WEB_THREADS),
                                  slots=default_slots(WEB_THREADS))

from asgiref.sync import ThreadSensitiveContext  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import SessionMiddlewareStack  # noqa: E402

from tournaments.lobby.routing import websocket_urlpatterns  # noqa: E402
from tournaments.observability import WebSocketGauge  # noqa: E402



class ThreadPerConnection:
    """Give each WebSocket connection its own thread for its sync work (the consumer's
    ``database_sync_to_async`` calls), as Django's ASGIHandler does for each HTTP request. Without a ThreadSensitiveContext, asgiref runs every thread-sensitive call
    of every connection in the process on ONE shared thread: under 1,000 arriving participants the
    handshakes queued behind each other for over 30 s and most timed out. Database connections stay
    bounded by the pool (DB_POOL_MAX_SIZE); the thread is created on first use and ends with the
    connection."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async with ThreadSensitiveContext():
            return await self.app(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": http_application,
        "websocket": WebSocketGauge(ThreadPerConnection(
            AllowedHostsOriginValidator(SessionMiddlewareStack(URLRouter(websocket_urlpatterns))))),
    }
)
