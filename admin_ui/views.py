"""Custom Command Center pages (inside the admin: same login, layout and sidebar).

The per-tournament page shows one event on one screen in tabs; the tab body is a fragment the page
re-fetches every few seconds (htmx, shipped with unfold), so event-day staff see new reports,
payments and disputes without reloading.
"""
from django.contrib import admin
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tournaments import permissions, selectors
from tournaments.models import Announcement, Match, Payment, Tournament

from .dashboard import stat_cards

TABS = [
    ("overview", _("Overview")),
    ("registrations", _("Registrations")),
    ("checkin", _("Check-in")),
    ("matches", _("Matches")),
    ("disputes", _("Disputes")),
    ("announcements", _("Announcements")),
]
TAB_KEYS = {key for key, _label in TABS}


def _tournament_or_404(request, pk):
    tournament = Tournament.objects.select_related("game", "organizer").filter(pk=pk).first()
    if tournament is None or not permissions.has_capability(request.user, tournament, permissions.VIEW):
        raise Http404
    return tournament


def _tab_context(request, tournament, tab):
    user = request.user
    context = {"tournament": tournament, "tab": tab}
    if tab == "overview":
        context["stats"] = stat_cards(selectors.attention_counts(user, tournament))
        context["live"] = selectors.live_matches(user, tournament)
    elif tab in ("registrations", "checkin"):
        context["roster"] = selectors.roster(tournament)
        context["can_check_in"] = permissions.has_capability(user, tournament, permissions.CHECKIN)
    elif tab == "matches":
        context["matches"] = (Match.objects.filter(tournament=tournament)
                              .select_related("slot_a__player", "slot_a__team", "slot_b__player", "slot_b__team", "winner")
                              .order_by("stage", "round_number", "position"))
    elif tab == "disputes":
        context["disputes"] = selectors.open_disputes(user, tournament, limit=100)
    elif tab == "announcements":
        context["announcements"] = Announcement.objects.filter(tournament=tournament).select_related("author")[:50]
        context["payments"] = (Payment.objects.filter(registration__tournament=tournament, status=Payment.Status.SUBMITTED)
                               .select_related("registration__player", "registration__team")[:50])
    return context


def tournament_command_center(request, pk):
    tournament = _tournament_or_404(request, pk)
    tab = request.GET.get("tab", "overview")
    if tab not in TAB_KEYS:
        tab = "overview"
    context = {
        **admin.site.each_context(request),
        **_tab_context(request, tournament, tab),
        "title": tournament.name,
        "tabs": [{"key": key, "label": label, "active": key == tab,
                  "url": reverse("admin_ui:tournament_command_center", args=[tournament.pk]) + f"?tab={key}"} for key, label in TABS],
        "fragment_url": reverse("admin_ui:tournament_fragment", args=[tournament.pk, tab]),
        "change_url": reverse("admin:tournaments_tournament_change", args=[tournament.pk]),
        "bracket_url": reverse("admin_ui:tournament_bracket", args=[tournament.pk]),
        "can_manage": permissions.has_capability(request.user, tournament, permissions.MANAGE),
    }
    return render(request, "admin_ui/tournament_command_center.html", context)


def tournament_fragment(request, pk, tab):
    tournament = _tournament_or_404(request, pk)
    if tab not in TAB_KEYS:
        raise Http404
    return render(request, f"admin_ui/fragments/{tab}.html", _tab_context(request, tournament, tab))


urlpatterns_spec = [
    ("<int:pk>/", tournament_command_center, "tournament_command_center"),
    ("<int:pk>/fragment/<slug:tab>/", tournament_fragment, "tournament_fragment"),
]
