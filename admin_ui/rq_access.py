"""RQ's own dashboards are for superusers only.

django-rq guards its pages with ``staff_member_required``, and every organizer is staff: without this
an organizer could read every other organizer's job arguments and results, delete or requeue their
jobs and empty whole queues (found by tests/security/test_cross_organizer.py). django-rq has no
permission hook for its views, so we wrap them: the Command Center's own Jobs page
(``admin_ui/jobs_views.py``) is the scoped view organizers use.
"""
from functools import wraps

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django_rq.admin import QueueAdmin
from django_rq.models import Dashboard
from django_rq.urls import get_admin_urlpatterns, get_api_urlpatterns


def superuser_only(view):
    """Signed-in non-superusers get 403; anonymous requests go on to the view, which sends them to
    the login page (or, for the stats API, checks its bearer token)."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (user.is_active and user.is_superuser):
            raise PermissionDenied
        return view(request, *args, **kwargs)
    return wrapped


def _gated(patterns):
    for pattern in patterns:
        pattern.callback = superuser_only(pattern.callback)
    return patterns


def rq_urlpatterns():
    """``/admin/rq/…`` (django-rq's urls.py, gated)."""
    return _gated(get_api_urlpatterns() + get_admin_urlpatterns())


class SuperuserQueueAdmin(QueueAdmin):
    """django-rq's dashboard inside the admin (``/admin/django_rq/dashboard/…``), gated the same way."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def get_urls(self):
        return _gated(super().get_urls())


if admin.site.is_registered(Dashboard):
    admin.site.unregister(Dashboard)
    admin.site.register(Dashboard, SuperuserQueueAdmin)
