"""ASGI application for bench/bench_lobby.py only: the real project (lobby consumer behind the origin
check and session/auth middleware) plus a bare echo consumer at ``/ws/bench/echo/`` as the floor —
same channel layer, same web server, none of the lobby's work (no session, no database, no checks)."""
import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402

from config.asgi import application as project_application  # noqa: E402  (sets Django up first)

if os.environ.get("BENCH_LAYER_CAPACITY"):  # bench-only knob: the layer is built lazily, after this
    from django.conf import settings

    settings.CHANNEL_LAYERS["default"].setdefault("CONFIG", {})["capacity"] = int(os.environ["BENCH_LAYER_CAPACITY"])

ECHO_GROUP = "bench_echo"


class BareEchoConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        await self.channel_layer.group_add(ECHO_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(ECHO_GROUP, self.channel_name)

    async def lobby_event(self, message):
        await self.send(text_data=json.dumps({"event": message.get("event"), "payload": message.get("payload")}))


bare = BareEchoConsumer.as_asgi()


async def application(scope, receive, send):
    if scope["type"] == "websocket" and scope["path"] == "/ws/bench/echo/":
        return await bare(scope, receive, send)
    return await project_application(scope, receive, send)
