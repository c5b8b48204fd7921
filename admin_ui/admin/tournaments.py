"""Tournaments (lifecycle actions), their staff, games and announcements (pin/unpin)."""
from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _g, gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import display
from unfold.enums import ActionVariant
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget

from tournaments import permissions
from tournaments.models import Announcement, Game, PaymentMethod, Registration, Tournament, TournamentStaff
from tournaments.services.base import _ACTION_WORDS
from tournaments.services import announcements, fees, records, setup, templates, tournaments as tournament_services

from .actions import Transition, fsm
from .base import ScopedAdmin
from .filters import DayRangeFilter, game_filter, tournament_filter
from .forms import CloneTournamentForm, RestoreVersionForm, SaveTemplateForm, WaiveTopNForm, reason_form
from .signup import CustomFieldInline, save_custom_fields

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


def _from_state(name):
    """The transition's source states only: its conditions are explained on the page instead of hiding
    the button, so the organizer learns what to fix."""
    sources = {t.source for t in Tournament._meta.get_field("status").get_all_transitions(Tournament) if t.name == name}
    return lambda obj: obj.status in sources or "*" in sources


def _explained(name, label, service, icon, variant, question):
    def ask(obj):
        problem = tournament_services.refusal(obj, name)
        if problem:
            return _g("“%(obj)s” cannot be %(done)s yet: %(problem)s") % {
                "obj": obj, "done": _ACTION_WORDS.get(name, name), "problem": problem}
        return str(question) % {"obj": obj}
    return Transition(name=name, label=label, capability=MANAGE, allowed=_from_state(name), icon=icon, variant=variant,
                      question=ask, run=lambda user, obj, data: service(obj.pk, actor=user))


def _waive_top_n(user, obj, data):
    form_options = {"earlier": data.get("earlier")} if data.get("earlier") is not None else {}
    waived = fees.waive_fees_top_n(obj.pk, actor=user, n=data["n"], source=data["source"], reason=data.get("reason", ""),
                                   **form_options)
    obj._waived_now = waived
    return obj


def _waived_message(obj):
    waived = getattr(obj, "_waived_now", [])
    if not waived:
        return _g("Every entrant of that ranking already had the fee waived.")
    return _g("Fee waived for %(names)s.") % {"names": ", ".join(r.display_name for r in waived)}


class _MethodsField(forms.MultipleChoiceField):
    """Ticked boxes; a single JSON list (what the earlier JSON widget posted, e.g. ``["bkash"]``) is read too."""

    def to_python(self, value):
        if isinstance(value, (list, tuple)) and len(value) == 1 and str(value[0]).lstrip().startswith("["):
            import json

            try:
                value = json.loads(value[0])
            except ValueError:
                pass
        return super().to_python(value)


class TournamentForm(forms.ModelForm):
    """Payment methods as a list of boxes to tick rather than JSON to type; the refund shares and the
    bracket rule fall back to their defaults when a form (or a script) leaves them out."""

    OPTIONAL_WITH_DEFAULT = ("refund_before_close_percent", "refund_after_close_percent")

    payment_methods = _MethodsField(label=_("payment methods"), choices=PaymentMethod.choices, required=False,
                                                widget=UnfoldAdminCheckboxSelectMultipleWidget,
                                                help_text=_("What participants may pay the entry fee with."))

    class Meta:
        model = Tournament
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk and "bracket_required_to_start" in self.fields:
            self.fields["bracket_required_to_start"].initial = True  # new events start with their bracket
        for name in self.OPTIONAL_WITH_DEFAULT:
            if name in self.fields:
                self.fields[name].required = False

    def clean(self):
        data = super().clean()
        for name in self.OPTIONAL_WITH_DEFAULT:
            if name in self.fields and data.get(name) is None and name not in self.errors:
                data[name] = getattr(self.instance, name) if self.instance.pk else Tournament._meta.get_field(name).default
        return data


def _cancel(user, obj, data):
    return tournament_services.cancel(obj.pk, actor=user, reason=data["reason"])


CancelForm = reason_form(help_text=_("Every participant will see it."), name="CancelTournamentForm")


@admin.register(Tournament)
class TournamentAdmin(ScopedAdmin):
    form = TournamentForm
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
    inlines = [StaffInline, CustomFieldInline]
    readonly_fields = ["configuration_history"]

    transitions = (
        _explained("publish", _("Publish"), tournament_services.publish, "public", ActionVariant.PRIMARY,
                   _("Publish “%(obj)s”? It becomes visible to participants.")),
        _explained("open_registration", _("Open registration"), tournament_services.open_registration, "how_to_reg",
                   ActionVariant.PRIMARY, _("Open registration of “%(obj)s”?")),
        _move("close_registration", _("Close registration"), tournament_services.close_registration, "block"),
        _explained("start", _("Start"), tournament_services.start, "play_arrow", ActionVariant.SUCCESS,
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
        Transition(name="save_template", label=_("Save as template"), capability=MANAGE, allowed=lambda t: True,
                   icon="bookmark_add", form=SaveTemplateForm,
                   question=_("Save the configuration of “%(obj)s” as a template for new tournaments?"),
                   run=lambda user, t, data: templates.save_as_template(t.pk, actor=user, name=data["name"], shared=data["shared"]),
                   done=lambda template: _g("Template “%(name)s” saved.") % {"name": template.name}),
        Transition(name="waive_top_n", label=_("Waive fees for the top N"), capability=MANAGE,
                   allowed=lambda t: t.has_fee and t.status in Tournament.PRE_LIVE, icon="workspace_premium",
                   form=WaiveTopNForm, run=_waive_top_n, done=_waived_message,
                   question=_("Waive the entry fee of the best entrants of “%(obj)s” by a ranking?")),
    )
    detail_layout = ("publish", "open_registration", "close_registration", "start", "complete",
                     {"title": _("More"), "items": ["archive", "cancel", "clone", "save_template", "restore_version",
                                                    "waive_top_n"]})

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

    def save_customfield_formset(self, request, form, formset, change):
        """Sign-up questions go through the custom-fields service (issue 8)."""
        save_custom_fields(request, form.instance, formset)

    @display(description=_("configuration changes"))
    def configuration_history(self, obj):
        """The last versions of the configuration, each with what it changed (field: old → new)."""
        if obj is None or obj.pk is None:
            return "—"
        records = list(setup.configuration_versions(obj)[:11])
        rows = []
        for record, previous in zip(records[:10], records[1:] + [None]):
            who = record.history_user.get_username() if record.history_user_id else _g("system")
            when = timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M")
            changes = (templates.diff_values(templates.configuration_values(previous), templates.configuration_values(record))
                       if previous is not None else [])
            what = format_html_join(mark_safe("<br>"), "{}: {} → {}", changes) if changes else (
                _g("created") if previous is None else _g("no configuration change"))
            rows.append(format_html('<tr class="border-t border-base-200 dark:border-base-800"><td class="pr-4 py-1 align-top whitespace-nowrap">{}</td>'
                                    '<td class="pr-4 py-1 align-top">{}</td><td class="pr-4 py-1 align-top">{}</td>'
                                    '<td class="py-1 align-top" data-testid="version-diff">{}</td></tr>',
                                    when, who, record.history_change_reason or "", what))
        return format_html('<table class="text-sm" data-testid="configuration-history">{}</table>', mark_safe("".join(rows)))

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
