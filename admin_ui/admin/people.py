"""People: staff accounts and groups, players and teams (not owned by one tournament)."""
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin, UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, TabularInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from tournaments import permissions
from tournaments.models import Player, Team, TeamMembership
from tournaments.services import DomainError, records, setup

from .base import GuardedAdminMixin

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


class PeopleAdmin(GuardedAdminMixin, SimpleHistoryAdmin, ModelAdmin):
    """Players and teams belong to no single tournament: an organizer sees those taking part in their
    tournaments and those they created (``permissions.people_filter``) — never another organizer's
    entrants. Saves go through services; a refusal is a message and nothing is saved."""

    people_kind = ""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(pk__in=self.model.objects.filter(permissions.people_filter(request.user, self.people_kind)).values("pk"))


@admin.register(Player)
class PlayerAdmin(PeopleAdmin):
    people_kind = "player"
    list_display = ["display_name", "email", "country"]
    search_fields = ["display_name", "email"]
    exclude = ["user"]

    def save_model(self, request, obj, form, change):
        if change:
            records.edit_details(obj, actor=request.user, fields=form.changed_data)
            return
        data = form.cleaned_data
        created = setup.create_player(actor=request.user, display_name=data["display_name"], email=data.get("email", ""),
                                      game_ids=data.get("game_ids") or {}, phone=data.get("phone", ""),
                                      country=data.get("country", ""))
        obj.pk = created.pk
        obj._state.adding = False


class MembershipInline(TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["player"]


@admin.register(Team)
class TeamAdmin(PeopleAdmin):
    people_kind = "team"
    list_display = ["name", "tag", "game", "captain"]
    search_fields = ["name", "tag"]
    list_select_related = ["game", "captain"]
    autocomplete_fields = ["captain"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        if change:
            records.edit_details(obj, actor=request.user, fields=form.changed_data)
            return
        data = form.cleaned_data
        created = setup.create_team(actor=request.user, game=data["game"], name=data["name"], tag=data["tag"],
                                    captain=data["captain"])
        obj.pk = created.pk
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        """Roster rows go through the roster services (size rules, captain kept)."""
        team = form.instance
        changed = formset.save(commit=False)  # also fills formset.deleted_objects
        for membership in formset.deleted_objects:
            setup.remove_member(team, actor=request.user, player=membership.player)
        for membership in changed:
            if membership.player_id == team.captain_id and membership.role != TeamMembership.Role.CAPTAIN:
                raise DomainError(_("The captain stays on the roster as captain; name another captain first."))
            if membership.player_id != team.captain_id:
                setup.set_member(team, actor=request.user, player=membership.player, role=membership.role)
