"""Disputes: opening (who, why, once), review → escalate → resolve, forbidden paths, the final score
completing the match with progression, and disputes closed by a forfeit or cancellation."""
import pytest

from tests.factories import enter
from tournaments.models import AuditLog, Dispute, Match, Notification
from tournaments.services import DomainError, disputes, matches, setup

pytestmark = pytest.mark.django_db
D = Dispute.Status
M = Match.Status


@pytest.fixture
def live(tournament, organizer):
    """(match, a, b, c): a live match a vs b, and a confirmed entrant c who is not in it."""
    a, b, c = enter(tournament, 3)
    match = setup.create_match(tournament.pk, actor=organizer, key="M1", slot_a=a, slot_b=b)
    matches.start(match.pk, actor=organizer)
    match.refresh_from_db()
    return match, a, b, c


@pytest.fixture
def opened(live):
    match, a, b, c = live
    dispute = disputes.open_dispute(match.pk, actor=a, reason="cheating", description="Wallhack in round 3",
                                    evidence_url="https://example.com/clip")
    return dispute, match, a, b


def state(obj):
    obj.refresh_from_db()
    return obj.status


# ---- opening --------------------------------------------------------------------------------------

def test_participant_opens_a_dispute(live):
    match, a, b, _ = live
    dispute = disputes.open_dispute(match.pk, actor=b, reason="no_show", description="Never joined")
    assert dispute.status == D.OPEN and dispute.raised_by == b and dispute.reason == "no_show"
    assert dispute.description == "Never joined" and dispute.assigned_to is None
    assert state(match) == M.DISPUTED
    assert match.history.first().history_change_reason == "dispute: live → disputed"
    entry = AuditLog.objects.get(action="dispute.open")
    assert entry.actor_label == f"participant:{b.display_name}"
    assert entry.metadata == {"match": match.pk, "reason": "no_show"}
    notes = Notification.objects.filter(kind="dispute.opened")
    assert {n.registration_id for n in notes} == {a.pk, b.pk}
    assert all("Opponent did not show up" in n.body for n in notes)


@pytest.mark.parametrize("reason", ["", None, "rage_quit", "Cheating"])
def test_reason_must_be_one_of_the_choices(live, reason):
    match, a, *_ = live
    with pytest.raises(DomainError) as exc:
        disputes.open_dispute(match.pk, actor=a, reason=reason)
    assert str(exc.value) == "Choose a reason for the dispute." and exc.value.code == "reason_required"
    assert state(match) == M.LIVE
    assert Dispute.objects.count() == 0


def test_only_players_of_the_match_may_open(live):
    match, a, b, c = live
    with pytest.raises(DomainError, match="You are not playing in match M1"):
        disputes.open_dispute(match.pk, actor=c, reason="cheating")
    assert state(match) == M.LIVE and Dispute.objects.count() == 0


def test_staff_may_open_but_other_organizer_may_not(live, organizer, other_organizer):
    match, *_ = live
    with pytest.raises(DomainError, match="not allowed"):
        disputes.open_dispute(match.pk, actor=other_organizer, reason="conduct")
    assert state(match) == M.LIVE and Dispute.objects.count() == 0
    dispute = disputes.open_dispute(match.pk, actor=organizer, reason="conduct")
    assert dispute.raised_by is None and dispute.history.first().history_user == organizer


def test_second_open_dispute_is_refused(opened):
    dispute, match, a, b = opened
    with pytest.raises(DomainError) as exc:
        disputes.open_dispute(match.pk, actor=b, reason="wrong_score")
    assert str(exc.value) == "Match M1 already has an open dispute." and exc.value.code == "duplicate"
    assert Dispute.objects.filter(match=match).count() == 1
    assert AuditLog.objects.filter(action="dispute.open").count() == 1


def test_a_scheduled_match_cannot_be_disputed(tournament, organizer):
    a, b = enter(tournament, 2)
    match = setup.create_match(tournament.pk, actor=organizer, key="S1", slot_a=a, slot_b=b)
    with pytest.raises(DomainError, match=r"Match S1 is scheduled \(by alice at .*\); it cannot be disputed"):
        disputes.open_dispute(match.pk, actor=a, reason="no_show")
    assert state(match) == M.SCHEDULED and Dispute.objects.count() == 0


def test_a_pending_result_can_be_disputed(live):
    match, a, b, _ = live
    matches.submit_result(match.pk, actor=a, score_a=2, score_b=0)
    dispute = disputes.open_dispute(match.pk, actor=b, reason="wrong_score")
    assert dispute.status == D.OPEN and state(match) == M.DISPUTED


def test_a_completed_match_cannot_be_disputed(live, organizer):
    match, a, *_ = live
    matches.override_score(match.pk, actor=organizer, score_a=1, score_b=0, reason="Referee")
    with pytest.raises(DomainError, match="is completed .*; it cannot be disputed"):
        disputes.open_dispute(match.pk, actor=a, reason="cheating")
    assert Dispute.objects.count() == 0


# ---- review / escalate / resolve ------------------------------------------------------------------

def test_review_then_escalate_then_resolve(opened, organizer, moderator):
    dispute, match, a, b = opened
    setup.add_staff(match.tournament_id, actor=organizer, user=moderator, role="moderator")
    dispute = disputes.review(dispute.pk, actor=moderator)
    assert dispute.status == D.UNDER_REVIEW and dispute.assigned_to == moderator
    assert dispute.history.first().history_change_reason == "review: open → under_review"
    with pytest.raises(DomainError, match="Say why the dispute is escalated"):
        disputes.escalate(dispute.pk, actor=moderator, note=" ")
    assert state(dispute) == D.UNDER_REVIEW
    dispute = disputes.escalate(dispute.pk, actor=moderator, note="Needs the anti-cheat team")
    assert dispute.status == D.ESCALATED and dispute.resolution == "Needs the anti-cheat team"
    assert AuditLog.objects.get(action="dispute.escalate").reason == "Needs the anti-cheat team"
    dispute = disputes.resolve(dispute.pk, actor=organizer, resolution="Replay confirms a clean win", score_a=1, score_b=0)
    assert dispute.status == D.RESOLVED and dispute.resolved_by == organizer and dispute.resolved_at is not None
    assert (dispute.final_score_a, dispute.final_score_b) == (1, 0)
    record = dispute.history.first()
    assert (record.history_user, record.history_change_reason) == (organizer, "resolve: escalated → resolved")
    actions = list(AuditLog.objects.filter(target_type="dispute").order_by("id").values_list("action", flat=True))
    assert actions == ["dispute.open", "dispute.review", "dispute.escalate", "dispute.resolve"]


def test_escalate_straight_from_open(opened, organizer):
    dispute, *_ = opened
    dispute = disputes.escalate(dispute.pk, actor=organizer, note="Admin decision needed")
    assert dispute.status == D.ESCALATED and dispute.assigned_to is None


@pytest.mark.parametrize("path", ["review_twice", "review_after_escalate", "escalate_twice"])
def test_forbidden_paths_name_the_state(opened, organizer, path):
    dispute, *_ = opened
    if path == "review_twice":
        disputes.review(dispute.pk, actor=organizer)
        call, expected = (lambda: disputes.review(dispute.pk, actor=organizer)), "under review .*; it cannot be taken under review"
    elif path == "review_after_escalate":
        disputes.escalate(dispute.pk, actor=organizer, note="Up")
        call, expected = (lambda: disputes.review(dispute.pk, actor=organizer)), "escalated .*; it cannot be taken under review"
    else:
        disputes.escalate(dispute.pk, actor=organizer, note="Up")
        call, expected = (lambda: disputes.escalate(dispute.pk, actor=organizer, note="Again")), "escalated .*; it cannot be escalated"
    before = (state(dispute), dispute.history.count())
    with pytest.raises(DomainError, match=rf"Dispute #{dispute.pk} is {expected}") as exc:
        call()
    assert exc.value.code == "invalid_state"
    assert (state(dispute), dispute.history.count()) == before


def test_resolve_twice_is_refused_with_the_state(opened, organizer):
    dispute, match, a, b = opened
    disputes.resolve(dispute.pk, actor=organizer, resolution="Clean", score_a=1, score_b=0)
    with pytest.raises(DomainError) as exc:
        disputes.resolve(dispute.pk, actor=organizer, resolution="Actually not", score_a=0, score_b=1)
    assert f"Dispute #{dispute.pk} is resolved (by alice at " in str(exc.value)
    assert str(exc.value).endswith("; it cannot be resolved.")
    dispute.refresh_from_db()
    match.refresh_from_db()
    assert (dispute.final_score_a, dispute.final_score_b, dispute.resolution) == (1, 0, "Clean")
    assert (match.score_a, match.score_b, match.winner) == (1, 0, a)
    assert AuditLog.objects.filter(action="dispute.resolve").count() == 1
    with pytest.raises(DomainError, match="it cannot be taken under review"):
        disputes.review(dispute.pk, actor=organizer)
    with pytest.raises(DomainError, match="it cannot be escalated"):
        disputes.escalate(dispute.pk, actor=organizer, note="Late")


def test_resolve_applies_the_final_score_and_completes_the_match(opened, organizer):
    dispute, match, a, b = opened
    disputes.resolve(dispute.pk, actor=organizer, resolution="Cheating proven; B wins", score_a=0, score_b=1)
    match.refresh_from_db()
    assert match.status == M.COMPLETED and match.winner == b and (match.score_a, match.score_b) == (0, 1)
    assert match.note == "Cheating proven; B wins"
    assert match.history.first().history_change_reason == "complete: disputed → completed"
    entry = AuditLog.objects.get(action="match.complete_by_dispute")
    assert entry.metadata["dispute"] == dispute.pk and entry.metadata["winner"] == b.pk
    assert Notification.objects.filter(kind="dispute.resolved").count() == 2
    assert Notification.objects.filter(kind="match.result_confirmed").count() == 2


def test_resolve_moves_the_winner_on(live, organizer, tournament):
    match, a, b, c = live
    final = setup.create_match(tournament.pk, actor=organizer, key="F", slot_a=None, slot_b=c, round_number=2)
    Match.objects.filter(pk=match.pk).update(winner_to=final, winner_to_slot=0)
    dispute = disputes.open_dispute(match.pk, actor=a, reason="connection")
    disputes.resolve(dispute.pk, actor=organizer, resolution="Rehost counted", score_a=1, score_b=0)
    final.refresh_from_db()
    assert (final.slot_a, final.slot_b) == (a, c)
    assert Notification.objects.filter(registration=a, kind="match.scheduled").exists()


def test_score_mismatch_dispute_resolved_with_one_of_the_reports(live, organizer):
    match, a, b, _ = live
    matches.submit_result(match.pk, actor=a, score_a=13, score_b=9)
    matches.submit_result(match.pk, actor=b, score_a=9, score_b=13)
    dispute = Dispute.objects.get(match=match)
    disputes.resolve(dispute.pk, actor=organizer, resolution="Scoreboard shows 13–9", score_a=13, score_b=9)
    match.refresh_from_db()
    assert match.status == M.COMPLETED and match.winner == a
    assert not match.reports.filter(is_current=True).exists()


@pytest.mark.parametrize("score_a, score_b, message", [
    (1, 1, "is a draw"),
    ("x", 0, "must be a whole number"),
    (0, -3, "between 0 and 999"),
])
def test_resolve_validates_the_score(opened, organizer, score_a, score_b, message):
    dispute, match, *_ = opened
    with pytest.raises(DomainError, match=message):
        disputes.resolve(dispute.pk, actor=organizer, resolution="Decided", score_a=score_a, score_b=score_b)
    dispute.refresh_from_db()
    assert dispute.status == D.OPEN and dispute.resolved_by is None and dispute.final_score_a is None
    assert state(match) == M.DISPUTED
    assert not AuditLog.objects.filter(action="dispute.resolve").exists()


def test_resolve_best_of_three_needs_a_series_score(tournament, organizer):
    a, b = enter(tournament, 2)
    match = setup.create_match(tournament.pk, actor=organizer, key="B3", slot_a=a, slot_b=b, best_of=3)
    matches.start(match.pk, actor=organizer)
    dispute = disputes.open_dispute(match.pk, actor=b, reason="wrong_score")
    with pytest.raises(DomainError, match="In a best of 3 the winner takes exactly 2 games; 3–1 is not possible"):
        disputes.resolve(dispute.pk, actor=organizer, resolution="x", score_a=3, score_b=1)
    assert state(dispute) == D.OPEN
    disputes.resolve(dispute.pk, actor=organizer, resolution="Map 3 to B", score_a=1, score_b=2)
    match.refresh_from_db()
    assert match.winner == b


def test_resolve_requires_a_resolution_text(opened, organizer):
    dispute, match, *_ = opened
    with pytest.raises(DomainError, match="Write the resolution"):
        disputes.resolve(dispute.pk, actor=organizer, resolution="  ", score_a=1, score_b=0)
    assert state(dispute) == D.OPEN and state(match) == M.DISPUTED


def test_participants_and_other_organizers_cannot_handle_disputes(opened, other_organizer):
    dispute, match, a, b = opened
    for actor in (a, b, other_organizer):
        with pytest.raises(DomainError, match="not allowed"):
            disputes.review(dispute.pk, actor=actor)
        with pytest.raises(DomainError, match="not allowed"):
            disputes.escalate(dispute.pk, actor=actor, note="Please")
        with pytest.raises(DomainError, match="not allowed"):
            disputes.resolve(dispute.pk, actor=actor, resolution="I win", score_a=1, score_b=0)
    assert state(dispute) == D.OPEN and state(match) == M.DISPUTED
    assert dispute.history.count() == 1


def test_checkin_staff_cannot_resolve(opened, organizer, checkin_staff):
    dispute, match, *_ = opened
    setup.add_staff(match.tournament_id, actor=organizer, user=checkin_staff, role="checkin")
    with pytest.raises(DomainError, match="not allowed"):
        disputes.resolve(dispute.pk, actor=checkin_staff, resolution="x", score_a=1, score_b=0)
    assert state(dispute) == D.OPEN


# ---- closed by forfeit / cancel -------------------------------------------------------------------

def test_forfeit_of_a_disputed_match_closes_the_dispute(opened, organizer):
    dispute, match, a, b = opened
    disputes.review(dispute.pk, actor=organizer)
    matches.forfeit(match.pk, actor=organizer, forfeiting_registration_id=b.pk, reason="Left the server")
    dispute.refresh_from_db()
    match.refresh_from_db()
    assert match.status == M.FORFEITED and match.winner == a
    assert dispute.status == D.RESOLVED and dispute.resolution == "Closed: the match was forfeited."
    assert dispute.final_score_a is None and dispute.final_score_b is None
    assert dispute.resolved_by == organizer
    assert dispute.history.first().history_change_reason == "resolve: under_review → resolved"
    entry = AuditLog.objects.get(action="dispute.close")
    assert entry.target_id == str(dispute.pk) and entry.reason == "Closed: the match was forfeited."
    # closed means closed: no second resolution
    with pytest.raises(DomainError, match="it cannot be resolved"):
        disputes.resolve(dispute.pk, actor=organizer, resolution="Late", score_a=1, score_b=0)


def test_participant_forfeit_closes_the_dispute_without_a_resolver(opened):
    dispute, match, a, b = opened
    matches.forfeit(match.pk, actor=a, forfeiting_registration_id=a.pk)
    dispute.refresh_from_db()
    assert dispute.status == D.RESOLVED and dispute.resolved_by is None
    assert state(match) == M.FORFEITED


def test_cancelling_a_disputed_match_closes_the_dispute(opened, organizer):
    dispute, match, *_ = opened
    matches.cancel(match.pk, actor=organizer, reason="Replay tomorrow")
    dispute.refresh_from_db()
    assert dispute.status == D.RESOLVED and dispute.resolution == "Closed: the match was cancelled."
    assert state(match) == M.CANCELLED


def test_after_resolution_a_new_dispute_is_possible_only_on_an_open_match(opened, organizer):
    dispute, match, a, b = opened
    disputes.resolve(dispute.pk, actor=organizer, resolution="Clean", score_a=1, score_b=0)
    with pytest.raises(DomainError, match="is completed .*; it cannot be disputed"):
        disputes.open_dispute(match.pk, actor=b, reason="cheating")
    assert Dispute.objects.filter(match=match).count() == 1
