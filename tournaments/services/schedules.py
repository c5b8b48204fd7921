"""Time-driven work, run every minute by ``manage.py run_schedules`` (or RQ's cron, see README).

Each function takes ``now`` (tests freeze the clock by passing it), is idempotent (a ``ScheduleMark``
with a unique key records what already happened, so running twice — or on two machines — acts once)
and goes through the ordinary services (disqualify, withdraw, notify), so audit, history, events and
waitlist promotion happen exactly as if staff had clicked.
"""
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Match, Notification, Payment, Registration, ScheduleMark, Tournament
from . import notifications, registrations
from .errors import DomainError

R = Registration.Status
T = Tournament.Status
LOOKBACK = timedelta(days=3)  # never act on windows that closed long before the scheduler first ran


def _mark(key: str, details: dict | None = None) -> bool:
    """True the first time ``key`` is marked (inside the caller's transaction)."""
    try:
        with transaction.atomic():
            ScheduleMark.objects.create(key=key[:160], details=details or {})
    except IntegrityError:
        return False
    return True


def open_check_in(now) -> int:
    """Tell confirmed entrants that check-in has opened (once each)."""
    told = 0
    tournaments = Tournament.objects.filter(check_in_opens_at__lte=now, check_in_closes_at__gt=now,
                                            check_in_opens_at__gte=now - LOOKBACK,
                                            status__in=[T.REGISTRATION_OPEN, T.REGISTRATION_CLOSED, T.LIVE])
    for tournament in tournaments:
        told_already = Notification.objects.filter(registration__tournament=tournament, kind="checkin.opened").values("registration_id")
        pending = (Registration.objects.filter(tournament=tournament, status=R.CONFIRMED, checked_in_at__isnull=True)
                   .exclude(pk__in=told_already).select_related("player", "team__captain", "tournament"))
        closes = timezone.localtime(tournament.check_in_closes_at).strftime("%Y-%m-%d %H:%M")
        for registration in pending:
            with transaction.atomic():
                if _mark(f"checkin-open:{registration.pk}:{tournament.check_in_opens_at.isoformat()}"):
                    notifications.notify(registration, "checkin.opened", _("Check-in is open"),
                                         _("Check in for %(t)s before %(c)s or you lose your place.") % {"t": tournament.name, "c": closes})
                    told += 1
    return told


def close_check_in(now) -> int:
    """Disqualify confirmed entrants who did not check in by the close (the service promotes from the
    waitlist and notifies). The no-show list is fixed when the window closes, so entrants promoted
    afterwards are not disqualified for a window they never had."""
    disqualified = 0
    tournaments = Tournament.objects.filter(check_in_closes_at__lte=now, check_in_closes_at__gte=now - LOOKBACK,
                                            status__in=[T.REGISTRATION_OPEN, T.REGISTRATION_CLOSED, T.LIVE])
    for tournament in tournaments:
        key = f"checkin-close:{tournament.pk}:{tournament.check_in_closes_at.isoformat()}"
        mark = ScheduleMark.objects.filter(key=key).first()
        if mark is None:
            no_shows = list(Registration.objects.filter(tournament=tournament, status=R.CONFIRMED, checked_in_at__isnull=True)
                            .order_by("pk").values_list("pk", flat=True))
            if not _mark(key, {"no_shows": no_shows}):
                continue  # another scheduler got here first; it will do the work
            mark = ScheduleMark.objects.get(key=key)
        if mark.details.get("done"):
            continue
        closed_at = timezone.localtime(tournament.check_in_closes_at).strftime("%Y-%m-%d %H:%M")
        for pk in mark.details.get("no_shows", []):
            still = Registration.objects.filter(pk=pk, status=R.CONFIRMED, checked_in_at__isnull=True).exists()
            if not still:
                continue
            try:
                registrations.disqualify(pk, actor=None, reason=_("No-show: not checked in when check-in closed at %(t)s.") % {"t": closed_at})
                disqualified += 1
            except DomainError:
                continue  # changed meanwhile (withdrawn, checked in by staff): nothing to do
        ScheduleMark.objects.filter(pk=mark.pk).update(details={**mark.details, "done": True})
    return disqualified


def open_registrations(now) -> int:
    """Open registration of published tournaments whose window has begun (once per window: a
    tournament an organizer closes again by hand stays closed)."""
    from . import tournaments as lifecycle

    opened = 0
    due = Tournament.objects.filter(status=T.PUBLISHED, registration_opens_at__lte=now, registration_closes_at__gt=now,
                                    registration_opens_at__gte=now - LOOKBACK).order_by("pk")
    for tournament in due:
        with transaction.atomic():
            if not _mark(f"registration-open:{tournament.pk}:{tournament.registration_opens_at.isoformat()}"):
                continue
            try:
                lifecycle.open_registration(tournament.pk, actor=None)
                opened += 1
            except DomainError as exc:  # e.g. the configuration became invalid: say so in the audit log
                from . import audit

                audit.log_action("tournament.auto_open_refused", actor=None, tournament=tournament, target=tournament,
                                 reason=str(exc))
    return opened


def close_registrations(now) -> int:
    """Close registration when the window ends (once per window: reopening by hand is respected)."""
    from . import tournaments as lifecycle

    closed = 0
    due = Tournament.objects.filter(status=T.REGISTRATION_OPEN, registration_closes_at__lte=now,
                                    registration_closes_at__gte=now - LOOKBACK).order_by("pk")
    for tournament in due:
        with transaction.atomic():
            if not _mark(f"registration-close:{tournament.pk}:{tournament.registration_closes_at.isoformat()}"):
                continue
            try:
                lifecycle.close_registration(tournament.pk, actor=None)
                closed += 1
            except DomainError:
                continue
    return closed


def send_match_reminders(now, minutes: int | None = None) -> int:
    """Remind both sides of a match starting within ``minutes`` (once per match and start time: a
    rescheduled match is reminded again)."""
    minutes = settings.MATCH_REMINDER_MINUTES if minutes is None else minutes
    sent = 0
    matches = (Match.objects.filter(scheduled_at__gt=now, scheduled_at__lte=now + timedelta(minutes=minutes),
                                    status__in=[Match.Status.SCHEDULED, Match.Status.CHECK_IN, Match.Status.READY],
                                    slot_a__isnull=False, slot_b__isnull=False)
               .select_related("tournament", "slot_a__player", "slot_a__team__captain", "slot_b__player", "slot_b__team__captain"))
    for match in matches:
        with transaction.atomic():
            if not _mark(f"match-reminder:{match.pk}:{match.scheduled_at.isoformat()}"):
                continue
            at = timezone.localtime(match.scheduled_at).strftime("%H:%M")
            for side, opponent in ((match.slot_a, match.slot_b), (match.slot_b, match.slot_a)):
                side.tournament = match.tournament
                notifications.notify(side, "match.reminder", _("Your match starts at %(t)s") % {"t": at},
                                     _("%(key)s against %(o)s in %(tn)s starts at %(t)s.") % {
                                         "key": match.key, "o": opponent.display_name, "tn": match.tournament.name, "t": at})
            sent += 1
    return sent


def expire_unpaid(now, hours: int | None = None) -> int:
    """Withdraw registrations still awaiting payment ``hours`` after they started waiting (a claim
    waiting for staff verification does not expire)."""
    hours = settings.UNPAID_REGISTRATION_EXPIRY_HOURS if hours is None else hours
    if not hours:
        return 0
    cutoff = now - timedelta(hours=hours)
    due = (Registration.objects.filter(status=R.PAYMENT_PENDING, tournament__status__in=Tournament.PRE_LIVE)
           .exclude(payments__status__in=[Payment.Status.SUBMITTED, Payment.Status.VERIFIED]).distinct())
    expired = 0
    for registration in due.order_by("pk"):
        waiting_since = registration.decided_at or registration.created_at
        if waiting_since > cutoff:
            continue
        try:
            registrations.withdraw(registration.pk, actor=None, reason=_("Entry fee not paid within %(h)d hours.") % {"h": hours})
            expired += 1
        except DomainError:
            continue
    return expired


def prune_job_runs(now, days: int = 14) -> int:
    from ..models import JobRun

    deleted, _details = JobRun.objects.filter(status__in=[JobRun.Status.FINISHED], enqueued_at__lt=now - timedelta(days=days)).delete()
    return deleted


def run_all(now=None) -> dict:
    now = now or timezone.now()
    return {
        "registration_opened": open_registrations(now),
        "registration_closed": close_registrations(now),
        "checkin_opened": open_check_in(now),
        "checkin_closed": close_check_in(now),
        "match_reminders": send_match_reminders(now),
        "unpaid_expired": expire_unpaid(now),
        "job_runs_pruned": prune_job_runs(now),
    }
