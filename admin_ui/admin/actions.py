"""Every state change in the Command Center is an action that calls a service.

A model admin lists its transitions declaratively (``transitions = (Transition(...), ...)``) and this
mixin turns each into an unfold *detail* action (and, if named in ``row_transitions``, a *row*
action) with:

- **visibility** — unfold shows an action when ``has_action_<name>_permission(request, object_id)``
  returns True (verified in unfold 0.91: ``_filter_unfold_actions_by_permissions`` passes the raw
  ``object_id`` for detail actions and nothing for row actions). Ours loads the object through the
  scoped queryset and asks ``permissions.has_capability`` *and* the transition's state rule
  (``django_fsm.can_proceed`` for FSM transitions). Row actions are filtered per row by the
  ``allowed_row_actions`` template tag, since unfold gives their permission check no object.
- **enforcement** — the handler, not unfold's wrapper: we set ``allowed_permissions`` *after*
  decorating, so unfold does not turn a stale click into a bare 403. The handler returns 404 for an
  object outside the user's tournaments and 403 without the capability; GET only renders a
  confirmation (or input) page; POST calls the service, which re-checks everything under a row lock.
  A ``DomainError`` becomes an error message and nothing changes.
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_fsm import can_proceed
from unfold.decorators import action as unfold_action
from unfold.enums import ActionVariant

from tournaments import permissions
from tournaments.services import DomainError

from .forms import ConfirmForm


@dataclass(frozen=True)
class Transition:
    """One service-backed state change offered in the admin."""

    name: str  # url path and method suffix: ``action_<name>``
    label: Any  # button text (lazy)
    capability: str  # permissions.MANAGE / RESULTS / CHECKIN
    allowed: Callable[[Any], bool]  # may it happen to this object now? (state only; capability is separate)
    run: Callable[[Any, Any, dict], Any]  # (user, obj, cleaned_data) -> updated object; calls ONE service
    form: type = ConfirmForm
    question: Any = ""  # shown on the confirmation page; ``%(obj)s`` is the object; may be a callable(obj) -> str
    icon: str | None = None
    variant: ActionVariant = ActionVariant.DEFAULT
    done: Any = ""  # success message; ``%(obj)s`` and ``%(state)s``; may be a callable(obj) -> str


def fsm(method_name: str) -> Callable[[Any], bool]:
    """State rule from the model's FSM: the transition's sources and conditions.

    ``check.state_key(obj)`` tells a list page when the answer depends on the state alone: it returns
    the current state when django-fsm has no conditions for the transition from it (then
    ``can_proceed`` reads nothing but the state), else None (conditions must run on every object).
    """
    def check(obj):
        return can_proceed(getattr(obj, method_name))

    def state_key(obj):
        meta = getattr(type(obj), method_name)._django_fsm
        state = meta.field.get_state(obj)
        transition = meta.get_transition(state)
        return ("fsm", state) if transition is None or not transition.conditions else None

    check.__name__ = f"can_{method_name}"
    check.state_key = state_key
    return check


def _handler(transition):
    def handler(self, request, object_id):
        return self.transition_view(request, object_id, transition)
    handler.__name__ = f"action_{transition.name}"
    method = unfold_action(description=transition.label, url_path=transition.name, icon=transition.icon,
                           variant=transition.variant)(handler)
    method.allowed_permissions = (f"action_{transition.name}",)  # visibility only, see module docstring
    return method


def _permission(transition):
    def has_permission(self, request, object_id=None):
        if object_id is None:  # row actions (unfold passes no object) and system checks
            return self.may_act_anywhere(request, transition.capability)
        obj = self.action_object(request, object_id)
        return obj is not None and self.transition_allowed(request, transition, obj)
    has_permission.__name__ = f"has_action_{transition.name}_permission"
    return has_permission


class TransitionAdminMixin:
    transitions: tuple[Transition, ...] = ()
    row_transitions: tuple[str, ...] = ()
    detail_layout: tuple = ()  # optional unfold dropdown groups: names or {"title", "items": [names]}
    action_select_related: tuple[str, ...] = ()  # what ``allowed`` and the form read on the object
    tournament_path: str | None = "tournament"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "transitions" not in cls.__dict__:
            return
        for transition in cls.transitions:
            setattr(cls, f"action_{transition.name}", _handler(transition))
            setattr(cls, f"has_action_{transition.name}_permission", _permission(transition))
        layout = cls.__dict__.get("detail_layout") or [t.name for t in cls.transitions]
        cls.actions_detail = [
            {**item, "items": [f"action_{n}" for n in item["items"]]} if isinstance(item, dict) else f"action_{item}"
            for item in layout
        ]
        cls.actions_row = [f"action_{name}" for name in cls.row_transitions]
        cls._transitions_by_name = {t.name: t for t in cls.transitions}

    # ---- scope and permission --------------------------------------------------------------------
    def tournament_of(self, obj):
        if self.tournament_path is None:
            return obj
        for part in self.tournament_path.split("__"):
            obj = getattr(obj, part)
        return obj

    def get_action_queryset(self, request):
        return self.get_queryset(request).select_related(*self.action_select_related)

    def action_object(self, request, object_id):
        """The object if the user may see it, else None; cached for the request (one query per page)."""
        cache = request.__dict__.setdefault("_command_center_objects", {})
        key = (self.model._meta.label, str(object_id))
        if key not in cache:
            try:
                cache[key] = self.get_action_queryset(request).get(pk=unquote(str(object_id)))
            except (self.model.DoesNotExist, ValidationError, ValueError):
                cache[key] = None
        return cache[key]

    def may_perform(self, request, obj, capability) -> bool:
        """Does the user hold ``capability`` over ``obj``? (Models owned by no tournament override it.)"""
        return permissions.has_capability(request.user, self.tournament_of(obj), capability)

    def transition_allowed(self, request, transition, obj) -> bool:
        return self.may_perform(request, obj, transition.capability) and bool(transition.allowed(obj))

    def may_act_anywhere(self, request, capability) -> bool:
        """Does the user hold ``capability`` in at least one tournament? (row and bulk actions)"""
        cache = request.__dict__.setdefault("_command_center_capabilities", {})
        if capability not in cache:
            cache[capability] = request.user.is_superuser or permissions.tournaments_for(request.user, capability).exists()
        return cache[capability]

    def row_actions_for(self, request, actions, obj):
        """The row actions (unfold's dicts) allowed for this row's object.

        A list page asks this for every row, so answers are remembered for the request: the
        capability per (tournament, capability) and the state rule per (transition, state) when the
        rule says the state alone decides (``allowed.state_key``, see ``fsm``); any other rule runs
        on each object. Same answers as ``transition_allowed``, without repeating django-fsm's
        lookups and the role checks 100 times a page."""
        memo = request.__dict__.setdefault("_command_center_row_rules", {})
        allowed = []
        for item in actions:
            transition = self._row_transition(item.get("raw_path", ""))
            if transition is None or self._row_allowed(request, memo, transition, obj):
                allowed.append(item)
        return allowed

    def _row_transition(self, raw_path):
        prefix = f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_action_"
        return self._transitions_by_name.get(raw_path.removeprefix(prefix)) if raw_path.startswith(prefix) else None

    def _row_allowed(self, request, memo, transition, obj) -> bool:
        if type(self).may_perform is TransitionAdminMixin.may_perform:  # the tournament's role decides
            tournament = self.tournament_of(obj)
            if tournament is None:  # e.g. a global sanction: the admin's own rule decides (administrators)
                return bool(self.transition_allowed(request, transition, obj))
            key = ("capability", tournament.pk, transition.capability)
            if key not in memo:
                memo[key] = permissions.has_capability(request.user, tournament, transition.capability)
            if not memo[key]:
                return False
        elif not self.may_perform(request, obj, transition.capability):  # owned by no tournament
            return False
        state_key = getattr(transition.allowed, "state_key", None)
        state = state_key(obj) if state_key is not None else None
        if state is None:
            return bool(transition.allowed(obj))
        key = ("rule", transition.name, state)
        if key not in memo:
            memo[key] = bool(transition.allowed(obj))
        return memo[key]

    # ---- presentation hooks ------------------------------------------------------------------------
    def state_label(self, obj) -> str:
        return str(obj.get_status_display()) if hasattr(obj, "get_status_display") else ""

    def action_summary(self, obj) -> list[tuple[str, Any]]:
        """Rows shown above the form so the person sees what they are about to change."""
        rows = []
        if self.tournament_path is not None:
            rows.append((_("Tournament"), self.tournament_of(obj)))
        if self.state_label(obj):
            rows.append((_("Status"), self.state_label(obj)))
        return rows

    def _return_url(self, request, obj):
        """Back where the person came from when that is this model's list or page, else the object."""
        candidate = request.POST.get("next") if request.method == "POST" else request.META.get("HTTP_REFERER")
        changelist = reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist")
        if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                         require_https=request.is_secure()):
            path = urlsplit(candidate).path
            if path.startswith(changelist) and path != request.path:
                return candidate
        return reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])

    def _question(self, transition, obj) -> str:
        if callable(transition.question):
            return transition.question(obj)
        return (transition.question or _("%(action)s — %(obj)s?")) % {"action": transition.label, "obj": obj}

    def _success_message(self, transition, obj) -> str:
        if callable(transition.done):
            return transition.done(obj)
        text = transition.done or _("%(action)s: %(obj)s is now %(state)s.")
        return text % {"action": transition.label, "obj": obj, "state": self.state_label(obj).lower()}

    # ---- the view ------------------------------------------------------------------------------
    def transition_view(self, request, object_id, transition):
        obj = self.action_object(request, object_id)
        if obj is None:
            raise Http404(_("Nothing to act on here."))
        if not self.may_perform(request, obj, transition.capability):
            raise PermissionDenied
        back = self._return_url(request, obj)
        if request.method != "POST":
            if not transition.allowed(obj):
                messages.error(request, _("“%(action)s” is not possible for %(obj)s now (it is %(state)s).") % {
                    "action": transition.label, "obj": obj, "state": self.state_label(obj).lower() or "—"})
                return HttpResponseRedirect(back)
            return self._render_transition(request, obj, transition, transition.form(obj), back)
        form = transition.form(obj, data=request.POST)
        if not form.is_valid():
            return self._render_transition(request, obj, transition, form, back)
        try:
            result = transition.run(request.user, obj, form.cleaned_data)
        except DomainError as exc:
            messages.error(request, str(exc))
            # Typed input (a score, a time) is worth keeping when the action is still possible;
            # otherwise (stale state, nothing typed) go back to where the person came from.
            request.__dict__.pop("_command_center_objects", None)
            fresh = self.action_object(request, object_id)
            if fresh is None or not _has_input(form) or not transition.allowed(fresh):
                return HttpResponseRedirect(back)
            form = transition.form(fresh, data=request.POST)
            form.is_valid()
            return self._render_transition(request, fresh, transition, form, back)
        messages.success(request, self._success_message(transition, result if result is not None else obj))
        return HttpResponseRedirect(back)

    def _render_transition(self, request, obj, transition, form, back):
        context = {
            **self.admin_site.each_context(request),
            "title": _("%(action)s: %(obj)s") % {"action": transition.label, "obj": obj},
            "subtitle": None,
            "opts": self.opts,
            "object": obj,
            "transition": transition,
            "question": self._question(transition, obj),
            "summary": self.action_summary(obj),
            "form": form,
            "media": form.media,
            "back_url": back,
            "next": back,
            "danger": transition.variant == ActionVariant.DANGER,
        }
        return TemplateResponse(request, "admin_ui/actions/transition.html", context)


def _has_input(form) -> bool:
    return any(not field.is_hidden for field in form)
