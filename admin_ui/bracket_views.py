"""Bracket pages of the Command Center: see a stage, generate or regenerate it, edit seeds.

Views stay thin: forms validate shape, services decide and write, DomainErrors become messages.
"""
from collections import defaultdict

from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget, UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget, UnfoldBooleanSwitchWidget,
)

from tournaments import permissions
from tournaments.models import Match, Registration, Stage, Tournament
from tournaments.services import DomainError, brackets

from .views import _tournament_or_404

BRACKET_TITLES = {"winners": _("Winners bracket"), "losers": _("Losers bracket"), "grand_final": _("Grand final"),
                  "third_place": _("Third place"), "group": _("Groups"), "swiss": _("Swiss")}


class GenerateForm(forms.Form):
    """Options for generating a stage; unfold widgets so it looks like the rest of the admin."""

    stage_format = forms.ChoiceField(label=_("Format"), choices=Stage.Format.choices + [("groups_playoffs", _("Groups → playoffs"))])
    seeding = forms.ChoiceField(label=_("Seeding"), choices=[("manual", _("Manual order (seed editor)")),
                                                              ("random", _("Random")), ("ranked", _("Ranked"))], initial="manual")
    rng_seed = forms.IntegerField(label=_("Random seed (to reproduce a draw)"), required=False)
    best_of = forms.IntegerField(label=_("Best of"), min_value=1, max_value=9, initial=1)
    third_place = forms.BooleanField(label=_("Third-place match (single elimination)"), required=False)
    grand_final = forms.ChoiceField(label=_("Grand final (double elimination)"), initial="reset",
                                    choices=[("reset", _("With bracket reset")), ("single", _("Single match")), ("none", _("None"))])
    groups = forms.IntegerField(label=_("Groups (round robin)"), min_value=1, max_value=64, initial=1)
    double_round_robin = forms.BooleanField(label=_("Home and away (round robin)"), required=False)
    advance_per_group = forms.IntegerField(label=_("Advance per group (groups → playoffs)"), min_value=1, max_value=16, initial=2)
    playoff = forms.ChoiceField(label=_("Playoff (groups → playoffs)"), initial="single_elimination",
                                choices=[("single_elimination", _("Single elimination")), ("double_elimination", _("Double elimination"))])
    swiss_rounds = forms.IntegerField(label=_("Rounds (Swiss; empty = until decided)"), min_value=1, max_value=20, required=False)
    force = forms.BooleanField(label=_("Regenerate even though matches have started"), required=False)
    reason = forms.CharField(label=_("Reason (required to force)"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.BooleanField):
                field.widget = UnfoldBooleanSwitchWidget()
            elif isinstance(field, forms.ChoiceField):
                field.widget = UnfoldAdminSelectWidget(choices=field.choices)
            elif isinstance(field, forms.IntegerField):
                field.widget = UnfoldAdminIntegerFieldWidget(attrs={"min": field.min_value, "max": field.max_value})
            else:
                field.widget = UnfoldAdminTextInputWidget()

    def clean_best_of(self):
        value = self.cleaned_data["best_of"]
        if value % 2 == 0:
            raise forms.ValidationError(_("Best-of must be an odd number (1, 3, 5, …)."))
        return value

    def options(self) -> dict:
        data = self.cleaned_data
        fmt = data["stage_format"]
        opts = {"best_of": data["best_of"]}
        if fmt == Stage.Format.SINGLE_ELIMINATION:
            opts["third_place"] = data["third_place"]
        elif fmt == Stage.Format.DOUBLE_ELIMINATION:
            opts["grand_final"] = data["grand_final"]
        elif fmt == Stage.Format.ROUND_ROBIN:
            opts.update(groups=data["groups"], double=data["double_round_robin"])
        elif fmt == Stage.Format.SWISS and data["swiss_rounds"]:
            opts["rounds"] = data["swiss_rounds"]
        elif fmt == "groups_playoffs":
            opts.update(groups=data["groups"], double=data["double_round_robin"], advance_per_group=data["advance_per_group"],
                        playoff=data["playoff"], third_place=data["third_place"], grand_final=data["grand_final"])
        return opts


def _columns(matches):
    """Group a stage's matches into brackets → rounds (columns) for the bracket drawing."""
    grouped = defaultdict(lambda: defaultdict(list))
    for m in matches:
        label = f"{m.bracket}:{m.group}" if m.group else m.bracket
        grouped[label][m.round_number].append(m)
    order = ["winners", "losers", "grand_final", "third_place"]
    out = []
    for label in sorted(grouped, key=lambda k: (order.index(k) if k in order else len(order), k)):
        bracket, _sep, group = label.partition(":")
        title = BRACKET_TITLES.get(bracket, bracket)
        out.append({"title": f"{title} {group}".strip(), "rounds": [
            {"number": r, "matches": sorted(ms, key=lambda m: m.position)} for r, ms in sorted(grouped[label].items())]})
    return out


def _stage_context(stage):
    matches = list(stage.matches.select_related("slot_a__player", "slot_a__team", "slot_b__player", "slot_b__team"))
    names = {m.slot_a_id: m.slot_a.display_name for m in matches if m.slot_a_id}
    names.update({m.slot_b_id: m.slot_b.display_name for m in matches if m.slot_b_id})
    standings = []
    if not stage.is_elimination:
        missing = [pk for pk in stage.seeds if pk not in names]
        if missing:
            names.update({r.pk: r.display_name for r in Registration.objects.filter(pk__in=missing).select_related("player", "team")})
        standings = [{"row": row, "name": names.get(row.entrant, f"#{row.entrant}")} for row in brackets.standings_for(stage)]
    return {"stage": stage, "columns": _columns(matches), "standings": standings,
            "played": sum(1 for m in matches if not m.is_bye), "total": len(matches)}


def bracket_page(request, pk):
    tournament = _tournament_or_404(request, pk)
    can_manage = permissions.has_capability(request.user, tournament, permissions.MANAGE)
    stages = [_stage_context(stage) for stage in tournament.stages.all()]
    context = {
        **admin.site.each_context(request), "title": _("Bracket: %(t)s") % {"t": tournament.name},
        "tournament": tournament, "stages": stages, "can_manage": can_manage,
        "command_center_url": reverse("admin_ui:tournament_command_center", args=[tournament.pk]),
    }
    return render(request, "admin_ui/bracket.html", context)


def _require_manage(request, tournament):
    if not permissions.has_capability(request.user, tournament, permissions.MANAGE):
        raise Http404


@require_http_methods(["GET", "POST"])
def generate_view(request, pk):
    tournament = _tournament_or_404(request, pk)
    _require_manage(request, tournament)
    default_format = brackets.STAGE_FORMAT_FOR.get(tournament.format, Stage.Format.SINGLE_ELIMINATION)
    form = GenerateForm(request.POST or None, initial={"stage_format": default_format, "best_of": tournament.best_of})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            stage = brackets.generate(tournament.pk, actor=request.user, stage_format=data["stage_format"], options=form.options(),
                                      seeding=data["seeding"], rng_seed=data["rng_seed"], force=data["force"], reason=data["reason"])
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Generated %(n)d matches for %(e)d entrants.") % {"n": stage.matches.count(), "e": len(stage.seeds)})
            return redirect("admin_ui:tournament_bracket", pk=tournament.pk)
    return render(request, "admin_ui/bracket_generate.html", {
        **admin.site.each_context(request), "title": _("Generate bracket"), "tournament": tournament, "form": form,
        "has_stage": tournament.stages.exists()})


@require_http_methods(["GET", "POST"])
def seeds_view(request, pk):
    """Seed editor: one line per entrant in seed order; "preview" shows round one without saving."""
    tournament = _tournament_or_404(request, pk)
    _require_manage(request, tournament)
    confirmed = {r.pk: r for r in Registration.objects.filter(tournament=tournament, status=Registration.Status.CONFIRMED)
                 .select_related("player", "team")}
    try:
        current = brackets.seed_order(tournament)
    except DomainError:
        current = list(confirmed)
    preview = None
    order = current
    if request.method == "POST":
        raw = request.POST.getlist("seed")
        try:
            order = [int(value) for value in raw]
        except ValueError:
            messages.error(request, _("The seed list was damaged; reload the page."))
            order = current
        else:
            try:
                if "preview" in request.POST:
                    plan = brackets.preview(tournament.pk, actor=request.user, seeds=order)
                    brackets._check_seeds(tournament, order)
                    preview = [(m.key, [confirmed[s.entrant].display_name if s.entrant else (_("BYE") if s.bye else "—")
                                        for s in m.slots]) for m in plan.matches if m.round == 1][:64]
                else:
                    brackets.set_seeds(tournament.pk, actor=request.user, seeds=order)
                    messages.success(request, _("Seeds saved."))
                    return redirect("admin_ui:tournament_seeds", pk=tournament.pk)
            except DomainError as exc:
                messages.error(request, str(exc))
    rows = [confirmed[pk] for pk in order if pk in confirmed]
    return render(request, "admin_ui/bracket_seeds.html", {
        **admin.site.each_context(request), "title": _("Seeds"), "tournament": tournament, "rows": rows, "preview": preview})


urlpatterns_spec = [
    ("<int:pk>/bracket/", bracket_page, "tournament_bracket"),
    ("<int:pk>/bracket/generate/", generate_view, "tournament_generate"),
    ("<int:pk>/bracket/seeds/", seeds_view, "tournament_seeds"),
]
