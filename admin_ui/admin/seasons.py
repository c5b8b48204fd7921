"""Seasons in the Command Center: list, create and edit through ``services.seasons``.

Scope: an organizer sees seasons they own and seasons that include a tournament they may view;
only the owner (or an administrator) may edit one, and only tournaments they manage can be added.
The table itself is on the standings page (``admin_ui/season_views.py``).
"""
from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.decorators import display

from tournaments import permissions
from tournaments.models import Season, Tournament
from tournaments.services import seasons

from .base import GuardedAdminMixin

SETTINGS = ("name", "slug", "points_preset", "custom_points", "best_of", "tiebreaks", "is_public")


@admin.register(Season)
class SeasonAdmin(GuardedAdminMixin, SimpleHistoryAdmin, ModelAdmin):
    list_display = ["name", "game", "organizer", "points_preset", "tournament_count", "computed_at", "standings_link"]
    list_select_related = ["game", "organizer"]
    list_filter = ["game"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["tournaments"]
    fields = ["name", "slug", "game", "tournaments", "points_preset", "custom_points", "best_of", "tiebreaks", "is_public",
              "organizer", "computed_at", "revision", "standings_link"]
    readonly_fields = ["organizer", "computed_at", "revision", "standings_link"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).annotate(n_tournaments=Count("tournaments", distinct=True))
        if request.user.is_superuser:
            return qs
        return qs.filter(pk__in=seasons.seasons_for(request.user).values("pk"))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("game")  # its tournaments are of this game
        return fields

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or seasons.can_manage(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        return False  # a season's history stays; remove its tournaments instead

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "tournaments":
            manageable = permissions.tournaments_for(request.user, permissions.MANAGE).values("pk")
            object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            included = Season.tournaments.through.objects.filter(season_id=object_id).values("tournament_id") if object_id \
                else Tournament.objects.none().values("pk")
            kwargs["queryset"] = Tournament.objects.filter(pk__in=manageable) | Tournament.objects.filter(pk__in=included)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @display(description=_("tournaments"), ordering="n_tournaments")
    def tournament_count(self, obj):
        return getattr(obj, "n_tournaments", None)

    @display(description=_("standings"))
    def standings_link(self, obj):
        if not obj or not obj.pk:
            return "—"
        return format_html('<a class="text-primary-600 font-medium" href="{}">{}</a>',
                           reverse("admin_ui:season_standings", args=[obj.pk]), _("Open standings"))

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        tournament_ids = [t.pk for t in data.get("tournaments") or []]
        if change:
            changes = {f: data[f] for f in form.changed_data if f in SETTINGS}
            seasons.update_season(obj.pk, actor=request.user, changes=changes,
                                  tournament_ids=tournament_ids if "tournaments" in form.changed_data else None)
            return
        created = seasons.create_season(actor=request.user, name=data["name"], game=data["game"], slug=data.get("slug") or "",
                                        tournament_ids=tournament_ids,
                                        **{f: data[f] for f in SETTINGS if f not in ("name", "slug") and f in data})
        obj.pk = created.pk
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        """The service already set the tournaments (after checking them); nothing else is related."""
