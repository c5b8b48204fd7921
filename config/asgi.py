"""HTTP and WebSocket entry point (daphne/uvicorn serve ``config.asgi:application``)."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()  # must run before importing consumers

from asgiref.sync import ThreadSensitiveContext  # noqa: E402
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from tournaments.lobby.routing import websocket_urlpatterns  # noqa: E402
from tournaments.observability import WebSocketGauge  # noqa: E402



class ThreadPerConnection:
    """Give each WebSocket connection its own thread for its sync work (session and user lookup in
    AuthMiddlewareStack, the consumer's ``database_sync_to_async`` calls), as Django's ASGIHandler does
    for each HTTP request. Without a ThreadSensitiveContext, asgiref runs every thread-sensitive call
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
        "http": django_asgi_app,
        "websocket": WebSocketGauge(ThreadPerConnection(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))))),
    }
)
