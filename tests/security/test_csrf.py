"""CSRF on every state-changing endpoint: admin, Command Center, RQ pages and the lobby.

A client with ``enforce_csrf_checks=True`` signed in as the *owner* (so the view would otherwise act)
POSTs an eager payload without the token to every route the resolver knows: each answers 403 and
nothing changes. No view may be ``csrf_exempt``.
"""
import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from tests.security.lobby_routes import lobby_urls
from tests.security.routes import all_patterns, classify
from tests.security.support import EAGER_POST, diff, snapshot
from tournaments.services import lobby_access

pytestmark = pytest.mark.django_db


def _walk_callbacks():
    from django.urls import URLPattern, URLResolver

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p.callback
    return list(walk(get_resolver().url_patterns))


def test_no_view_is_csrf_exempt():
    exempt = [route for route, callback in _walk_callbacks() if getattr(callback, "csrf_exempt", False)]
    assert not exempt, f"csrf_exempt views: {exempt}"


def test_every_post_without_token_is_refused(world):
    admin_client = Client(enforce_csrf_checks=True)
    admin_client.force_login(world.a)
    superuser = type(world.a).objects.create_superuser("root_csrf", "root@example.com", "pw")
    root_client = Client(enforce_csrf_checks=True)
    root_client.force_login(superuser)
    participant = Client(enforce_csrf_checks=True)
    registration = world.objects_by_name("registration")
    token = lobby_access.issue_link(registration.pk, actor=None)
    assert participant.get(lobby_access.join_path(token)).status_code == 302

    urls, unknown = [], []
    for route in all_patterns():
        if route.namespace == "lobby":
            found = lobby_urls(route, world, token=token)
            client = participant
        elif route.namespace is None and route.name in ("healthz", "readiness"):
            found, client = [f"/{route.route}"], Client(enforce_csrf_checks=True)
        elif route.namespace is None and route.name == "certificate_verify":  # public upload form
            found = [reverse("certificate_verify", args=[world.objects_by_name("certificate").code])]
            client = Client(enforce_csrf_checks=True)
        elif route.namespace == "admin" and route.name in ("login", "logout", "password_change"):
            found, client = [f"/{route.route}"], admin_client
        else:
            targets = classify(route, world)
            found = None if targets is None else [t.url for t in targets]
            client = root_client if targets and targets[0].kind == "superuser" else admin_client
        if found is None:
            unknown.append(route.route)
            continue
        urls.extend((client, url) for url in found)
    assert not unknown, f"routes the CSRF suite cannot fill in: {unknown}"

    problems = []
    for client, url in urls:
        before = snapshot()
        response = client.post(url, EAGER_POST)
        if response.status_code != 403:
            problems.append(f"POST {url}: {response.status_code} without a CSRF token")
        changed = diff(before, snapshot())
        if changed:
            problems.append(f"POST {url}: changed {changed}")
    assert len(urls) > 150
    assert not problems, "\n".join(problems)


def test_login_form_needs_the_token(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "zqxmark_org", "password": "pw-zqxmark_org"})
    assert response.status_code == 403 and "_auth_user_id" not in client.session
