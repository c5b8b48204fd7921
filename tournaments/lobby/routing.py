"""WebSocket routes of the participant lobby (config/asgi.py wraps them in the origin check and
the session/auth middleware)."""
from django.urls import path

from .consumers import LobbyConsumer

websocket_urlpatterns: list = [
    path("ws/lobby/<slug:slug>/", LobbyConsumer.as_asgi()),
]
