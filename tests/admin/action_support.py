"""Helpers shared by the admin action tests (not a test module)."""
from django.contrib import messages
from django.contrib.messages import get_messages
from django.urls import reverse

from tournaments.models import AuditLog


def action_url(obj, name: str) -> str:
    return reverse(f"admin:tournaments_{obj._meta.model_name}_action_{name}", args=[obj.pk])


def change_url(obj) -> str:
    return reverse(f"admin:tournaments_{obj._meta.model_name}_change", args=[obj.pk])


def changelist_url(model) -> str:
    return reverse(f"admin:tournaments_{model._meta.model_name}_changelist")


def change_page(client, obj) -> str:
    response = client.get(change_url(obj))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def offered(client, obj, name: str) -> bool:
    """Is the action's button (its URL) on the object's change page?"""
    return action_url(obj, name) in change_page(client, obj)


def audit_codes(obj) -> list[str]:
    return list(AuditLog.objects.filter(target_type=obj._meta.model_name, target_id=str(obj.pk))
                .order_by("id").values_list("action", flat=True))


def messages_of(response, level=None) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if level is None or m.level == level]


def state(obj):
    return type(obj).objects.values_list("status", flat=True).get(pk=obj.pk)


def get_does_not_change(client, obj, name: str) -> None:
    """GET of an action URL renders a confirmation page (a POST form) and changes nothing."""
    before, audits = state(obj), audit_codes(obj)
    response = client.get(action_url(obj, name))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'method="post"' in body and "csrfmiddlewaretoken" in body
    assert state(obj) == before and audit_codes(obj) == audits


def post(client, obj, name: str, data=None):
    return client.post(action_url(obj, name), data or {})


def refused(client, obj, name: str, data=None, contains: str = "") -> list[str]:
    """POST is refused by the service: redirect with an error message, state and audit unchanged."""
    before, audits = state(obj), audit_codes(obj)
    response = post(client, obj, name, data)
    assert response.status_code in (200, 302)
    errors = messages_of(response, messages.ERROR)
    assert errors, "expected an error message"
    if contains:
        assert any(contains in m for m in errors), errors
    assert state(obj) == before and audit_codes(obj) == audits
    return errors
