"""Tournaments (lifecycle actions), their staff, games and announcements (pin/unpin)."""
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import display
from unfold.enums import ActionVariant

from tournaments import permissions
from tournaments.models import Announcement, Game, Registration, Tournament, TournamentStaff
from tournaments.services import announcements, records, setup, tournaments as tournament_services

from .actions import Transition, fsm
from .base import ScopedAdmin
from .filters import DayRangeFilter, game_filter, tournament_filter
from .forms import CloneTournamentForm, RestoreVersionForm, reason_form

MANAGE = permissions.MANAGE


@admin.register(Game)
class GameAdmin(ModelAdmin):
    """Not a SimpleHistoryAdmin: games keep no simple-history rows, and its per-version page
    (``game/<id>/history/<version>/``) answered any typed URL with a 500 (security suite)."""

    list_display = ["name", "team_size", "id_format", "result_type", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        """Games are reference data kept by administrators: saved through the records service."""
        if change:
            records.edit_details(obj, actor=request.user, fields=form.changed_data)
        else:
            records.create_record(obj, actor=request.user)


class StaffInline(TabularInline):
    model = TournamentStaff
    extra = 0
    autocomplete_fields = ["user"]


def _move(name, label, service, icon, variant=ActionVariant.DEFAULT, question=""):
    return Transition(name=name, label=label, capability=MANAGE, allowed=fsm(name), icon=icon, variant=variant,
                      question=question, run=lambda user, obj, data: service(obj.pk, actor=user))


def _cancel(user, obj, data):
    return tournament_services.cancel(obj.pk, actor=user, reason=data["reason"])


CancelForm = reason_form(help_text=_("Every participant will see it."), name="CancelTournamentForm")


@admin.register(Tournament)
class TournamentAdmin(ScopedAdmin):
    tournament_path = None
    readonly_on_change = ("slug",)  # lobby links and live channels are keyed by it
    lead_fields = ("name", "slug", "game", "status", "organizer")
    list_display = ["name", "game", "status_badge", "format", "starts_at", "entrants", "organizer", "command_center"]
    list_filter = [("status", ChoicesDropdownFilter), game_filter(None), ("format", ChoicesDropdownFilter),
                   ("starts_at", DayRangeFilter)]
    search_fields = ["name", "slug"]
    list_select_related = ["game", "organizer"]
    # Only the add form prepopulates the slug (read-only afterwards). simple-history's per-version page
    # reads the ``prepopulated_fields`` attribute directly, so it must not name the read-only slug:
    # that page answered 500 (found by the security suite's positive control).
    prepopulated_fields = {}
    inlines = [StaffInline]

    transitions = (
        _move("publish", _("Publish"), tournament_services.publish, "public", ActionVariant.PRIMARY,
              _("Publish “%(obj)s”? It becomes visible to participants.")),
        _move("open_registration", _("Open registration"), tournament_services.open_registration, "how_to_reg",
              ActionVariant.PRIMARY),
        _move("close_registration", _("Close registration"), tournament_services.close_registration, "block"),
        _move("start", _("Start"), tournament_services.start, "play_arrow", ActionVariant.SUCCESS,
              _("Start “%(obj)s”? Registration and check-in end; matches can begin.")),
        _move("complete", _("Complete"), tournament_services.complete, "flag", ActionVariant.SUCCESS),
        _move("archive", _("Archive"), tournament_services.archive, "inventory_2"),
        Transition(name="cancel", label=_("Cancel tournament"), capability=MANAGE, allowed=fsm("cancel"),
                   run=_cancel, form=CancelForm, icon="cancel", variant=ActionVariant.DANGER,
                   question=_("Cancel “%(obj)s”? Every active participant is told; verified fees are listed for refund.")),
        Transition(name="clone", label=_("Clone"), capability=MANAGE, allowed=lambda t: True, icon="content_copy",
                   form=CloneTournamentForm, question=_("Create a draft copy of “%(obj)s” with the same configuration and staff?"),
                   run=lambda user, t, data: setup.clone_tournament(t.pk, actor=user, name=data["name"], slug=data["slug"],
                                                                      shift_days=data["shift_days"]),
                   done=lambda clone: _("“%(name)s” was created as a draft.") % {"name": clone.name}),
        Transition(name="restore_version", label=_("Restore a configuration version"), capability=MANAGE,
                   allowed=lambda t: t.status not in (Tournament.Status.COMPLETED, Tournament.Status.ARCHIVED,
                                                      Tournament.Status.CANCELLED),
                   icon="history", form=RestoreVersionForm,
                   question=_("Bring back the settings of an earlier version of “%(obj)s”? Its state stays as it is."),
                   run=lambda user, t, data: setup.restore_configuration(t.pk, actor=user, history_id=data["version"],
                                                                         reason=data["reason"])),
    )
    detail_layout = ("publish", "open_registration", "close_registration", "start", "complete",
                     {"title": _("More"), "items": ["archive", "cancel", "clone", "restore_version"]})

    def get_queryset(self, request):
        confirmed = (Registration.objects.filter(tournament=OuterRef("pk"), status=Registration.Status.CONFIRMED)
                     .order_by().values("tournament").annotate(n=Count("pk")).values("n"))
        return (super().get_queryset(request).select_related("game", "organizer")
                .annotate(confirmed_count=Coalesce(Subquery(confirmed, output_field=IntegerField()), Value(0))))

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if not request.user.is_superuser and "organizer" not in fields:
            fields.append("organizer")  # organizers create their own tournaments only
        return fields

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj is not None else {"slug": ["name"]}

    def create_via_service(self, request, obj, form):
        data = form.cleaned_data
        fields = {f: getattr(obj, f) for f in setup.CONFIG_FIELDS if f in data or f == "game_id"}
        organizer = data.get("organizer") if request.user.is_superuser and data.get("organizer") else request.user
        return setup.create_tournament(actor=request.user, organizer=organizer, slug=obj.slug, **fields)

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        config = [f for f in form.changed_data if f in setup.CONFIG_FIELDS or f"{f}_id" in setup.CONFIG_FIELDS]
        setup.update_tournament(obj.pk, actor=request.user,
                                **{(f if f in setup.CONFIG_FIELDS else f"{f}_id"): getattr(obj, f if f in setup.CONFIG_FIELDS else f"{f}_id")
                                   for f in config})
        others = [f for f in form.changed_data if f not in config]
        if others:
            records.edit_details(obj, actor=request.user, fields=others)

    def save_tournamentstaff_formset(self, request, form, formset, change):
        """Staff rows go through the set-up service (permission, audit)."""
        tournament = form.instance
        changed = formset.save(commit=False)  # also fills formset.deleted_objects
        for obj in formset.deleted_objects:
            setup.remove_staff(tournament.pk, actor=request.user, user=obj.user)
        for member in changed:
            setup.add_staff(tournament.pk, actor=request.user, user=member.user, role=member.role)

    @display(description=_("Command Center"))
    def command_center(self, obj):
        """The event's own cockpit (tabs, bracket, prizes, imports) from the list."""
        return format_html('<a class="text-primary-600 font-medium" href="{}">{}</a>',
                           reverse("admin_ui:tournament_command_center", args=[obj.pk]), _("Open"))

    @display(description=_("confirmed / capacity"), ordering="confirmed_count")
    def entrants(self, obj):
        return f"{obj.confirmed_count} / {obj.capacity}"

    def action_summary(self, obj):
        return [(_("Status"), obj.get_status_display()), (_("Game"), obj.game),
                (_("Confirmed entrants"), f"{obj.confirmed_count} / {obj.capacity}"),
                (_("Starts"), obj.starts_at)]


def _pin(pinned):
    def run(user, obj, data):
        return announcements.set_pinned(obj.pk, actor=user, pinned=pinned)
    return run


@admin.register(Announcement)
class AnnouncementAdmin(ScopedAdmin):
    list_display = ["title", "tournament", "pinned_badge", "author", "created_at"]
    list_filter = [tournament_filter(), ("pinned", admin.BooleanFieldListFilter), ("created_at", DayRangeFilter)]
    search_fields = ["title", "body"]
    list_select_related = ["tournament", "author"]
    readonly_fields = ["author"]
    readonly_on_change = ("tournament", "pinned")
    lead_fields = ("tournament", "title", "pinned")
    action_select_related = ("tournament",)

    transitions = (
        Transition(name="pin", label=_("Pin"), capability=MANAGE, allowed=lambda a: not a.pinned, run=_pin(True),
                   icon="push_pin", question=_("Pin “%(obj)s” to the top of the lobby?")),
        Transition(name="unpin", label=_("Unpin"), capability=MANAGE, allowed=lambda a: a.pinned, run=_pin(False),
                   icon="keep_off", question=_("Unpin “%(obj)s”?")),
    )

    def state_label(self, obj):
        return str(_("pinned") if obj.pinned else _("not pinned"))

    def save_model(self, request, obj, form, change):
        """Posting goes through the service (audit entry + live lobby event); the form already holds
        its rules (title length, a tournament the user manages). Later edits of the text are plain."""
        if change:
            return super().save_model(request, obj, form, change)
        posted = announcements.post(obj.tournament_id, actor=request.user, title=obj.title, body=obj.body,
                                    pinned=obj.pinned)
        obj.pk, obj.author, obj.created_at, obj.updated_at = posted.pk, posted.author, posted.created_at, posted.updated_at
        obj._state.adding = False

    @display(description=_("pinned"), ordering="pinned", label={True: "info", False: None})
    def pinned_badge(self, obj):
        return obj.pinned, (_("Pinned") if obj.pinned else _("Not pinned"))
