"""Sign-up settings in the Command Center: custom fields (an inline on the tournament), promo codes
and sanctions. Every save goes through its service (``custom_fields``, ``promos``, ``sanctions``);
lists are scoped like every other list: an organizer sees the codes they own and those of their
tournaments, and the sanctions of their tournaments; sanctions covering all tournaments are for
administrators only."""
from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _g, gettext_lazy as _
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import display
from unfold.enums import ActionVariant

from tournaments import permissions
from tournaments.models import CustomField, PromoCode, Sanction
from tournaments.services import DomainError, custom_fields, promos, sanctions

from .actions import Transition
from .base import ScopedAdmin
from .filters import DayRangeFilter, tournament_filter
from .forms import reason_form

MANAGE = permissions.MANAGE


class CustomFieldInline(TabularInline):
    """The tournament's sign-up questions, in order. Saved by ``TournamentAdmin.save_customfield_formset``
    through ``custom_fields.save_field`` / ``delete_field`` (validation, key stability, audit)."""

    model = CustomField
    extra = 0
    fields = ["order", "label", "key", "kind", "required", "min_value", "max_value", "regex", "options", "help_text"]
    ordering = ["order", "id"]
    verbose_name = _("sign-up question")
    verbose_name_plural = _("sign-up questions (custom fields)")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["key"].required = False
        formset.form.base_fields["key"].help_text = _("Leave empty to derive it from the label.")
        return formset


def save_custom_fields(request, tournament, formset):
    """Deleted rows, then changed and new rows, each through the service; a refusal rolls the whole
    form back (``GuardedAdminMixin.changeform_view``) and shows the service's message."""
    changed = formset.save(commit=False)
    for obj in formset.deleted_objects:
        custom_fields.delete_field(obj.pk, actor=request.user)
    forms_by_instance = {id(f.instance): f for f in formset.forms}
    for obj in changed:
        form = forms_by_instance.get(id(obj))
        names = [n for n in (form.changed_data if form is not None and obj.pk else custom_fields.EDITABLE)
                 if n in custom_fields.EDITABLE]
        try:
            custom_fields.save_field(tournament.pk, actor=request.user, field_id=obj.pk,
                                     **{n: getattr(obj, n) for n in names})
        except DomainError as exc:
            raise DomainError(_g("Question “%(l)s”: %(m)s") % {"l": obj.label, "m": exc.message}, code=exc.code) from exc


# ---- promo codes -----------------------------------------------------------------------------------

@admin.register(PromoCode)
class PromoCodeAdmin(ScopedAdmin):
    list_display = ["code", "scope_label", "kind", "value", "usage", "valid_from", "valid_until", "active"]
    list_filter = [("kind", ChoicesDropdownFilter), tournament_filter(), ("active", admin.BooleanFieldListFilter)]
    search_fields = ["code"]
    list_select_related = ["tournament", "organizer"]
    readonly_fields = ["uses"]
    lead_fields = ("code", "tournament", "kind", "value")
    readonly_on_change = ("organizer",)

    def scope(self, request, capability=permissions.VIEW):
        if request.user.is_superuser:
            return Q()
        return Q(organizer=request.user) | permissions.tournament_filter(request.user, permissions.MANAGE)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser and "organizer" not in fields:
            fields.append("organizer")
        if obj is not None and "tournament" not in fields:
            fields.append("tournament")
        return fields

    def get_changeform_initial_data(self, request):
        return {"organizer": request.user.pk, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser and not change:
            obj.organizer = request.user
        saved = promos.save_code(actor=request.user, promo=obj, fields=form.changed_data if change else None)
        obj.pk = saved.pk
        obj._state.adding = False

    @display(description=_("applies to"))
    def scope_label(self, obj):
        return obj.tournament.name if obj.tournament_id else _g("all tournaments of %(o)s") % {"o": obj.organizer}

    @display(description=_("used"))
    def usage(self, obj):
        return f"{obj.uses} / {obj.max_uses}" if obj.max_uses is not None else f"{obj.uses} / ∞"


# ---- sanctions -------------------------------------------------------------------------------------

class SanctionForm(forms.ModelForm):
    class Meta:
        model = Sanction
        fields = ["player", "tournament", "kind", "reason", "starts_at", "ends_at"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        data = super().clean()
        user = getattr(self, "request", None) and self.request.user
        if user is not None and not user.is_superuser and not data.get("tournament") and self.instance.pk is None:
            self.add_error("tournament", _g("Choose one of your tournaments; only administrators sanction in all tournaments."))
        return data


def _lift(user, obj, data):
    return sanctions.lift(obj.pk, actor=user, reason=data["reason"])


@admin.register(Sanction)
class SanctionAdmin(ScopedAdmin):
    form = SanctionForm
    list_display = ["player", "scope_label", "kind", "state", "starts_at", "ends_at", "reason_short", "issued_by"]
    list_filter = [("kind", ChoicesDropdownFilter), tournament_filter(), ("starts_at", DayRangeFilter)]
    search_fields = ["player__display_name", "player__email", "reason"]
    list_select_related = ["player", "tournament", "issued_by"]
    autocomplete_fields = ["player"]
    readonly_fields = ["issued_by", "lifted_at", "lifted_by", "lift_reason"]
    lead_fields = ("player", "tournament", "kind")
    readonly_on_change = ("player", "tournament")
    action_select_related = ("player", "tournament")

    transitions = (
        Transition(name="lift", label=_("Lift sanction"), capability=MANAGE, allowed=lambda s: s.lifted_at is None,
                   run=_lift, form=reason_form(help_text=_("Kept in the audit log."), name="LiftSanctionForm"),
                   icon="lock_open", variant=ActionVariant.WARNING,
                   question=_("Lift “%(obj)s”? The player may register, check in and use the lobby again.")),
    )
    row_transitions = ("lift",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class RequestForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, request=request, **kw)
        return RequestForm

    def transition_allowed(self, request, transition, obj) -> bool:
        if obj.tournament_id is None:  # global: administrators only
            return request.user.is_superuser and bool(transition.allowed(obj))
        return super().transition_allowed(request, transition, obj)

    def save_model(self, request, obj, form, change):
        if change:
            sanctions.edit(obj.pk, actor=request.user, **{f: getattr(obj, f) for f in form.changed_data
                                                          if f in ("kind", "reason", "starts_at", "ends_at")})
            return
        data = form.cleaned_data
        created = sanctions.issue(actor=request.user, player=data["player"], tournament=data.get("tournament"),
                                  kind=data["kind"], reason=data["reason"], starts_at=data.get("starts_at"),
                                  ends_at=data.get("ends_at"))
        obj.pk = created.pk
        obj._state.adding = False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.tournament_id is None and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def state_label(self, obj):
        return self.state(obj)[1]

    @display(description=_("state"), label={"in_force": "danger", "lifted": "info", "expired": None, "scheduled": "warning"})
    def state(self, obj):
        now = timezone.now()
        if obj.lifted_at:
            return "lifted", _g("Lifted")
        if obj.starts_at > now:
            return "scheduled", _g("Scheduled")
        if obj.ends_at and obj.ends_at <= now:
            return "expired", _g("Expired")
        return "in_force", _g("In force")

    @display(description=_("scope"))
    def scope_label(self, obj):
        return obj.tournament.name if obj.tournament_id else _g("All tournaments")

    @display(description=_("reason"))
    def reason_short(self, obj):
        return obj.reason if len(obj.reason) <= 60 else obj.reason[:59] + "…"

    def action_summary(self, obj):
        return [(_("Player"), obj.player), (_("Scope"), self.scope_label(obj)), (_("Type"), obj.get_kind_display()),
                (_("Reason"), obj.reason), (_("Until"), obj.ends_at or _g("until lifted"))]
