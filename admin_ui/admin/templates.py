"""Tournament templates: listed for the organizers who may use them (their own and shared ones),
renamed/shared by their owner, and turned into a new draft tournament by the "Create tournament"
action. Templates are made from a tournament ("Save as template" on its page), so there is no add form."""
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _g, gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.decorators import display
from unfold.enums import ActionVariant

from tournaments import permissions
from tournaments.models import Tournament, TournamentTemplate
from tournaments.services import templates

from .actions import Transition, TransitionAdminMixin
from .base import GuardedAdminMixin
from .forms import CreateFromTemplateForm


def _created_message(tournament):
    return format_html(_g('“{}” was created as a draft: <a class="underline" href="{}">open it</a>.'), tournament.name,
                       reverse("admin:tournaments_tournament_change", args=[tournament.pk]))


@admin.register(TournamentTemplate)
class TournamentTemplateAdmin(GuardedAdminMixin, TransitionAdminMixin, SimpleHistoryAdmin, ModelAdmin):
    tournament_path = None
    list_display = ["name", "game", "owner", "shared_badge", "source", "updated_at"]
    list_select_related = ["game", "owner", "source"]
    list_filter = [("shared", admin.BooleanFieldListFilter)]
    search_fields = ["name"]
    fields = ["name", "shared", "game", "owner", "source", "configuration_summary"]
    readonly_fields = ["game", "owner", "source", "configuration_summary"]

    transitions = (
        Transition(name="create_tournament", label=_("Create tournament"), capability=permissions.MANAGE,
                   allowed=lambda template: True, icon="add_circle", variant=ActionVariant.PRIMARY, form=CreateFromTemplateForm,
                   question=_("Create a new draft tournament from the template “%(obj)s”?"),
                   run=lambda user, template, data: templates.create_from_template(
                       template.pk, actor=user, name=data["name"], slug=data["slug"], starts_at=data["starts_at"]),
                   done=_created_message),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=templates.templates_for(request.user).values("pk"))

    # ---- who may do what: use = in scope; change/delete = owner or admin ------------------------------
    def may_perform(self, request, obj, capability) -> bool:
        return request.user.is_staff and templates.templates_for(request.user).filter(pk=obj.pk).exists()

    def _owns(self, request, obj) -> bool:
        return obj is None or request.user.is_superuser or obj.owner_id == request.user.pk

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._owns(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._owns(request, obj)

    def save_model(self, request, obj, form, change):
        templates.update_template(obj.pk, actor=request.user, name=obj.name, shared=obj.shared)

    def delete_model(self, request, obj):
        templates.delete_template(obj.pk, actor=request.user)

    def delete_queryset(self, request, queryset):
        for template in queryset:
            templates.delete_template(template.pk, actor=request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("delete_selected", None)  # a shared template in the list may not be theirs
        return actions

    def may_act_anywhere(self, request, capability) -> bool:
        return request.user.is_staff

    @display(description=_("shared"), ordering="shared", label={True: "info", False: None})
    def shared_badge(self, obj):
        return obj.shared, (_("Shared") if obj.shared else _("Private"))

    @display(description=_("configuration"))
    def configuration_summary(self, obj):
        """The saved settings as a person reads them (dates as offsets from the start)."""
        if obj is None or obj.pk is None:
            return "—"
        rows = []
        for field, value in (obj.configuration or {}).items():
            label = str(Tournament._meta.get_field(field).verbose_name)
            if field in templates.DATE_FIELDS:
                shown = "—" if value is None else _offset(int(value))
            else:
                shown = templates._shown(field, value)
            rows.append((label, shown))
        return format_html('<dl class="text-sm" data-testid="template-configuration">{}</dl>',
                           format_html_join("", '<div class="flex gap-4"><dt class="font-semibold w-56">{}</dt><dd>{}</dd></div>', rows))

    def action_summary(self, obj):
        return [(_("Game"), obj.game), (_("Owner"), obj.owner), (_("Shared"), _("yes") if obj.shared else _("no"))]

    def state_label(self, obj):
        return ""


def _offset(seconds: int) -> str:
    if seconds == 0:
        return _g("at the start")
    sign = _g("before the start") if seconds < 0 else _g("after the start")
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    return " ".join(p for p in parts if p) + " " + sign
