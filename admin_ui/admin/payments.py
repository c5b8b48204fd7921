"""Entry-fee payments: verify, reject (reason), refund (reason) — each through the payments service."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import display
from unfold.enums import ActionVariant

from tournaments import permissions
from tournaments.models import Payment
from tournaments.services import payments

from .actions import Transition, fsm
from .base import ScopedAdmin
from .bulk import BulkAction, bulk_action
from .filters import DayRangeFilter, game_filter, tournament_filter
from .forms import ParticipantReasonForm, RefundForm

MANAGE = permissions.MANAGE
PATH = "registration__tournament"


def _bulk_verify(user, ids, data):
    return payments.bulk_verify(ids, actor=user)


@admin.register(Payment)
class PaymentAdmin(ScopedAdmin):
    tournament_path = PATH
    list_display = ["participant", "tournament", "method", "amount_display", "reference", "status_badge", "submitted_at"]
    list_filter = [("status", ChoicesDropdownFilter), ("method", ChoicesDropdownFilter), tournament_filter(PATH),
                   game_filter(PATH), ("submitted_at", DayRangeFilter)]
    list_select_related = ["registration__tournament", "registration__player", "registration__team"]
    search_fields = ["reference", "registration__player__display_name", "registration__team__name"]
    readonly_fields = ["verified_by", "verified_at", "reason", "discount", "promo_code", "refunded_amount"]  # discount: set by a promo code
    # A payment is the participant's claim: staff decide on it with actions, they do not rewrite it.
    lead_fields = ("registration", "status", "method", "amount", "currency", "reference")
    readonly_on_change = ("registration", "method", "amount", "currency", "reference", "proof", "submitted_at")

    def create_via_service(self, request, obj, form):
        """A payment taken at the desk: the same checks as a participant's claim (method, amount, reference)."""
        data = form.cleaned_data
        return payments.submit(data["registration"].pk, actor=request.user, method=data["method"], amount=data["amount"],
                               reference=data.get("reference", ""), proof=data.get("proof") or None)
    action_select_related = ("registration__tournament", "registration__player", "registration__team")
    actions = [bulk_action(BulkAction(name="bulk_verify", label=_("Verify selected payments"), capability=MANAGE,
                                      verb=_("verified"), run=_bulk_verify))]

    transitions = (
        Transition(name="verify", label=_("Verify"), capability=MANAGE, allowed=fsm("verify"), icon="verified",
                   variant=ActionVariant.SUCCESS, run=lambda user, p, data: payments.verify(p.pk, actor=user),
                   question=_("Verify %(obj)s? An entrant waiting for it is confirmed (or waitlisted when full).")),
        Transition(name="reject", label=_("Reject"), capability=MANAGE, allowed=fsm("reject"), icon="block",
                   variant=ActionVariant.DANGER, form=ParticipantReasonForm,
                   run=lambda user, p, data: payments.reject(p.pk, actor=user, reason=data["reason"])),
        Transition(name="refund", label=_("Refund"), capability=MANAGE, allowed=fsm("refund"), icon="currency_exchange",
                   variant=ActionVariant.WARNING, form=RefundForm,
                   run=lambda user, p, data: payments.refund(p.pk, actor=user, reason=data["reason"], amount=data["amount"])),
    )
    row_transitions = ("verify",)

    @display(description=_("participant"), ordering="registration__player__display_name")
    def participant(self, obj):
        return obj.registration.display_name

    @display(description=_("tournament"), ordering="registration__tournament__name")
    def tournament(self, obj):
        return obj.registration.tournament

    @display(description=_("amount"), ordering="amount")
    def amount_display(self, obj):
        if obj.promo_code:  # issue 8: the promo discount is visible on the payment
            return f"{obj.amount} {obj.currency} (−{obj.discount} {obj.promo_code})"
        return f"{obj.amount} {obj.currency}"

    def action_summary(self, obj):
        return [(_("Tournament"), obj.registration.tournament), (_("Participant"), obj.registration.display_name),
                (_("Amount"), self.amount_display(obj)), (_("Method"), obj.get_method_display()),
                (_("Reference"), obj.reference), (_("Status"), obj.get_status_display())]
