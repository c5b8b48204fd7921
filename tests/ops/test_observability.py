"""Structured logs (request id in and out, path template, user id not name, tournament id, job
lines) and the protected /metrics endpoint. Embedded tier (works on both)."""
import json
import logging

import pytest
from channels.testing import WebsocketCommunicator
from django.core import mail
from django.db import OperationalError
from django.urls import reverse

from tests.factories import enter
from tournaments import observability
from tournaments.services import registrations

pytestmark = pytest.mark.django_db
FORMAT = observability.JsonFormatter()


def _lines(caplog, logger_name):
    return [json.loads(FORMAT.format(r)) for r in caplog.records if r.name == logger_name]


def test_request_line_honours_x_request_id_and_echoes_it(client, caplog):
    caplog.set_level(logging.INFO, logger="commandcenter.request")
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42")
    assert response["X-Request-ID"] == "lb-7f3a.42"
    [line] = _lines(caplog, "commandcenter.request")
    assert line["request_id"] == "lb-7f3a.42"
    assert line["event"] == "request" and line["method"] == "GET" and line["path"] == "/healthz" and line["status"] == 200
    assert line["duration_ms"] >= 0 and "user_id" not in line


@pytest.mark.parametrize("bad", ["has space", "x" * 129, "<script>", "a\nb"])
def test_a_malformed_request_id_is_replaced(client, bad):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=bad)
    assert response["X-Request-ID"] != bad and len(response["X-Request-ID"]) == 32


def test_request_line_has_template_user_id_and_tournament_but_no_personal_data(client, organizer, tournament, caplog):
    caplog.set_level(logging.INFO, logger="commandcenter.request")
    client.force_login(organizer)
    url = reverse("admin_ui:tournament_command_center", args=[tournament.pk])
    assert client.get(url).status_code == 200
    line = _lines(caplog, "commandcenter.request")[-1]
    assert line["path"] == "/admin/command-center/<int:pk>/"
    assert line["user_id"] == organizer.pk and line["tournament_id"] == str(tournament.pk)
    text = FORMAT.format([r for r in caplog.records if r.name == "commandcenter.request"][-1])
    assert organizer.username not in text and organizer.email not in text


def test_unresolved_paths_are_not_logged_verbatim(client, caplog):
    caplog.set_level(logging.INFO, logger="commandcenter.request")
    client.get("/lobby/join/secret-token-value/")
    client.get("/no-such-page/secret")
    lines = _lines(caplog, "commandcenter.request")
    assert all("secret" not in json.dumps(line) for line in lines), lines


def test_job_lines_carry_job_and_tournament_ids(approval_tournament, organizer, caplog, django_capture_on_commit_callbacks):
    registration = enter(approval_tournament, 1)[0]
    caplog.set_level(logging.INFO, logger="commandcenter.job")
    with django_capture_on_commit_callbacks(execute=True):
        registrations.approve(registration.pk, actor=organizer)
    lines = [line for line in _lines(caplog, "commandcenter.job") if line["func"] == "send_notification_email"]
    if not lines:
        pytest.skip("services tier: the e-mail job runs on a worker, not here")
    assert lines[-1]["job_id"].startswith("notification-email-") and lines[-1]["outcome"] == "finished"
    assert len(mail.outbox) == 1 and registration.player.email not in json.dumps(lines)


def test_metrics_need_staff_or_the_token(client, settings, organizer, django_user_model):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    user = django_user_model.objects.create_user("plain", password="x")
    client.force_login(user)
    assert client.get("/metrics").status_code == 401
    client.logout()
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    client.force_login(organizer)
    client.get("/admin/")
    body = client.get("/metrics").content.decode()
    assert 'commandcenter_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/admin/",status="200"}' in body
    assert 'commandcenter_outbox_backlog{kind="job"}' in body and 'commandcenter_outbox_backlog{kind="event"}' in body
    assert "commandcenter_lobby_websocket_connections" in body and "commandcenter_lobby_http_waiting" in body


def test_an_unset_token_never_matches(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401


def test_database_errors_give_a_clean_503_page(client, monkeypatch):
    from django.contrib.sessions.backends.db import SessionStore

    def down(self):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(SessionStore, "load", down)
    client.raise_request_exception = False
    client.cookies["sessionid"] = "x" * 32
    response = client.get("/admin/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    body = response.content.decode()
    assert "Temporarily unavailable" in body and "Traceback" not in body and "127.0.0.1" not in body
    assert response["X-Request-ID"] in body  # the reference a person can quote


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_websocket_gauge_counts_open_lobby_connections(organizer, game):
    from asgiref.sync import sync_to_async

    from config.asgi import application
    from tests.factories import make_tournament

    t = await sync_to_async(make_tournament)(organizer, game, name="Gauge Cup", slug="gauge-cup")
    gauge = observability.metrics()["ws"]
    before = gauge._value.get()
    comm = WebsocketCommunicator(application, f"/ws/lobby/{t.slug}/", headers=[(b"origin", b"http://testserver")])
    assert (await comm.connect(timeout=3))[0]
    await comm.receive_json_from(timeout=3)
    assert gauge._value.get() == before + 1
    await comm.disconnect()
    assert gauge._value.get() == before
