"""What every tournament-owned admin shares.

Every tournament-owned list is scoped with ``permissions.tournament_filter`` so an organizer never
sees another organizer's rows; foreign-key choices and autocomplete results are limited to
tournaments the user may *manage*; state fields are read-only (they only move through service-backed
actions, see ``actions.py``). History uses simple-history's admin; revert is disabled in settings.
"""
from django.contrib.admin.utils import unquote
from django.db.models import Q
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.decorators import action as unfold_action, display
from unfold.views import ChangeList

from tournaments import permissions
from tournaments.models import Match, Registration, Tournament
from tournaments.services import DomainError, records

from .actions import TransitionAdminMixin
from .bulk import BulkPermissionsMixin
from .timeline import timeline_response

# One colour per state, shared by every model (names are unique enough to mean the same thing).
STATUS_COLORS = {
    # tournament
    "published": "info", "registration_open": "success", "registration_closed": "warning", "live": "primary",
    "completed": "success", "cancelled": "danger",
    # registration
    "pending": "warning", "payment_pending": "warning", "confirmed": "success", "waitlisted": "info",
    "rejected": "danger", "disqualified": "danger",
    # payment
    "submitted": "warning", "verified": "success", "refunded": "info",
    # match
    "check_in": "info", "ready": "info", "pending_result": "warning", "disputed": "danger", "forfeited": "warning",
    # dispute
    "open": "danger", "under_review": "warning", "escalated": "danger", "resolved": "success",
}

# Rows of these models are shown in choice lists by their related names: load them in the same query.
CHOICE_SELECT_RELATED = {
    Registration: ("tournament", "player", "team"),
    Match: ("slot_a__player", "slot_a__team", "slot_b__player", "slot_b__team"),
}


def _tournament_owned(model) -> bool:
    return any(f.name == "tournament" and f.is_relation and f.related_model is Tournament for f in model._meta.fields)


def _is_autocomplete(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and match.url_name == "autocomplete")


class PrefetchingChangeList(ChangeList):
    """unfold's ChangeList, plus the model admin's ``list_prefetch_related`` on the page's rows."""

    def apply_select_related(self, qs):
        return super().apply_select_related(qs).prefetch_related(*self.model_admin.list_prefetch_related)


class GuardedAdminMixin:
    """What every Command Center admin with scoped rows and service-backed saves needs."""

    # unfold 0.91's row template asks ``cl.model_admin.list_sections`` twice per row; unfold's
    # ModelAdmin does not define it, so Django's template engine answers each miss with a
    # ``dir(model_admin)`` (≈0.1 ms, ~10 % of a 100-row page). No expandable row sections here.
    list_sections = ()

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

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A service refusing the save (capacity, window, duplicate…) rolls the whole form back and
        shows its message instead of a server error."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(request.get_full_path())


class ScopedAdmin(GuardedAdminMixin, TransitionAdminMixin, BulkPermissionsMixin, SimpleHistoryAdmin, ModelAdmin):
    """A tournament-owned model: rows limited to tournaments the user may see."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        detail = list(getattr(cls, "actions_detail", ()) or ())
        if "action_timeline" not in detail:
            cls.actions_detail = detail + ["action_timeline"]

    @unfold_action(description=_("Timeline"), url_path="timeline", icon="timeline")
    def action_timeline(self, request, object_id):
        """History and audit entries of this object in one list (read-only, GET)."""
        obj = self.get_queryset(request).filter(pk=unquote(object_id)).first()
        if obj is None:
            raise Http404
        return timeline_response(self, request, obj)

    tournament_path = "tournament"
    list_filter_submit = True
    # Relations a list page loads with one extra query (``prefetch_related``) instead of a join: a
    # page's rows mostly share a few tournaments, so each is built once rather than once per row.
    list_prefetch_related: tuple[str, ...] = ()
    readonly_on_change: tuple[str, ...] = ("tournament",)  # an object never moves to another tournament
    lead_fields: tuple[str, ...] = ("tournament", "status")  # shown first on the change form

    def scope(self, request, capability=permissions.VIEW) -> Q:
        """The rows ``request.user`` may act on with ``capability``, as a filter on this model."""
        if request.user.is_superuser:
            return Q()
        if self.tournament_path is None:
            return Q(pk__in=permissions.tournaments_for(request.user, capability).values("pk"))
        return permissions.tournament_filter(request.user, capability, prefix=self.tournament_path)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(self.scope(request))

    def changelist_view(self, request, extra_context=None):
        permissions.preload_roles(request.user)  # per-row action checks then cost no query
        return super().changelist_view(request, extra_context)

    def get_changelist(self, request, **kwargs):
        return PrefetchingChangeList if self.list_prefetch_related else super().get_changelist(request, **kwargs)

    # ---- saving goes through services ----------------------------------------------------------------
    def create_via_service(self, request, obj, form):
        """Create the object through its service and return it. Models without one can't be added."""
        raise PermissionDenied

    def save_model(self, request, obj, form, change):
        """Adds call the model's creation service; edits of plain fields go through
        ``records.edit_details`` (permission, validation, history, audit). States never change here."""
        if change:
            records.edit_details(obj, actor=request.user, fields=form.changed_data)
            return
        created = self.create_via_service(request, obj, form)
        obj.pk = created.pk
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        if formset.model is not self.model and hasattr(self, f"save_{formset.model._meta.model_name}_formset"):
            return getattr(self, f"save_{formset.model._meta.model_name}_formset")(request, form, formset, change)
        return super().save_formset(request, form, formset, change)

    # ---- forms: state is read-only, choices are scoped ----------------------------------------------
    def get_fields(self, request, obj=None):
        """Who/what and the state first; Django would put read-only fields last."""
        fields = list(super().get_fields(request, obj))
        lead = [f for f in self.lead_fields if f in fields]
        return lead + [f for f in fields if f not in lead]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if hasattr(self.model, "status") and "status" not in fields:
            fields.append("status")
        if obj is not None:
            fields += [f for f in getattr(self, "readonly_on_change", ()) if f not in fields]
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        manageable = permissions.tournaments_for(request.user, permissions.MANAGE).values("pk")
        if related is Tournament:
            kwargs["queryset"] = Tournament.objects.filter(pk__in=manageable)
        elif _tournament_owned(related):  # registrations, matches, stages, …
            kwargs["queryset"] = (related.objects.filter(tournament_id__in=manageable)
                                  .select_related("tournament", *CHOICE_SELECT_RELATED.get(related, ())))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        """Autocomplete (choosing this model in another form) offers only rows the user may manage."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if _is_autocomplete(request):
            queryset = queryset.filter(self.scope(request, permissions.MANAGE))
        return queryset, may_have_duplicates

    @display(description=_("status"), ordering="status", label=STATUS_COLORS)
    def status_badge(self, obj):
        """Same text as ``get_status_display()``, which rebuilds the field's choice map per call."""
        labels = self.__dict__.get("_status_labels")
        if labels is None:
            labels = self._status_labels = dict(self.model._meta.get_field("status").flatchoices)
        status = obj.status
        return status, str(labels.get(status, status))
