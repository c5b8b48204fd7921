"""How a web process is started: the Procfile's ``web`` line, ``make run-scaled``, the load script and
the tests' live servers all run this command, so what is measured and tested is what is deployed.

uvicorn with its C HTTP parser (httptools), uvloop, and the sans-I/O websockets protocol: that one
waits for the application to accept a WebSocket however long a burst of arrivals makes it take
(the older websockets protocol gives up after 10 s; daphne needed ``--websocket_connect_timeout 60``
for the same reason). Frames over 64 KB are refused by the server (the lobby refuses frames over 2 KB
itself, with a message). No per-message compression: it costs CPU on every frame of every socket, and
CPU is what an event-day lobby runs out of first (lobby frames are small). Kept free of Django imports: the load script uses it before Django is set up.
"""
import sys

APPLICATION = "config.asgi:application"
OPTIONS = ["--lifespan", "off", "--no-access-log", "--no-server-header", "--http", "httptools", "--loop", "uvloop",
           "--ws", "websockets-sansio", "--ws-max-size", "65536", "--ws-per-message-deflate", "false", "--timeout-keep-alive", "75",
           "--timeout-graceful-shutdown", "5"]


def command(host: str, port: int, application: str = APPLICATION) -> list[str]:
    return [sys.executable, "-m", "uvicorn", application, "--host", host, "--port", str(port), *OPTIONS]
