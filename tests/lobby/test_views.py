"""The lobby page through the test client: every action, refusals, spectators, fragments, queries."""
import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from tests.factories import enter, make_player, make_tournament
from tests.support.queries import query_count
from tournaments.models import Dispute, Match, MatchReport, Notification, Payment, Registration
from tournaments.services import announcements, brackets, checkin, matches, registrations, tournaments as tournament_services

from .conftest import join

pytestmark = pytest.mark.django_db
FRAGMENTS = ("header", "roster", "announcements", "my-match", "bracket", "notifications")


def png_upload(name="shot.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def text(response):
    return response.content.decode()


# ---- who sees what ------------------------------------------------------------------------------------

def test_spectator_sees_the_lobby_read_only(live):
    t, match, a, b, c, d = live
    announcements.post(t.pk, actor=t.organizer, title="Welcome", body="Be on time", pinned=True)
    response = Client().get(f"/lobby/{t.slug}/")
    assert response.status_code == 200
    html = text(response)
    assert "Lobby Cup" in html and a.display_name in html and "Welcome" in html
    assert "Watching as a spectator" in html
    assert 'method="post"' not in html  # no action for a spectator
    assert response.context["registration"] is None
    assert "Content-Security-Policy" in response and "script-src 'self'" in response["Content-Security-Policy"]
    # The bracket is on demand: a link to its own page (works without JavaScript), and its fragment.
    assert "M1" not in html and f'href="/lobby/{t.slug}/bracket/"' in html
    for url in (f"/lobby/{t.slug}/bracket/", f"/lobby/{t.slug}/fragments/bracket/"):
        bracket = Client().get(url)
        assert bracket.status_code == 200 and "M1" in text(bracket) and a.display_name in text(bracket)


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_drafts_and_cancelled_events_have_no_lobby(organizer, game, status):
    t = make_tournament(organizer, game, slug=f"hidden-{status}", open_registration=False)
    if status == "cancelled":
        tournament_services.cancel(t.pk, actor=organizer, reason="no")
    response = Client().get(f"/lobby/{t.slug}/")
    assert response.status_code == 404 and b"no lobby here" in response.content
    assert Client().get(f"/lobby/{t.slug}/fragments/roster/").status_code == 404
    assert Client().get("/lobby/no-such-event/").status_code == 404


def test_a_draft_tournament_link_opens_nothing(organizer, game):
    from tournaments.services import lobby_access

    t = make_tournament(organizer, game, slug="draft-link", open_registration=False)
    reg = registrations.register(t, player=make_player(), actor=organizer)  # staff may register before opening
    token = lobby_access.issue_link(reg.pk, actor=organizer)
    assert Client().get(lobby_access.join_path(token)).status_code == 404


def test_participant_page_shows_next_match_with_lobby_info(joined):
    t, match, a, b, ca, cb = joined
    html = text(ca.get(f"/lobby/{t.slug}/"))
    assert "Next: M1" in html and b.display_name in html
    assert "ROOM-42" in html and "EU West" in html and "https://twitch.tv/example" in html
    assert "data-countdown" in html
    assert 'data-action="report"' in html and 'data-action="forfeit"' in html


def test_no_emails_or_phones_on_the_page(joined):
    t, match, a, b, ca, cb = joined
    for client in (ca, Client()):
        html = text(client.get(f"/lobby/{t.slug}/"))
        assert "@example.com" not in html
    for name in FRAGMENTS:
        assert "@example.com" not in text(ca.get(f"/lobby/{t.slug}/fragments/{name}/"))


def test_the_private_link_is_never_printed_on_the_page(joined):
    t, match, a, b, ca, cb = joined
    html = text(ca.get(f"/lobby/{t.slug}/"))
    assert "/lobby/join/" not in html  # lobbies end up on streamed screens; the link only travels by e-mail


def test_user_text_is_escaped(organizer, game):
    t = make_tournament(organizer, game, slug="xss-cup")
    evil = registrations.register(t, player=make_player("<script>alert(1)</script>"), actor=organizer)
    announcements.post(t.pk, actor=organizer, title="<img src=x onerror=alert(2)>", body="<b>bold</b>")
    for url in (f"/lobby/{t.slug}/", f"/lobby/{t.slug}/fragments/roster/", f"/lobby/{t.slug}/fragments/announcements/"):
        html = text(Client().get(url))
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html and "<b>bold</b>" not in html
    html = text(Client().get(f"/lobby/{t.slug}/"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert evil.pk


# ---- actions ----------------------------------------------------------------------------------------

def test_check_in_and_undo(organizer, game):
    t = make_tournament(organizer, game, slug="checkin-cup")
    (a,) = enter(t)
    client = Client()
    join(client, a)
    response = client.post(f"/lobby/{t.slug}/check-in/")
    assert response.status_code == 303 and response["Location"] == f"/lobby/{t.slug}/#header"
    a.refresh_from_db()
    assert a.is_checked_in
    page = client.get(response["Location"])
    assert "You are checked in." in text(page) and 'data-checked-in="1"' in text(page)
    client.post(f"/lobby/{t.slug}/check-in/", {"undo": "1"})
    a.refresh_from_db()
    assert not a.is_checked_in


def test_check_in_refused_outside_the_window_changes_nothing(organizer, game):
    now = timezone.now()
    t = make_tournament(organizer, game, slug="later-cup", check_in_opens_at=now + timedelta(days=1),
                       check_in_closes_at=now + timedelta(days=1, hours=1))
    (a,) = enter(t)
    client = Client()
    join(client, a)
    assert 'data-action="check-in"' not in text(client.get(f"/lobby/{t.slug}/"))  # no button outside the window
    response = client.post(f"/lobby/{t.slug}/check-in/")
    assert response.status_code == 400
    assert "Not now: check-in is open from" in text(response)
    a.refresh_from_db()
    assert not a.is_checked_in


def test_report_a_result_with_a_screenshot(joined):
    t, match, a, b, ca, cb = joined
    response = ca.post(f"/lobby/{t.slug}/matches/{match.pk}/report/",
                       {"score_a": "13", "score_b": "11", "evidence_url": "https://example.com/s.png", "evidence": png_upload()})
    assert response.status_code == 303, text(response)[:2000]
    report = MatchReport.objects.get(match=match)
    assert (report.registration, report.score_a, report.score_b) == (a, 13, 11)
    assert report.evidence.name.startswith("evidence/") and report.evidence_url == "https://example.com/s.png"
    match.refresh_from_db()
    assert match.status == Match.Status.PENDING_RESULT
    # the opponent now sees a confirm button with the score
    assert "Confirm 13–11" in text(cb.get(f"/lobby/{t.slug}/"))


def test_report_refusals_show_the_service_message_and_write_nothing(joined):
    t, match, a, b, ca, cb = joined
    url = f"/lobby/{t.slug}/matches/{match.pk}/report/"
    response = ca.post(url, {"score_a": "5", "score_b": "5"})
    assert response.status_code == 400 and "is a draw" in text(response)
    assert 'value="5"' in text(response)  # what was typed is kept
    fake = io.BytesIO(b"not an image at all")
    fake.name = "shot.png"
    response = ca.post(url, {"score_a": "2", "score_b": "1", "evidence": fake})
    assert response.status_code == 400 and "is not a PNG, JPEG, WebP or GIF image" in text(response)
    response = ca.post(url, {"score_a": "two", "score_b": "1"})
    assert response.status_code == 400 and "Enter a whole number" in text(response)
    response = ca.post(url, {"score_a": "2", "score_b": "1", "evidence_url": "javascript:alert(1)"})
    assert response.status_code == 400
    assert not MatchReport.objects.exists()
    match.refresh_from_db()
    assert match.status == Match.Status.SCHEDULED


def test_a_participant_cannot_report_someone_elses_match(live):
    t, match, a, b, c, d = live
    client = Client()
    join(client, c)
    response = client.post(f"/lobby/{t.slug}/matches/{match.pk}/report/", {"score_a": "2", "score_b": "1"})
    assert response.status_code == 403 and "You are not playing in match M1" in text(response)
    assert not MatchReport.objects.exists()


def test_confirm_result_by_the_opponent_only(joined):
    t, match, a, b, ca, cb = joined
    ca.post(f"/lobby/{t.slug}/matches/{match.pk}/report/", {"score_a": "13", "score_b": "11"})
    response = ca.post(f"/lobby/{t.slug}/matches/{match.pk}/confirm/")
    assert response.status_code == 400 and "your opponent or staff must confirm it" in text(response)
    response = cb.post(f"/lobby/{t.slug}/matches/{match.pk}/confirm/")
    assert response.status_code == 303
    match.refresh_from_db()
    assert match.status == Match.Status.COMPLETED and match.winner == a


def test_open_a_dispute(joined):
    t, match, a, b, ca, cb = joined
    matches.start(match.pk, actor=t.organizer)
    url = f"/lobby/{t.slug}/matches/{match.pk}/dispute/"
    response = cb.post(url, {"reason": "nonsense"})
    assert response.status_code == 400 and not Dispute.objects.exists()
    response = cb.post(url, {"reason": "cheating", "description": "wallhack <script>", "evidence_url": "https://example.com/v"})
    assert response.status_code == 303
    dispute = Dispute.objects.get()
    assert (dispute.raised_by, dispute.reason, dispute.description) == (b, "cheating", "wallhack <script>")
    response = ca.post(url, {"reason": "other"})
    assert response.status_code == 400 and "already has an open dispute" in text(response)
    assert Dispute.objects.count() == 1


def test_forfeit_needs_an_explicit_tick(joined):
    t, match, a, b, ca, cb = joined
    url = f"/lobby/{t.slug}/matches/{match.pk}/forfeit/"
    assert ca.post(url, {}).status_code == 400
    match.refresh_from_db()
    assert match.status == Match.Status.SCHEDULED
    assert ca.post(url, {"confirm": "on", "reason": "sick"}).status_code == 303
    match.refresh_from_db()
    assert match.status == Match.Status.FORFEITED and match.winner == b


def test_withdraw_before_the_event_and_refused_once_live(organizer, game, live):
    t = make_tournament(organizer, game, slug="withdraw-cup")
    (x,) = enter(t)
    client = Client()
    join(client, x)
    assert 'data-action="withdraw"' in text(client.get(f"/lobby/{t.slug}/"))
    assert client.post(f"/lobby/{t.slug}/withdraw/", {"confirm": "on"}).status_code == 303
    x.refresh_from_db()
    assert x.status == Registration.Status.CANCELLED

    lt, match, a, *_ = live
    ca = Client()
    join(ca, a)
    assert 'data-action="withdraw"' not in text(ca.get(f"/lobby/{lt.slug}/"))
    response = ca.post(f"/lobby/{lt.slug}/withdraw/", {"confirm": "on"})
    assert response.status_code == 400 and "has started" in text(response)
    a.refresh_from_db()
    assert a.status == Registration.Status.CONFIRMED


def test_submit_a_payment(paid_tournament):
    t = paid_tournament
    (a,) = enter(t)
    client = Client()
    join(client, a)
    assert 'data-action="pay"' in text(client.get(f"/lobby/{t.slug}/"))
    response = client.post(f"/lobby/{t.slug}/payment/", {"method": "bkash", "amount": "100", "reference": "TX1"})
    assert response.status_code == 400 and "is not enough" in text(response)
    assert not Payment.objects.exists()
    response = client.post(f"/lobby/{t.slug}/payment/", {"method": "bkash", "amount": "500", "reference": "TX1",
                                                          "proof": png_upload()})
    assert response.status_code == 303
    assert Payment.objects.get().reference == "TX1"


def test_mark_notifications_read(joined):
    t, match, a, b, ca, cb = joined
    assert Notification.objects.filter(registration=a, read_at__isnull=True).count() >= 1
    response = ca.post(f"/lobby/{t.slug}/notifications/read/")
    assert response.status_code == 303
    assert not Notification.objects.filter(registration=a, read_at__isnull=True).exists()
    assert Notification.objects.filter(registration=b, read_at__isnull=True).exists()  # only mine


def test_the_unread_count_covers_every_notification_not_just_those_shown(joined):
    """One query gives the newest 20 notifications and the unread count of all of them."""
    from django.utils import timezone

    from tournaments.lobby import selectors
    from tournaments.services import notifications

    t, match, a, b, ca, cb = joined
    Notification.objects.filter(registration=a).delete()
    assert selectors.notifications(a) == ([], 0)
    for i in range(25):
        notifications.notify(a, "test", f"Note {i}")
    oldest = Notification.objects.filter(registration=a).order_by("created_at", "id")[:3]
    Notification.objects.filter(pk__in=[n.pk for n in oldest]).update(read_at=timezone.now())  # not among the 20 shown
    notes, unread = selectors.notifications(a)
    assert len(notes) == 20 and unread == 22 and notes[0].title == "Note 24"
    html = ca.get(f"/lobby/{t.slug}/fragments/notifications/").content.decode()
    assert "Mark 22 unread notifications as read" in html
    assert selectors.notifications(b)[1] == Notification.objects.filter(registration=b, read_at__isnull=True).count()


def test_spectators_cannot_act(live):
    t, match, a, b, c, d = live
    client = Client()
    for url, data in ((f"/lobby/{t.slug}/check-in/", {}), (f"/lobby/{t.slug}/matches/{match.pk}/report/", {"score_a": 1, "score_b": 0}),
                      (f"/lobby/{t.slug}/notifications/read/", {}), (f"/lobby/{t.slug}/withdraw/", {"confirm": "on"})):
        response = client.post(url, data)
        assert response.status_code == 403 and b"Private link needed" in response.content
    assert not MatchReport.objects.exists()


def test_actions_need_post_and_csrf(joined):
    t, match, a, b, ca, cb = joined
    assert ca.get(f"/lobby/{t.slug}/check-in/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    join(strict, a)
    response = strict.post(f"/lobby/{t.slug}/matches/{match.pk}/forfeit/", {"confirm": "on"})
    assert response.status_code == 403
    match.refresh_from_db()
    assert match.status == Match.Status.SCHEDULED
    page = strict.get(f"/lobby/{t.slug}/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text(page)).group(1)
    response = strict.post(f"/lobby/{t.slug}/matches/{match.pk}/forfeit/", {"confirm": "on", "csrfmiddlewaretoken": token})
    assert response.status_code == 303


def test_actions_are_rate_limited_per_registration(joined, settings):
    settings.LOBBY_RATE_LIMITS = {"action": (2, 60)}
    t, match, a, b, ca, cb = joined
    assert ca.post(f"/lobby/{t.slug}/notifications/read/").status_code == 303
    assert ca.post(f"/lobby/{t.slug}/notifications/read/").status_code == 303
    response = ca.post(f"/lobby/{t.slug}/notifications/read/")
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    # another device of the same registration shares the limit; another registration does not
    other = Client()
    join(other, a)
    assert other.post(f"/lobby/{t.slug}/notifications/read/").status_code == 429
    assert cb.post(f"/lobby/{t.slug}/notifications/read/").status_code == 303


def test_join_attempts_are_rate_limited(live, settings):
    settings.LOBBY_RATE_LIMITS = {"join": (3, 60)}
    client = Client()
    for _ in range(3):
        assert client.get("/lobby/join/guess/").status_code == 404
    response = client.get("/lobby/join/guess/")
    assert response.status_code == 429 and "Retry-After" in response


# ---- fragments -----------------------------------------------------------------------------------------

def test_fragments_render_for_participants_and_public_ones_for_spectators(joined):
    t, match, a, b, ca, cb = joined
    for name in FRAGMENTS:
        response = ca.get(f"/lobby/{t.slug}/fragments/{name}/")
        assert response.status_code == 200, name
        assert "<html" not in text(response)
    spectator = Client()
    for name in ("header", "roster", "announcements", "bracket"):
        assert spectator.get(f"/lobby/{t.slug}/fragments/{name}/").status_code == 200
    for name in ("my-match", "notifications"):
        assert spectator.get(f"/lobby/{t.slug}/fragments/{name}/").status_code == 403
    assert ca.get(f"/lobby/{t.slug}/fragments/secrets/").status_code == 404
    checkin.check_in(a.pk, actor=a)
    assert 'data-checked-in="1"' in text(spectator.get(f"/lobby/{t.slug}/fragments/roster/"))


def _event_with(organizer, game, n, slug):
    t = make_tournament(organizer, game, name=f"Swiss {n}", slug=slug, capacity=64, format="swiss")
    regs = enter(t, n)
    tournament_services.close_registration(t.pk, actor=organizer)
    tournament_services.start(t.pk, actor=organizer)
    brackets.generate(t.pk, actor=organizer)
    for i in range(3):
        announcements.post(t.pk, actor=organizer, title=f"News {i}", pinned=i == 0)
    for reg in regs[: n // 2]:
        checkin.check_in(reg.pk, actor=organizer, override=True)
    first = Match.objects.filter(tournament=t).order_by("id").first()
    matches.override_score(first.pk, actor=organizer, score_a=1, score_b=0, reason="test")
    return t, regs[-1]


def test_fragment_queries_do_not_grow_with_the_entrants(organizer, game):
    small, small_reg = _event_with(organizer, game, 10, "swiss-10")
    big, big_reg = _event_with(organizer, game, 50, "swiss-50")
    small_client, big_client = Client(), Client()
    join(small_client, small_reg)
    join(big_client, big_reg)
    for name in FRAGMENTS:
        few = query_count(small_client, f"/lobby/{small.slug}/fragments/{name}/")
        many = query_count(big_client, f"/lobby/{big.slug}/fragments/{name}/")
        assert few == many, (name, few, many)
        assert many <= 12, (name, many)
    assert query_count(small_client, f"/lobby/{small.slug}/") == query_count(big_client, f"/lobby/{big.slug}/")
