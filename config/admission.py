"""Staff first when the doors open: a bound on how many lobby requests a web process works on at once.

Every HTTP request of a web process runs on one pool of ``WEB_THREADS`` threads (a2wsgi, see
``config.asgi``), whose queue is first come, first served. When 1,000 participants open their lobby
within half a minute, hundreds of lobby requests queue there, and a staff member's approval, the
load balancer's ``/healthz`` and a ``/metrics`` scrape wait behind all of them (load runs: staff
actions p95 5–9 s while participants arrived over 30 s; a health check answered that late takes the
process out of the balancer in the middle of the burst).

``LobbyAdmission`` lets at most ``slots`` lobby requests (``/lobby/…``: pages, fragments, joins,
actions) into the pool at once per process; the others wait in order on the event loop, which costs
nothing while they wait. Everything else — the admin, health checks, metrics, static files — goes
straight to the pool, where at most ``slots`` lobby requests are ahead of it. The machine does not
get faster (lobby work is CPU-bound under one GIL: a few threads keep a core as busy as ten); the
order changes, so staff get more done during a burst and arriving participants wait longer (A/B in
the README, "Staff first while the doors open"). WebSocket connections are not HTTP and are not
counted here.

Why our own: neither a2wsgi, uvicorn (``--limit-concurrency`` refuses with 503 instead of queueing,
and for every path alike) nor Django has a per-path admission queue.
"""
import asyncio
import os
import weakref

LOBBY_PREFIX = "/lobby/"


def default_slots(threads: int) -> int:
    """``LOBBY_HTTP_SLOTS``, or all but three of the pool's threads (at least two)."""
    configured = os.environ.get("LOBBY_HTTP_SLOTS", "").strip()
    if configured:
        return max(1, int(configured))
    return max(2, threads - 3)


class LobbyAdmission:
    def __init__(self, app, slots: int):
        self.app = app
        self.slots = slots
        self._semaphores = weakref.WeakKeyDictionary()  # per event loop (one per process under uvicorn; tests run several)

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            semaphore = self._semaphores[loop] = asyncio.Semaphore(self.slots)
        return semaphore

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope.get("path", "").startswith(LOBBY_PREFIX):
            return await self.app(scope, receive, send)
        semaphore = self._semaphore()
        if semaphore.locked():  # every slot taken: wait in order, counted on /metrics while waiting
            from tournaments.observability import metrics

            waiting = metrics()["lobby_waiting"]
            waiting.inc()
            try:
                await semaphore.acquire()
            finally:
                waiting.dec()
        else:
            await semaphore.acquire()
        try:
            return await self.app(scope, receive, send)
        finally:
            semaphore.release()
