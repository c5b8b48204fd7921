"""Webhooks: every domain event of a tournament, signed, POSTed to the organizer's endpoints.

``dispatch`` is called by ``events.publish`` (every lobby event) and by services for events the lobby
does not show (``payout.paid``, ``certificate.issued``). After commit it finds the active endpoints
of the tournament (or organizer-wide ones) that want the event and queues one delivery job each.

A delivery is ``POST <url>`` with a JSON body ``{"id", "type", "created", "tournament", "data"}`` and
headers ``X-CommandCenter-Timestamp`` (Unix seconds) and ``X-CommandCenter-Signature`` =
hex HMAC-SHA256(secret, f"{timestamp}.{body}"). Receivers recompute it, compare in constant time and
reject old timestamps. Network errors and 5xx answers are retried with backoff (the job raises);
4xx answers are final (the receiver refused; retrying would not help). Each attempt is logged as a
``WebhookDelivery``. Payloads carry ids and display names only.

Only http(s) URLs to public addresses are accepted (checked when saved and again before each send,
against DNS tricks); loopback is allowed when ``DEBUG`` or ``WEBHOOKS_ALLOW_LOOPBACK`` is set.
"""
import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-CommandCenter-Signature"
TIMESTAMP_HEADER = "X-CommandCenter-Timestamp"
EVENT_HEADER = "X-CommandCenter-Event"
EXTRA_EVENT_TYPES = {"payout.paid", "certificate.issued"}


class WebhookURLError(ValueError):
    pass


class RetryableDeliveryError(Exception):
    """A network error or a 5xx answer: RQ retries the job with backoff."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str, *, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does (also used by our tests)."""
    try:
        age = abs((now or time.time()) - int(timestamp))
    except (TypeError, ValueError):
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature or "")


def _loopback_allowed() -> bool:
    return bool(settings.DEBUG or getattr(settings, "WEBHOOKS_ALLOW_LOOPBACK", False))


def check_url(url: str, *, resolve: bool = True) -> None:
    """Refuse anything but http(s) to a public address (raise ``WebhookURLError`` with the reason)."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookURLError(_("Use an http:// or https:// address."))
    if parts.username or parts.password:
        raise WebhookURLError(_("Do not put credentials in the address; the signature authenticates us."))
    if not resolve:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        raise WebhookURLError(_("The host %(h)s cannot be found.") % {"h": parts.hostname})
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if address.is_loopback and _loopback_allowed():
            continue
        if (address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
                or address.is_reserved or address.is_unspecified):
            raise WebhookURLError(_("%(h)s points to a private address (%(a)s); webhooks go to servers on the internet.")
                                  % {"h": parts.hostname, "a": address})


def dispatch(tournament, event_type: str, payload: dict | None = None) -> None:
    """Schedule ``event_type`` for the tournament's webhook endpoints, after commit."""
    tournament_id, slug, name, organizer_id = tournament.pk, tournament.slug, tournament.name, tournament.organizer_id
    data = dict(payload or {})
    transaction.on_commit(lambda: _fan_out(tournament_id, slug, name, organizer_id, event_type, data))


def has_endpoints(tournament) -> bool:
    """One query: does anyone listen to this tournament? (Lets bulk work skip per-event dispatch.)"""
    from .models import WebhookEndpoint

    return WebhookEndpoint.objects.filter(active=True).filter(
        Q(tournament_id=tournament.pk) | Q(tournament__isnull=True, organizer_id=tournament.organizer_id)).exists()


def _fan_out(tournament_id, slug, name, organizer_id, event_type, data):
    from . import jobs
    from .models import WebhookEndpoint

    try:
        endpoints = [e for e in WebhookEndpoint.objects.filter(active=True).filter(
            Q(tournament_id=tournament_id) | Q(tournament__isnull=True, organizer_id=organizer_id)).only("id", "events")
            if e.wants(event_type)]
    except Exception:  # webhooks must never break the change that caused them
        logger.exception("Could not look up webhook endpoints for %s", event_type)
        return
    if not endpoints:
        return
    event = {"id": str(uuid.uuid4()), "type": event_type, "created": timezone.now().isoformat(),
             "tournament": {"id": tournament_id, "slug": slug, "name": name}, "data": data}
    event = json.loads(json.dumps(event, cls=DjangoJSONEncoder))
    for endpoint in endpoints:
        jobs.enqueue(jobs.deliver_webhook, endpoint.pk, event, queue="notifications", job_id=f"webhook-{event['id']}-{endpoint.pk}",
                     tournament_id=tournament_id, target={"model": "webhookendpoint", "id": endpoint.pk, "label": event_type})


def deliver(endpoint_id: int, event: dict) -> bool:
    """One attempt; True when delivered. Raises ``RetryableDeliveryError`` for a retry."""
    from .models import WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None or not endpoint.active:
        return False
    attempt = WebhookDelivery.objects.filter(endpoint=endpoint, event_id=event["id"]).count() + 1
    if WebhookDelivery.objects.filter(endpoint=endpoint, event_id=event["id"], succeeded=True).exists():
        return True  # a retry of a delivery that got through after all
    log = WebhookDelivery(endpoint=endpoint, tournament_id=(event.get("tournament") or {}).get("id"), event_id=event["id"],
                          event_type=event["type"], attempt=attempt)
    body = json.dumps(event, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "CommandCenter-Webhooks/1",
        SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body), TIMESTAMP_HEADER: timestamp,
        EVENT_HEADER: event["type"], "X-CommandCenter-Delivery": f"{event['id']}/{attempt}",
    })
    started = time.perf_counter()
    retry_error = None
    try:
        check_url(endpoint.url)
        with _opener().open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            log.status_code = response.status
            log.succeeded = 200 <= response.status < 300
    except WebhookURLError as exc:
        log.error = str(exc)
    except urllib.error.HTTPError as exc:
        log.status_code = exc.code
        log.error = f"HTTP {exc.code} {exc.reason}"[:1000]
        if exc.code >= 500:
            retry_error = log.error
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        log.error = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"[:1000]
        retry_error = log.error
    log.duration_ms = int((time.perf_counter() - started) * 1000)
    log.will_retry = retry_error is not None and attempt <= len(getattr(settings, "JOBS_RETRY_INTERVALS", [10, 30, 60]))
    log.save()
    if retry_error is not None:
        raise RetryableDeliveryError(retry_error)
    return log.succeeded


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect could lead to a private address: treat it as the receiver's answer (a 3xx)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _opener():
    return urllib.request.build_opener(_NoRedirect)


def create_endpoint(*, actor, url: str, tournament=None, events=None, description: str = ""):
    """Organizers add endpoints through this (the admin form calls it)."""
    from . import permissions
    from .models import WebhookEndpoint
    from .services import audit
    from .services.errors import DomainError

    if tournament is not None and not permissions.has_capability(actor, tournament, permissions.MANAGE):
        raise DomainError(_("You are not allowed to do this in “%(t)s”.") % {"t": tournament.name}, code="forbidden")
    try:
        check_url(url)
    except WebhookURLError as exc:
        raise DomainError(str(exc), code="url")
    unknown = [e for e in (events or []) if e not in known_event_types()]
    if unknown:
        raise DomainError(_("Unknown event type(s): %(e)s.") % {"e": ", ".join(unknown)}, code="events")
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(organizer=actor, tournament=tournament, url=url, events=list(events or []),
                                                  description=description)
        audit.log_action("webhook.create", actor=actor, tournament=tournament, target=endpoint, metadata={"url": url})
    return endpoint


def update_endpoint(endpoint_id: int, *, actor, events=None, active: bool = True, description: str = ""):
    from .models import WebhookEndpoint
    from .services import audit
    from .services.errors import DomainError

    unknown = [e for e in (events or []) if e not in known_event_types()]
    if unknown:
        raise DomainError(_("Unknown event type(s): %(e)s.") % {"e": ", ".join(unknown)}, code="events")
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        if not (getattr(actor, "is_superuser", False) or endpoint.organizer_id == getattr(actor, "pk", None)):
            raise DomainError(_("Only the organizer who added this webhook can change it."), code="forbidden")
        endpoint.events, endpoint.active, endpoint.description = list(events or []), active, description
        endpoint._history_user = actor
        endpoint.save()
        audit.log_action("webhook.update", actor=actor, tournament=endpoint.tournament, target=endpoint,
                         metadata={"events": endpoint.events, "active": active})
    return endpoint


def known_event_types() -> set[str]:
    from .events import EVENT_TYPES

    return set(EVENT_TYPES) | EXTRA_EVENT_TYPES
