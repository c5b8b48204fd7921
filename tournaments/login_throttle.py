"""Throttle password guessing on the admin login page.

Failed logins (Django's ``user_login_failed`` signal) are counted in the cache per username and per
client address in a fixed window (``settings.LOGIN_THROTTLE``: 5 per 15 minutes by default; Redis
when scaled, so the count holds across web processes). Once either count is reached, further login
POSTs get 429 with ``Retry-After`` and a message saying when to try again — even with the right
password. A successful login clears that username's count.

Why not django-axes: it adds its own models, migrations, authentication backend and admin pages for
what is a counter in the cache here; this project already keeps its rate limits in the cache
(tournaments/lobby/ratelimit.py), and a migration number is reserved for real models.
"""
import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _


def _limits():
    conf = getattr(settings, "LOGIN_THROTTLE", {})
    return int(conf.get("attempts", 5)), int(conf.get("window", 900))


def _client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _keys(request, username: str):
    _attempts, window = _limits()
    bucket = int(time.time() // window)
    return [f"login-throttle:user:{(username or '').strip().lower()}:{bucket}",
            f"login-throttle:addr:{_client_address(request)}:{bucket}"]


def _retry_after() -> int:
    _attempts, window = _limits()
    return max(1, int(window - time.time() % window) + 1)


def is_locked(request, username: str) -> bool:
    attempts, _window = _limits()
    return any((cache.get(key) or 0) >= attempts for key in _keys(request, username))


@receiver(user_login_failed)
def _count_failure(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    _attempts, window = _limits()
    for key in _keys(request, credentials.get("username", "")):
        if not cache.add(key, 1, timeout=window + 1):
            try:
                cache.incr(key)
            except ValueError:
                cache.add(key, 1, timeout=window + 1)


@receiver(user_logged_in)
def _clear_on_success(sender, request=None, user=None, **kwargs):
    if request is not None and user is not None:
        cache.delete(_keys(request, user.get_username())[0])


class LoginThrottleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.login_path = None

    def __call__(self, request):
        if request.method == "POST":
            self.login_path = self.login_path or reverse("admin:login")
            if request.path == self.login_path and is_locked(request, request.POST.get("username", "")):
                wait = _retry_after()
                minutes = max(1, round(wait / 60))
                message = _("Too many failed sign-in attempts. Try again in %(m)d minute(s), or ask an "
                            "administrator to reset your password.") % {"m": minutes}
                response = HttpResponse(f"<!DOCTYPE html><title>{escape(_('Sign-in paused'))}</title>"
                                        f"<h1>{escape(_('Sign-in paused'))}</h1><p>{escape(message)}</p>",
                                        status=429, content_type="text/html; charset=utf-8")
                response["Retry-After"] = str(wait)
                return response
        return self.get_response(request)
