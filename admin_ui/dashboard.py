"""The dashboard: what needs an organizer now, scoped to the tournaments they may see.

Everything comes from ``tournaments.selectors`` in a fixed number of queries; the tables link each
row to its object page, where the allowed transitions are buttons.
"""
import json

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from tournaments import permissions, selectors


def _selected_tournament(request):
    raw = request.GET.get("tournament", "")
    if not raw.isdigit():
        return None
    return permissions.tournaments_for(request.user).filter(pk=int(raw)).first()


def _link(obj, text):
    url = reverse(f"admin:tournaments_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a class="text-primary-600 font-medium" href="{}">{}</a>', url, text)


def _when(value):
    return timezone.localtime(value).strftime("%d %b %H:%M") if value else "—"


def attention_tables(user, tournament=None):
    regs = selectors.pending_registrations(user, tournament)
    pays = selectors.payments_to_verify(user, tournament)
    results = selectors.results_to_confirm(user, tournament)
    disputes = selectors.open_disputes(user, tournament)
    return [
        {"title": _("Registrations to review"), "link": reverse("admin:tournaments_registration_changelist") + "?status__exact=pending",
         "table": {"headers": [_("Participant"), _("Tournament"), _("Since")],
                   "rows": [[_link(r, r.display_name), r.tournament.name, _when(r.created_at)] for r in regs]}},
        {"title": _("Payments to verify"), "link": reverse("admin:tournaments_payment_changelist") + "?status__exact=submitted",
         "table": {"headers": [_("Payment"), _("Participant"), _("Submitted")],
                   "rows": [[_link(p, f"{p.get_method_display()} {p.amount} {p.currency}"), p.registration.display_name, _when(p.submitted_at)] for p in pays]}},
        {"title": _("Results awaiting confirmation"), "link": reverse("admin:tournaments_match_changelist") + "?status__exact=pending_result",
         "table": {"headers": [_("Match"), _("Tournament"), _("Reported")],
                   "rows": [[_link(m, str(m)), m.tournament.name, _when(m.updated_at)] for m in results]}},
        {"title": _("Open disputes"), "link": reverse("admin:tournaments_dispute_changelist"),
         "table": {"headers": [_("Dispute"), _("Reason"), _("Status")],
                   "rows": [[_link(d, f"#{d.pk} {d.match.key} — {d.match.tournament.name}"), d.get_reason_display(), d.get_status_display()] for d in disputes]}},
    ]


def stat_cards(counts):
    return [
        {"title": _("Registrations to review"), "value": counts["pending"], "icon": "how_to_reg"},
        {"title": _("Checked in / confirmed"), "value": f'{counts["checked_in"]} / {counts["confirmed"]}', "icon": "fact_check"},
        {"title": _("Payments to verify"), "value": counts["payments_pending"], "icon": "payments"},
        {"title": _("Results awaiting confirmation"), "value": counts["matches_reported"], "icon": "scoreboard"},
        {"title": _("Open disputes"), "value": counts["disputes_open"], "icon": "gavel"},
        {"title": _("Matches live"), "value": counts["matches_live"], "icon": "live_tv"},
        {"title": _("Waitlisted"), "value": counts["waitlisted"], "icon": "hourglass_top"},
        {"title": _("No-shows"), "value": counts["no_shows"], "icon": "person_off"},
    ]


def charts(user, tournament=None):
    per_day = selectors.registrations_per_day(user, tournament)
    rounds = selectors.match_completion_by_round(user, tournament)
    registrations = {
        "labels": [d.strftime("%d %b") for d, _n in per_day],
        "datasets": [{"label": _("Registrations"), "data": [n for _d, n in per_day], "borderColor": "var(--color-primary-600)"}],
    }
    completion = {
        "labels": [_("Round %(n)d") % {"n": r["round_number"]} for r in rounds],
        "datasets": [
            {"label": _("Finished"), "data": [r["done"] for r in rounds], "backgroundColor": "var(--color-primary-600)"},
            {"label": _("Open"), "data": [r["total"] - r["done"] for r in rounds], "backgroundColor": "var(--color-primary-300)"},
        ],
    }
    return json.dumps(registrations), json.dumps(completion)


def dashboard_callback(request, context):
    user = request.user
    tournament = _selected_tournament(request)
    counts = selectors.attention_counts(user, tournament)
    registrations_chart, completion_chart = charts(user, tournament)
    context.update({
        "stats": stat_cards(counts),
        "attention": attention_tables(user, tournament),
        "registrations_chart": registrations_chart,
        "completion_chart": completion_chart,
        "selected_tournament": tournament,
        "tournament_choices": list(permissions.tournaments_for(user).order_by("-starts_at").values("pk", "name")[:200]),
    })
    return context
