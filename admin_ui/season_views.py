"""Season standings, all-time tables and analytics reports in the Command Center.

Scoping: a season is visible to its organizer, to staff of any tournament it includes and to
administrators (``seasons.seasons_for``); anyone else gets 404. A game's all-time table counts
only the tournaments the viewer may view. Reports use the same tournament
scope as every list (``permissions.tournaments_for``), with the *manage* capability because they
include money. Each page runs a fixed number of queries
whatever the number of rows (tested), and offers the same data as CSV (and XLSX for standings).
"""
import json

from django.contrib import admin, messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tournaments import permissions
from tournaments.imports import season_exports
from tournaments.imports.exports import ExportError
from tournaments.models import Game, SeasonSnapshot, Tournament
from tournaments.seasons import RULE_LABELS
from tournaments.services import DomainError, analytics, seasons

CHART_TOP = 10
HISTORY_REVISIONS = 12


def _season_or_404(request, pk):
    season = seasons.seasons_for(request.user).select_related("game", "organizer").filter(pk=pk).first()
    if season is None:
        raise Http404
    return season


def _kind(request):
    kind = request.GET.get("kind", "player")
    return kind if kind in seasons.KINDS else "player"


def _file_response(content, name, content_type):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _movement(row):
    move = row.movement if hasattr(row, "movement") else None
    if move is None:
        return {"arrow": "•", "text": _("new"), "css": ""}
    if move > 0:
        return {"arrow": "▲", "text": f"+{move}", "css": "text-green-600"}
    if move < 0:
        return {"arrow": "▼", "text": str(move), "css": "text-red-600"}
    return {"arrow": "–", "text": "0", "css": ""}


def _rank_history_chart(season, kind, top):
    """Rank of the current top entrants over the last recomputes (line chart; lower is better)."""
    snapshots = list(SeasonSnapshot.objects.filter(season=season).order_by("-revision")[:HISTORY_REVISIONS])[::-1]
    datasets = []
    shades = ("600", "400", "800", "300", "500")
    for row, shade in zip(top[:5], shades):
        key = f"{kind}:{row.player_id or row.team_id}"
        datasets.append({"label": row.name, "data": [(s.ranks.get(key) or [None])[0] for s in snapshots],
                         "borderColor": f"var(--color-primary-{shade})", "backgroundColor": f"var(--color-primary-{shade})"})
    return json.dumps({"labels": [f"#{s.revision}" for s in snapshots], "datasets": datasets})


# Chart.js options for the rank chart (unfold uses these instead of its defaults): rank 1 on top,
# points shown (a season with one recompute has one point per entrant), legend naming the entrants.
RANK_CHART_OPTIONS = json.dumps({
    "animation": False, "responsive": True, "maintainAspectRatio": False,
    "datasets": {"line": {"borderWidth": 2, "pointRadius": 4}},
    "plugins": {"legend": {"display": True, "align": "end", "position": "top",
                           "labels": {"boxHeight": 5, "boxWidth": 5, "usePointStyle": True, "pointStyle": "circle"}}},
    "scales": {"y": {"reverse": True, "ticks": {"precision": 0}, "min": 1}, "x": {}},
})


def season_standings(request, pk):
    season = _season_or_404(request, pk)
    kind = _kind(request)
    rows = seasons.standings(season, kind)
    fmt = request.GET.get("format")
    if fmt:
        try:
            return _file_response(*season_exports.standings_file(rows, fmt, f"{season.slug}-{kind}-standings"))
        except ExportError as exc:
            messages.error(request, str(exc))
    top = rows[:CHART_TOP]
    points_chart = json.dumps({"labels": [r.name for r in top],
                               "datasets": [{"label": _("Points"), "data": [r.points for r in top],
                                             "backgroundColor": "var(--color-primary-600)"}]})
    tournaments = [{**t, "status_label": Tournament.Status(t["status"]).label}
                   for t in season.tournaments.order_by("starts_at").values("pk", "name", "status")]
    context = {
        **admin.site.each_context(request),
        "title": season.name, "season": season, "kind": kind, "kinds": seasons.KINDS,
        "rows": [{"row": r, "move": _movement(r), "rule": RULE_LABELS.get(r.decided_by, r.decided_by)} for r in rows],
        "points_chart": points_chart, "history_chart": _rank_history_chart(season, kind, top), "rank_chart_options": RANK_CHART_OPTIONS,
        "tournaments": tournaments, "can_manage": seasons.can_manage(request.user, season),
        "points_table": season.points_table,
        "change_url": reverse("admin:tournaments_season_change", args=[season.pk]),
        "all_time_url": reverse("admin_ui:game_all_time", args=[season.game_id]),
    }
    return render(request, "admin_ui/season_standings.html", context)


@require_POST
def season_recompute(request, pk):
    season = _season_or_404(request, pk)
    try:
        seasons.recompute(season.pk, actor=request.user, reason="recomputed from the Command Center")
        messages.success(request, _("Standings recomputed."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(reverse("admin_ui:season_standings", args=[season.pk]) + f"?kind={_kind(request)}")


def game_all_time(request, pk):
    """All-time table of a game over the tournaments this user may view (administrators: all of
    them). Games are shared by every organizer, so the page opens for any of them, but another
    organizer's events — public or not — are never counted in it."""
    if not (request.user.is_superuser or request.user.has_perm("tournaments.view_season")):
        raise Http404
    game = Game.objects.filter(pk=pk).first()
    if game is None:
        raise Http404
    kind = _kind(request)
    table = seasons.all_time(game, kind, tournaments=permissions.tournaments_for(request.user))
    fmt = request.GET.get("format")
    if fmt:
        rows = [{"rank": t["row"].rank, "previous_rank": None, "name": t["name"], "points": t["row"].points,
                 "total": t["row"].total, "events": t["row"].events, "wins": t["row"].wins,
                 "best_placement": t["row"].best_placement, "decided_by": t["row"].decided_by} for t in table]
        try:
            return _file_response(*season_exports.standings_file(rows, fmt, f"{game.slug}-{kind}-all-time"))
        except ExportError as exc:
            messages.error(request, str(exc))
    context = {
        **admin.site.each_context(request),
        "title": _("All-time: %(g)s") % {"g": game.name}, "game": game, "kind": kind, "kinds": seasons.KINDS,
        "rows": [{"row": t["row"], "name": t["name"], "rule": RULE_LABELS.get(t["row"].decided_by, "")} for t in table[:500]],
        "total_rows": len(table), "points_table": seasons.default_points(game),
    }
    return render(request, "admin_ui/all_time.html", context)


# ---- analytics -----------------------------------------------------------------------------------------

def _pct(value):
    return "—" if value is None else f"{value * 100:.1f}%"


def _report_response(request, data, title, stem, tournament=None):
    if request.GET.get("format") in ("csv", "xlsx"):
        try:
            return _file_response(*season_exports.report_file(analytics.CSV_COLUMNS, analytics.csv_rows(data),
                                                              request.GET["format"], stem))
        except ExportError as exc:
            messages.error(request, str(exc))
    totals = data["totals"]
    funnel = totals["funnel"] if tournament is None else data["tournaments"][0]["funnel"]
    focus = totals if tournament is None else data["tournaments"][0]
    funnel_chart = json.dumps({"labels": [_("Registered"), _("Paid"), _("Confirmed"), _("Checked in"), _("Played")],
                               "datasets": [{"label": _("Entrants"), "data": [funnel[k] for k in analytics.FUNNEL],
                                             "backgroundColor": "var(--color-primary-600)"}]})
    rounds = focus.get("rounds", [])
    duration_chart = json.dumps({"labels": [f"{r['bracket']} R{r['round']}" for r in rounds],
                                 "datasets": [{"label": _("Mean minutes"), "data": [r["mean_minutes"] for r in rounds],
                                               "backgroundColor": "var(--color-primary-400)"}]})
    cards = [
        {"title": _("Check-in rate"), "value": _pct(focus["check_in_rate"]), "icon": "fact_check"},
        {"title": _("No-show rate"), "value": _pct(focus["no_show_rate"]), "icon": "person_off"},
        {"title": _("Dispute rate"), "value": _pct(focus["dispute_rate"]), "icon": "gavel"},
        {"title": _("Mean time to resolve"),
         "value": "—" if focus["mean_resolve_minutes"] is None else _("%(m)s min") % {"m": focus["mean_resolve_minutes"]},
         "icon": "timer"},
    ]
    context = {
        **admin.site.each_context(request),
        "title": title, "tournament": tournament, "data": data, "focus": focus, "cards": cards,
        "funnel_chart": funnel_chart, "duration_chart": duration_chart, "has_rounds": bool(rounds),
        "rows": [{"r": r, "check_in": _pct(r["check_in_rate"]), "no_show": _pct(r["no_show_rate"]),
                  "dispute": _pct(r["dispute_rate"])} for r in data["tournaments"]],
    }
    return render(request, "admin_ui/report.html", context)


def tournament_report(request, pk):
    """Organizers (and co-organizers) of the tournament: the report includes money."""
    scope = permissions.tournaments_for(request.user, permissions.MANAGE)
    tournament = scope.filter(pk=pk).first()
    if tournament is None:
        raise Http404
    data = analytics.report(scope.filter(pk=pk))
    return _report_response(request, data, _("Report: %(t)s") % {"t": tournament.name}, f"{tournament.slug}-report", tournament)


def organizer_report(request):
    if not request.user.is_staff:
        raise Http404
    data = analytics.report(permissions.tournaments_for(request.user, permissions.MANAGE))
    return _report_response(request, data, _("Reports: all my tournaments"), "organizer-report")


urlpatterns_spec = [
    ("seasons/<int:pk>/standings/", season_standings, "season_standings"),
    ("seasons/<int:pk>/recompute/", season_recompute, "season_recompute"),
    ("games/<int:pk>/all-time/", game_all_time, "game_all_time"),
    ("<int:pk>/report/", tournament_report, "tournament_report"),
    ("reports/", organizer_report, "organizer_report"),
]
