"""Read queries for the Command Center and the lobby.

Each function issues a fixed number of queries whatever the number of rows (aggregates and
``select_related``), and is scoped by the caller's ``permissions.tournament_filter``.
"""
from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from . import permissions
from .models import Dispute, Match, Payment, Registration, Tournament

R, M, D, P = Registration.Status, Match.Status, Dispute.Status, Payment.Status
OPEN_DISPUTES = [D.OPEN, D.UNDER_REVIEW, D.ESCALATED]


def _scoped(model, user, tournament=None, prefix="tournament"):
    qs = model.objects.filter(permissions.tournament_filter(user, prefix=prefix))
    if tournament is not None:
        qs = qs.filter(**{prefix: tournament})
    return qs


def attention_counts(user, tournament=None) -> dict:
    """The numbers on the dashboard's cards (5 queries)."""
    regs = _scoped(Registration, user, tournament).aggregate(
        pending=Count("id", filter=Q(status=R.PENDING)),
        payment_pending=Count("id", filter=Q(status=R.PAYMENT_PENDING)),
        confirmed=Count("id", filter=Q(status=R.CONFIRMED)),
        checked_in=Count("id", filter=Q(status=R.CONFIRMED, checked_in_at__isnull=False)),
        waitlisted=Count("id", filter=Q(status=R.WAITLISTED)),
    )
    matches = _scoped(Match, user, tournament).aggregate(
        reported=Count("id", filter=Q(status=M.PENDING_RESULT)),
        live=Count("id", filter=Q(status=M.LIVE)),
        disputed=Count("id", filter=Q(status=M.DISPUTED)),
        completed=Count("id", filter=Q(status__in=Match.FINISHED)),
        total=Count("id"),
    )
    return {
        **regs, **{f"matches_{k}": v for k, v in matches.items()},
        "payments_pending": _scoped(Payment, user, tournament, "registration__tournament").filter(status=P.SUBMITTED).count(),
        "disputes_open": _scoped(Dispute, user, tournament, "match__tournament").filter(status__in=OPEN_DISPUTES).count(),
        "no_shows": no_shows(user, tournament).count(),
    }


def no_shows(user, tournament=None):
    """Confirmed entrants who did not check in although check-in has closed."""
    return _scoped(Registration, user, tournament).filter(
        status=R.CONFIRMED, checked_in_at__isnull=True, tournament__check_in_closes_at__lt=timezone.now(),
        tournament__status__in=[Tournament.Status.REGISTRATION_CLOSED, Tournament.Status.LIVE, Tournament.Status.REGISTRATION_OPEN],
    )


def registrations_per_day(user, tournament=None, days: int = 14) -> list[tuple]:
    """Sign-ups per local day: one index range count per day (``days`` queries whatever the number of
    rows). Truncating each row's timestamp to a date runs a function per row on SQLite (~1 s over
    100,000 rows), and one aggregate with a filtered count per day compares every row ``days`` times."""
    start = timezone.localdate() - timedelta(days=days - 1)
    bounds = [timezone.make_aware(datetime.combine(start + timedelta(days=i), time.min)) for i in range(days + 1)]
    scoped = _scoped(Registration, user, tournament)
    return [(start + timedelta(days=i), scoped.filter(created_at__gte=bounds[i], created_at__lt=bounds[i + 1]).count())
            for i in range(days)]


def match_completion_by_round(user, tournament=None) -> list[dict]:
    rows = (_scoped(Match, user, tournament).values("round_number")
            .annotate(total=Count("id"), done=Count("id", filter=Q(status__in=Match.FINISHED))).order_by("round_number"))
    return list(rows)


def pending_registrations(user, tournament=None, limit=10):
    return (_scoped(Registration, user, tournament).filter(status=R.PENDING)
            .select_related("tournament", "player", "team").order_by("id")[:limit])  # id order = arrival order


def payments_to_verify(user, tournament=None, limit=10):
    return (_scoped(Payment, user, tournament, "registration__tournament").filter(status=P.SUBMITTED)
            .select_related("registration__tournament", "registration__player", "registration__team").order_by("id")[:limit])


def results_to_confirm(user, tournament=None, limit=10):
    return (_scoped(Match, user, tournament).filter(status=M.PENDING_RESULT)
            .select_related("tournament", "slot_a__player", "slot_a__team", "slot_b__player", "slot_b__team")
            .order_by("updated_at")[:limit])


def open_disputes(user, tournament=None, limit=10):
    return (_scoped(Dispute, user, tournament, "match__tournament").filter(status__in=OPEN_DISPUTES)
            .select_related("match__tournament", "raised_by__player", "raised_by__team").order_by("created_at")[:limit])


def live_matches(user, tournament=None, limit=20):
    return (_scoped(Match, user, tournament)
            .filter(Q(status__in=[M.LIVE, M.READY, M.CHECK_IN]) | Q(status=M.SCHEDULED, slot_a__isnull=False, slot_b__isnull=False))
            .select_related("tournament", "slot_a__player", "slot_a__team", "slot_b__player", "slot_b__team")
            .order_by("scheduled_at", "id")[:limit])


def roster(tournament):
    return (Registration.objects.filter(tournament=tournament).exclude(status__in=[R.REJECTED, R.CANCELLED])
            .select_related("player", "team").order_by("status", "seed", "id"))
