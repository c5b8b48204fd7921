"""Bracket pages of the Command Center: see a stage, generate or regenerate it, edit seeds.

Views stay thin: forms validate shape, services decide and write, DomainErrors become messages.
"""
from collections import defaultdict

from django import forms
from django.contrib import admin, messages
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget, UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget, UnfoldBooleanSwitchWidget,
)

from tournaments import permissions
from tournaments.models import Lobby, LobbyEntry, Registration, Stage
from tournaments.services import DomainError, brackets
from tournaments.services import lobbies as lobby_services

from .views import _tournament_or_404

BRACKET_TITLES = {"winners": _("Winners bracket"), "losers": _("Losers bracket"), "grand_final": _("Grand final"),
                  "third_place": _("Third place"), "group": _("Groups"), "swiss": _("Swiss")}


class GenerateForm(forms.Form):
    """Options for generating a stage; unfold widgets so it looks like the rest of the admin."""

    stage_format = forms.ChoiceField(label=_("Format"), choices=Stage.Format.choices + [("groups_playoffs", _("Groups → playoffs"))])
    lobby_size = forms.IntegerField(label=_("Entrants per lobby (battle royale)"), min_value=2, max_value=100, initial=12,
                                    required=False)
    br_rounds = forms.IntegerField(label=_("Games (battle royale)"), min_value=1, max_value=30, initial=3, required=False)
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
        if fmt == Stage.Format.BATTLE_ROYALE:
            return {"lobby_size": data["lobby_size"] or 12, "rounds": data["br_rounds"] or 3}
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


def _lobby_context(stage):
    lobby_rows = list(stage.lobbies.prefetch_related(
        Prefetch("entries", queryset=LobbyEntry.objects.select_related("registration__player", "registration__team")
                 .order_by("placement", "id"))))
    rounds = defaultdict(list)
    names = {}
    for lobby in lobby_rows:
        rounds[lobby.round_number].append(lobby)
        names.update({e.registration_id: e.registration.display_name for e in lobby.entries.all()})
    standings = [{"row": row, "name": names.get(row.entrant, f"#{row.entrant}")} for row in lobby_services.standings(stage)]
    return {"stage": stage, "lobby_rounds": sorted(rounds.items()), "br_standings": standings, "columns": [], "standings": [],
            "played": len(lobby_rows), "total": len(lobby_rows)}


def _stage_context(stage):
    if stage.format == Stage.Format.BATTLE_ROYALE:
        return _lobby_context(stage)
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
        "can_results": permissions.has_capability(request.user, tournament, permissions.RESULTS),
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
            if stage.format == Stage.Format.BATTLE_ROYALE:
                summary = _("Generated %(n)d lobbies for %(e)d entrants.") % {"n": stage.lobbies.count(), "e": len(stage.seeds)}
            else:
                made = list(stage.matches.all())
                byes = sum(1 for m in made if m.is_bye)
                summary = _("Generated %(n)d matches to play (and %(b)d byes) for %(e)d entrants.") % {
                    "n": len(made) - byes, "b": byes, "e": len(stage.seeds)}
            messages.success(request, summary)
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


class LobbyResultsForm(forms.Form):
    """One placement and kill count per entrant of a lobby (field names carry the registration id)."""

    reason = forms.CharField(label=_("Reason (required to correct entered results)"), required=False, max_length=500,
                             widget=UnfoldAdminTextInputWidget())

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = entries
        size = len(entries)
        for entry in entries:
            self.fields[f"placement_{entry.registration_id}"] = forms.IntegerField(
                label=_("%(n)s — placement") % {"n": entry.registration.display_name}, min_value=1, max_value=size,
                initial=entry.placement, widget=UnfoldAdminIntegerFieldWidget())
            self.fields[f"kills_{entry.registration_id}"] = forms.IntegerField(
                label=_("%(n)s — kills") % {"n": entry.registration.display_name}, min_value=0, max_value=99,
                initial=entry.kills if entry.kills is not None else 0, widget=UnfoldAdminIntegerFieldWidget())

    def rows(self):
        return [(e.registration_id, self.cleaned_data[f"placement_{e.registration_id}"], self.cleaned_data[f"kills_{e.registration_id}"])
                for e in self.entries]


@require_http_methods(["GET", "POST"])
def lobby_results_view(request, pk, lobby_id):
    tournament = _tournament_or_404(request, pk)
    if not permissions.has_capability(request.user, tournament, permissions.RESULTS):
        raise Http404
    lobby = Lobby.objects.filter(pk=lobby_id, tournament=tournament).first()
    if lobby is None:
        raise Http404
    entries = list(lobby.entries.select_related("registration__player", "registration__team").order_by("id"))
    form = LobbyResultsForm(request.POST or None, entries=entries)
    if request.method == "POST" and form.is_valid():
        try:
            lobby_services.record_results(lobby.pk, actor=request.user, rows=form.rows(), reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Results of %(k)s saved.") % {"k": lobby.key})
            return redirect("admin_ui:tournament_bracket", pk=tournament.pk)
    return render(request, "admin_ui/lobby_results.html", {
        **admin.site.each_context(request), "title": _("Lobby results"), "tournament": tournament, "lobby": lobby, "form": form})


urlpatterns_spec = [
    ("<int:pk>/lobby/<int:lobby_id>/results/", lobby_results_view, "lobby_results"),
    ("<int:pk>/bracket/", bracket_page, "tournament_bracket"),
    ("<int:pk>/bracket/generate/", generate_view, "tournament_generate"),
    ("<int:pk>/bracket/seeds/", seeds_view, "tournament_seeds"),
]
