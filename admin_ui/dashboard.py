"""Dashboard numbers: what needs an organizer's attention, scoped to what they may see."""
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from tournaments import permissions
from tournaments.models import Dispute, Match, Payment, Registration


def dashboard_callback(request, context):
    user = request.user
    scope = permissions.tournament_filter(user)
    reg_counts = Registration.objects.filter(scope).aggregate(
        pending=Count("id", filter=Q(status=Registration.Status.PENDING)),
        confirmed=Count("id", filter=Q(status=Registration.Status.CONFIRMED)),
        checked_in=Count("id", filter=Q(status=Registration.Status.CONFIRMED, checked_in_at__isnull=False)),
        waitlisted=Count("id", filter=Q(status=Registration.Status.WAITLISTED)),
    )
    payments_pending = Payment.objects.filter(permissions.tournament_filter(user, prefix="registration__tournament"),
                                              status=Payment.Status.SUBMITTED).count()
    match_counts = Match.objects.filter(scope).aggregate(
        reported=Count("id", filter=Q(status=Match.Status.PENDING_RESULT)),
        live=Count("id", filter=Q(status=Match.Status.LIVE)),
    )
    disputes_open = Dispute.objects.filter(permissions.tournament_filter(user, prefix="match__tournament"),
                                           status__in=[Dispute.Status.OPEN, Dispute.Status.UNDER_REVIEW, Dispute.Status.ESCALATED]).count()
    context["stats"] = [
        {"title": _("Registrations to review"), "value": reg_counts["pending"]},
        {"title": _("Checked in / confirmed"), "value": f'{reg_counts["checked_in"]} / {reg_counts["confirmed"]}'},
        {"title": _("Payments to verify"), "value": payments_pending},
        {"title": _("Results awaiting confirmation"), "value": match_counts["reported"]},
        {"title": _("Open disputes"), "value": disputes_open},
        {"title": _("Matches live"), "value": match_counts["live"]},
    ]
    return context
