"""Input forms of the intermediate action pages (reason, scores, time, side, lobby details).

Each form takes the object the action is about as its first argument (``None`` for bulk actions), so
labels can name the real sides ("Score — Team Liquid") and initial values come from the object.
Widgets are unfold's, so the pages look like the rest of the Command Center.
"""
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget, UnfoldAdminRadioSelectWidget, UnfoldAdminSplitDateTimeWidget, UnfoldAdminTextareaWidget,
    UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget, UnfoldBooleanSwitchWidget,
)


class ActionForm(forms.Form):
    """No fields: a bare POST (with its CSRF token) confirms the action."""

    def __init__(self, obj=None, *args, **kwargs):
        self.obj = obj
        super().__init__(*args, **kwargs)


ConfirmForm = ActionForm


def _reason_field(label, help_text="", required=True, max_length=2000):
    return forms.CharField(label=label, help_text=help_text, required=required, max_length=max_length,
                           widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}))


def reason_form(label=_("Reason"), help_text="", *, required=True, max_length=2000, name="ReasonForm"):
    """A form with one text field ``reason``; the label says who will read it."""
    return type(name, (ActionForm,), {"reason": _reason_field(label, help_text, required, max_length)})


ParticipantReasonForm = reason_form(help_text=_("The participant will see it."))
OptionalReasonForm = reason_form(help_text=_("Optional; kept in the audit log."), required=False)
WaiverForm = reason_form(help_text=_("For example: sponsor slot, last season's finalist."), max_length=200)
EscalateForm = reason_form(_("Note"), _("Why it needs a senior decision; kept on the dispute."), name="EscalateForm")



class RefundForm(ActionForm):
    """How much to pay back (all of it unless staff say less) and why; the refund policy's figure for
    today is shown as a hint, since staff refund by hand for reasons the policy does not cover."""

    amount = forms.DecimalField(label=_("Amount to refund"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2,
                                widget=UnfoldAdminTextInputWidget)
    reason = _reason_field(_("Reason"), _("The participant will see it."))

    def __init__(self, obj=None, *args, **kwargs):
        super().__init__(obj, *args, **kwargs)
        if obj is None:
            return
        from tournaments.services import payments

        self.initial.setdefault("amount", obj.amount)
        self.fields["amount"].label = _("Amount to refund (%(c)s, at most %(a)s)") % {"c": obj.currency, "a": obj.amount}
        due, rule = payments.refund_due(obj, obj.registration.tournament)
        self.fields["amount"].help_text = _("The tournament's refund policy would pay back %(d)s %(c)s now (%(rule)s).") % {
            "d": due, "c": obj.currency, "rule": rule}

def _score_field(label):
    return forms.IntegerField(label=label, min_value=0, max_value=999, widget=UnfoldAdminIntegerFieldWidget)


class _ScoresMixin:
    def _label_scores(self, match):
        if match is None:
            return
        self.fields["score_a"].label = _("Score — %(side)s") % {"side": match.side_name(0)}
        self.fields["score_b"].label = _("Score — %(side)s") % {"side": match.side_name(1)}
        if match.best_of > 1:
            self.fields["score_a"].help_text = _("Games won (best of %(n)d).") % {"n": match.best_of}


class OverrideScoreForm(_ScoresMixin, ActionForm):
    score_a = _score_field(_("Score A"))
    score_b = _score_field(_("Score B"))
    reason = _reason_field(_("Reason"), _("Both sides will see it."))

    def __init__(self, obj=None, *args, **kwargs):
        super().__init__(obj, *args, **kwargs)
        self._label_scores(obj)


class CorrectResultForm(OverrideScoreForm):
    reset_downstream = forms.BooleanField(
        label=_("Reset later matches"), required=False, widget=UnfoldBooleanSwitchWidget,
        help_text=_("Only needed when the winner changes and a match they fed has already started: "
                    "those matches go back to scheduled and must be replayed."),
    )

    def __init__(self, obj=None, *args, **kwargs):
        super().__init__(obj, *args, **kwargs)
        if obj is not None:
            self.initial.update(score_a=obj.score_a, score_b=obj.score_b)


class ResolveDisputeForm(_ScoresMixin, ActionForm):
    resolution = _reason_field(_("Resolution"), _("Both sides will read it."))
    score_a = _score_field(_("Final score A"))
    score_b = _score_field(_("Final score B"))

    def __init__(self, obj=None, *args, **kwargs):
        super().__init__(obj, *args, **kwargs)
        self._label_scores(obj.match if obj is not None else None)


class ForfeitForm(ActionForm):
    side = forms.TypedChoiceField(label=_("Who forfeits"), coerce=int, widget=UnfoldAdminRadioSelectWidget)
    reason = _reason_field(_("Reason"), _("Both sides will see it."))

    def __init__(self, obj=None, *args, **kwargs):
        super().__init__(obj, *args, **kwargs)
        choices = []
        if obj is not None:
            choices = [(reg.pk, reg.display_name) for reg in (obj.slot_a, obj.slot_b) if reg is not None]
        self.fields["side"].choices = choices


def _zone(tournament):
    try:
        return ZoneInfo(tournament.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


class _ZonedSplitDateTimeField(forms.SplitDateTimeField):
    """A date and a time read in the tournament's own time zone (not the server's)."""

    zone = None

    def compress(self, data_list):
        if not data_list:
            return None
        if data_list[0] in self.empty_values or data_list[1] in self.empty_values:
            raise forms.ValidationError(self.error_messages["invalid_date"], code="invalid_date")
        return timezone.make_aware(datetime.combine(*data_list), self.zone or timezone.get_current_timezone())


class RescheduleForm(ActionForm):
    new_time = _ZonedSplitDateTimeField(label=_("New time"), widget=UnfoldAdminSplitDateTimeWidget)
    reason = _reason_field(_("Reason"), _("Optional; kept in the audit log."), required=False)

    def __init__(self, obj=None, *args, **kwargs):
        super().__init__(obj, *args, **kwargs)
        if obj is not None:
            zone = _zone(obj.tournament)
            self.fields["new_time"].zone = zone
            self.fields["new_time"].help_text = _("In the tournament's time zone (%(tz)s).") % {"tz": zone.key}
            if obj.scheduled_at:
                # Naive local time: the widget would otherwise convert it to the server's zone.
                self.initial["new_time"] = timezone.localtime(obj.scheduled_at, zone).replace(tzinfo=None)


class LobbyInfoForm(ActionForm):
    lobby_code = forms.CharField(label=_("Lobby code"), max_length=64, required=False, widget=UnfoldAdminTextInputWidget)
    lobby_server = forms.CharField(label=_("Server"), max_length=64, required=False, widget=UnfoldAdminTextInputWidget)
    stream_url = forms.URLField(label=_("Stream link"), required=False, assume_scheme="https", widget=UnfoldAdminTextInputWidget)

    def __init__(self, obj=None, *args, **kwargs):
        super().__init__(obj, *args, **kwargs)
        if obj is not None:
            self.initial.update(lobby_code=obj.lobby_code, lobby_server=obj.lobby_server, stream_url=obj.stream_url)


class CheckInForm(ActionForm):
    """Carries the check-in state the page showed, so a stale click cannot flip it the wrong way."""

    expected = forms.ChoiceField(choices=[("in", "in"), ("out", "out")], widget=forms.HiddenInput)

    def __init__(self, obj=None, *args, **kwargs):
        super().__init__(obj, *args, **kwargs)
        if obj is not None:
            self.initial["expected"] = "in" if obj.is_checked_in else "out"


class BulkCheckInForm(ActionForm):
    override = forms.BooleanField(
        label=_("Outside the check-in window"), required=False, widget=UnfoldBooleanSwitchWidget,
        help_text=_("Organizers only: check in even though the window is closed."),
    )


class CloneTournamentForm(ActionForm):
    name = forms.CharField(label=_("Name of the copy"), max_length=200, widget=UnfoldAdminTextInputWidget())
    slug = forms.SlugField(label=_("Address (slug)"), max_length=80, widget=UnfoldAdminTextInputWidget(),
                           help_text=_("Used in lobby links; letters, digits and hyphens."))
    shift_days = forms.IntegerField(label=_("Move all dates by (days)"), initial=7, min_value=0, max_value=3650,
                                    widget=UnfoldAdminIntegerFieldWidget())

    def __init__(self, obj=None, *args, **kwargs):
        super().__init__(obj, *args, **kwargs)
        if obj is not None:
            self.initial.setdefault("name", f"{obj.name} (copy)")


class RestoreVersionForm(ActionForm):
    """Pick one of the tournament's history rows; only configuration fields come back."""

    version = forms.TypedChoiceField(label=_("Version"), coerce=int, widget=UnfoldAdminRadioSelectWidget)
    reason = _reason_field(_("Reason"), _("Recorded in the audit log."))

    def __init__(self, obj=None, *args, **kwargs):
        super().__init__(obj, *args, **kwargs)
        choices = []
        if obj is not None:
            from tournaments.services.setup import configuration_versions
            from tournaments.services.templates import configuration_values, describe, diff_values

            records = list(configuration_versions(obj)[:31])
            current = configuration_values(obj)
            for record, previous in zip(records[:30], records[1:] + [None]):
                who = record.history_user.get_username() if record.history_user_id else _("system")
                when = timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M")
                made = describe(diff_values(configuration_values(previous), configuration_values(record))) if previous else _("created")
                restores = describe(diff_values(current, configuration_values(record)))
                choices.append((record.history_id, _("%(when)s · %(who)s · %(why)s — changed: %(made)s — restoring it sets: %(restores)s")
                                % {"when": when, "who": who, "why": record.history_change_reason or "", "made": made, "restores": restores}))
        self.fields["version"].choices = choices


# ---- reg-rules: waitlist order, fee waivers for the top N, templates -----------------------------------------

class WaitlistPositionForm(ActionForm):
    position = forms.IntegerField(label=_("New waitlist position"), min_value=1, widget=UnfoldAdminIntegerFieldWidget,
                                  help_text=_("1 is promoted first when a place opens."))

    def __init__(self, obj=None, *args, **kwargs):
        super().__init__(obj, *args, **kwargs)
        if obj is not None and obj.waitlist_position:
            self.initial["position"] = obj.waitlist_position


class WaiveTopNForm(ActionForm):
    n = forms.IntegerField(label=_("How many entrants"), min_value=1, max_value=1000, initial=4,
                           widget=UnfoldAdminIntegerFieldWidget)
    source = forms.ChoiceField(label=_("Ranked by"), widget=UnfoldAdminRadioSelectWidget)
    earlier = forms.ModelChoiceField(label=_("Earlier tournament"), required=False, queryset=None,
                                     widget=UnfoldAdminSelectWidget,
                                     help_text=_("Only for “Final placements of an earlier tournament”."))
    reason = _reason_field(_("Reason"), _("Optional; shown on each waiver (default: “Top N by …”)."), required=False,
                           max_length=150)

    def __init__(self, obj=None, *args, **kwargs):
        super().__init__(obj, *args, **kwargs)
        from tournaments.models import Tournament
        from tournaments.services.fees import RANKING_SOURCES

        self.fields["source"].choices = [(key, spec.label) for key, spec in RANKING_SOURCES.items()]
        self.fields["source"].initial = "seed"
        earlier = Tournament.objects.none()
        if obj is not None:  # the same organizer's finished events (the service re-checks the actor may see it)
            earlier = (Tournament.objects.filter(organizer_id=obj.organizer_id, placements__isnull=False)
                       .exclude(pk=obj.pk).distinct().order_by("-starts_at"))
        self.fields["earlier"].queryset = earlier

    def clean(self):
        data = super().clean()
        from tournaments.services.fees import RANKING_SOURCES

        spec = RANKING_SOURCES.get(data.get("source"))
        if spec is not None and "earlier" in spec.options and not data.get("earlier"):
            self.add_error("earlier", _("Choose the earlier tournament whose placements rank the entrants."))
        return data

    def options(self) -> dict:
        from tournaments.services.fees import RANKING_SOURCES

        spec = RANKING_SOURCES[self.cleaned_data["source"]]
        return {name: self.cleaned_data.get(name) for name in spec.options}


class SaveTemplateForm(ActionForm):
    name = forms.CharField(label=_("Template name"), max_length=200, widget=UnfoldAdminTextInputWidget())
    shared = forms.BooleanField(label=_("Share with all organizers"), required=False, widget=UnfoldBooleanSwitchWidget,
                                help_text=_("Off: only you (and admins) can use it."))

    def __init__(self, obj=None, *args, **kwargs):
        super().__init__(obj, *args, **kwargs)
        if obj is not None:
            self.initial.setdefault("name", obj.name)


class CreateFromTemplateForm(ActionForm):
    name = forms.CharField(label=_("Tournament name"), max_length=200, widget=UnfoldAdminTextInputWidget())
    slug = forms.SlugField(label=_("Address (slug)"), max_length=80, widget=UnfoldAdminTextInputWidget(),
                           help_text=_("Used in lobby links; letters, digits and hyphens."))
    starts_at = _ZonedSplitDateTimeField(label=_("Starts"), widget=UnfoldAdminSplitDateTimeWidget,
                                         help_text=_("Registration and check-in dates follow, as in the template."))

    def __init__(self, obj=None, *args, **kwargs):
        super().__init__(obj, *args, **kwargs)
        if obj is not None:
            zone_name = (obj.configuration or {}).get("timezone") or "UTC"
            try:
                zone = ZoneInfo(zone_name)
            except (ZoneInfoNotFoundError, ValueError):
                zone = timezone.get_current_timezone()
            self.fields["starts_at"].zone = zone
            self.fields["starts_at"].help_text = _("In the template's time zone (%(tz)s); registration and check-in "
                                                   "dates follow, as in the template.") % {"tz": zone.key}
            self.initial.setdefault("name", obj.name)
