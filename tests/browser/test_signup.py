"""The public sign-up by real clicks on a phone-sized screen: the open-tournament list, the sign-up
form with custom questions and an image upload, the "check your e-mail" page, then the mailed link
opening the participant's lobby."""
import io
import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect
from PIL import Image

from tests.factories import make_tournament
from tournaments.models import PromoCode, Registration
from tournaments.services import custom_fields, promos

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_through_the_public_page(page, live_server, shot, organizer, game, tmp_path):
    t = make_tournament(organizer, game, name="Browser Cup", slug="browser-cup", entry_fee=Decimal("300"),
                        payment_methods=["bkash"], description="Saturday 1v1 cup. <b>Bring</b> your own controller.")
    for order, spec in enumerate([
            dict(label="Discord handle", kind="text", required=True, regex=r"[a-z0-9_.]{2,32}", help_text="lowercase"),
            dict(label="Shirt size", kind="dropdown", required=True, options=["S", "M", "L"]),
            dict(label="Birth date", kind="date"),
            dict(label="Rank screenshot", kind="media"),
            dict(label="I accept the rules", kind="toggle", required=True)]):
        custom_fields.save_field(t.pk, actor=organizer, order=order, **spec)
    promos.save_code(actor=organizer, promo=PromoCode(code="EARLY", kind="percent", value=Decimal("20"), tournament=t))
    image = tmp_path / "rank.png"
    Image.new("RGB", (8, 8), "blue").save(image, "PNG")

    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server.url}/lobby/")
    expect(page.get_by_role("heading", name="Browser Cup")).to_be_visible()
    page.get_by_role("link", name="Browser Cup").first.click()
    expect(page.get_by_role("heading", name="Register as a player")).to_be_visible()
    page.get_by_label("Your name").fill("Zara")
    page.get_by_label("E-mail").fill("zara@example.com")
    page.get_by_label("Your eFootball ID").fill("123456789")
    page.get_by_label("Discord handle").fill("Zara!")  # wrong on purpose: field-level message first
    page.get_by_label("Shirt size").select_option("M")
    page.get_by_label("Birth date").fill("2001-02-03")
    page.get_by_label("Rank screenshot").set_input_files(str(image))
    page.get_by_label("Promo code").fill("early")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator(".field.invalid")).to_have_count(2)  # the pattern, and the rules not ticked
    expect(page.get_by_text("This must be ticked to take part.", exact=True)).to_be_visible()
    shot(page, "signup-errors-375")
    page.get_by_label("Discord handle").fill("zara_01")
    page.get_by_label("I accept the rules").check()
    page.get_by_label("Rank screenshot").set_input_files(str(image))  # browsers never keep a file input
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    expect(page.get_by_text("240.00 BDT")).to_be_visible()
    shot(page, "signup-done-375")

    reg = Registration.objects.get(tournament=t)
    assert reg.answers["discord_handle"] == "zara_01" and reg.answers["rank_screenshot"].startswith("answers/")
    assert reg.promo_redemption.discount == Decimal("60.00")
    link = re.search(r"https?://\S+/lobby/join/\S+/", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + "/lobby/join/" + link.rstrip("/").rsplit("/", 1)[-1] + "/")
    expect(page.get_by_role("heading", name="My matches")).to_be_visible()
    expect(page.get_by_text("Promo code EARLY: 60.00 BDT off the entry fee.")).to_be_visible()
    shot(page, "signup-lobby-375")
