"""Check-in: the window, who may override it, who may check whom in, toggling and bulk."""
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import enter, make_player, make_tournament
from tournaments.models import AuditLog, Registration
from tournaments.services import DomainError, checkin, registrations, setup

pytestmark = pytest.mark.django_db
S = Registration.Status


@pytest.fixture
def later(organizer, game):
    """Registration open now; check-in opens tomorrow."""
    now = timezone.now()
    return make_tournament(organizer, game, slug="later-checkin", check_in_opens_at=now + timedelta(days=1),
                           check_in_closes_at=now + timedelta(days=1, hours=1))


@pytest.fixture
def door(tournament, organizer, checkin_staff):
    setup.add_staff(tournament.pk, actor=organizer, user=checkin_staff, role="checkin")
    return checkin_staff


def assert_not_checked_in(*regs):
    for reg in regs:
        reg.refresh_from_db()
        assert reg.checked_in_at is None and reg.checked_in_by is None


def test_participant_checks_in_inside_the_window(tournament):
    (reg,) = enter(tournament)
    before = timezone.now()
    reg = checkin.check_in(reg.pk, actor=reg)
    assert reg.is_checked_in and before <= reg.checked_in_at <= timezone.now()
    assert reg.checked_in_by is None  # a participant is not a user
    reg.refresh_from_db()
    assert reg.is_checked_in
    assert reg.history.first().history_change_reason == "check-in"
    entry = AuditLog.objects.get(action="checkin.in")
    assert entry.actor_label == f"participant:{reg.display_name}" and entry.metadata == {"override": False}
    assert entry.target_id == str(reg.pk) and entry.tournament == tournament


def test_participant_refused_outside_the_window_with_the_window_in_the_message(later):
    (reg,) = enter(later)
    fmt = "%Y-%m-%d %H:%M"
    window = (f"Not now: check-in is open from {timezone.localtime(later.check_in_opens_at).strftime(fmt)} "
              f"to {timezone.localtime(later.check_in_closes_at).strftime(fmt)}.")
    with pytest.raises(DomainError) as exc:
        checkin.check_in(reg.pk, actor=reg)
    assert str(exc.value) == window and exc.value.code == "window"
    assert_not_checked_in(reg)
    assert not AuditLog.objects.filter(action__startswith="checkin").exists()


def test_no_window_set_says_so(organizer, game):
    t = make_tournament(organizer, game, slug="no-window", check_in_opens_at=None, check_in_closes_at=None)
    (reg,) = enter(t)
    with pytest.raises(DomainError, match="Not now: no check-in window is set"):
        checkin.check_in(reg.pk, actor=reg)
    assert_not_checked_in(reg)


def test_participant_cannot_override_the_window(later):
    (reg,) = enter(later)
    with pytest.raises(DomainError, match="Only organizers can check in outside the window"):
        checkin.check_in(reg.pk, actor=reg, override=True)
    assert_not_checked_in(reg)


def test_organizer_override_outside_window(later, organizer):
    (reg,) = enter(later)
    with pytest.raises(DomainError, match="Not now"):
        checkin.check_in(reg.pk, actor=organizer)  # staff too need override outside the window
    reg = checkin.check_in(reg.pk, actor=organizer, override=True)
    assert reg.is_checked_in and reg.checked_in_by == organizer
    assert reg.history.first().history_user == organizer
    assert AuditLog.objects.get(action="checkin.in").metadata == {"override": True}


def test_checkin_staff_cannot_override_the_window(later, organizer, checkin_staff):
    setup.add_staff(later.pk, actor=organizer, user=checkin_staff, role="checkin")
    (reg,) = enter(later)
    with pytest.raises(DomainError, match="not allowed to do this"):
        checkin.check_in(reg.pk, actor=checkin_staff, override=True)
    assert_not_checked_in(reg)
    with pytest.raises(DomainError, match="Not now"):
        checkin.check_in(reg.pk, actor=checkin_staff)
    assert_not_checked_in(reg)


def test_checkin_staff_checks_in_but_cannot_approve(approval_tournament, organizer, checkin_staff):
    setup.add_staff(approval_tournament.pk, actor=organizer, user=checkin_staff, role="checkin")
    pending, other = enter(approval_tournament, 2)
    with pytest.raises(DomainError, match="not allowed"):
        registrations.approve(pending.pk, actor=checkin_staff)
    pending.refresh_from_db()
    assert pending.status == S.PENDING and pending.decided_by is None
    registrations.approve(other.pk, actor=organizer)
    reg = checkin.check_in(other.pk, actor=checkin_staff)
    assert reg.is_checked_in and reg.checked_in_by == checkin_staff
    entry = AuditLog.objects.get(action="checkin.in")
    assert entry.actor == checkin_staff and entry.actor_label == "door"


def test_checkin_staff_without_the_role_on_this_tournament_is_refused(tournament, checkin_staff, moderator, organizer):
    setup.add_staff(tournament.pk, actor=organizer, user=moderator, role="moderator")
    (reg,) = enter(tournament)
    for user in (checkin_staff, moderator):  # group membership alone, or a results-only role, is not enough
        with pytest.raises(DomainError, match="not allowed"):
            checkin.check_in(reg.pk, actor=user)
    assert_not_checked_in(reg)


def test_other_organizer_is_refused(tournament, other_organizer):
    (reg,) = enter(tournament)
    with pytest.raises(DomainError, match="not allowed to do this in “Weekly Cup”"):
        checkin.toggle(reg.pk, actor=other_organizer, override=True)
    assert_not_checked_in(reg)


def test_participant_cannot_check_in_someone_else(tournament):
    a, b = enter(tournament, 2)
    with pytest.raises(DomainError, match="You can only check yourself in"):
        checkin.check_in(b.pk, actor=a)
    assert_not_checked_in(a, b)


@pytest.mark.parametrize("kind", ["pending", "waitlisted", "withdrawn"])
def test_only_confirmed_entrants_check_in(organizer, game, kind):
    t = make_tournament(organizer, game, slug=f"only-{kind}", capacity=2, requires_approval=(kind == "pending"))
    regs = enter(t, 3)
    if kind == "pending":
        reg, label = regs[0], "pending review"
    elif kind == "waitlisted":
        reg, label = regs[2], "waitlisted"
    else:
        reg, label = registrations.withdraw(regs[0].pk, actor=regs[0]), "withdrawn"
    with pytest.raises(DomainError) as exc:
        checkin.check_in(reg.pk, actor=organizer, override=True)
    assert str(exc.value) == f"{reg.display_name} is {label}; only confirmed entrants check in."
    assert_not_checked_in(reg)


def test_check_in_twice_is_refused(tournament, door):
    (reg,) = enter(tournament)
    checkin.check_in(reg.pk, actor=door)
    with pytest.raises(DomainError) as exc:
        checkin.check_in(reg.pk, actor=door)
    assert str(exc.value) == f"{reg.display_name} is already checked in." and exc.value.code == "noop"
    assert AuditLog.objects.filter(action="checkin.in").count() == 1


def test_toggle_flips_in_and_out(tournament, door):
    (reg,) = enter(tournament)
    reg = checkin.toggle(reg.pk, actor=door)
    assert reg.is_checked_in and reg.checked_in_by == door
    reg = checkin.toggle(reg.pk, actor=door)
    assert not reg.is_checked_in and reg.checked_in_by is None
    reg.refresh_from_db()
    assert reg.checked_in_at is None
    assert reg.history.first().history_change_reason == "check-in undone"
    actions = list(AuditLog.objects.filter(action__startswith="checkin").order_by("id").values_list("action", flat=True))
    assert actions == ["checkin.in", "checkin.out"]


def test_participant_can_undo_own_check_in(tournament):
    (reg,) = enter(tournament)
    checkin.toggle(reg.pk, actor=reg)
    reg = checkin.toggle(reg.pk, actor=reg)
    assert not reg.is_checked_in


def test_check_in_refused_while_tournament_is_a_draft(organizer, game):
    t = make_tournament(organizer, game, slug="draft-checkin", open_registration=False)
    reg = registrations.register(t, player=make_player(), actor=organizer)
    assert reg.status == S.CONFIRMED
    with pytest.raises(DomainError, match="Weekly Cup is draft; check-in is not possible"):
        checkin.check_in(reg.pk, actor=organizer, override=True)
    assert_not_checked_in(reg)


# ---- bulk -----------------------------------------------------------------------------------------

def test_bulk_check_in_everyone(tournament, door):
    regs = enter(tournament, 4)
    report = checkin.bulk_check_in([r.pk for r in regs], actor=door)
    assert len(report.done) == 4 and report.refused == []
    assert Registration.objects.filter(tournament=tournament, checked_in_at__isnull=False, checked_in_by=door).count() == 4
    assert AuditLog.objects.filter(action="checkin.in").count() == 4


def test_bulk_check_in_is_all_or_none(organizer, game, door):
    t = make_tournament(organizer, game, slug="bulk-checkin", capacity=3)
    a, b, c, waiting = enter(t, 4)
    checkin.check_in(a.pk, actor=organizer)
    audit_before = AuditLog.objects.count()
    with pytest.raises(DomainError) as exc:
        checkin.bulk_check_in([a.pk, b.pk, c.pk, waiting.pk], actor=organizer)
    message = str(exc.value)
    assert "2 checked in" in message and "2 refused" in message and "Nothing was changed" in message
    assert f"#{a.pk} {a.display_name} is already checked in" in message
    assert f"#{waiting.pk} {waiting.display_name} is waitlisted; only confirmed entrants check in" in message
    assert exc.value.details["refused"][0][0] == a.pk
    assert_not_checked_in(b, c, waiting)
    assert AuditLog.objects.count() == audit_before


def test_bulk_check_in_partial_mode(tournament, organizer):
    a, b = enter(tournament, 2)
    checkin.check_in(a.pk, actor=organizer)
    report = checkin.bulk_check_in([a.pk, b.pk], actor=organizer, all_or_none=False)
    assert [r.pk for r in report.done] == [b.pk] and report.refused[0][0] == a.pk
    b.refresh_from_db()
    assert b.is_checked_in


def test_bulk_check_in_is_staff_only(tournament):
    a, b = enter(tournament, 2)
    with pytest.raises(DomainError, match="Only staff can check in several entrants at once"):
        checkin.bulk_check_in([a.pk, b.pk], actor=a)
    assert_not_checked_in(a, b)


def test_bulk_check_in_outside_window_needs_organizer_override(later, organizer, checkin_staff):
    setup.add_staff(later.pk, actor=organizer, user=checkin_staff, role="checkin")
    regs = enter(later, 3)
    ids = [r.pk for r in regs]
    with pytest.raises(DomainError, match="3 refused"):
        checkin.bulk_check_in(ids, actor=checkin_staff)
    with pytest.raises(DomainError, match="not allowed"):
        checkin.bulk_check_in(ids, actor=checkin_staff, override=True)
    assert_not_checked_in(*regs)
    report = checkin.bulk_check_in(ids, actor=organizer, override=True)
    assert len(report.done) == 3
