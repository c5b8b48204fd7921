"""Login throttling on /admin/login/, 429 + Retry-After, production settings and `check --deploy`."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def _forget_login_failures():
    """Only our keys: on Redis the cache database is shared with RQ (services tier)."""
    from django.conf import settings

    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter("*login-throttle:*"):
            client.delete(key)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _clean_cache():
    _forget_login_failures()
    yield
    _forget_login_failures()


@pytest.mark.django_db
def test_admin_login_is_throttled(organizer, settings):
    settings.LOGIN_THROTTLE = {"attempts": 3, "window": 600}
    client = Client()
    for _ in range(3):
        response = client.post("/admin/login/", {"username": "alice", "password": "wrong"})
        assert response.status_code == 200  # the normal "wrong password" form
    response = client.post("/admin/login/", {"username": "alice", "password": "pw-alice"})  # right one, too late
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # another address guessing the same username is paused too; another user from a fresh address is not
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post("/admin/login/", {"username": "alice", "password": "pw-alice"}).status_code == 429


@pytest.mark.django_db
def test_successful_login_clears_the_count(organizer, settings):
    settings.LOGIN_THROTTLE = {"attempts": 3, "window": 600}
    client = Client()
    for _ in range(2):
        client.post("/admin/login/", {"username": "alice", "password": "wrong"})
    assert client.post("/admin/login/", {"username": "alice", "password": "pw-alice"}).status_code == 302
    client.logout()
    other = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(2):
        assert other.post("/admin/login/", {"username": "alice", "password": "wrong"}).status_code == 200


def _production_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG", "PUBLIC_BASE_URL")
           and not k.startswith("SECURE_")}
    env.update({"DEBUG": "0", "SECRET_KEY": "x" * 20 + "-production-like-secret-key-for-the-check-0123456789",
                "ALLOWED_HOSTS": "cc.example.org", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/cc_security",
                "REDIS_URL": "redis://127.0.0.1:6379/7", "PUBLIC_BASE_URL": "https://cc.example.org",
                "PYTHONWARNINGS": "ignore"}, **extra)
    return env


def test_check_deploy_is_clean_in_production_settings():
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                            env=_production_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_responses_carry_security_headers():
    code = ("import django,json;django.setup();from django.test import Client;from django.conf import settings;"
            "r=Client().get('/admin/login/',secure=True,HTTP_HOST='cc.example.org');"
            "print(json.dumps({'status':r.status_code,'headers':dict(r.headers),"
            "'cookies':[settings.SESSION_COOKIE_SECURE,settings.CSRF_COOKIE_SECURE,settings.SESSION_COOKIE_HTTPONLY],"
            "'plain':Client().get('/admin/login/',HTTP_HOST='cc.example.org').status_code}))")
    env = _production_env(DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    import json

    out = json.loads(result.stdout.strip().splitlines()[-1])
    headers = {k.lower(): v for k, v in out["headers"].items()}
    assert out["status"] == 200
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert out["cookies"] == [True, True, True]
    assert out["plain"] == 301  # plain HTTP is redirected to https


def test_loopback_scaled_run_keeps_plain_http():
    """The services tier and `make run-scaled` on http://127.0.0.1 must not be redirected to https."""
    env = _production_env(PUBLIC_BASE_URL="http://127.0.0.1:8000", DJANGO_SETTINGS_MODULE="config.settings")
    code = "import django;django.setup();from django.conf import settings as s;print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.split()[-2:] == ["False", "0"], result.stdout + result.stderr
