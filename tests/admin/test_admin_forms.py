"""Add and change forms in the Command Center write through services: audited, validated, and a
refusal is a message with nothing saved."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import enter, make_player, make_tournament
from tournaments.models import AuditLog, Dispute, Match, Payment, Registration, Tournament, TournamentStaff

pytestmark = pytest.mark.django_db


def _dt(value):
    local = timezone.localtime(value)
    return {"0": local.strftime("%Y-%m-%d"), "1": local.strftime("%H:%M:%S")}


def _tournament_form(game, **overrides):
    now = timezone.now()
    data = {
        "name": "Form Cup", "slug": "form-cup", "game": game.pk, "format": "single_elimination", "participation": "solo",
        "capacity": 16, "min_participants": 2, "requires_approval": "on", "timezone": "UTC", "entry_fee": "0",
        "entry_fee_currency": "BDT", "entry_fee_deltacoin": 0, "payment_methods": "[]", "prize_pool": "0",
        "prize_currency": "BDT", "prize_deltacoin": 0, "prize_distribution": "{}", "best_of": 1,
        "auto_confirm_matching_reports": "on", "description": "", "rules": "",
        "staff-TOTAL_FORMS": 0, "staff-INITIAL_FORMS": 0, "staff-MIN_NUM_FORMS": 0, "staff-MAX_NUM_FORMS": 1000,
        "custom_fields-TOTAL_FORMS": 0, "custom_fields-INITIAL_FORMS": 0, "custom_fields-MIN_NUM_FORMS": 0,
        "custom_fields-MAX_NUM_FORMS": 1000,
    }
    for field, value in (("registration_opens_at", now), ("registration_closes_at", now + timedelta(days=2)),
                         ("starts_at", now + timedelta(days=3))):
        for part, text in _dt(value).items():
            data[f"{field}_{part}"] = text
    data.update(overrides)
    return data


def test_add_tournament_goes_through_the_service(client, organizer, game):
    client.force_login(organizer)
    response = client.post(reverse("admin:tournaments_tournament_add"), _tournament_form(game))
    assert response.status_code == 302, response.content.decode()[:2000]
    t = Tournament.objects.get(slug="form-cup")
    assert t.organizer == organizer and t.status == Tournament.Status.DRAFT
    assert AuditLog.objects.filter(action="tournament.create", target_id=str(t.pk), actor=organizer).exists()
    assert t.history.first().history_user == organizer


def test_invalid_tournament_form_shows_errors_and_saves_nothing(client, organizer, game):
    client.force_login(organizer)
    bad = _tournament_form(game, capacity=1, prize_distribution='{"1": 60}')
    response = client.post(reverse("admin:tournaments_tournament_add"), bad)
    assert response.status_code == 200
    body = response.content.decode()
    assert "add up to 100%" in body or "minimum number of participants" in body
    assert not Tournament.objects.filter(slug="form-cup").exists()


def test_change_tournament_is_audited_with_before_and_after(client, organizer, game, tournament):
    client.force_login(organizer)
    url = reverse("admin:tournaments_tournament_change", args=[tournament.pk])
    form = _tournament_form(game, name=tournament.name, capacity=12, participation="solo")
    for field in ("registration_opens_at", "registration_closes_at", "starts_at", "check_in_opens_at", "check_in_closes_at"):
        for part, text in _dt(getattr(tournament, field)).items():
            form[f"{field}_{part}"] = text
    form.pop("slug")
    form["requires_approval"] = ""
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    tournament.refresh_from_db()
    assert tournament.capacity == 12
    entry = AuditLog.objects.get(action="tournament.update")
    assert entry.metadata["after"]["capacity"] == "12"


def test_staff_inline_goes_through_add_and_remove_staff(client, organizer, checkin_staff, tournament, game):
    client.force_login(organizer)
    url = reverse("admin:tournaments_tournament_change", args=[tournament.pk])
    form = _tournament_form(game, name=tournament.name, capacity=tournament.capacity)
    form.pop("slug")
    form["requires_approval"] = ""
    for field in ("registration_opens_at", "registration_closes_at", "starts_at", "check_in_opens_at", "check_in_closes_at"):
        for part, text in _dt(getattr(tournament, field)).items():
            form[f"{field}_{part}"] = text
    form.update({"staff-TOTAL_FORMS": 1, "staff-0-user": checkin_staff.pk, "staff-0-role": "checkin", "staff-0-id": "",
                 "staff-0-tournament": tournament.pk})
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    member = TournamentStaff.objects.get(tournament=tournament)
    assert member.user == checkin_staff and AuditLog.objects.filter(action="tournament.staff").exists()


def test_add_registration_over_capacity_is_refused_with_a_message(client, organizer, game):
    t = make_tournament(organizer, game, slug="full", capacity=2, requires_approval=False)
    enter(t, 2)
    player = make_player()
    client.force_login(organizer)
    response = client.post(reverse("admin:tournaments_registration_add"),
                           {"tournament": t.pk, "player": player.pk, "answers": "{}"}, follow=True)
    reg = Registration.objects.get(tournament=t, player=player)
    assert reg.status == Registration.Status.WAITLISTED  # the sign-up rules applied, not a raw insert
    assert AuditLog.objects.filter(action="registration.create", target_id=str(reg.pk)).exists()
    response = client.post(reverse("admin:tournaments_registration_add"),
                           {"tournament": t.pk, "player": player.pk, "answers": "{}"}, follow=True)
    assert "already registered" in response.content.decode()
    assert Registration.objects.filter(tournament=t, player=player).count() == 1


def test_add_payment_uses_the_payment_rules(client, organizer, paid_tournament):
    (reg,) = enter(paid_tournament)
    client.force_login(organizer)
    url = reverse("admin:tournaments_payment_add")
    response = client.post(url, {"registration": reg.pk, "method": "bkash", "amount": "10", "currency": "BDT",
                                 "reference": "DESK1", "submitted_at_0": "2026-11-22", "submitted_at_1": "10:00:00"},
                           follow=True)
    assert "not enough" in response.content.decode() and not Payment.objects.exists()
    response = client.post(url, {"registration": reg.pk, "method": "bkash", "amount": "500", "currency": "BDT",
                                 "reference": "DESK1", "submitted_at_0": "2026-11-22", "submitted_at_1": "10:00:00"})
    assert response.status_code == 302
    assert Payment.objects.get().status == Payment.Status.SUBMITTED
    assert AuditLog.objects.filter(action="payment.submit").exists()


def test_add_match_and_dispute_by_hand(client, organizer, tournament):
    a, b = enter(tournament, 2)
    client.force_login(organizer)
    response = client.post(reverse("admin:tournaments_match_add"),
                           {"tournament": tournament.pk, "key": "SHOW1", "slot_a": a.pk, "slot_b": b.pk, "best_of": 1,
                            "round_number": 1, "position": 1, "bracket": "winners", "group": "",
                            "reports-TOTAL_FORMS": 0, "reports-INITIAL_FORMS": 0, "reports-MIN_NUM_FORMS": 0,
                            "reports-MAX_NUM_FORMS": 0})
    assert response.status_code == 302, response.content.decode()[:3000]
    match = Match.objects.get(key="SHOW1")
    assert AuditLog.objects.filter(action="match.create", target_id=str(match.pk)).exists()
    from tournaments.services import matches

    matches.start(match.pk, actor=organizer)
    response = client.post(reverse("admin:tournaments_dispute_add"),
                           {"match": match.pk, "reason": "no_show", "description": "Called in by phone", "evidence_url": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    match.refresh_from_db()
    assert match.status == Match.Status.DISPUTED and Dispute.objects.get().status == Dispute.Status.OPEN


def test_editing_plain_fields_is_audited(client, organizer, tournament):
    (reg,) = enter(tournament)
    client.force_login(organizer)
    url = reverse("admin:tournaments_registration_change", args=[reg.pk])
    response = client.post(url, {"seed": 3, "answers": '{"discord": "zed#1"}'})
    assert response.status_code == 302, response.content.decode()[:3000]
    reg.refresh_from_db()
    assert reg.seed == 3 and reg.answers == {"discord": "zed#1"}
    entry = AuditLog.objects.get(action="registration.edit")
    assert entry.metadata["after"]["seed"] == "3"
