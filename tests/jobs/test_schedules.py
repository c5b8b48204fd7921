"""Schedules with a frozen clock (``now`` passed in): check-in opening and close (no-shows
disqualified, waitlist promoted), match reminders once, unpaid registrations expired. Each is
idempotent: running again changes nothing."""
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import enter, make_tournament
from tournaments.models import AuditLog, Match, Notification, Registration
from tournaments.services import checkin, schedules, setup

pytestmark = pytest.mark.django_db
S = Registration.Status


def test_check_in_opening_is_announced_once(organizer, game):
    tournament = make_tournament(organizer, game, capacity=2)
    regs = enter(tournament, 3)  # two confirmed, one waitlisted
    now = timezone.now()
    assert schedules.open_check_in(now) == 2
    assert schedules.open_check_in(now + timedelta(minutes=1)) == 0
    assert set(Notification.objects.filter(kind="checkin.opened").values_list("registration_id", flat=True)) == {regs[0].pk, regs[1].pk}


def test_check_in_close_disqualifies_no_shows_and_promotes(organizer, game):
    tournament = make_tournament(organizer, game, capacity=2)
    here, absent, waiting = enter(tournament, 3)
    checkin.check_in(here.pk, actor=here)
    closes = tournament.check_in_closes_at
    assert schedules.close_check_in(closes - timedelta(seconds=1)) == 0  # not yet
    assert schedules.close_check_in(closes + timedelta(seconds=30)) == 1
    absent.refresh_from_db()
    waiting.refresh_from_db()
    assert absent.status == S.DISQUALIFIED and absent.reason.startswith("No-show: not checked in")
    assert waiting.status == S.CONFIRMED  # promoted from the waitlist by the disqualify service
    entry = AuditLog.objects.get(action="registration.disqualify")
    assert entry.actor is None and entry.actor_label == "system"
    assert Notification.objects.filter(registration=absent, kind="registration.disqualified").exists()
    # again: nothing (the promoted entrant is not disqualified for a window they never had)
    assert schedules.close_check_in(closes + timedelta(minutes=5)) == 0
    waiting.refresh_from_db()
    assert waiting.status == S.CONFIRMED


def test_match_reminders_once_per_match(organizer, game):
    tournament = make_tournament(organizer, game)
    a, b = enter(tournament, 2)
    start = timezone.now() + timedelta(hours=3)
    match = setup.create_match(tournament.pk, actor=organizer, key="M1", slot_a=a, slot_b=b, scheduled_at=start)
    assert schedules.send_match_reminders(start - timedelta(minutes=30), minutes=15) == 0
    assert schedules.send_match_reminders(start - timedelta(minutes=10), minutes=15) == 1
    assert schedules.send_match_reminders(start - timedelta(minutes=5), minutes=15) == 0
    reminders = Notification.objects.filter(kind="match.reminder")
    assert set(reminders.values_list("registration_id", flat=True)) == {a.pk, b.pk}
    assert f"M1 against {b.display_name}" in reminders.get(registration=a).body
    # rescheduled: reminded again for the new time
    Match.objects.filter(pk=match.pk).update(scheduled_at=start + timedelta(hours=1))
    assert schedules.send_match_reminders(start + timedelta(minutes=50), minutes=15) == 1


def test_unpaid_registrations_expire(organizer, paid_tournament):
    late, claimed, fresh = enter(paid_tournament, 3)
    from tournaments.services import payments

    payments.submit(claimed.pk, actor=claimed, method="bkash", amount="500", reference="TX1")
    Registration.objects.filter(pk__in=[late.pk, claimed.pk]).update(created_at=timezone.now() - timedelta(hours=50))
    now = timezone.now()
    assert schedules.expire_unpaid(now, hours=48) == 1
    late.refresh_from_db()
    claimed.refresh_from_db()
    fresh.refresh_from_db()
    assert late.status == S.CANCELLED and late.reason == "Entry fee not paid within 48 hours."
    assert claimed.status == S.PAYMENT_PENDING and fresh.status == S.PAYMENT_PENDING
    assert schedules.expire_unpaid(now, hours=48) == 0
    assert schedules.expire_unpaid(now, hours=0) == 0  # 0 switches expiry off


def test_the_command_runs_everything(organizer, game, capsys):
    make_tournament(organizer, game)
    call_command("run_schedules", "--now", timezone.now().isoformat())
    out = capsys.readouterr().out
    assert "checkin_opened=" in out and "match_reminders=" in out and "unpaid_expired=" in out
