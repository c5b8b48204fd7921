"""Classic Django bulk actions (select rows → choose action) with an intermediate confirmation page.

The first POST (from the changelist) only renders the confirmation page with the selected ids as
hidden inputs; the second POST (``post=yes``) calls the service's bulk function, which is
all-or-none: either every row changes, or nothing does and one message lists every refusal.
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from tournaments import permissions
from tournaments.services import DomainError

from .forms import ConfirmForm

SHOWN = 50  # rows listed on the confirmation page; every selected id is still submitted


@dataclass(frozen=True)
class BulkAction:
    name: str
    label: Any
    capability: str
    run: Callable[[Any, list, dict], Any]  # (user, ids, cleaned_data) -> BulkReport
    verb: Any  # for BulkReport.summary: "approved"
    form: type = ConfirmForm
    question: Any = ""


def bulk_action(spec: BulkAction):
    """A Django admin action function for ``ModelAdmin.actions``."""
    def run(modeladmin, request, queryset):
        return bulk_view(modeladmin, request, queryset, spec)
    run.__name__ = spec.name
    run.short_description = spec.label
    run.allowed_permissions = (f"bulk_{spec.capability}",)
    return run


def bulk_view(modeladmin, request, queryset, spec: BulkAction):
    confirmed = request.POST.get("post") == "yes"
    form = spec.form(None, data=request.POST if confirmed else None)
    if confirmed and form.is_valid():
        ids = list(queryset.values_list("pk", flat=True))
        try:
            report = spec.run(request.user, ids, form.cleaned_data)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, report.summary(spec.verb))
        return None  # Django redirects back to the changelist (filters kept)
    ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": spec.label,
        "subtitle": None,
        "opts": opts,
        "question": (spec.question or _("%(n)d %(items)s selected:")) % {
            "n": len(ids), "items": opts.verbose_name_plural if len(ids) != 1 else opts.verbose_name},
        "objects": list(queryset[:SHOWN]),
        "more": max(0, len(ids) - SHOWN),
        "selected_ids": ids,
        "action_name": spec.name,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "form": form,
        "media": form.media,
        "all_or_none": _("All or nothing: if any selected row is refused, none of them changes and you see why."),
    }
    return TemplateResponse(request, "admin_ui/actions/bulk.html", context)


class BulkPermissionsMixin:
    """``has_bulk_<capability>_permission``: show a bulk action to people who hold the capability in
    at least one tournament; the service checks each row."""

    def has_bulk_manage_permission(self, request):
        return self.may_act_anywhere(request, permissions.MANAGE)

    def has_bulk_checkin_permission(self, request):
        return self.may_act_anywhere(request, permissions.CHECKIN)

    def has_bulk_results_permission(self, request):
        return self.may_act_anywhere(request, permissions.RESULTS)
