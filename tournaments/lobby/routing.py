"""WebSocket routes of the participant lobby (consumers arrive with the lobby)."""
websocket_urlpatterns: list = []
