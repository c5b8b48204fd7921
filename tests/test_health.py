"""Health endpoints: liveness never touches dependencies; readiness reports each one and fails with 503."""
import pytest

from tournaments import health

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_does_not_touch_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readiness"])
def test_health_endpoints_are_get_only(client, path):
    assert client.post(path).status_code == 405


def test_readiness_embedded(client, settings):
    settings.REDIS_URL = ""
    settings.EMBEDDED = True
    response = client.get("/readiness")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready" and body["mode"] == "embedded"
    assert set(body["checks"]) == {"database"}  # no Redis to check without REDIS_URL
    database = body["checks"]["database"]
    assert database["ok"] is True and database["vendor"] in {"sqlite", "postgresql"}
    assert isinstance(database["ms"], (int, float)) and database["ms"] >= 0
    assert "max-age=0" in response["Cache-Control"]


def test_readiness_503_when_the_database_check_fails(client, settings, monkeypatch):
    settings.REDIS_URL = ""
    settings.EMBEDDED = True
    monkeypatch.setattr(health, "_check_database", lambda: {"ok": False, "error": "OperationalError"})
    response = client.get("/readiness")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "mode": "embedded",
                               "checks": {"database": {"ok": False, "error": "OperationalError"}}}


def test_database_check_reports_the_error_type_not_the_details(monkeypatch):
    class Broken:
        def cursor(self):
            raise RuntimeError("postgres://user:secret@db/prod refused")

    monkeypatch.setattr(health, "connection", Broken())
    result = health._check_database()
    assert result == {"ok": False, "error": "RuntimeError"}


def test_readiness_scaled_mode_includes_redis(client, settings, monkeypatch):
    settings.REDIS_URL = "redis://redis.invalid:6379/0"
    settings.EMBEDDED = False
    monkeypatch.setattr(health, "_check_redis", lambda: {"ok": True, "ms": 0.1})
    response = client.get("/readiness")
    assert response.status_code == 200
    body = response.json()
    assert body["mode"] == "scaled" and set(body["checks"]) == {"database", "redis"}
    monkeypatch.setattr(health, "_check_redis", lambda: {"ok": False, "error": "ConnectionError"})
    response = client.get("/readiness")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["database"]["ok"] is True


def test_unreachable_redis_is_reported(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    result = health._check_redis()
    assert result["ok"] is False and result["error"] in {"ConnectionError", "TimeoutError"}


@pytest.mark.services
def test_readiness_against_the_real_services(client, settings):
    response = client.get("/readiness")
    assert response.status_code == 200
    body = response.json()
    assert body["mode"] == "scaled"
    assert body["checks"]["database"]["vendor"] == "postgresql"
    assert body["checks"]["redis"]["ok"] is True
