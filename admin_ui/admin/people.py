"""People: staff accounts and groups, players and teams (not owned by one tournament)."""
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin, UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, TabularInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from tournaments.models import Player, Team, TeamMembership

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
