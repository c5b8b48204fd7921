"""Match workflows: start, report/confirm, auto-confirm, conflicts → disputes, staff overrides,
forfeit, cancel, reschedule, progression, roles and after-commit events."""
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import enter, make_tournament
from tournaments.events import lobby_group
from tournaments.models import AuditLog, Dispute, Match, MatchReport, Notification
from tournaments.services import DomainError, matches, setup

pytestmark = pytest.mark.django_db
M = Match.Status


def new_match(tournament, organizer, a, b, key="M1", **kwargs) -> Match:
    return setup.create_match(tournament.pk, actor=organizer, key=key, slot_a=a, slot_b=b, **kwargs)


@pytest.fixture
def duel(tournament, organizer):
    """(match, a, b, c): a scheduled match a vs b, and a third confirmed entrant c."""
    a, b, c = enter(tournament, 3)
    return new_match(tournament, organizer, a, b), a, b, c


def snapshot(match):
    match.refresh_from_db()
    return (match.status, match.score_a, match.score_b, match.winner_id, match.note,
            MatchReport.objects.filter(match=match).count(), match.history.count())


# ---- creation and start ---------------------------------------------------------------------------

def test_create_match_needs_confirmed_entrants(approval_tournament, organizer):
    pending, other = enter(approval_tournament, 2)
    with pytest.raises(DomainError, match=f"{pending.display_name} is not a confirmed entrant of Invitational"):
        new_match(approval_tournament, organizer, pending, other)
    assert Match.objects.count() == 0


def test_create_match_refuses_self_play_and_even_best_of(tournament, organizer):
    a, b = enter(tournament, 2)
    with pytest.raises(DomainError, match="cannot play against itself"):
        new_match(tournament, organizer, a, a)
    with pytest.raises(DomainError, match="Best-of must be an odd number"):
        new_match(tournament, organizer, a, b, best_of=2)
    assert Match.objects.count() == 0


def test_start_a_scheduled_match(duel, organizer):
    match, a, b, _ = duel
    match = matches.start(match.pk, actor=organizer)
    assert match.status == M.LIVE and match.started_at is not None
    record = match.history.first()
    assert (record.history_user, record.history_change_reason) == (organizer, "start: scheduled → live")
    assert AuditLog.objects.filter(action="match.start", target_id=str(match.pk), actor=organizer).exists()
    with pytest.raises(DomainError, match=r"Match M1 is live \(by alice at .*\); it cannot be started"):
        matches.start(match.pk, actor=organizer)


def test_start_needs_both_sides(tournament, organizer):
    (a,) = enter(tournament)
    match = new_match(tournament, organizer, a, None)
    with pytest.raises(DomainError, match="Match M1 is scheduled"):
        matches.start(match.pk, actor=organizer)
    match.refresh_from_db()
    assert match.status == M.SCHEDULED


# ---- reporting and confirming ---------------------------------------------------------------------

def test_participant_report_waits_for_confirmation(duel):
    match, a, b, _ = duel
    report = matches.submit_result(match.pk, actor=a, score_a=13, score_b=11, evidence_url="https://example.com/s.png")
    assert (report.registration, report.score_a, report.score_b, report.is_current) == (a, 13, 11, True)
    match.refresh_from_db()
    assert match.status == M.PENDING_RESULT
    assert match.score_a is None and match.winner is None  # nothing final yet
    note = Notification.objects.get(registration=b, kind="match.result_reported")
    assert "13–11" in note.body and a.display_name in note.body
    assert AuditLog.objects.get(action="match.report").metadata == {"score_a": 13, "score_b": 11, "side": 0, "report": report.pk}


def test_opponent_confirms_and_the_match_completes(duel):
    match, a, b, _ = duel
    matches.submit_result(match.pk, actor=a, score_a=13, score_b=11)
    match = matches.confirm_result(match.pk, actor=b)
    assert match.status == M.COMPLETED
    assert (match.score_a, match.score_b, match.winner) == (13, 11, a)
    assert match.completed_at is not None
    assert not MatchReport.objects.filter(match=match, is_current=True).exists()
    assert match.history.first().history_change_reason == "complete: pending_result → completed"
    entry = AuditLog.objects.get(action="match.confirm")
    assert entry.actor_label == f"participant:{b.display_name}" and entry.metadata["winner"] == a.pk
    assert Notification.objects.filter(kind="match.result_confirmed").count() == 2


def test_slot_b_can_win(duel, organizer):
    match, a, b, _ = duel
    matches.submit_result(match.pk, actor=b, score_a=3, score_b=7)
    match = matches.confirm_result(match.pk, actor=organizer)
    assert match.winner == b and match.history.first().history_user == organizer


def test_reporter_cannot_confirm_own_report(duel):
    match, a, b, _ = duel
    matches.submit_result(match.pk, actor=a, score_a=2, score_b=0)
    before = snapshot(match)
    with pytest.raises(DomainError) as exc:
        matches.confirm_result(match.pk, actor=a)
    assert str(exc.value) == "You reported this result; your opponent or staff must confirm it."
    assert exc.value.code == "own_report"
    assert snapshot(match) == before


def test_confirm_without_a_report_is_refused(duel, organizer):
    match, *_ = duel
    with pytest.raises(DomainError, match="Match M1 is scheduled; there is no reported result to confirm"):
        matches.confirm_result(match.pk, actor=organizer)


def test_matching_reports_auto_confirm(duel):
    match, a, b, _ = duel
    assert match.tournament.auto_confirm_matching_reports is True
    first = matches.submit_result(match.pk, actor=a, score_a=5, score_b=3)
    second = matches.submit_result(match.pk, actor=b, score_a=5, score_b=3)
    match.refresh_from_db()
    assert match.status == M.COMPLETED and match.winner == a and (match.score_a, match.score_b) == (5, 3)
    entry = AuditLog.objects.get(action="match.auto_confirm")
    assert entry.actor is None and entry.actor_label == "system"
    assert entry.metadata["reports"] == [first.pk, second.pk]
    assert match.history.first().history_user is None


def test_matching_reports_wait_for_staff_when_auto_confirm_is_off(organizer, game):
    t = make_tournament(organizer, game, slug="manual-confirm", auto_confirm_matching_reports=False)
    a, b = enter(t, 2)
    match = new_match(t, organizer, a, b)
    matches.submit_result(match.pk, actor=a, score_a=5, score_b=3)
    matches.submit_result(match.pk, actor=b, score_a=5, score_b=3)
    match.refresh_from_db()
    assert match.status == M.PENDING_RESULT and match.winner is None
    assert MatchReport.objects.filter(match=match, is_current=True).count() == 2
    assert not AuditLog.objects.filter(action="match.auto_confirm").exists()
    match = matches.confirm_result(match.pk, actor=organizer)
    assert match.status == M.COMPLETED and match.winner == a


def test_a_side_may_correct_its_own_report(duel):
    match, a, b, _ = duel
    old = matches.submit_result(match.pk, actor=a, score_a=5, score_b=3)
    new = matches.submit_result(match.pk, actor=a, score_a=5, score_b=4)
    old.refresh_from_db()
    assert old.is_current is False and new.is_current is True
    match = matches.confirm_result(match.pk, actor=b)
    assert (match.score_a, match.score_b) == (5, 4)


def test_conflicting_reports_open_a_dispute(duel):
    match, a, b, _ = duel
    matches.submit_result(match.pk, actor=a, score_a=5, score_b=3)
    matches.submit_result(match.pk, actor=b, score_a=3, score_b=5)
    match.refresh_from_db()
    assert match.status == M.DISPUTED and match.winner is None
    dispute = Dispute.objects.get(match=match)
    assert dispute.status == Dispute.Status.OPEN and dispute.reason == Dispute.Reason.SCORE_MISMATCH
    assert dispute.raised_by is None
    assert dispute.description == (f"Reports disagree: {a.display_name} says 5–3, {b.display_name} says 3–5.")
    assert AuditLog.objects.get(action="dispute.open").actor_label == "system"
    assert Notification.objects.filter(kind="dispute.opened").count() == 2


def test_non_participant_cannot_report(duel):
    match, a, b, c = duel
    before = snapshot(match)
    with pytest.raises(DomainError, match="You are not playing in match M1"):
        matches.submit_result(match.pk, actor=c, score_a=1, score_b=0)
    assert snapshot(match) == before


def test_staff_do_not_report_they_override(duel, organizer):
    match, *_ = duel
    before = snapshot(match)
    with pytest.raises(DomainError, match="Staff enter results with “override score”"):
        matches.submit_result(match.pk, actor=organizer, score_a=1, score_b=0)
    assert snapshot(match) == before


@pytest.mark.parametrize("best_of, score_a, score_b, message", [
    (1, 1, 1, "A match needs a winner; 1–1 is a draw."),
    (3, 3, 0, "In a best of 3 the winner takes exactly 2 games; 3–0 is not possible."),
    (3, 2, 2, "A match needs a winner; 2–2 is a draw."),
    (5, 3, 3, "A match needs a winner; 3–3 is a draw."),
    (5, 2, 1, "In a best of 5 the winner takes exactly 3 games; 2–1 is not possible."),
    (1, -1, 0, "Score A must be between 0 and 999."),
    (1, 0, 1000, "Score B must be between 0 and 999."),
    (1, "two", 0, "Score A must be a whole number, not “two”."),
    (1, 1, "", "Score B must be a whole number, not “”."),
    (1, 1.5, 0, "Score A must be a whole number, not “1.5”."),
    (1, None, 0, "Score A must be a whole number, not “None”."),
])
def test_invalid_scores_are_refused_and_change_nothing(tournament, organizer, best_of, score_a, score_b, message):
    a, b = enter(tournament, 2)
    match = new_match(tournament, organizer, a, b, best_of=best_of)
    matches.start(match.pk, actor=organizer)
    before = snapshot(match)
    with pytest.raises(DomainError) as exc:
        matches.submit_result(match.pk, actor=a, score_a=score_a, score_b=score_b)
    assert str(exc.value) == message and exc.value.code == "score"
    with pytest.raises(DomainError, match="is not possible|draw|between|whole number"):
        matches.override_score(match.pk, actor=organizer, score_a=score_a, score_b=score_b, reason="Referee sheet")
    assert snapshot(match) == before
    assert not AuditLog.objects.filter(action__in=["match.report", "match.override"]).exists()


def test_evidence_must_be_a_real_image(duel):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    match, a, b, _ = duel
    before = snapshot(match)
    fake = SimpleUploadedFile("shot.png", b"GIF89a-but-not-really", content_type="image/png")
    with pytest.raises(DomainError, match="The file is not a PNG, JPEG, WebP or GIF image") as exc:
        matches.submit_result(match.pk, actor=a, score_a=1, score_b=0, evidence=fake)
    assert exc.value.code == "upload"
    assert snapshot(match) == before
    buffer = io.BytesIO()
    Image.new("RGB", (3, 3)).save(buffer, format="JPEG")
    report = matches.submit_result(match.pk, actor=a, score_a=1, score_b=0,
                                   evidence=SimpleUploadedFile("shot.jpg", buffer.getvalue(), content_type="image/jpeg"))
    report.refresh_from_db()
    assert report.evidence.name.startswith("evidence/") and report.evidence.name.endswith(".jpg")


def test_valid_best_of_three_and_string_scores(tournament, organizer):
    a, b = enter(tournament, 2)
    match = new_match(tournament, organizer, a, b, best_of=3)
    report = matches.submit_result(match.pk, actor=b, score_a=" 1 ", score_b="2")
    assert (report.score_a, report.score_b) == (1, 2)


def test_finished_match_cannot_be_reported(duel, organizer):
    match, a, b, _ = duel
    matches.override_score(match.pk, actor=organizer, score_a=1, score_b=0, reason="Referee sheet")
    with pytest.raises(DomainError, match="Match M1 is completed; results can no longer be reported"):
        matches.submit_result(match.pk, actor=b, score_a=0, score_b=1)
    assert MatchReport.objects.count() == 0


# ---- staff actions --------------------------------------------------------------------------------

def test_reject_result_sends_the_match_back_to_live(duel, organizer):
    match, a, b, _ = duel
    matches.start(match.pk, actor=organizer)
    matches.submit_result(match.pk, actor=a, score_a=9, score_b=2)
    with pytest.raises(DomainError, match="Give a reason"):
        matches.reject_result(match.pk, actor=organizer, reason="")
    match.refresh_from_db()
    assert match.status == M.PENDING_RESULT
    match = matches.reject_result(match.pk, actor=organizer, reason="Screenshot shows 9–7")
    assert match.status == M.LIVE and match.note == "Screenshot shows 9–7"
    assert match.score_a is None and match.score_b is None
    assert not MatchReport.objects.filter(match=match, is_current=True).exists()
    assert MatchReport.objects.filter(match=match).count() == 1  # kept, just superseded
    assert match.history.first().history_change_reason == "reject_result: pending_result → live"
    assert Notification.objects.filter(kind="match.result_rejected").count() == 2
    # a fresh report starts again from scratch
    matches.submit_result(match.pk, actor=b, score_a=9, score_b=7)
    match.refresh_from_db()
    assert match.status == M.PENDING_RESULT


def test_reject_result_needs_a_reported_result(duel, organizer):
    match, *_ = duel
    with pytest.raises(DomainError, match="Match M1 is scheduled .*; it cannot be sent back for a new result"):
        matches.reject_result(match.pk, actor=organizer, reason="No")


def test_override_requires_reason_and_works_from_scheduled(duel, organizer):
    match, a, b, _ = duel
    before = snapshot(match)
    with pytest.raises(DomainError, match="Give a reason for overriding the score"):
        matches.override_score(match.pk, actor=organizer, score_a=2, score_b=0, reason="  ")
    assert snapshot(match) == before
    match = matches.override_score(match.pk, actor=organizer, score_a=0, score_b=2, reason="Referee sheet")
    assert match.status == M.COMPLETED and match.winner == b and match.note == "Referee sheet"
    record = match.history.first()
    assert (record.history_user, record.history_change_reason) == (organizer, "override: scheduled → completed")
    entry = AuditLog.objects.get(action="match.override")
    assert entry.reason == "Referee sheet" and entry.metadata == {"score_a": 0, "score_b": 2, "winner": b.pk}


def test_override_of_a_pending_result_completes_it(duel, organizer):
    match, a, b, _ = duel
    matches.submit_result(match.pk, actor=a, score_a=2, score_b=0)
    match = matches.override_score(match.pk, actor=organizer, score_a=2, score_b=1, reason="Map 2 counted wrong")
    assert (match.status, match.score_a, match.score_b) == (M.COMPLETED, 2, 1)
    assert not MatchReport.objects.filter(match=match, is_current=True).exists()


def test_override_refused_while_disputed(duel, organizer):
    match, a, b, _ = duel
    matches.submit_result(match.pk, actor=a, score_a=2, score_b=0)
    matches.submit_result(match.pk, actor=b, score_a=0, score_b=2)
    before = snapshot(match)
    with pytest.raises(DomainError, match="Match M1 has an open dispute; resolve the dispute with the final score"):
        matches.override_score(match.pk, actor=organizer, score_a=2, score_b=0, reason="Seen the VOD")
    assert snapshot(match) == before


def test_override_refused_on_a_finished_match(duel, organizer):
    match, *_ = duel
    matches.override_score(match.pk, actor=organizer, score_a=2, score_b=0, reason="Referee")
    with pytest.raises(DomainError, match=f"Match #{match.pk} is completed .*; it cannot be overridden"):
        matches.override_score(match.pk, actor=organizer, score_a=0, score_b=2, reason="Oops")
    match.refresh_from_db()
    assert (match.score_a, match.score_b) == (2, 0)


def test_forfeit_gives_the_match_to_the_other_side(duel, organizer):
    match, a, b, _ = duel
    with pytest.raises(DomainError, match="Give a reason for the forfeit"):
        matches.forfeit(match.pk, actor=organizer, forfeiting_registration_id=a.pk)
    match = matches.forfeit(match.pk, actor=organizer, forfeiting_registration_id=a.pk, reason="No show")
    assert match.status == M.FORFEITED and match.winner == b and match.note == "No show"
    assert match.completed_at is not None
    entry = AuditLog.objects.get(action="match.forfeit")
    assert entry.metadata == {"forfeited_by": a.pk, "winner": b.pk}
    assert Notification.objects.filter(kind="match.forfeited").count() == 2
    with pytest.raises(DomainError, match="is forfeited .*; it cannot be forfeited"):
        matches.forfeit(match.pk, actor=organizer, forfeiting_registration_id=b.pk, reason="Again")


def test_participant_forfeits_only_for_itself(duel):
    match, a, b, c = duel
    with pytest.raises(DomainError, match="You can only forfeit for yourself"):
        matches.forfeit(match.pk, actor=a, forfeiting_registration_id=b.pk)
    with pytest.raises(DomainError, match="You are not playing in match M1"):
        matches.forfeit(match.pk, actor=c, forfeiting_registration_id=c.pk)
    match.refresh_from_db()
    assert match.status == M.SCHEDULED
    match = matches.forfeit(match.pk, actor=b, forfeiting_registration_id=b.pk)
    assert match.winner == a


def test_forfeit_by_someone_not_in_the_match_is_refused(duel, organizer):
    match, a, b, c = duel
    with pytest.raises(DomainError, match=f"Registration #{c.pk} is not in match M1"):
        matches.forfeit(match.pk, actor=organizer, forfeiting_registration_id=c.pk, reason="?")
    match.refresh_from_db()
    assert match.status == M.SCHEDULED


def test_cancel_requires_reason(duel, organizer):
    match, a, b, _ = duel
    with pytest.raises(DomainError, match="Give a reason for cancelling the match"):
        matches.cancel(match.pk, actor=organizer, reason="")
    match.refresh_from_db()
    assert match.status == M.SCHEDULED
    match = matches.cancel(match.pk, actor=organizer, reason="Server outage")
    assert match.status == M.CANCELLED and match.note == "Server outage" and match.winner is None
    assert AuditLog.objects.get(action="match.cancel").reason == "Server outage"
    assert set(Notification.objects.filter(kind="match.cancelled").values_list("registration", flat=True)) == {a.pk, b.pk}
    with pytest.raises(DomainError, match="is cancelled .*; it cannot be cancelled"):
        matches.cancel(match.pk, actor=organizer, reason="Again")


def test_set_lobby_info(duel, organizer):
    match, *_ = duel
    match = matches.set_lobby_info(match.pk, actor=organizer, lobby_code=" ABC123 ", lobby_server="SG-1")
    assert (match.lobby_code, match.lobby_server) == ("ABC123", "SG-1")
    assert match.history.first().history_change_reason == "lobby info"


# ---- reschedule -----------------------------------------------------------------------------------

def test_reschedule_into_the_past_is_refused(duel, organizer):
    match, *_ = duel
    with pytest.raises(DomainError, match="The new time is in the past"):
        matches.reschedule(match.pk, actor=organizer, new_time=timezone.now() - timedelta(minutes=1))
    with pytest.raises(DomainError, match="Give a date and time with a time zone"):
        matches.reschedule(match.pk, actor=organizer, new_time=(timezone.now() + timedelta(days=1)).replace(tzinfo=None))
    match.refresh_from_db()
    assert match.scheduled_at is None


def test_reschedule_conflict_names_the_other_match(tournament, organizer, settings):
    window = settings.MATCH_CONFLICT_WINDOW_MINUTES
    a, b, c, d = enter(tournament, 4)
    at = (timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    first = new_match(tournament, organizer, a, b, key="R1.1", scheduled_at=at)
    second = new_match(tournament, organizer, a, c, key="R2.1", position=2)
    new_match(tournament, organizer, c, d, key="R1.2", scheduled_at=at + timedelta(days=3))
    with pytest.raises(DomainError) as exc:
        matches.reschedule(second.pk, actor=organizer, new_time=at + timedelta(minutes=window - 1))
    assert str(exc.value) == (f"Conflict: match R1.1 is at {timezone.localtime(at):%Y-%m-%d %H:%M}, "
                              f"less than {window} minutes from the new time.")
    assert exc.value.code == "conflict"
    with pytest.raises(DomainError, match="Conflict: match R1.1"):  # before it, too
        matches.reschedule(second.pk, actor=organizer, new_time=at - timedelta(minutes=window - 1))
    second.refresh_from_db()
    assert second.scheduled_at is None
    assert not AuditLog.objects.filter(action="match.reschedule").exists()

    fine = at + timedelta(minutes=window)
    second = matches.reschedule(second.pk, actor=organizer, new_time=fine, reason="Player request")
    assert second.scheduled_at == fine
    entry = AuditLog.objects.get(action="match.reschedule")
    assert entry.reason == "Player request" and entry.metadata == {"from": None, "to": fine.isoformat()}
    assert Notification.objects.filter(kind="match.rescheduled").count() == 2
    first.refresh_from_db()
    assert first.scheduled_at == at


def test_reschedule_ignores_other_entrants_and_finished_matches(tournament, organizer, settings):
    a, b, c, d = enter(tournament, 4)
    at = timezone.now() + timedelta(days=1)
    other = new_match(tournament, organizer, c, d, key="X1", scheduled_at=at)
    done = new_match(tournament, organizer, a, b, key="X0", scheduled_at=at, position=2)
    matches.cancel(done.pk, actor=organizer, reason="Replayed")
    match = new_match(tournament, organizer, a, b, key="X2", position=3)
    match = matches.reschedule(match.pk, actor=organizer, new_time=at)
    assert match.scheduled_at == at and other.pk != match.pk


def test_reschedule_refused_once_started(duel, organizer):
    match, *_ = duel
    matches.start(match.pk, actor=organizer)
    with pytest.raises(DomainError, match="Match M1 is live; only matches that have not started can be rescheduled"):
        matches.reschedule(match.pk, actor=organizer, new_time=timezone.now() + timedelta(days=1))


# ---- progression ----------------------------------------------------------------------------------

def test_winner_and_loser_move_into_their_next_matches(tournament, organizer):
    a, b, c, d = enter(tournament, 4)
    semi1 = new_match(tournament, organizer, a, b, key="SF1")
    semi2 = new_match(tournament, organizer, c, d, key="SF2", position=2)
    final = new_match(tournament, organizer, None, None, key="F", round_number=2)
    third = new_match(tournament, organizer, None, None, key="3RD", round_number=2, position=2)
    Match.objects.filter(pk=semi1.pk).update(winner_to=final, winner_to_slot=0, loser_to=third, loser_to_slot=0)
    Match.objects.filter(pk=semi2.pk).update(winner_to=final, winner_to_slot=1, loser_to=third, loser_to_slot=1)

    matches.submit_result(semi1.pk, actor=a, score_a=1, score_b=4)
    matches.confirm_result(semi1.pk, actor=b)
    final.refresh_from_db()
    third.refresh_from_db()
    assert (final.slot_a, third.slot_a) == (b, a)
    assert final.slot_b is None and third.slot_b is None
    matches.forfeit(semi2.pk, actor=organizer, forfeiting_registration_id=c.pk, reason="No show")
    final.refresh_from_db()
    third.refresh_from_db()
    assert (final.slot_a, final.slot_b) == (b, d)
    assert (third.slot_a, third.slot_b) == (a, c)
    assert final.history.first().history_change_reason.startswith("progression: slot")
    assert Notification.objects.filter(kind="match.scheduled", registration=b, title="Next match: F").exists()
    assert Notification.objects.filter(kind="match.scheduled", registration=c, title="Next match: 3RD").exists()
    # the final can now be played
    final = matches.start(final.pk, actor=organizer)
    assert final.status == M.LIVE


def test_completion_without_feeds_moves_nobody(duel, organizer):
    match, a, b, _ = duel
    matches.override_score(match.pk, actor=organizer, score_a=1, score_b=0, reason="Referee")
    assert not Notification.objects.filter(kind="match.scheduled").exists()
    assert Match.objects.count() == 1


# ---- roles ----------------------------------------------------------------------------------------

def test_moderator_confirms_and_overrides_but_cannot_cancel(tournament, organizer, moderator):
    setup.add_staff(tournament.pk, actor=organizer, user=moderator, role="moderator")
    a, b, c, d = enter(tournament, 4)
    first = new_match(tournament, organizer, a, b, key="M1")
    second = new_match(tournament, organizer, c, d, key="M2", position=2)
    matches.start(first.pk, actor=moderator)
    matches.submit_result(first.pk, actor=a, score_a=2, score_b=0)
    first = matches.confirm_result(first.pk, actor=moderator)
    assert first.status == M.COMPLETED and first.history.first().history_user == moderator
    second = matches.override_score(second.pk, actor=moderator, score_a=0, score_b=1, reason="Admin decision")
    assert second.winner == d
    third = new_match(tournament, organizer, a, c, key="M3", position=3)
    with pytest.raises(DomainError, match="not allowed to do this in “Weekly Cup”"):
        matches.cancel(third.pk, actor=moderator, reason="Moderator tries")
    third.refresh_from_db()
    assert third.status == M.SCHEDULED
    with pytest.raises(DomainError, match="not allowed"):
        setup.create_match(tournament.pk, actor=moderator, key="M4", slot_a=b, slot_b=d)
    assert not Match.objects.filter(key="M4").exists()


def test_moderator_of_another_tournament_is_refused(duel, organizer, moderator, game):
    other = make_tournament(organizer, game, slug="elsewhere")
    setup.add_staff(other.pk, actor=organizer, user=moderator, role="moderator")
    match, a, *_ = duel
    matches.submit_result(match.pk, actor=a, score_a=1, score_b=0)
    with pytest.raises(DomainError, match="not allowed"):
        matches.confirm_result(match.pk, actor=moderator)
    match.refresh_from_db()
    assert match.status == M.PENDING_RESULT


def test_checkin_staff_cannot_touch_results(duel, organizer, checkin_staff):
    match, *_ = duel
    setup.add_staff(match.tournament_id, actor=organizer, user=checkin_staff, role="checkin")
    with pytest.raises(DomainError, match="not allowed"):
        matches.override_score(match.pk, actor=checkin_staff, score_a=1, score_b=0, reason="x")
    match.refresh_from_db()
    assert match.status == M.SCHEDULED


def test_other_organizer_is_refused_everywhere(duel, other_organizer):
    match, a, b, _ = duel
    matches.submit_result(match.pk, actor=a, score_a=1, score_b=0)
    before = snapshot(match)
    audit_before = AuditLog.objects.count()
    calls = {
        "start": lambda: matches.start(match.pk, actor=other_organizer),
        "submit": lambda: matches.submit_result(match.pk, actor=other_organizer, score_a=1, score_b=0),
        "confirm": lambda: matches.confirm_result(match.pk, actor=other_organizer),
        "reject": lambda: matches.reject_result(match.pk, actor=other_organizer, reason="x"),
        "override": lambda: matches.override_score(match.pk, actor=other_organizer, score_a=1, score_b=0, reason="x"),
        "forfeit": lambda: matches.forfeit(match.pk, actor=other_organizer, forfeiting_registration_id=a.pk, reason="x"),
        "cancel": lambda: matches.cancel(match.pk, actor=other_organizer, reason="x"),
        "reschedule": lambda: matches.reschedule(match.pk, actor=other_organizer, new_time=timezone.now() + timedelta(days=1)),
        "lobby": lambda: matches.set_lobby_info(match.pk, actor=other_organizer, lobby_code="X"),
        "create": lambda: setup.create_match(match.tournament_id, actor=other_organizer, key="M9", slot_a=a, slot_b=b),
    }
    for name, call in calls.items():
        with pytest.raises(DomainError) as exc:
            call()
        assert exc.value.code == "forbidden", name
        assert "not allowed to do this in “Weekly Cup”" in str(exc.value), name
    assert snapshot(match) == before
    assert AuditLog.objects.count() == audit_before


# ---- events ---------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_completed_match_events_are_sent_only_after_commit(tournament, organizer, sent_events):
    a, b = enter(tournament, 2)
    match = new_match(tournament, organizer, a, b)
    matches.submit_result(match.pk, actor=a, score_a=3, score_b=1)
    sent_events.clear()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            matches.confirm_result(match.pk, actor=b)
            assert sent_events == []
            raise RuntimeError("rollback")
    assert sent_events == []
    match.refresh_from_db()
    assert match.status == M.PENDING_RESULT

    with transaction.atomic():
        matches.confirm_result(match.pk, actor=b)
        assert sent_events == []  # still inside the transaction
    lobby = [e for e in sent_events if e["group"] == lobby_group(tournament.slug)]
    assert [e["event"] for e in lobby] == ["match.updated", "bracket.updated"]
    updated = lobby[0]["payload"]
    assert updated["match"] == match.pk and updated["status"] == "completed"
    assert (updated["score_a"], updated["score_b"], updated["winner"]) == (3, 1, a.pk)
    assert updated["concerns"] == [a.pk, b.pk]  # only these two lobbies re-fetch their own match
    assert lobby[1]["payload"] == {"tournament": tournament.slug, "match": match.pk, "key": "M1", "concerns": [a.pk, b.pk]}
    assert "@" not in str(lobby)
    private = {e["group"] for e in sent_events if e["event"] == "notification.new"}
    assert private == {f"registration_{a.pk}", f"registration_{b.pk}"}
