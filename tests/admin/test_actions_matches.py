"""Match and dispute actions: results, overrides, forfeits, schedule — each through its service."""
from datetime import timedelta

import pytest
from django.contrib import messages
from django.utils import timezone

from tests.admin.action_support import (
    action_url, audit_codes, change_page, changelist_url, get_does_not_change, messages_of, offered, post, refused,
    state,
)
from tests.factories import enter
from tournaments.models import Dispute, Match
from tournaments.services import disputes, matches, setup

pytestmark = pytest.mark.django_db
M = Match.Status


@pytest.fixture
def sides(tournament):
    return enter(tournament, 2)


@pytest.fixture
def match(organizer, tournament, sides):
    return setup.create_match(tournament.pk, actor=organizer, key="WB1.1", slot_a=sides[0], slot_b=sides[1])


@pytest.fixture
def reported(organizer, match, sides):
    matches.start(match.pk, actor=organizer)
    matches.submit_result(match.pk, actor=sides[0], score_a=13, score_b=7)
    return match


@pytest.fixture
def moderator_on(organizer, moderator, tournament):
    setup.add_staff(tournament.pk, actor=organizer, user=moderator, role="moderator")
    return moderator


def test_start(client, organizer, match):
    client.force_login(organizer)
    assert offered(client, match, "start") and not offered(client, match, "confirm_result")
    get_does_not_change(client, match, "start")
    post(client, match, "start")
    assert state(match) == M.LIVE and audit_codes(match)[-1] == "match.start"
    assert not offered(client, match, "start")


def test_start_hidden_without_both_entrants(client, organizer, tournament, sides):
    lonely = setup.create_match(tournament.pk, actor=organizer, key="WB2.1", slot_a=sides[0], slot_b=None)
    client.force_login(organizer)
    page = change_page(client, lonely)
    assert action_url(lonely, "start") not in page and action_url(lonely, "forfeit") not in page
    assert action_url(lonely, "reschedule") in page


def test_confirm_result(client, organizer, reported, sides):
    client.force_login(organizer)
    assert offered(client, reported, "confirm_result")
    get_does_not_change(client, reported, "confirm_result")
    post(client, reported, "confirm_result")
    reported.refresh_from_db()
    assert reported.status == M.COMPLETED and reported.winner_id == sides[0].pk
    assert audit_codes(reported)[-1] == "match.confirm"


def test_stale_confirm_shows_the_service_message(client, organizer, reported):
    matches.reject_result(reported.pk, actor=organizer, reason="Screenshot unreadable")
    client.force_login(organizer)
    refused(client, reported, "confirm_result", contains="no reported result")


def test_confirm_result_row_action_only_on_reported_matches(client, organizer, tournament, reported):
    a, b = enter(tournament, 2)
    waiting = setup.create_match(tournament.pk, actor=organizer, key="WB1.2", slot_a=a, slot_b=b)
    client.force_login(organizer)
    page = client.get(changelist_url(Match)).content.decode()
    assert action_url(reported, "confirm_result") in page
    assert action_url(waiting, "confirm_result") not in page


def test_reject_result(client, organizer, reported):
    client.force_login(organizer)
    get_does_not_change(client, reported, "reject_result")
    post(client, reported, "reject_result", {"reason": "Wrong map"})
    reported.refresh_from_db()
    assert reported.status == M.LIVE and reported.note == "Wrong map"
    assert audit_codes(reported)[-1] == "match.reject_result"


def test_override_score(client, organizer, match, sides):
    matches.start(match.pk, actor=organizer)
    client.force_login(organizer)
    page = client.get(action_url(match, "override_score")).content.decode()
    assert sides[0].display_name in page  # the score fields are labelled with the real sides
    response = post(client, match, "override_score", {"score_a": "5", "score_b": "5", "reason": "Admin decision"})
    assert response.status_code == 200  # a draw: the service refuses, the form stays filled in
    assert any("draw" in m for m in messages_of(response, messages.ERROR))
    assert state(match) == M.LIVE
    post(client, match, "override_score", {"score_a": "3", "score_b": "13", "reason": "Admin decision"})
    match.refresh_from_db()
    assert match.status == M.COMPLETED and (match.score_a, match.score_b) == (3, 13) and match.winner_id == sides[1].pk
    assert audit_codes(match)[-1] == "match.override"


def test_forfeit(client, organizer, match, sides):
    client.force_login(organizer)
    get_does_not_change(client, match, "forfeit")
    post(client, match, "forfeit", {"side": str(sides[1].pk), "reason": "No-show"})
    match.refresh_from_db()
    assert match.status == M.FORFEITED and match.winner_id == sides[0].pk
    assert audit_codes(match)[-1] == "match.forfeit"


def test_cancel_needs_manage(client, organizer, moderator_on, match):
    client.force_login(moderator_on)
    page = change_page(client, match)
    assert action_url(match, "start") in page and action_url(match, "cancel") not in page
    assert client.post(action_url(match, "cancel"), {"reason": "x"}).status_code == 403
    client.force_login(organizer)
    get_does_not_change(client, match, "cancel")
    post(client, match, "cancel", {"reason": "Server outage"})
    assert state(match) == M.CANCELLED and audit_codes(match)[-1] == "match.cancel"


def test_moderator_confirms_results(client, moderator_on, reported):
    client.force_login(moderator_on)
    post(client, reported, "confirm_result")
    assert state(reported) == M.COMPLETED


def test_reschedule_in_the_tournament_time_zone(client, organizer, match):
    client.force_login(organizer)
    get_does_not_change(client, match, "reschedule")
    when = (timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    response = post(client, match, "reschedule", {"new_time_0": when.strftime("%Y-%m-%d"), "new_time_1": when.strftime("%H:%M"),
                                                  "reason": "Caster request"})
    assert response.status_code == 302, messages_of(response)
    match.refresh_from_db()
    assert match.scheduled_at == when  # tournament time zone is UTC
    assert audit_codes(match)[-1] == "match.reschedule"
    past = timezone.now() - timedelta(days=1)
    response = post(client, match, "reschedule", {"new_time_0": past.strftime("%Y-%m-%d"), "new_time_1": "10:00"})
    assert any("past" in m for m in messages_of(response, messages.ERROR))
    match.refresh_from_db()
    assert match.scheduled_at == when


def test_set_lobby_info(client, organizer, match):
    client.force_login(organizer)
    get_does_not_change(client, match, "lobby_info")
    post(client, match, "lobby_info", {"lobby_code": "XK42", "lobby_server": "EU-West", "stream_url": "https://twitch.tv/cup"})
    match.refresh_from_db()
    assert (match.lobby_code, match.lobby_server, match.stream_url) == ("XK42", "EU-West", "https://twitch.tv/cup")
    assert audit_codes(match)[-1] == "match.lobby_info"


def test_other_organizer_gets_404(client, other_organizer, match):
    client.force_login(other_organizer)
    for name in ("start", "cancel", "override_score"):
        assert client.get(action_url(match, name)).status_code == 404
        assert client.post(action_url(match, name), {"reason": "x"}).status_code == 404
    assert state(match) == M.SCHEDULED


# ---- disputes ----------------------------------------------------------------------------------------
@pytest.fixture
def dispute(organizer, match, sides):
    matches.start(match.pk, actor=organizer)
    return disputes.open_dispute(match.pk, actor=sides[1], reason=Dispute.Reason.WRONG_SCORE, description="They lagged")


def test_review_escalate_resolve(client, organizer, dispute, sides):
    client.force_login(organizer)
    assert offered(client, dispute, "review") and offered(client, dispute, "resolve")
    get_does_not_change(client, dispute, "review")
    post(client, dispute, "review")
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.UNDER_REVIEW and dispute.assigned_to == organizer
    assert not offered(client, dispute, "review")
    get_does_not_change(client, dispute, "escalate")
    post(client, dispute, "escalate", {"reason": "Needs the head admin"})
    assert state(dispute) == Dispute.Status.ESCALATED
    get_does_not_change(client, dispute, "resolve")
    post(client, dispute, "resolve", {"resolution": "Replay shows 13-9", "score_a": "13", "score_b": "9"})
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.RESOLVED and (dispute.final_score_a, dispute.final_score_b) == (13, 9)
    assert state(dispute.match) == M.COMPLETED
    assert audit_codes(dispute) == ["dispute.open", "dispute.review", "dispute.escalate", "dispute.resolve"]
    assert not offered(client, dispute, "resolve") and not offered(client, dispute, "escalate")


def test_resolve_with_an_impossible_score_changes_nothing(client, organizer, dispute):
    client.force_login(organizer)
    response = post(client, dispute, "resolve", {"resolution": "x", "score_a": "4", "score_b": "4"})
    assert response.status_code == 200 and messages_of(response, messages.ERROR)
    assert state(dispute) == Dispute.Status.OPEN and state(dispute.match) == M.DISPUTED


def test_dispute_actions_scoped(client, other_organizer, dispute):
    client.force_login(other_organizer)
    assert client.post(action_url(dispute, "review")).status_code == 404
    assert state(dispute) == Dispute.Status.OPEN


def test_double_forfeit(client, organizer, match):
    client.force_login(organizer)
    get_does_not_change(client, match, "double_forfeit")
    post(client, match, "double_forfeit", {"reason": "Both no-show"})
    match.refresh_from_db()
    assert match.status == M.FORFEITED and match.winner_id is None
    assert audit_codes(match)[-1] == "match.double_forfeit"


def test_correct_result_only_on_completed_matches(client, organizer, reported, sides):
    client.force_login(organizer)
    assert not offered(client, reported, "correct_result")
    matches.confirm_result(reported.pk, actor=organizer)
    assert offered(client, reported, "correct_result") and not offered(client, reported, "override_score")
    page = client.get(action_url(reported, "correct_result")).content.decode()
    assert 'value="13"' in page  # the current score is the starting point
    post(client, reported, "correct_result", {"score_a": "7", "score_b": "13", "reason": "Scores were swapped"})
    reported.refresh_from_db()
    assert (reported.score_a, reported.score_b, reported.winner_id) == (7, 13, sides[1].pk)
    assert audit_codes(reported)[-1] == "match.correct"
