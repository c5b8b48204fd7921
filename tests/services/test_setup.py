"""Tournament configuration: update with validation, clone, versions and rollback."""
from datetime import timedelta

import pytest

from tests.factories import enter, make_tournament
from tournaments.models import AuditLog, Tournament
from tournaments.services import DomainError, setup
from tournaments.services import tournaments as tournament_services

pytestmark = pytest.mark.django_db


def test_update_validates_as_a_whole_and_audits(tournament, organizer):
    with pytest.raises(DomainError, match="at least the minimum"):
        setup.update_tournament(tournament.pk, actor=organizer, capacity=1)
    tournament.refresh_from_db()
    assert tournament.capacity == 8
    setup.update_tournament(tournament.pk, actor=organizer, capacity=32, reason="More room")
    entry = AuditLog.objects.get(action="tournament.update")
    assert entry.metadata == {"before": {"capacity": "8"}, "after": {"capacity": "32"}} and entry.reason == "More room"


def test_update_refuses_unknown_fields_and_state(tournament, organizer):
    with pytest.raises(DomainError, match="status"):
        setup.update_tournament(tournament.pk, actor=organizer, status="live")


def test_shape_is_locked_once_live(organizer, game):
    t = make_tournament(organizer, game, slug="locked")
    enter(t, 2)
    tournament_services.start(t.pk, actor=organizer)
    with pytest.raises(DomainError, match="can no longer change"):
        setup.update_tournament(t.pk, actor=organizer, format="swiss")
    setup.update_tournament(t.pk, actor=organizer, rules="Be nice")  # still editable


def test_clone_copies_configuration_and_shifts_dates(tournament, organizer, checkin_staff):
    setup.add_staff(tournament.pk, actor=organizer, user=checkin_staff, role="checkin")
    clone = setup.clone_tournament(tournament.pk, actor=organizer, name="Weekly Cup #2", slug="weekly-2", shift_days=7)
    assert clone.status == Tournament.Status.DRAFT and clone.organizer == organizer
    assert clone.starts_at == tournament.starts_at + timedelta(days=7)
    assert clone.capacity == tournament.capacity and clone.staff.get().user == checkin_staff
    with pytest.raises(DomainError, match="taken"):
        setup.clone_tournament(tournament.pk, actor=organizer, name="Again", slug="weekly-2")


def test_other_organizer_cannot_clone_or_update(tournament, other_organizer):
    with pytest.raises(DomainError, match="not allowed"):
        setup.clone_tournament(tournament.pk, actor=other_organizer, name="Mine now", slug="stolen")
    with pytest.raises(DomainError, match="not allowed"):
        setup.update_tournament(tournament.pk, actor=other_organizer, capacity=4)


def test_restore_an_earlier_configuration_keeps_the_state(tournament, organizer):
    original = setup.configuration_versions(tournament).first()
    setup.update_tournament(tournament.pk, actor=organizer, capacity=64, rules="New rules")
    restored = setup.restore_configuration(tournament.pk, actor=organizer, history_id=original.history_id, reason="Oops")
    assert restored.capacity == 8 and restored.rules == "" and restored.status == Tournament.Status.REGISTRATION_OPEN
    with pytest.raises(DomainError, match="reason"):
        setup.restore_configuration(tournament.pk, actor=organizer, history_id=original.history_id, reason="")
    other = make_tournament(organizer, tournament.game, slug="other")
    with pytest.raises(DomainError, match="does not belong"):
        setup.restore_configuration(tournament.pk, actor=organizer, history_id=other.history.first().history_id, reason="x")
