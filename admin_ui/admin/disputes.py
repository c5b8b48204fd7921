"""Disputes: review, escalate (note) and resolve (resolution + final score) through the disputes service."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import display
from unfold.enums import ActionVariant

from tournaments import permissions
from tournaments.models import Dispute
from tournaments.services import disputes

from .actions import Transition, fsm
from .base import ScopedAdmin
from .filters import DayRangeFilter, game_filter, tournament_filter
from .forms import EscalateForm, ResolveDisputeForm

RESULTS = permissions.RESULTS
PATH = "match__tournament"
MATCH = ("match__tournament", "match__slot_a__player", "match__slot_a__team", "match__slot_b__player",
         "match__slot_b__team")


def _resolve(user, dispute, data):
    return disputes.resolve(dispute.pk, actor=user, resolution=data["resolution"], score_a=data["score_a"],
                            score_b=data["score_b"])


@admin.register(Dispute)
class DisputeAdmin(ScopedAdmin):
    tournament_path = PATH
    list_display = ["__str__", "tournament", "reason", "status_badge", "raised_by", "assigned_to", "created_at"]
    list_filter = [("status", ChoicesDropdownFilter), ("reason", ChoicesDropdownFilter), tournament_filter(PATH),
                   game_filter(PATH), ("created_at", DayRangeFilter)]
    search_fields = ["match__key", "description", "raised_by__player__display_name", "raised_by__team__name"]
    list_select_related = ["match__tournament", "raised_by__player", "raised_by__team", "assigned_to"]
    readonly_fields = ["assigned_to", "resolution", "resolved_by", "resolved_at", "final_score_a", "final_score_b"]
    lead_fields = ("match", "status", "reason", "raised_by", "description", "evidence_url")
    readonly_on_change = ("match", "raised_by")

    def create_via_service(self, request, obj, form):
        """Staff open a dispute themselves (e.g. reported by phone): the match moves to disputed."""
        data = form.cleaned_data
        return disputes.open_dispute(data["match"].pk, actor=request.user, reason=data["reason"],
                                     description=data.get("description", ""), evidence_url=data.get("evidence_url", ""))
    action_select_related = MATCH

    transitions = (
        Transition(name="review", label=_("Take under review"), capability=RESULTS, allowed=fsm("review"),
                   icon="visibility", variant=ActionVariant.PRIMARY,
                   run=lambda user, d, data: disputes.review(d.pk, actor=user),
                   question=_("Take %(obj)s under review? It is assigned to you.")),
        Transition(name="escalate", label=_("Escalate"), capability=RESULTS, allowed=fsm("escalate"),
                   icon="priority_high", variant=ActionVariant.WARNING, form=EscalateForm,
                   run=lambda user, d, data: disputes.escalate(d.pk, actor=user, note=data["reason"])),
        Transition(name="resolve", label=_("Resolve"), capability=RESULTS, allowed=fsm("resolve"), icon="gavel",
                   variant=ActionVariant.SUCCESS, form=ResolveDisputeForm, run=_resolve,
                   question=_("Resolve %(obj)s? The final score completes the match and the winner moves on.")),
    )

    @display(description=_("tournament"), ordering="match__tournament__name")
    def tournament(self, obj):
        return obj.match.tournament

    def action_summary(self, obj):
        match = obj.match
        reported = f"{match.score_a} : {match.score_b}" if match.score_a is not None else None
        return [(_("Tournament"), match.tournament), (_("Match"), str(match)), (_("Reason"), obj.get_reason_display()),
                (_("Description"), obj.description), (_("Status"), obj.get_status_display()), (_("Score on the match"), reported)]
