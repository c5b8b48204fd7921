"""A small round-robin TCP load balancer for ``make run-scaled`` (loopback, development/demo only).

Why our own: the scaled run must work on a bare machine (and in CI) with one command, and nginx or
haproxy would be an extra system package for a 100-line job. Production puts a real load balancer
(nginx, haproxy, a cloud LB) in front of the web processes and points its health check at
``/readiness``. This one forwards raw TCP, so HTTP keep-alive and WebSockets pass through
untouched; each new connection goes to the next backend, and a backend that refuses connections
is skipped (and rested for ``REST_SECONDS``), so a killed web process costs its open connections
only: clients reconnect through the same address and land on a live one.

    python -m config.balancer 127.0.0.1:8000 127.0.0.1:8001 127.0.0.1:8002
"""
import asyncio
import itertools
import logging
import sys
import time

logger = logging.getLogger("commandcenter.balancer")
REST_SECONDS = 2.0
CONNECT_TIMEOUT = 2.0
CHUNK = 64 * 1024


class Balancer:
    def __init__(self, listen: tuple[str, int], backends: list[tuple[str, int]]):
        self.listen, self.backends = listen, list(backends)
        self._next = itertools.cycle(range(len(self.backends)))
        self._rested_until = [0.0] * len(self.backends)
        self.server = None

    async def _open_backend(self):
        now = time.monotonic()
        for _ in range(len(self.backends)):
            i = next(self._next)
            if self._rested_until[i] > now:
                continue
            host, port = self.backends[i]
            try:
                return await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT)
            except (OSError, asyncio.TimeoutError) as exc:
                self._rested_until[i] = time.monotonic() + REST_SECONDS
                logger.warning("backend %s:%s unavailable (%s); trying the next", host, port, type(exc).__name__)
        # every backend is resting: try them all once more rather than refuse at once
        for host, port in self.backends:
            try:
                return await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT)
            except (OSError, asyncio.TimeoutError):
                continue
        return None

    @staticmethod
    async def _pipe(reader, writer):
        try:
            while data := await reader.read(CHUNK):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            try:
                writer.close()
            except Exception:  # already gone
                pass

    async def _handle(self, client_reader, client_writer):
        backend = await self._open_backend()
        if backend is None:
            client_writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            client_writer.close()
            return
        backend_reader, backend_writer = backend
        await asyncio.gather(self._pipe(client_reader, backend_writer), self._pipe(backend_reader, client_writer))

    async def start(self):
        self.server = await asyncio.start_server(self._handle, *self.listen, reuse_address=True)
        return self

    async def serve_forever(self):
        await self.start()
        async with self.server:
            await self.server.serve_forever()


def _address(text: str) -> tuple[str, int]:
    host, _colon, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


def main(argv=None):
    argv = argv if argv is not None else sys.argv[1:]
    if len(argv) < 2:
        print(__doc__)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    listen, backends = _address(argv[0]), [_address(a) for a in argv[1:]]
    print(f"balancer on {listen[0]}:{listen[1]} -> {', '.join(f'{h}:{p}' for h, p in backends)}", flush=True)
    try:
        asyncio.run(Balancer(listen, backends).serve_forever())
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
