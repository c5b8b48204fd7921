"""Structured logs and Prometheus metrics (issue 10, item 5).

Logs: ``JsonFormatter`` prints one JSON object per line. ``request_id`` / ``job_id`` /
``tournament_id`` come from context variables set by ``RequestLogMiddleware`` (per request) and
``tournaments.jobs.execute`` (per job), so every log line written while serving a request or
running a job carries them. The request line itself holds method, path *template* (never the raw
path, which may hold tokens), status, duration, user id (never username or e-mail) and the
tournament when the URL names one. ``X-Request-ID`` is honoured when well-formed, generated
otherwise, echoed on the response and stored in a job's meta so the job's lines share it.

Metrics: ``prometheus_client``. Several web processes and workers each keep their own counters,
so with ``PROMETHEUS_MULTIPROC_DIR`` set (``make run-scaled`` does) the client's multiprocess mode
writes them to files in that directory and ``/metrics`` sums them — chosen over counters in Redis
because metrics must keep working while Redis is down (that is when they matter). Queue depths and
the outbox backlog are read at scrape time (from Redis / the database), so they are right whatever
process answers.
"""
import contextvars
import hmac
import json
import logging
import os
import re
import sys
import time
import uuid

from django.conf import settings
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger("commandcenter.request")

request_id_var = contextvars.ContextVar("request_id", default=None)
job_id_var = contextvars.ContextVar("job_id", default=None)
tournament_id_var = contextvars.ContextVar("tournament_id", default=None)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_CONTEXT = (("request_id", request_id_var), ("job_id", job_id_var), ("tournament_id", tournament_id_var))


def current_request_id():
    return request_id_var.get()


def bind_tournament(tournament_id) -> None:
    """Code that learns the tournament later than the URL (a job, a service) may name it."""
    if tournament_id is not None:
        tournament_id_var.set(tournament_id)


# ---- logs -----------------------------------------------------------------------------------------

def _install_record_factory():
    """Stamp the context ids on each record when it is created (formatting may happen later)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "commandcenter", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.context_ids = {name: var.get() for name, var in _CONTEXT}
        return record

    factory.commandcenter = True
    logging.setLogRecordFactory(factory)


_install_record_factory()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, context ids, extra ``fields``."""

    def format(self, record):
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        ids = getattr(record, "context_ids", None) or {name: var.get() for name, var in _CONTEXT}
        for name, value in ids.items():
            if value is not None:
                entry[name] = value
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


# ---- metrics --------------------------------------------------------------------------------------

_metrics = None


def metrics():
    """Create the metric objects once per process (lazily: PROMETHEUS_MULTIPROC_DIR is read then)."""
    global _metrics
    if _metrics is None:
        from prometheus_client import Counter, Gauge, Histogram

        _metrics = {
            "latency": Histogram("commandcenter_http_request_duration_seconds", "HTTP request latency by route",
                                 ["method", "route", "status"],
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10)),
            "ws": Gauge("commandcenter_lobby_websocket_connections", "Open lobby WebSocket connections",
                        multiprocess_mode="livesum"),
            "jobs": Counter("commandcenter_jobs_total", "Job attempts by function and outcome", ["func", "outcome"]),
            "lobby_waiting": Gauge("commandcenter_lobby_http_waiting",
                                   "Lobby HTTP requests waiting for a slot (config.admission)", multiprocess_mode="livesum"),
        }
    return _metrics


class _ScrapeTimeCollector:
    """Gauges read when scraped: RQ queue depths and the outbox backlog."""

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        from .models import OutboxMessage

        backlog = GaugeMetricFamily("commandcenter_outbox_backlog", "Outbox messages not yet delivered", labels=["kind"])
        failed = GaugeMetricFamily("commandcenter_outbox_failed", "Outbox messages given up after repeated errors")
        try:
            counts = dict.fromkeys(("job", "event"), 0)
            for row in OutboxMessage.objects.filter(delivered_at__isnull=True, failed_at__isnull=True).values("kind"):
                counts[row["kind"]] = counts.get(row["kind"], 0) + 1
            for kind, n in counts.items():
                backlog.add_metric([kind], n)
            failed.add_metric([], OutboxMessage.objects.filter(failed_at__isnull=False).count())
            yield backlog
            yield failed
        except Exception as exc:  # the database being down must not break the scrape
            logger.warning("metrics: outbox unavailable (%s)", type(exc).__name__)
        if settings.JOBS_INLINE:
            return
        depth = GaugeMetricFamily("commandcenter_rq_queue_depth", "Jobs waiting per RQ queue", labels=["queue"])
        up = GaugeMetricFamily("commandcenter_redis_up", "1 when Redis answered this scrape")
        try:
            import django_rq

            for name in settings.RQ_QUEUES:
                depth.add_metric([name], django_rq.get_queue(name).count)
            up.add_metric([], 1)
            yield depth
        except Exception as exc:
            logger.warning("metrics: RQ queues unavailable (%s)", type(exc).__name__)
            up.add_metric([], 0)
        yield up


def _authorized(request) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


@never_cache
def metrics_view(request):
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    if not _authorized(request):
        response = HttpResponse("Metrics need a staff login or the bearer token.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    metrics()
    scrape = CollectorRegistry(auto_describe=True)
    scrape.register(_ScrapeTimeCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
        body = generate_latest(processes) + generate_latest(scrape)
    else:
        body = generate_latest(REGISTRY) + generate_latest(scrape)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


# ---- request middleware ---------------------------------------------------------------------------

def _tournament_of(match):
    if match is None:
        return None
    kwargs = match.kwargs or {}
    for key in ("tournament_id", "tournament_pk"):
        if kwargs.get(key) is not None:
            return kwargs[key]
    if (match.url_name or "").startswith("tournaments_tournament_") and kwargs.get("object_id"):
        return kwargs["object_id"]
    if "admin_ui" in (match.namespaces or []) and kwargs.get("pk") is not None:
        return kwargs["pk"]  # every Command Center page with a pk is a tournament's page
    return None


class RequestLogMiddleware:
    """Outermost middleware: request id in, one JSON log line and one latency sample out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        tokens = [(request_id_var, request_id_var.set(request_id)), (tournament_id_var, tournament_id_var.set(None)),
                  (job_id_var, job_id_var.set(None))]
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            duration = time.perf_counter() - started
        try:
            self._record(request, response, duration)
        finally:
            for var, token in reversed(tokens):
                var.reset(token)
        response["X-Request-ID"] = request_id
        return response

    def _record(self, request, response, duration):
        match = getattr(request, "resolver_match", None)
        route = ("/" + match.route) if match is not None and match.route is not None else "<unresolved>"
        tournament = _tournament_of(match)
        if tournament is not None:
            bind_tournament(str(tournament))
        fields = {"event": "request", "method": request.method, "path": route, "status": response.status_code,
                  "duration_ms": round(duration * 1000, 2)}
        user = getattr(request, "_cached_user", None)  # only if the view looked (no extra query otherwise)
        if user is not None and getattr(user, "is_authenticated", False):
            fields["user_id"] = user.pk
        if match is not None and "slug" in (match.kwargs or {}) and route.startswith("/lobby/"):
            fields["tournament_slug"] = match.kwargs["slug"]
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        logger.log(level, "%s %s %s", request.method, route, response.status_code, extra={"fields": fields})
        try:
            metrics()["latency"].labels(request.method, route, str(response.status_code)).observe(duration)
        except Exception:  # metrics must never break a response
            logger.debug("latency metric failed", exc_info=True)


# ---- error pages ----------------------------------------------------------------------------------

def server_error(request, *args, **kwargs):
    """handler500: a plain page, never a traceback; 503 + Retry-After when the database is down."""
    from django.db import DatabaseError, InterfaceError, OperationalError

    exc = sys.exc_info()[1]
    unavailable = isinstance(exc, (OperationalError, InterfaceError)) or (
        isinstance(exc, DatabaseError) and "connection" in str(exc).lower())
    status = 503 if unavailable else 500
    try:
        response = TemplateResponse(request, "ops/error.html", {"unavailable": unavailable, "status": status,
                                                                "request_id": getattr(request, "request_id", "")},
                                    status=status)
        response.render()
    except Exception:  # the template layer itself may be what failed
        response = HttpResponse("Service unavailable; try again in a moment.\n" if unavailable else "Server error.\n",
                                status=status, content_type="text/plain; charset=utf-8")
    if unavailable:
        response["Retry-After"] = "5"
    return response


# ---- ASGI: lobby WebSocket connection gauge -------------------------------------------------------

class WebSocketGauge:
    """ASGI middleware counting accepted WebSocket connections (the consumer stays untouched)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "websocket":
            return await self.app(scope, receive, send)
        gauge = metrics()["ws"]
        state = {"open": False}

        async def counting_send(message):
            if message.get("type") == "websocket.accept" and not state["open"]:
                state["open"] = True
                gauge.inc()
            elif message.get("type") == "websocket.close" and state["open"]:
                state["open"] = False
                gauge.dec()
            await send(message)

        try:
            return await self.app(scope, receive, counting_send)
        finally:
            if state["open"]:
                gauge.dec()
