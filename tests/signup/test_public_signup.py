"""The public sign-up through the test client: player and team, custom fields, promo code, the mailed
link opening the lobby; window and capacity; CSRF, rate limit and escaping; the public list."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import enter, make_player, make_tournament
from tournaments.models import LobbyAccess, Payment, PromoCode, Registration, Tournament
from tournaments.services import payments, promos, sanctions, tournaments as tournament_services

from .conftest import GOOD, png_upload

pytestmark = pytest.mark.django_db


def _post(client, t, **data):
    return client.post(reverse("lobby:signup", args=[t.slug]), data)


def _answers(**over):
    data = {f"q_{k}": v for k, v in {**GOOD, "accept_the_rules": "on", "shirt_size": "M"}.items()}
    data.update(over)
    return data


def _link_from_mail():
    assert mail.outbox, "no mail was sent"
    match = re.search(r"https?://[^\s]+/lobby/join/[^\s/]+/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(0)


def test_player_signs_up_answers_fields_and_the_mailed_link_opens_the_lobby(fielded, django_capture_on_commit_callbacks):
    client = Client()
    page = client.get(reverse("lobby:signup", args=[fielded.slug]))
    assert page.status_code == 200
    body = page.content.decode()
    for label in ("Discord handle", "Age", "Shirt size", "Accept the rules", "Birth date", "Stream URL", "Rank screenshot"):
        assert label in body
    data = {"display_name": "Zed", "email": "Zed@Example.com", "game_id": "123456789", **_answers()}
    data["q_rank_screenshot"] = png_upload()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("lobby:signup", args=[fielded.slug]), data)
    assert response.status_code == 303, response.content.decode()[:2000]
    done = client.get(response["Location"])
    text = done.content.decode()
    assert "Check your e-mail" in text and "z•••@example.com" in text and "Confirmed" in text
    assert "/lobby/join/" not in text  # the link is never shown
    reg = Registration.objects.get(tournament=fielded, player__email="zed@example.com")
    assert reg.status == Registration.Status.CONFIRMED
    assert reg.answers["shirt_size"] == "M" and reg.answers["rank_screenshot"].startswith("answers/")
    assert reg.player.game_ids == {"efootball": "123456789"}
    assert mail.outbox[-1].to == ["zed@example.com"]
    link = _link_from_mail()
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert not LobbyAccess.objects.filter(token_hash=token).exists()  # stored hashed only
    lobby = Client()
    opened = lobby.get(link.split("://", 1)[1].split("/", 1)[1].join(["/", ""]), follow=True)
    assert opened.status_code == 200
    assert "My matches" in opened.content.decode()  # a participant, not a spectator


def test_field_level_messages_and_nothing_written(fielded):
    client = Client()
    data = {"display_name": "Zed", "email": "not-an-email", "game_id": "123456789",
            **_answers(q_age="9", q_shirt_size="XXL", q_stream_url="javascript:alert(1)")}
    data.pop("q_accept_the_rules")
    response = _post(client, fielded, **data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a valid email address." in body
    assert "The smallest allowed value is 13." in body
    assert "Select a valid choice" in body or "Choose one of" in body
    assert "starting with https://" in body
    assert "This must be ticked to take part." in body
    assert 'value="Zed"' in body  # what was typed is kept
    assert not Registration.objects.filter(tournament=fielded).exists()
    assert not mail.outbox


def test_bad_game_id_is_a_field_message(fielded):
    response = _post(Client(), fielded, display_name="Zed", email="z@example.com", game_id="abc", **_answers())
    assert response.status_code == 400
    assert "Konami" in response.content.decode() or "digits" in response.content.decode()
    assert not Registration.objects.exists()


def test_team_signs_up(organizer, team_game, django_capture_on_commit_callbacks):
    t = make_tournament(organizer, team_game, name="Team Cup", slug="team-cup", participation="team")
    client = Client()
    page = client.get(reverse("lobby:signup", args=[t.slug])).content.decode()
    assert "Register your team" in page and "Team tag" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, t, display_name="Cap", email="cap@example.com", game_id="Cap#EUW", team_name="Red Wolves",
                         team_tag="rw")
    assert response.status_code == 303, response.content.decode()[:2000]
    reg = Registration.objects.get(tournament=t)
    assert reg.team.tag == "RW" and reg.team.captain.email == "cap@example.com"
    assert mail.outbox[-1].to == ["cap@example.com"]
    # another captain may not take the tag
    again = _post(Client(), t, display_name="Other", email="o@example.com", game_id="Oth#EUW", team_name="Red", team_tag="RW")
    assert again.status_code == 400 and "already exists; choose another tag" in again.content.decode()


def test_existing_player_is_recognised_by_email(fielded, django_capture_on_commit_callbacks):
    known = make_player("Known")
    with django_capture_on_commit_callbacks(execute=True):
            response = _post(Client(), fielded, display_name="Someone Else", email=known.email.upper(), game_id="123456789",
                         **_answers())
    assert response.status_code == 303
    reg = Registration.objects.get(tournament=fielded)
    assert reg.player == known and reg.player.display_name == "Known"
    assert mail.outbox[-1].to == [known.email]


def test_duplicate_sign_up_is_refused(fielded):
    data = dict(display_name="Zed", email="z@example.com", game_id="123456789", **_answers())
    assert _post(Client(), fielded, **data).status_code == 303
    again = _post(Client(), fielded, **data)
    assert again.status_code == 400 and "already registered" in again.content.decode()


def test_outside_the_window_is_refused(organizer, game):
    now = timezone.now()
    t = make_tournament(organizer, game, slug="later", registration_opens_at=now + timedelta(days=1),
                        registration_closes_at=now + timedelta(days=2), starts_at=now + timedelta(days=3),
                        check_in_opens_at=None, check_in_closes_at=None)
    page = Client().get(reverse("lobby:signup", args=[t.slug])).content.decode()
    assert "Registration is closed" in page and "opens on" in page and "<form method=\"post\"" not in page
    response = _post(Client(), t, display_name="Zed", email="z@example.com", game_id="123456789")
    assert response.status_code == 400 and "opens on" in response.content.decode()
    tournament_services.close_registration(t.pk, actor=organizer)
    response = _post(Client(), t, display_name="Zed", email="z@example.com", game_id="123456789")
    assert "is not open" in response.content.decode()
    assert not Registration.objects.exists()


def test_drafts_have_no_sign_up_page(organizer, game):
    t = make_tournament(organizer, game, slug="drafty", open_registration=False)
    assert Client().get(reverse("lobby:signup", args=[t.slug])).status_code == 404
    assert Client().get(reverse("lobby:signup", args=["nope"])).status_code == 404


def test_full_tournament_waitlists_and_says_so(organizer, game):
    t = make_tournament(organizer, game, slug="tiny", capacity=2)
    enter(t, 2)
    page = Client().get(reverse("lobby:signup", args=[t.slug])).content.decode()
    assert "you will join the waitlist" in page
    client = Client()
    response = _post(client, t, display_name="Late", email="late@example.com", game_id="123456789")
    assert response.status_code == 303
    done = client.get(response["Location"]).content.decode()
    assert "Waitlisted" in done and "number 1 on the waitlist" in done
    assert Registration.objects.filter(tournament=t, status=Registration.Status.CONFIRMED).count() == 2


def test_sanctioned_player_cannot_sign_up(fielded, organizer):
    player = make_player("Cheater")
    sanctions.issue(actor=organizer, player=player, tournament=fielded, reason="Smurfing last season",
                    ends_at=timezone.now() + timedelta(days=30))
    response = _post(Client(), fielded, display_name="x", email=player.email, game_id="123456789", **_answers())
    assert response.status_code == 400
    body = response.content.decode()
    assert "suspended in this tournament" in body and "Smurfing last season" in body
    assert not Registration.objects.filter(tournament=fielded).exists()


def test_promo_code_discount_is_applied_and_shown_on_the_payment(paid_fielded, organizer):
    promos.save_code(actor=organizer, promo=PromoCode(code="half", kind="percent", value=Decimal("50"), tournament=paid_fielded))
    client = Client()
    bad = _post(client, paid_fielded, display_name="Zed", email="z@example.com", game_id="123456789", promo_code="NOPE")
    assert bad.status_code == 400 and "not valid for this tournament" in bad.content.decode()
    response = _post(client, paid_fielded, display_name="Zed", email="z@example.com", game_id="123456789", promo_code=" Half ")
    assert response.status_code == 303
    done = client.get(response["Location"]).content.decode()
    assert "250.00 BDT" in done and "HALF" in done
    reg = Registration.objects.get(tournament=paid_fielded)
    assert reg.promo_redemption.discount == Decimal("250.00")
    assert PromoCode.objects.get(code="HALF").uses == 1
    from tournaments.services import DomainError

    with pytest.raises(DomainError, match="250.00 BDT"):
        payments.submit(reg.pk, actor=reg, method="bkash", amount="200", reference="TX1")
    from tests.lobby.conftest import join

    lobby = Client()
    join(lobby, reg)
    assert "Promo code HALF: 250.00 BDT off the entry fee." in lobby.get(reverse("lobby:page", args=[paid_fielded.slug])).content.decode()
    payment = payments.submit(reg.pk, actor=reg, method="bkash", amount="250", reference="TX1")
    assert payment.discount == Decimal("250.00") and payment.promo_code == "HALF"


def test_full_discount_waives_the_fee(paid_fielded, organizer):
    promos.save_code(actor=organizer, promo=PromoCode(code="FREE100", kind="percent", value=Decimal("100")))
    client = Client()
    response = _post(client, paid_fielded, display_name="Zed", email="z@example.com", game_id="123456789", promo_code="free100")
    assert response.status_code == 303
    reg = Registration.objects.get(tournament=paid_fielded)
    assert reg.fee_waived and reg.status == Registration.Status.CONFIRMED
    assert "No entry fee is due" in client.get(response["Location"]).content.decode()
    assert not Payment.objects.exists()


def test_csrf_is_required(fielded):
    client = Client(enforce_csrf_checks=True)
    response = _post(client, fielded, display_name="Zed", email="z@example.com", game_id="123456789", **_answers())
    assert response.status_code == 403
    assert not Registration.objects.exists()


def test_rate_limited(fielded, settings):
    settings.LOBBY_RATE_LIMITS = {"signup": (2, 600)}
    client = Client()
    for _ in range(2):
        assert _post(client, fielded, display_name="", email="x").status_code == 400
    limited = _post(client, fielded, display_name="", email="x")
    assert limited.status_code == 429 and limited["Retry-After"]


def test_user_text_is_escaped(organizer, game):
    t = make_tournament(organizer, game, name="<script>alert('t')</script> Cup", slug="xss-cup",
                        description="<img src=x onerror=alert(1)>")
    from tournaments.services import custom_fields

    custom_fields.save_field(t.pk, actor=organizer, label="<b>Bold</b> question", kind="dropdown",
                             options=["<i>x</i>", "y"], help_text="<script>h()</script>")
    body = Client().get(reverse("lobby:signup", args=[t.slug])).content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;alert" in body
    assert "<img src=x" not in body and "<b>Bold</b>" not in body and "<i>x</i>" not in body
    assert "<script>h()" not in body
    response = _post(Client(), t, display_name="<script>evil()</script>", email="bad", game_id="1")
    assert "<script>evil()" not in response.content.decode()
    listing = Client().get(reverse("lobby:index")).content.decode()
    assert "<script>alert" not in listing and "&lt;script&gt;" in listing


# ---- the public list --------------------------------------------------------------------------------

def test_public_list_shows_open_tournaments_with_filters(organizer, game, team_game):
    now = timezone.now()
    a = make_tournament(organizer, game, name="Alpha Open", slug="alpha", starts_at=now + timedelta(days=2))
    b = make_tournament(organizer, team_game, name="Bravo Teams", slug="bravo", participation="team",
                        starts_at=now + timedelta(days=10), registration_closes_at=now + timedelta(days=5))
    make_tournament(organizer, game, name="Draft Hidden", slug="hidden", open_registration=False)
    closed = make_tournament(organizer, game, name="Closed Shop", slug="closed-shop")
    tournament_services.close_registration(closed.pk, actor=organizer)
    client = Client()
    body = client.get(reverse("lobby:index")).content.decode()
    assert "Alpha Open" in body and "Bravo Teams" in body
    assert "Draft Hidden" not in body and "Closed Shop" not in body
    assert reverse("lobby:signup", args=[a.slug]) in body
    by_game = client.get(reverse("lobby:index"), {"game": team_game.slug}).content.decode()
    assert "Bravo Teams" in by_game and "Alpha Open" not in by_game
    later = (now + timedelta(days=5)).date().isoformat()
    by_date = client.get(reverse("lobby:index"), {"from": later}).content.decode()
    assert "Bravo Teams" in by_date and "Alpha Open" not in by_date
    until = (now + timedelta(days=3)).date().isoformat()
    by_until = client.get(reverse("lobby:index"), {"to": until}).content.decode()
    assert "Alpha Open" in by_until and "Bravo Teams" not in by_until
    assert client.get(reverse("lobby:index"), {"from": "garbage"}).status_code == 200
    assert b.pk


def _count_queries(client, django_assert_max_num_queries, n):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("lobby:index")).status_code == 200
    return len(ctx.captured_queries)


def test_public_list_query_count_does_not_grow(organizer, game, django_assert_max_num_queries):
    for i in range(3):
        t = make_tournament(organizer, game, name=f"Few {i}", slug=f"few-{i}")
        enter(t, 1)
    few = _count_queries(Client(), django_assert_max_num_queries, 3)
    for i in range(12):
        make_tournament(organizer, game, name=f"Many {i}", slug=f"many-{i}")
    many = _count_queries(Client(), django_assert_max_num_queries, 15)
    assert few == many
    assert Tournament.objects.count() == 15


def test_spectator_lobby_links_to_the_sign_up_page(fielded, organizer):
    body = Client().get(reverse("lobby:page", args=[fielded.slug])).content.decode()
    assert reverse("lobby:signup", args=[fielded.slug]) in body
    tournament_services.close_registration(fielded.pk, actor=organizer)
    body = Client().get(reverse("lobby:page", args=[fielded.slug])).content.decode()
    assert reverse("lobby:signup", args=[fielded.slug]) not in body
