"""Registration workflows: every transition allowed and refused, history, audit, events after commit."""
import pytest
from django.db import transaction

from tests.factories import enter, make_player, make_tournament
from tournaments.events import lobby_group
from tournaments.models import AuditLog, Notification, Registration
from tournaments.services import DomainError, registrations

pytestmark = pytest.mark.django_db
S = Registration.Status


def test_free_event_confirms_until_full_then_waitlists(tournament):
    regs = enter(tournament, 10)
    statuses = [r.status for r in regs]
    assert statuses[:8] == [S.CONFIRMED] * 8
    assert statuses[8:] == [S.WAITLISTED] * 2
    assert [r.waitlist_position for r in regs[8:]] == [1, 2]


def test_approval_event_waits_and_approve_confirms_with_history_and_audit(approval_tournament, organizer):
    (reg,) = enter(approval_tournament)
    assert reg.status == S.PENDING
    reg = registrations.approve(reg.pk, actor=organizer)
    assert reg.status == S.CONFIRMED and reg.decided_by == organizer
    record = reg.history.first()
    assert record.history_user == organizer
    assert record.history_change_reason == "confirm: pending → confirmed"
    entry = AuditLog.objects.get(action="registration.approve")
    assert entry.actor == organizer and entry.tournament == approval_tournament and entry.target_id == str(reg.pk)
    assert Notification.objects.filter(registration=reg, kind="registration.approved").exists()


def test_paid_event_approval_waits_for_payment(paid_tournament, organizer):
    (reg,) = enter(paid_tournament)
    assert reg.status == S.PAYMENT_PENDING  # free of approval: straight to awaiting payment


def test_approve_twice_says_who_confirmed_it(approval_tournament, organizer):
    (reg,) = enter(approval_tournament)
    registrations.approve(reg.pk, actor=organizer)
    with pytest.raises(DomainError) as exc:
        registrations.approve(reg.pk, actor=organizer)
    assert f"Registration #{reg.pk} is confirmed (by alice at" in str(exc.value)
    assert AuditLog.objects.filter(action="registration.approve").count() == 1


def test_reject_needs_reason_and_changes_nothing_without_one(approval_tournament, organizer):
    (reg,) = enter(approval_tournament)
    with pytest.raises(DomainError, match="reason"):
        registrations.reject(reg.pk, actor=organizer, reason="  ")
    reg.refresh_from_db()
    assert reg.status == S.PENDING
    reg = registrations.reject(reg.pk, actor=organizer, reason="Duplicate account")
    assert reg.status == S.REJECTED and reg.reason == "Duplicate account"


def test_other_organizer_cannot_touch(approval_tournament, other_organizer):
    (reg,) = enter(approval_tournament)
    with pytest.raises(DomainError, match="not allowed"):
        registrations.approve(reg.pk, actor=other_organizer)
    reg.refresh_from_db()
    assert reg.status == S.PENDING


def test_bulk_approve_is_all_or_none_with_one_report(organizer, game):
    t = make_tournament(organizer, game, requires_approval=True, capacity=3, slug="small")
    regs = enter(t, 5)
    registrations.approve(regs[0].pk, actor=organizer)
    with pytest.raises(DomainError) as exc:
        registrations.bulk_approve([r.pk for r in regs], actor=organizer)
    message = str(exc.value)
    assert "2 approved" in message and "3 refused" in message and "Nothing was changed" in message
    assert f"#{regs[0].pk} Registration #{regs[0].pk} is confirmed" in message
    assert f"#{regs[3].pk} over capacity (3/3 confirmed)" in message
    assert Registration.objects.filter(tournament=t, status=S.CONFIRMED).count() == 1
    assert AuditLog.objects.filter(action="registration.approve").count() == 1


def test_bulk_approve_partial_mode_reports_both(organizer, game):
    t = make_tournament(organizer, game, requires_approval=True, capacity=2, slug="partial")
    regs = enter(t, 3)
    report = registrations.bulk_approve([r.pk for r in regs], actor=organizer, all_or_none=False)
    assert len(report.done) == 2 and report.refused[0][0] == regs[2].pk
    assert report.summary("approved").startswith("2 approved; 1 refused: #")


def test_bulk_reject(approval_tournament, organizer):
    regs = enter(approval_tournament, 3)
    report = registrations.bulk_reject([r.pk for r in regs], actor=organizer, reason="Roster incomplete")
    assert len(report.done) == 3
    assert set(Registration.objects.values_list("status", flat=True)) == {S.REJECTED}


def test_withdraw_promotes_head_of_waitlist(organizer, game):
    t = make_tournament(organizer, game, capacity=2, slug="tiny")
    a, b, c, d = enter(t, 4)
    assert (c.status, d.status) == (S.WAITLISTED, S.WAITLISTED)
    registrations.withdraw(a.pk, actor=a, reason="Exams")
    c.refresh_from_db(), d.refresh_from_db()
    assert c.status == S.CONFIRMED and d.status == S.WAITLISTED
    assert AuditLog.objects.filter(action="registration.promote", target_id=str(c.pk)).exists()


def test_participant_cannot_withdraw_someone_else(tournament):
    a, b = enter(tournament, 2)
    with pytest.raises(DomainError, match="your own"):
        registrations.withdraw(b.pk, actor=a)


def test_disqualify_only_confirmed_and_requires_reason(tournament, organizer):
    (reg,) = enter(tournament)
    with pytest.raises(DomainError):
        registrations.disqualify(reg.pk, actor=organizer, reason="")
    reg = registrations.disqualify(reg.pk, actor=organizer, reason="Smurf account")
    assert reg.status == S.DISQUALIFIED
    with pytest.raises(DomainError, match="cannot be disqualified"):
        registrations.disqualify(reg.pk, actor=organizer, reason="again")


def test_duplicate_registration_refused(tournament):
    player = make_player()
    registrations.register(tournament, player=player)
    with pytest.raises(DomainError, match="already registered"):
        registrations.register(tournament, player=player)


def test_closed_window_refused_for_public_but_organizer_may_add(organizer, game):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    t = make_tournament(organizer, game, slug="later", registration_opens_at=now + timedelta(days=1),
                        registration_closes_at=now + timedelta(days=2), starts_at=now + timedelta(days=3))
    with pytest.raises(DomainError, match="is open from"):
        registrations.register(t, player=make_player())
    reg = registrations.register(t, player=make_player(), actor=organizer)
    assert reg.status == S.CONFIRMED


def test_state_field_is_protected(tournament):
    (reg,) = enter(tournament)
    with pytest.raises(AttributeError):
        reg.status = S.REJECTED


@pytest.mark.django_db(transaction=True)
def test_roster_event_sent_after_commit_and_not_on_rollback(approval_tournament, organizer, sent_events):
    (reg,) = enter(approval_tournament)
    sent_events.clear()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            registrations.approve(reg.pk, actor=organizer)
            assert sent_events == []  # not before commit
            raise RuntimeError("rollback")
    assert sent_events == []  # not on rollback
    reg.refresh_from_db()
    assert reg.status == S.PENDING
    registrations.approve(reg.pk, actor=organizer)
    lobby = [e for e in sent_events if e["group"] == lobby_group(approval_tournament.slug)]
    assert [e["event"] for e in lobby] == ["roster.updated"]
    payload = lobby[0]["payload"]
    assert payload["registration"] == reg.pk and payload["status"] == "confirmed"
    assert "@" not in str(payload)  # never an email in a lobby payload
    private = [e for e in sent_events if e["group"] == f"registration_{reg.pk}"]
    assert [e["event"] for e in private] == ["notification.new"]
