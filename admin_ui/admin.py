"""Command Center model admins.

Every tournament-owned list is scoped with ``permissions.tournament_filter`` so an organizer never
sees another organizer's rows; state fields are read-only (they only move through service-backed
actions). History uses simple-history's admin with revert disabled for stateful models.
"""
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import Http404
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin, UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, TabularInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from tournaments import permissions
from tournaments.models import (
    Announcement, AuditLog, Dispute, Game, Match, MatchReport, Payment, Player, Registration, Team, TeamMembership,
    Tournament, TournamentStaff,
)

admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass


class ScopedAdmin(SimpleHistoryAdmin, ModelAdmin):
    """A tournament-owned model: rows limited to tournaments the user may see."""

    tournament_path = "tournament"
    list_filter_submit = True

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.filter(permissions.tournament_filter(request.user, prefix=self.tournament_path))

    def _require_in_scope(self, request, object_id):
        """simple-history's history views fall back to historical rows (and its per-version view never
        consults the queryset), which would show another organizer's object: check scope first."""
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if hasattr(self.model, "status") and "status" not in fields:
            fields.append("status")
        return fields


@admin.register(Game)
class GameAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["name", "team_size", "id_format", "result_type", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class StaffInline(TabularInline):
    model = TournamentStaff
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Tournament)
class TournamentAdmin(ScopedAdmin):
    tournament_path = None
    list_display = ["name", "game", "status", "format", "starts_at", "capacity", "organizer"]
    list_filter = ["status", "game", "format"]
    search_fields = ["name", "slug"]
    list_select_related = ["game", "organizer"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StaffInline]

    def get_queryset(self, request):
        return permissions.tournaments_for(request.user).select_related("game", "organizer")


@admin.register(Player)
class PlayerAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["display_name", "email", "country"]
    search_fields = ["display_name", "email"]


class MembershipInline(TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["player"]


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["name", "tag", "game", "captain"]
    search_fields = ["name", "tag"]
    list_select_related = ["game", "captain"]
    autocomplete_fields = ["captain"]
    inlines = [MembershipInline]


@admin.register(Registration)
class RegistrationAdmin(ScopedAdmin):
    list_display = ["__str__", "tournament", "status", "seed", "checked_in_at", "waitlist_position"]
    list_filter = ["status", "tournament"]
    search_fields = ["player__display_name", "team__name", "team__tag"]
    list_select_related = ["tournament", "player", "team"]
    autocomplete_fields = ["player", "team"]
    readonly_fields = ["checked_in_at", "checked_in_by", "decided_by", "decided_at", "waitlist_position"]


@admin.register(Payment)
class PaymentAdmin(ScopedAdmin):
    tournament_path = "registration__tournament"
    list_display = ["__str__", "registration", "status", "submitted_at"]
    list_filter = ["status", "method"]
    list_select_related = ["registration__tournament", "registration__player", "registration__team"]
    search_fields = ["reference"]
    readonly_fields = ["verified_by", "verified_at"]


class ReportInline(TabularInline):
    model = MatchReport
    extra = 0
    can_delete = False
    fields = ["registration", "score_a", "score_b", "evidence_url", "is_current", "created_at"]
    readonly_fields = fields


@admin.register(Match)
class MatchAdmin(ScopedAdmin):
    list_display = ["key", "tournament", "status", "slot_a", "slot_b", "score_a", "score_b", "scheduled_at"]
    list_filter = ["status", "tournament"]
    search_fields = ["key", "slot_a__player__display_name", "slot_b__player__display_name", "slot_a__team__name", "slot_b__team__name"]
    list_select_related = ["tournament", "slot_a__player", "slot_a__team", "slot_b__player", "slot_b__team"]
    readonly_fields = ["winner", "score_a", "score_b", "started_at", "completed_at"]
    inlines = [ReportInline]


@admin.register(Dispute)
class DisputeAdmin(ScopedAdmin):
    tournament_path = "match__tournament"
    list_display = ["__str__", "reason", "status", "created_at"]
    list_filter = ["status", "reason"]
    list_select_related = ["match__tournament"]
    readonly_fields = ["resolved_by", "resolved_at", "final_score_a", "final_score_b"]


@admin.register(Announcement)
class AnnouncementAdmin(ScopedAdmin):
    list_display = ["title", "tournament", "pinned", "created_at"]
    list_filter = ["pinned", "tournament"]
    list_select_related = ["tournament"]


@admin.register(AuditLog)
class AuditLogAdmin(ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "target_label", "tournament", "reason"]
    list_filter = ["action", "tournament"]
    search_fields = ["actor_label", "action", "target_label", "reason"]
    list_select_related = ["tournament"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(permissions.tournament_filter(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
