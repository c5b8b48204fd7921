"""Cross-organizer access on every admin and Command Center route, found by walking the URL resolver.

Organizer A owns one object of every kind (tests/security/world.py, all text carries MARK). Each
route is filled in with A's objects and requested by organizer B (GET and an eager POST): B gets a
refusal (302/403/404/405) or, on list pages and exports, a page without any of A's data; nothing in
the database changes. A positive control proves each URL really addresses A's object. A route the
suite cannot fill in fails the test by name (see tests/security/routes.py to teach it).
"""
import pytest
from django.contrib import admin
from django.urls import reverse

from tests.security.routes import all_patterns, classify
from tests.security.support import EAGER_POST, body_text, client_for, diff, snapshot
from tests.security.world import MARK

pytestmark = pytest.mark.django_db

REFUSED = {302, 403, 404, 405}


def _targets(world):
    unknown, targets = [], []
    for route in all_patterns():
        found = classify(route, world)
        if found is None:
            unknown.append(f"{route.namespace}:{route.name} ({route.route})")
        else:
            targets.extend(found)
    return unknown, targets


def test_every_route_is_known_to_the_suite(world):
    unknown, targets = _targets(world)
    assert not unknown, ("Routes the security suite cannot parametrize (teach tests/security/routes.py "
                         "how to fill them with organizer A's objects): " + "; ".join(unknown))
    assert len(targets) > 150  # the walk really found the admin


def test_other_organizer_gets_nothing_on_any_route(world):
    _unknown, targets = _targets(world)
    a, b = client_for(world.a), client_for(world.b)
    problems = []
    for target in targets:
        for method in ("get", "post"):
            before = snapshot()
            response = getattr(b, method)(target.url, EAGER_POST if method == "post" else None)
            body = body_text(response)
            changed = diff(before, snapshot())
            where = f"{method.upper()} {target.url} [{target.label}]"
            if changed:
                problems.append(f"{where}: organizer B changed {changed}")
            if MARK.lower() in body.lower():
                problems.append(f"{where}: A's data in the response ({response.status_code})")
            if target.kind in ("object", "superuser") and response.status_code not in REFUSED:
                problems.append(f"{where}: status {response.status_code}, expected a refusal")
            if target.kind == "list" and response.status_code >= 500:
                problems.append(f"{where}: status {response.status_code}")
            if response.status_code == 302 and MARK.lower() in response.get("Location", "").lower():
                problems.append(f"{where}: redirect carries A's data")
        if target.kind == "object":  # positive control: the URL really is A's object
            status = a.get(target.url).status_code
            if status in (404, 500):
                problems.append(f"control GET {target.url} [{target.label}] as A: {status}")
    assert not problems, "\n".join(problems)


def test_change_pages_show_a_their_own_data(world):
    """The marker check above is only meaningful if A's pages do carry MARK."""
    a = client_for(world.a)
    for model, obj in world.objects.items():
        if model._meta.label_lower == "auth.user" or model not in admin.site._registry:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
        response = a.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if model._meta.model_name not in ("walletentry", "jobrun", "auditlog", "payout"):
            assert MARK.lower() in body_text(response).lower(), url


def test_autocomplete_never_offers_another_organizers_rows(world):
    """Django's autocomplete view serves any FK of any registered model: try every one as B."""
    b = client_for(world.b)
    checked, problems = 0, []
    for model, model_admin in admin.site._registry.items():
        for field in [*model._meta.fields, *model._meta.many_to_many]:
            remote = getattr(field, "related_model", None)
            if not field.is_relation or remote not in admin.site._registry:
                continue
            if not admin.site._registry[remote].get_search_fields(None):
                continue
            for term in ("", MARK, MARK.lower()[:3]):
                url = (reverse("admin:autocomplete") + f"?app_label={model._meta.app_label}"
                       f"&model_name={model._meta.model_name}&field_name={field.name}&term={term}")
                response = b.get(url)
                checked += 1
                if MARK.lower() in body_text(response).lower():
                    problems.append(f"{url}: A's rows offered")
                if response.status_code >= 500:
                    problems.append(f"{url}: {response.status_code}")
    assert checked > 10
    assert not problems, "\n".join(problems)
