"""Command Center side of sign-up: custom-field inline, answers on the registration page and as list
columns, promo codes and sanctions lists (scoping, actions, fixed query counts), exports and imports."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.admin.action_support import action_url, changelist_url, messages_of
from tests.admin.test_admin_forms import _dt, _tournament_form
from tests.factories import make_player, make_tournament
from tournaments.models import AuditLog, CustomField, PromoCode, Registration, Sanction
from tournaments.services import checkin, promos, registrations, sanctions

from .conftest import GOOD

pytestmark = pytest.mark.django_db


def _change_form(tournament, game, **extra):
    form = _tournament_form(game, name=tournament.name, capacity=tournament.capacity)
    form.pop("slug")
    form["requires_approval"] = ""
    for field in ("registration_opens_at", "registration_closes_at", "starts_at", "check_in_opens_at", "check_in_closes_at"):
        for part, text in _dt(getattr(tournament, field)).items():
            form[f"{field}_{part}"] = text
    form.update(extra)
    return form


def _field_row(i, **values):
    row = {"id": "", "tournament": "", "order": i, "label": "", "key": "", "kind": "text", "min_value": "", "max_value": "",
           "regex": "", "options": "[]", "help_text": ""}
    row.update(values)
    return {f"custom_fields-{i}-{k}": v for k, v in row.items() if v is not False}


def test_custom_field_inline_saves_through_the_service(client, organizer, game, tournament):
    client.force_login(organizer)
    url = reverse("admin:tournaments_tournament_change", args=[tournament.pk])
    form = _change_form(tournament, game, **{"custom_fields-TOTAL_FORMS": 2},
                        **_field_row(0, label="Shirt size", kind="dropdown", options='["S", "M"]', required="on"),
                        **_field_row(1, label="Discord", kind="text", regex="[a-z]+"))
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(CustomField.objects.filter(tournament=tournament).values_list("key", flat=True)) == ["shirt_size", "discord"]
    assert AuditLog.objects.filter(action="custom_field.save", actor=organizer).count() == 2
    page = client.get(url).content.decode()
    assert "sign-up questions" in page.lower() and "Shirt size" in page


def test_custom_field_inline_refusal_saves_nothing(client, organizer, game, tournament):
    client.force_login(organizer)
    url = reverse("admin:tournaments_tournament_change", args=[tournament.pk])
    form = _change_form(tournament, game, capacity=12, **{"custom_fields-TOTAL_FORMS": 1},
                        **_field_row(0, label="Colour", kind="dropdown", options="[]"))
    response = client.post(url, form, follow=True)
    shown = response.content.decode() + " ".join(messages_of(response, messages.ERROR))
    assert "dropdown needs a list" in shown
    assert not CustomField.objects.exists()
    tournament.refresh_from_db()
    assert tournament.capacity == 8  # the whole form was rolled back


def test_registration_page_shows_answers_and_edits_are_validated(client, organizer, fielded):
    reg = registrations.register(fielded, player=make_player(), answers=GOOD)
    client.force_login(organizer)
    url = reverse("admin:tournaments_registration_change", args=[reg.pk])
    page = client.get(url).content.decode()
    assert "Discord handle" in page and "zed_99" in page and "https://twitch.tv/zed" in page
    import json

    form = {"seed": "", "answers": json.dumps({**reg.answers, "age": "7"})}
    response = client.post(url, form)
    assert response.status_code == 200 and "The smallest allowed value is 13." in response.content.decode()
    reg.refresh_from_db()
    assert reg.answers["age"] == "21"
    form["answers"] = json.dumps({**reg.answers, "age": "40"})
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    reg.refresh_from_db()
    assert reg.answers["age"] == "40"
    assert AuditLog.objects.filter(action="registration.answers", target_id=str(reg.pk)).exists()


def _list_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_registration_list_for_one_tournament_has_answer_columns_with_fixed_queries(client, organizer, fielded):
    client.force_login(organizer)
    url = changelist_url(Registration) + f"?tournament={fielded.pk}"
    fielded.capacity = 100
    from tournaments.services import setup

    setup.update_tournament(fielded.pk, actor=organizer, capacity=100)
    counts = []
    for total in (3, 12):
        while Registration.objects.filter(tournament=fielded).count() < total:
            registrations.register(fielded, player=make_player(), answers={**GOOD, "shirt_size": "L"})
        queries, response = _list_queries(client, url)
        counts.append(queries)
    body = response.content.decode()
    assert "Shirt size" in body and "Discord handle" in body and body.count(">zed_99<") == 12
    assert counts[0] == counts[1], counts
    plain = client.get(changelist_url(Registration)).content.decode()
    assert "Discord handle" not in plain


def test_export_has_answer_columns_by_label(client, organizer, fielded):
    from tournaments.imports import exports

    registrations.register(fielded, player=make_player(), answers={**GOOD, "age": "=1+1" if False else "30"})
    content, _name, _type = exports.export("registrations", "csv", user=organizer, tournament=fielded)
    text = content.decode("utf-8-sig")
    header = text.splitlines()[0]
    assert "Discord handle" in header and "Shirt size" in header and "Accept the rules" in header
    assert "zed_99" in text and ",yes" in text


def test_import_validates_answer_columns_by_label(organizer, fielded):
    from tests.imports.conftest import csv_bytes, run

    text = ("Name,Email,Discord handle,Age,Accept the rules,Shirt Size\n"
            "Ann,ann@example.com,ann_1,25,yes,m\n"
            "Bob,bob@example.com,BOB!,7,no,XXL\n")
    report = run(fielded, csv_bytes(text), organizer)
    errors = report.error_texts()
    assert any(e.startswith("row 3, column 'Discord handle': This does not have the expected format.") for e in errors), errors
    assert "row 3, column 'Age': The smallest allowed value is 13." in errors
    assert "row 3, column 'Accept the rules': This must be ticked to take part." in errors
    assert "row 3, column 'Shirt Size': Choose one of: S, M, L." in errors
    assert not any(e.startswith("row 2") for e in errors)
    assert not Registration.objects.filter(tournament=fielded).exists()  # a file with a bad row writes nothing
    good = run(fielded, csv_bytes(text.rsplit("Bob", 1)[0]), organizer)
    assert not good.errors
    reg = Registration.objects.get(tournament=fielded)
    assert reg.answers["shirt_size"] == "M" and reg.answers["accept_the_rules"] is True and reg.answers["age"] == "25"


# ---- promo codes -------------------------------------------------------------------------------------

def test_promo_admin_is_scoped_and_saves_through_the_service(client, organizer, other_organizer, paid_tournament):
    client.force_login(organizer)
    response = client.post(reverse("admin:tournaments_promocode_add"),
                           {"code": "early", "tournament": paid_tournament.pk, "kind": "percent", "value": "20",
                            "max_uses": "10", "active": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    code = PromoCode.objects.get(code="EARLY")
    assert code.organizer == organizer and AuditLog.objects.filter(action="promo.create").exists()
    bad = client.post(reverse("admin:tournaments_promocode_add"), {"code": "x", "kind": "percent", "value": "120"})
    assert bad.status_code == 200 and not PromoCode.objects.filter(code="X").exists()
    promos.save_code(actor=other_organizer, promo=PromoCode(code="BOBS", kind="fixed", value=Decimal("50")))
    listing = client.get(changelist_url(PromoCode)).content.decode()
    assert "EARLY" in listing and "BOBS" not in listing
    bobs = PromoCode.objects.get(code="BOBS")
    assert client.get(reverse("admin:tournaments_promocode_change", args=[bobs.pk])).status_code in (302, 404)


def test_promo_list_query_count(client, organizer, paid_tournament):
    client.force_login(organizer)
    counts = []
    for total in (3, 15):
        for i in range(PromoCode.objects.count(), total):
            promos.save_code(actor=organizer, promo=PromoCode(code=f"CODE{i}", kind="percent", value=Decimal("10"),
                                                              tournament=paid_tournament if i % 2 else None))
        queries, _r = _list_queries(client, changelist_url(PromoCode))
        counts.append(queries)
    assert counts[0] == counts[1], counts


# ---- sanctions ---------------------------------------------------------------------------------------

def test_organizer_sanctions_in_own_tournament_only(client, organizer, other_organizer, tournament, admin_user, game):
    player = make_player("Griefer")
    client.force_login(organizer)
    url = reverse("admin:tournaments_sanction_add")
    start = _dt(timezone.now())
    data = {"player": player.pk, "kind": "ban", "reason": "Toxic chat", "starts_at_0": start["0"], "starts_at_1": start["1"]}
    response = client.post(url, data)  # no tournament: global, refused for organizers
    assert response.status_code == 200 and "only administrators sanction in all tournaments" in response.content.decode()
    response = client.post(url, {**data, "tournament": tournament.pk})
    assert response.status_code == 302, response.content.decode()[:3000]
    sanction = Sanction.objects.get()
    assert sanction.issued_by == organizer and AuditLog.objects.filter(action="sanction.issue").exists()
    other = make_tournament(other_organizer, game, slug="bobs")
    response = client.post(url, {**data, "tournament": other.pk})
    assert response.status_code == 200 and Sanction.objects.count() == 1  # not a choice for alice
    global_ban = sanctions.issue(actor=admin_user, player=player, reason="Fraud", kind="ban")
    bobs = sanctions.issue(actor=other_organizer, player=player, tournament=other, reason="Late")
    listing = client.get(changelist_url(Sanction)).content.decode()
    assert "Toxic chat" in listing and "Fraud" not in listing and "Late" not in listing
    assert client.get(reverse("admin:tournaments_sanction_change", args=[global_ban.pk])).status_code in (302, 404)
    assert client.get(reverse("admin:tournaments_sanction_change", args=[bobs.pk])).status_code in (302, 404)
    client.force_login(admin_user)
    assert "Fraud" in client.get(changelist_url(Sanction)).content.decode()


def test_lift_action(client, organizer, tournament):
    sanction = sanctions.issue(actor=organizer, player=make_player(), tournament=tournament, reason="Spam")
    client.force_login(organizer)
    assert client.get(action_url(sanction, "lift")).status_code == 200
    assert Sanction.objects.get().lifted_at is None  # GET changes nothing
    response = client.post(action_url(sanction, "lift"), {"reason": "Apologised"})
    assert response.status_code == 302
    sanction.refresh_from_db()
    assert sanction.lifted_at and sanction.lift_reason == "Apologised"
    assert AuditLog.objects.filter(action="sanction.lift").exists()


def test_sanction_list_query_count(client, organizer, tournament):
    client.force_login(organizer)
    counts = []
    for total in (3, 15):
        for i in range(Sanction.objects.count(), total):
            sanctions.issue(actor=organizer, player=make_player(), tournament=tournament, reason=f"R{i}",
                            ends_at=timezone.now() + timedelta(days=i + 1))
        queries, _r = _list_queries(client, changelist_url(Sanction))
        counts.append(queries)
    assert counts[0] == counts[1], counts


def test_navigation_has_sanctions_and_promo_codes(client, organizer):
    client.force_login(organizer)
    page = client.get(reverse("admin:index")).content.decode()
    assert changelist_url(Sanction) in page and changelist_url(PromoCode) in page


def test_payment_list_shows_the_promo_discount(client, organizer, paid_tournament):
    from tests.factories import enter
    from tournaments.models import Payment
    from tournaments.services import payments

    promos.save_code(actor=organizer, promo=PromoCode(code="HALF", kind="percent", value=Decimal("50")))
    reg = enter(paid_tournament, 1)[0]
    promos.redeem(reg.pk, "half")
    payments.submit(reg.pk, actor=reg, method="bkash", amount="250", reference="TX-9")
    client.force_login(organizer)
    body = client.get(changelist_url(Payment)).content.decode()
    assert "250.00 BDT (−250.00 HALF)" in body
