"""Announcements: posting (title rules), pinning, permissions and the lobby event after commit."""
import pytest
from django.db import transaction

from tests.factories import enter
from tournaments.events import lobby_group
from tournaments.models import Announcement, AuditLog
from tournaments.services import DomainError, announcements, setup

pytestmark = pytest.mark.django_db


def test_post_an_announcement(tournament, organizer):
    note = announcements.post(tournament.pk, actor=organizer, title="  Round 1 is live  ", body="  Report scores  ")
    note.refresh_from_db()
    assert (note.title, note.body, note.pinned, note.author) == ("Round 1 is live", "Report scores", False, organizer)
    assert note.tournament == tournament
    assert note.history.first().history_user == organizer
    entry = AuditLog.objects.get(action="announcement.post")
    assert entry.target_id == str(note.pk) and entry.metadata == {"pinned": False} and entry.actor == organizer


@pytest.mark.parametrize("title", ["", "   ", None])
def test_empty_title_is_refused(tournament, organizer, title):
    with pytest.raises(DomainError) as exc:
        announcements.post(tournament.pk, actor=organizer, title=title, body="Something")
    assert str(exc.value) == "An announcement needs a title." and exc.value.code == "title"
    assert not Announcement.objects.exists()
    assert not AuditLog.objects.filter(action="announcement.post").exists()


def test_title_length_limit(tournament, organizer):
    with pytest.raises(DomainError) as exc:
        announcements.post(tournament.pk, actor=organizer, title="x" * 141)
    assert str(exc.value) == "Keep the title under 140 characters (it has 141)."
    assert not Announcement.objects.exists()
    longest = announcements.post(tournament.pk, actor=organizer, title="y" * 140)
    assert len(longest.title) == 140
    padded = announcements.post(tournament.pk, actor=organizer, title="  " + "z" * 140 + "  ")  # measured after trimming
    assert padded.title == "z" * 140


def test_pin_and_unpin(tournament, organizer):
    old = announcements.post(tournament.pk, actor=organizer, title="Old news")
    new = announcements.post(tournament.pk, actor=organizer, title="Newer news")
    assert list(Announcement.objects.filter(tournament=tournament)) == [new, old]
    pinned = announcements.set_pinned(old.pk, actor=organizer, pinned=True)
    assert pinned.pinned is True
    assert list(Announcement.objects.filter(tournament=tournament)) == [old, new]  # pinned ones stay on top
    record = pinned.history.first()
    assert (record.history_user, record.history_change_reason) == (organizer, "pinned")
    with pytest.raises(DomainError) as exc:
        announcements.set_pinned(old.pk, actor=organizer, pinned=True)
    assert str(exc.value) == "“Old news” is already pinned." and exc.value.code == "noop"
    unpinned = announcements.set_pinned(old.pk, actor=organizer, pinned=False)
    assert unpinned.pinned is False and unpinned.history.first().history_change_reason == "unpinned"
    with pytest.raises(DomainError, match="“Old news” is already not pinned"):
        announcements.set_pinned(old.pk, actor=organizer, pinned=False)
    actions = list(AuditLog.objects.filter(target_type="announcement", target_id=str(old.pk)).order_by("id")
                   .values_list("action", flat=True))
    assert actions == ["announcement.post", "announcement.pin", "announcement.unpin"]


def test_post_pinned_directly(tournament, organizer):
    note = announcements.post(tournament.pk, actor=organizer, title="Rules", pinned=True)
    assert note.pinned and AuditLog.objects.get(action="announcement.post").metadata == {"pinned": True}


def test_other_organizer_refused(tournament, organizer, other_organizer):
    with pytest.raises(DomainError, match="not allowed to do this in “Weekly Cup”"):
        announcements.post(tournament.pk, actor=other_organizer, title="Hijack")
    assert not Announcement.objects.exists()
    note = announcements.post(tournament.pk, actor=organizer, title="Mine")
    with pytest.raises(DomainError, match="not allowed"):
        announcements.set_pinned(note.pk, actor=other_organizer, pinned=True)
    note.refresh_from_db()
    assert note.pinned is False
    assert not AuditLog.objects.filter(actor=other_organizer).exists()


def test_moderators_checkin_staff_and_participants_cannot_post(tournament, organizer, moderator, checkin_staff):
    setup.add_staff(tournament.pk, actor=organizer, user=moderator, role="moderator")
    setup.add_staff(tournament.pk, actor=organizer, user=checkin_staff, role="checkin")
    (reg,) = enter(tournament)
    for actor in (moderator, checkin_staff, reg):
        with pytest.raises(DomainError, match="not allowed"):
            announcements.post(tournament.pk, actor=actor, title="Hello")
    assert not Announcement.objects.exists()


def test_co_organizer_may_post(tournament, organizer, other_organizer):
    setup.add_staff(tournament.pk, actor=organizer, user=other_organizer, role="organizer")
    note = announcements.post(tournament.pk, actor=other_organizer, title="From the co-host")
    assert note.author == other_organizer


@pytest.mark.django_db(transaction=True)
def test_announcement_event_only_after_commit(tournament, organizer, sent_events):
    sent_events.clear()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            announcements.post(tournament.pk, actor=organizer, title="Never seen")
            assert sent_events == []
            raise RuntimeError("rollback")
    assert sent_events == [] and not Announcement.objects.exists()

    with transaction.atomic():
        note = announcements.post(tournament.pk, actor=organizer, title="Check-in is open", body="Go go go")
        assert sent_events == []
    assert sent_events == [{
        "group": lobby_group(tournament.slug), "event": "announcement.new",
        "payload": {"tournament": tournament.slug, "id": note.pk, "title": "Check-in is open", "body": "Go go go", "pinned": False},
    }]
    announcements.set_pinned(note.pk, actor=organizer, pinned=True)
    assert [e["event"] for e in sent_events] == ["announcement.new", "announcement.new"]
    assert sent_events[1]["payload"]["pinned"] is True and sent_events[1]["payload"]["id"] == note.pk
