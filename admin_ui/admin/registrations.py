"""Registrations and check-in: every decision (approve, reject, waitlist, promote, withdraw,
disqualify, waive fee, check-in) is an action calling its service; bulk approve/reject/check-in."""
from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _g, gettext_lazy as _
from django_fsm import can_proceed
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import display
from unfold.enums import ActionVariant

from tournaments import permissions
from tournaments.models import Payment, Registration, Tournament
from tournaments.services import checkin, custom_fields, lobby_access, payments, records, registrations

from .actions import Transition, fsm
from .base import ScopedAdmin
from .bulk import BulkAction, bulk_action
from .filters import CheckedInFilter, DayRangeFilter, game_filter, tournament_filter
from .forms import BulkCheckInForm, CheckInForm, OptionalReasonForm, ParticipantReasonForm, WaiverForm, WaitlistPositionForm
from .signup_columns import AnswerColumnsMixin

R = Registration.Status
T = Tournament.Status
MANAGE, CHECKIN = permissions.MANAGE, permissions.CHECKIN
CHECK_IN_STATES = (T.REGISTRATION_OPEN, T.REGISTRATION_CLOSED, T.LIVE)

PAYMENT_COLORS = {"verified": "success", "submitted": "warning", "rejected": "danger", "refunded": "info",
                  "waived": "info", "due": "danger"}


def _check_in_possible(in_window: bool):
    def allowed(reg):
        tournament = reg.tournament
        return (reg.status == R.CONFIRMED and tournament.status in CHECK_IN_STATES
                and tournament.check_in_window_open() == in_window)
    return allowed


def _check_in(override: bool):
    """Check in, or undo a check-in, as the page showed it: a stale click never flips it back."""
    def run(user, reg, data):
        if data["expected"] == "out":
            return checkin.check_in(reg.pk, actor=user, override=override)  # refuses if already checked in
        return checkin.check_out(reg.pk, actor=user, override=override)  # refuses if no longer checked in
    return run


def _checked_in_message(reg):
    if reg.is_checked_in:
        return _g("%(who)s is checked in.") % {"who": reg.display_name}
    return _g("The check-in of %(who)s was undone.") % {"who": reg.display_name}


def _check_in_question(override: bool):
    def question(reg):
        if reg.is_checked_in:
            text = _g("Undo the check-in of %(who)s?")
        else:
            text = _g("Check in %(who)s?")
        if override:
            text = _g("The check-in window is closed (organizer override).") + " " + text
        return text % {"who": reg.display_name}
    return question


def _withdrawable(reg):
    return can_proceed(reg.withdraw) and reg.tournament.status in Tournament.PRE_LIVE


def _fee_waivable(reg):
    return reg.tournament.has_fee and not reg.fee_waived and reg.status in Registration.ACTIVE


TRANSITIONS = (
    Transition(name="approve", label=_("Approve"), capability=MANAGE, allowed=fsm("confirm"), icon="check_circle",
               variant=ActionVariant.SUCCESS, run=lambda user, reg, data: registrations.approve(reg.pk, actor=user),
               question=_("Approve %(obj)s? They are confirmed, or asked to pay when a fee is due.")),
    Transition(name="reject", label=_("Reject"), capability=MANAGE, allowed=fsm("reject"), icon="block",
               variant=ActionVariant.DANGER, form=ParticipantReasonForm,
               run=lambda user, reg, data: registrations.reject(reg.pk, actor=user, reason=data["reason"])),
    Transition(name="waitlist", label=_("Move to waitlist"), capability=MANAGE, allowed=fsm("waitlist"),
               icon="hourglass_top", form=OptionalReasonForm,
               run=lambda user, reg, data: registrations.move_to_waitlist(reg.pk, actor=user, reason=data["reason"])),
    Transition(name="promote", label=_("Promote from waitlist"), capability=MANAGE, allowed=fsm("promote_to_pending"),
               icon="arrow_upward", run=lambda user, reg, data: registrations.promote(reg.pk, actor=user)),
    # reg-rules: the organizer orders the waitlist
    Transition(name="waitlist_move", label=_("Set waitlist position"), capability=MANAGE, icon="format_list_numbered",
               allowed=lambda reg: reg.status == R.WAITLISTED, form=WaitlistPositionForm,
               run=lambda user, reg, data: registrations.move_in_waitlist(reg.pk, actor=user, position=data["position"]),
               done=lambda reg: _g("%(who)s is number %(n)d on the waitlist.") % {"who": reg.display_name, "n": reg.waitlist_position}),
    Transition(name="waitlist_up", label=_("Move up the waitlist"), capability=MANAGE, icon="keyboard_arrow_up",
               allowed=lambda reg: reg.status == R.WAITLISTED and (reg.waitlist_position or 1) > 1,
               run=lambda user, reg, data: registrations.move_up(reg.pk, actor=user),
               done=lambda reg: _g("%(who)s is number %(n)d on the waitlist.") % {"who": reg.display_name, "n": reg.waitlist_position}),
    Transition(name="waitlist_down", label=_("Move down the waitlist"), capability=MANAGE, icon="keyboard_arrow_down",
               allowed=lambda reg: reg.status == R.WAITLISTED,
               run=lambda user, reg, data: registrations.move_down(reg.pk, actor=user),
               done=lambda reg: _g("%(who)s is number %(n)d on the waitlist.") % {"who": reg.display_name, "n": reg.waitlist_position}),
    Transition(name="withdraw", label=_("Withdraw"), capability=MANAGE, allowed=_withdrawable, icon="logout",
               variant=ActionVariant.DANGER, form=ParticipantReasonForm,
               run=lambda user, reg, data: registrations.withdraw(reg.pk, actor=user, reason=data["reason"])),
    Transition(name="disqualify", label=_("Disqualify"), capability=MANAGE, allowed=fsm("disqualify"), icon="gavel",
               variant=ActionVariant.DANGER, form=ParticipantReasonForm,
               run=lambda user, reg, data: registrations.disqualify(reg.pk, actor=user, reason=data["reason"])),
    Transition(name="check_in", label=_("Check in / undo"), capability=CHECKIN, allowed=_check_in_possible(True),
               icon="how_to_reg", variant=ActionVariant.PRIMARY, form=CheckInForm, run=_check_in(False),
               done=_checked_in_message, question=_check_in_question(False)),
    Transition(name="check_in_override", label=_("Check in / undo outside the window"), capability=MANAGE,
               allowed=_check_in_possible(False), icon="more_time", form=CheckInForm, run=_check_in(True),
               done=_checked_in_message, question=_check_in_question(True)),
    Transition(name="waive_fee", label=_("Waive fee"), capability=MANAGE, allowed=_fee_waivable, icon="money_off",
               form=WaiverForm, run=lambda user, reg, data: payments.waive_fee(reg.pk, actor=user, reason=data["reason"])),
    Transition(name="issue_link", label=_("Send a new lobby link"), capability=MANAGE, icon="link",
               allowed=lambda reg: reg.status in Registration.ACTIVE,
               question=_("Send %(obj)s a new private lobby link? Earlier links stop working at once."),
               run=lambda user, reg, data: lobby_access.issue_link(reg.pk, actor=user),
               done=lambda token: _g("New lobby link (shown once; also e-mailed to the participant): %(url)s")
               % {"url": settings.PUBLIC_BASE_URL + lobby_access.join_path(token)}),
    Transition(name="revoke_link", label=_("Revoke lobby link"), capability=MANAGE, icon="link_off",
               allowed=lambda reg: lobby_access.active_link(reg.pk) is not None, form=ParticipantReasonForm,
               variant=ActionVariant.DANGER,
               run=lambda user, reg, data: lobby_access.revoke(reg.pk, actor=user, reason=data["reason"]) and reg,
               done=_("The lobby link of %(obj)s was revoked.")),
)

BULK = (
    BulkAction(name="bulk_approve", label=_("Approve selected registrations"), capability=MANAGE, verb=_("approved"),
               run=lambda user, ids, data: registrations.bulk_approve(ids, actor=user)),
    BulkAction(name="bulk_reject", label=_("Reject selected registrations"), capability=MANAGE, verb=_("rejected"),
               form=ParticipantReasonForm,
               run=lambda user, ids, data: registrations.bulk_reject(ids, actor=user, reason=data["reason"])),
    BulkAction(name="bulk_check_in", label=_("Check in selected registrations"), capability=CHECKIN,
               verb=_("checked in"), form=BulkCheckInForm,
               run=lambda user, ids, data: checkin.bulk_check_in(ids, actor=user, override=data["override"])),
)


class RegistrationForm(forms.ModelForm):
    """Duplicate entrants and "player or team" are refused by ``registrations.register`` in the
    organizer's words ("… is already registered (registration #41, waitlisted)"); Django's model
    validation would answer first with "Constraint … is violated", so those constraints are left to it."""

    def _get_validation_exclusions(self):
        return super()._get_validation_exclusions() | {"player", "team"}

    def clean(self):
        """Answers are checked against the tournament's custom fields (issue 8), message per question."""
        data = super().clean()
        tournament = data.get("tournament") or (self.instance.tournament if self.instance.tournament_id else None)
        if tournament is not None and "answers" in self.fields and "answers" not in self.errors:
            from tournaments.services import DomainError

            try:
                custom_fields.validate_answers(tournament, data.get("answers") or {}, store=False)
            except DomainError as exc:
                self.add_error("answers", exc.message)
        return data


@admin.register(Registration)
class RegistrationAdmin(AnswerColumnsMixin, ScopedAdmin):
    form = RegistrationForm
    list_display = ["participant", "entry_type", "tournament", "seed", "status_badge", "waitlist_position", "payment_state",
                    "checked_in_at"]
    list_filter = [("status", ChoicesDropdownFilter), tournament_filter(), game_filter(), CheckedInFilter,
                   ("created_at", DayRangeFilter)]
    search_fields = ["player__display_name", "player__email", "team__name", "team__tag"]
    list_select_related = ["player", "team"]
    list_prefetch_related = ("tournament",)  # a page's rows share a few tournaments: build each once
    autocomplete_fields = ["player", "team"]
    readonly_fields = ["checked_in_at", "checked_in_by", "decided_by", "decided_at", "waitlist_position",
                       "fee_waived", "fee_waiver_reason", "reason", "answers_table", "promo_used"]
    lead_fields = ("tournament", "player", "team", "status", "seed")
    readonly_on_change = ("tournament", "player", "team")

    def create_via_service(self, request, obj, form):
        """Staff enter someone by hand: the same rules as a sign-up (capacity, duplicates, fee)."""
        data = form.cleaned_data
        created = registrations.register(data["tournament"], player=data.get("player"), team=data.get("team"),
                                         answers=data.get("answers") or {}, actor=request.user)
        if data.get("seed") is not None:
            created.seed = data["seed"]
            created = records.edit_details(created, actor=request.user, fields=["seed"])
        return created
    action_select_related = ("tournament", "player", "team")
    actions = [bulk_action(spec) for spec in BULK]

    transitions = TRANSITIONS
    row_transitions = ("approve", "waitlist_up", "waitlist_down")
    detail_layout = ("approve", "check_in", "check_in_override",
                     {"title": _("Decide"), "icon": "rule", "items": ["reject", "waitlist", "promote", "withdraw", "disqualify"]},
                     {"title": _("Waitlist order"), "icon": "format_list_numbered",
                      "items": ["waitlist_move", "waitlist_up", "waitlist_down"]},
                     "waive_fee", {"title": _("Lobby link"), "icon": "link", "items": ["issue_link", "revoke_link"]})

    def get_queryset(self, request):
        latest = Payment.objects.filter(registration=OuterRef("pk")).order_by("-submitted_at", "-id").values("status")[:1]
        return super().get_queryset(request).annotate(latest_payment_status=Subquery(latest))

    @display(description=_("participant"), ordering="player__display_name")
    def participant(self, obj):
        return obj.display_name

    @display(description=_("entry"), label={"team": "info", "solo": None})
    def entry_type(self, obj):
        return ("team", _("Team")) if obj.team_id else ("solo", _("Solo"))

    @display(description=_("payment"), label=PAYMENT_COLORS)
    def payment_state(self, obj):
        if obj.fee_waived:
            return "waived", _("Waived")
        status = getattr(obj, "latest_payment_status", None)
        if status:
            return status, Payment.Status(status).label
        if obj.tournament.has_fee:
            return "due", _("Due")
        return None

    def action_summary(self, obj):
        payment = self.payment_state(obj)
        return [(_("Tournament"), obj.tournament), (_("Participant"), obj.display_name),
                (_("Status"), obj.get_status_display()), (_("Payment"), payment[1] if payment else _("No fee")),
                (_("Checked in"), obj.checked_in_at)]
