"""Matches and results: start, confirm/reject a reported result, override the score, forfeit, cancel,
reschedule and lobby details — each through the matches service."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import display
from unfold.enums import ActionVariant

from tournaments import permissions
from tournaments.models import Match, MatchReport
from tournaments.services import matches, setup

from .actions import Transition, fsm
from .base import ScopedAdmin
from .filters import DayRangeFilter, game_filter, tournament_filter
from .forms import (
    CorrectResultForm, ForfeitForm, LobbyInfoForm, OverrideScoreForm, ParticipantReasonForm, RescheduleForm,
)

M = Match.Status
MANAGE, RESULTS = permissions.MANAGE, permissions.RESULTS
SIDES = ("slot_a__player", "slot_a__team", "slot_b__player", "slot_b__team")


class ReportInline(TabularInline):
    model = MatchReport
    extra = 0
    can_delete = False
    fields = ["registration", "score_a", "score_b", "evidence_url", "is_current", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("registration__player", "registration__team")

    def has_add_permission(self, request, obj=None):
        return False  # sides report from the lobby; staff use "override score"


def _forfeitable(match):
    return match.has_both_sides() and fsm("forfeit")(match)


def _correctable(match):
    return (match.status == M.COMPLETED and not match.is_bye
            and match.tournament.status != match.tournament.Status.COMPLETED)


def _correct(user, match, data):
    return matches.correct_result(match.pk, actor=user, score_a=data["score_a"], score_b=data["score_b"],
                                  reason=data["reason"], reset_downstream=data["reset_downstream"])


TRANSITIONS = (
    Transition(name="start", label=_("Start"), capability=RESULTS, allowed=fsm("start"), icon="play_arrow",
               variant=ActionVariant.PRIMARY, run=lambda user, m, data: matches.start(m.pk, actor=user)),
    Transition(name="confirm_result", label=_("Confirm result"), capability=RESULTS,
               allowed=lambda m: m.status == M.PENDING_RESULT, icon="task_alt", variant=ActionVariant.SUCCESS,
               run=lambda user, m, data: matches.confirm_result(m.pk, actor=user),
               question=_("Confirm the reported result of %(obj)s? The winner moves on in the bracket.")),
    Transition(name="reject_result", label=_("Reject result"), capability=RESULTS, allowed=fsm("reject_result"),
               icon="undo", variant=ActionVariant.WARNING, form=ParticipantReasonForm,
               run=lambda user, m, data: matches.reject_result(m.pk, actor=user, reason=data["reason"])),
    Transition(name="override_score", label=_("Override score"), capability=RESULTS, allowed=fsm("override"),
               icon="scoreboard", form=OverrideScoreForm,
               run=lambda user, m, data: matches.override_score(m.pk, actor=user, score_a=data["score_a"],
                                                                score_b=data["score_b"], reason=data["reason"])),
    Transition(name="forfeit", label=_("Forfeit"), capability=RESULTS, allowed=_forfeitable, icon="flag",
               variant=ActionVariant.WARNING, form=ForfeitForm,
               run=lambda user, m, data: matches.forfeit(m.pk, actor=user, forfeiting_registration_id=data["side"],
                                                         reason=data["reason"])),
    Transition(name="double_forfeit", label=_("Double forfeit"), capability=RESULTS, allowed=_forfeitable,
               icon="group_off", variant=ActionVariant.DANGER, form=ParticipantReasonForm,
               run=lambda user, m, data: matches.double_forfeit(m.pk, actor=user, reason=data["reason"]),
               question=_("Both sides of %(obj)s forfeit? Nobody advances; the next matches receive byes.")),
    Transition(name="correct_result", label=_("Correct result"), capability=RESULTS, allowed=_correctable,
               icon="edit_note", variant=ActionVariant.WARNING, form=CorrectResultForm, run=_correct,
               question=_("Correct the final score of %(obj)s? If the winner changes, later matches follow.")),
    Transition(name="reschedule", label=_("Reschedule"), capability=RESULTS,
               allowed=lambda m: m.status in (M.SCHEDULED, M.CHECK_IN, M.READY), icon="event", form=RescheduleForm,
               run=lambda user, m, data: matches.reschedule(m.pk, actor=user, new_time=data["new_time"],
                                                            reason=data["reason"])),
    Transition(name="lobby_info", label=_("Set lobby info"), capability=RESULTS, allowed=lambda m: m.status in Match.OPEN,
               icon="videogame_asset", form=LobbyInfoForm,
               run=lambda user, m, data: matches.set_lobby_info(m.pk, actor=user, lobby_code=data["lobby_code"],
                                                                lobby_server=data["lobby_server"],
                                                                stream_url=data["stream_url"]),
               done=_("Lobby details of %(obj)s saved.")),
    Transition(name="cancel", label=_("Cancel match"), capability=MANAGE, allowed=fsm("cancel"), icon="cancel",
               variant=ActionVariant.DANGER, form=ParticipantReasonForm,
               run=lambda user, m, data: matches.cancel(m.pk, actor=user, reason=data["reason"])),
)


@admin.register(Match)
class MatchAdmin(ScopedAdmin):
    list_display = ["key", "tournament", "round_number", "slot_a", "slot_b", "score", "status_badge", "scheduled_at"]
    list_filter = [("status", ChoicesDropdownFilter), tournament_filter(), game_filter(), ("scheduled_at", DayRangeFilter)]
    search_fields = ["key", "slot_a__player__display_name", "slot_b__player__display_name", "slot_a__team__name",
                     "slot_b__team__name"]
    list_select_related = ["tournament", *SIDES]
    autocomplete_fields = ["slot_a", "slot_b"]  # scoped to the user's manageable tournaments (base.py)
    readonly_fields = ["winner", "score_a", "score_b", "started_at", "completed_at", "note"]

    def create_via_service(self, request, obj, form):
        """A match added by hand (show match, tiebreaker); bracket matches come from generation."""
        data = form.cleaned_data
        return setup.create_match(data["tournament"].pk, actor=request.user, key=data["key"], slot_a=data.get("slot_a"),
                                  slot_b=data.get("slot_b"), round_number=data.get("round_number") or 1,
                                  position=data.get("position") or 1, best_of=data.get("best_of"),
                                  scheduled_at=data.get("scheduled_at"), bracket=data.get("bracket") or "winners")
    # Entrants, time and lobby details change through progression and the actions below.
    lead_fields = ("tournament", "stage", "key", "status", "slot_a", "slot_b", "score_a", "score_b", "winner")
    readonly_on_change = ("tournament", "stage", "slot_a", "slot_b", "winner_to", "loser_to", "scheduled_at",
                          "lobby_code", "lobby_server", "stream_url")
    action_select_related = ("tournament", *SIDES)
    inlines = [ReportInline]

    transitions = TRANSITIONS
    row_transitions = ("confirm_result",)
    detail_layout = ("start", "confirm_result",
                     {"title": _("Result"), "icon": "scoreboard", "items": ["reject_result", "override_score", "correct_result", "forfeit",
                                                                     "double_forfeit"]},
                     {"title": _("Schedule"), "icon": "event", "items": ["reschedule", "lobby_info", "cancel"]})

    @display(description=_("score"))
    def score(self, obj):
        if obj.score_a is None and obj.score_b is None:
            return None
        return f"{obj.score_a if obj.score_a is not None else '–'} : {obj.score_b if obj.score_b is not None else '–'}"

    def action_summary(self, obj):
        return [(_("Tournament"), obj.tournament), (_("Match"), str(obj)), (_("Status"), obj.get_status_display()),
                (_("Score"), self.score(obj)), (_("Scheduled"), obj.scheduled_at)]
