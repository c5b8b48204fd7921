"""Webhooks: signed deliveries a receiver can verify, retry on 5xx and network errors, none on 4xx,
only public http(s) URLs (loopback allowed in tests), scoping by tournament/organizer and event."""
import http.server
import json
import threading

import pytest

from tests.factories import make_tournament
from tests.jobs.support import drain
from tournaments import webhooks
from tournaments.models import WebhookDelivery
from tournaments.services import DomainError, tournaments as tournament_services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_rq")]


class Receiver:
    """A tiny HTTP server on 127.0.0.1 that checks the signature like an organizer's server would."""

    def __init__(self, statuses=(200,)):
        self.statuses = list(statuses)
        self.requests = []
        self.secret = None
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ts, sig = self.headers.get(webhooks.TIMESTAMP_HEADER), self.headers.get(webhooks.SIGNATURE_HEADER)
                receiver.requests.append({"body": json.loads(body), "headers": {k.lower(): v for k, v in self.headers.items()},
                                          "valid": webhooks.verify_signature(receiver.secret, ts, body, sig)})
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(*statuses):
        r = Receiver(statuses or (200,))
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


@pytest.fixture(autouse=True)
def fast_retries(settings):
    settings.JOBS_RETRY_INTERVALS = [0, 0, 0]  # RQ re-queues at once; the burst worker picks it up


def endpoint_for(organizer, tournament, r, **kwargs):
    endpoint = webhooks.create_endpoint(actor=organizer, url=r.url, tournament=tournament, **kwargs)
    r.secret = endpoint.secret
    return endpoint


def close_registration(tournament, organizer, capture):
    with capture(execute=True):
        tournament_services.close_registration(tournament.pk, actor=organizer)
    drain()


def test_a_domain_event_arrives_signed(organizer, game, receiver, django_capture_on_commit_callbacks):
    tournament = make_tournament(organizer, game)
    r = receiver(200)
    endpoint = endpoint_for(organizer, tournament, r)
    close_registration(tournament, organizer, django_capture_on_commit_callbacks)
    (request,) = r.requests
    assert request["valid"] is True
    body = request["body"]
    assert body["type"] == "tournament.updated" and request["headers"][webhooks.EVENT_HEADER.lower()] == "tournament.updated"
    assert body["tournament"] == {"id": tournament.pk, "slug": tournament.slug, "name": tournament.name}
    assert body["data"] == {"status": "registration_closed", "name": tournament.name}
    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert delivery.succeeded and delivery.status_code == 200 and delivery.attempt == 1 and str(delivery.event_id) == body["id"]
    # a forged or stale signature does not verify
    raw = json.dumps(body).encode()
    assert not webhooks.verify_signature(endpoint.secret, request["headers"][webhooks.TIMESTAMP_HEADER.lower()], raw + b" ", "0" * 64)
    ts = request["headers"][webhooks.TIMESTAMP_HEADER.lower()]
    assert not webhooks.verify_signature(endpoint.secret, ts, raw, webhooks.sign(endpoint.secret, ts, raw), now=int(ts) + 3600)


def test_server_errors_are_retried_until_delivered(organizer, game, receiver, django_capture_on_commit_callbacks):
    tournament = make_tournament(organizer, game)
    r = receiver(500, 503, 200)
    endpoint = endpoint_for(organizer, tournament, r)
    close_registration(tournament, organizer, django_capture_on_commit_callbacks)
    assert len(r.requests) == 3 and all(req["valid"] for req in r.requests)
    assert len({req["body"]["id"] for req in r.requests}) == 1  # the same event, so receivers can de-duplicate
    log = list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("attempt").values_list("attempt", "status_code", "succeeded", "will_retry"))
    assert log == [(1, 500, False, True), (2, 503, False, True), (3, 200, True, False)]


def test_client_errors_are_not_retried(organizer, game, receiver, django_capture_on_commit_callbacks):
    tournament = make_tournament(organizer, game)
    r = receiver(400)
    endpoint = endpoint_for(organizer, tournament, r)
    close_registration(tournament, organizer, django_capture_on_commit_callbacks)
    assert len(r.requests) == 1
    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert delivery.status_code == 400 and not delivery.succeeded and not delivery.will_retry and "HTTP 400" in delivery.error


def test_network_errors_are_retried_then_given_up(organizer, game, receiver, django_capture_on_commit_callbacks):
    tournament = make_tournament(organizer, game)
    r = receiver(200)
    endpoint = endpoint_for(organizer, tournament, r)
    r.close()  # nobody listens any more
    close_registration(tournament, organizer, django_capture_on_commit_callbacks)
    log = list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("attempt"))
    assert [d.attempt for d in log] == [1, 2, 3, 4]  # the first try and three retries
    assert all(d.status_code is None and d.error for d in log) and log[-1].will_retry is False


def test_event_filter_and_organizer_wide_endpoints(organizer, other_organizer, game, receiver, django_capture_on_commit_callbacks):
    tournament = make_tournament(organizer, game)
    only_matches = receiver(200)
    endpoint_for(organizer, tournament, only_matches, events=["match.updated"])
    everything = receiver(200)
    endpoint_for(organizer, None, everything)
    strangers = receiver(200)
    endpoint_for(other_organizer, None, strangers)
    close_registration(tournament, organizer, django_capture_on_commit_callbacks)
    assert only_matches.requests == [] and strangers.requests == []
    assert [req["body"]["type"] for req in everything.requests] == ["tournament.updated"]


@pytest.mark.parametrize("url, message", [
    ("ftp://example.org/hook", "http:// or https://"),
    ("http://user:pw@example.org/", "credentials"),
    ("http://10.1.2.3/hook", "private address"),
    ("http://169.254.169.254/latest/meta-data", "private address"),
])
def test_unsafe_urls_are_refused(organizer, game, url, message):
    tournament = make_tournament(organizer, game)
    with pytest.raises(DomainError, match=message):
        webhooks.create_endpoint(actor=organizer, url=url, tournament=tournament)


def test_loopback_needs_the_setting(organizer, game, settings):
    tournament = make_tournament(organizer, game)
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    settings.DEBUG = False
    with pytest.raises(DomainError, match="private address"):
        webhooks.create_endpoint(actor=organizer, url="http://127.0.0.1:9/hook", tournament=tournament)


def test_another_organizers_tournament_is_refused(organizer, other_organizer, game):
    tournament = make_tournament(organizer, game)
    with pytest.raises(DomainError, match="not allowed"):
        webhooks.create_endpoint(actor=other_organizer, url="http://127.0.0.1:9/hook", tournament=tournament)
