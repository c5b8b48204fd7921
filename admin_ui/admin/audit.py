"""The audit log: read-only, scoped to the user's tournaments."""
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import DropdownFilter
from unfold.decorators import display

from tournaments import permissions
from tournaments.models import AuditLog

from .filters import DayRangeFilter, tournament_filter


class ActionCodeFilter(DropdownFilter):
    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        codes = (AuditLog.objects.filter(permissions.tournament_filter(request.user))
                 .order_by("action").values_list("action", flat=True).distinct())
        return [(code, code) for code in codes]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditLog)
class AuditLogAdmin(ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "target", "tournament", "reason"]
    list_filter = [ActionCodeFilter, tournament_filter(), ("created_at", DayRangeFilter)]
    list_filter_submit = True
    list_sections = ()  # see GuardedAdminMixin.list_sections
    search_fields = ["actor_label", "action", "target_label", "reason"]
    list_select_related = ["tournament"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(permissions.tournament_filter(request.user))

    @display(description=_("target"), ordering="target_label")
    def target(self, entry):
        """A link to the object (its timeline) when it still exists and has an admin page."""
        if not entry.target_type or not entry.target_id:
            return entry.target_label
        try:
            url = reverse(f"admin:tournaments_{entry.target_type}_action_timeline", args=[entry.target_id])
        except NoReverseMatch:
            try:
                url = reverse(f"admin:tournaments_{entry.target_type}_change", args=[entry.target_id])
            except NoReverseMatch:
                return entry.target_label
        return format_html('<a class="text-primary-600" href="{}">{}</a>', url, entry.target_label)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
