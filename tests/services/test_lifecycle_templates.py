"""Lifecycle conditions (explained refusals, scheduled opening and closing) and templates/versions."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import enter, make_tournament
from tournaments.models import AuditLog, Tournament, TournamentTemplate
from tournaments.services import DomainError, schedules, setup, templates, tournaments as lifecycle

pytestmark = pytest.mark.django_db
T = Tournament.Status


def _draft(organizer, game, **overrides):
    return make_tournament(organizer, game, open_registration=False, **overrides)


# ---- lifecycle conditions ------------------------------------------------------------------------------------

def test_refusal_explains_before_anyone_clicks(organizer, game):
    draft = _draft(organizer, game, slug="broken")
    Tournament.objects.filter(pk=draft.pk).update(prize_distribution={"1": 60})  # e.g. saved before the rule existed
    draft.refresh_from_db()
    assert lifecycle.refusal(draft, "publish") == "Fix the configuration first: Prize shares must add up to 100% (they add up to 60%)."
    with pytest.raises(DomainError, match="Prize shares"):
        lifecycle.publish(draft.pk, actor=organizer)
    fine = _draft(organizer, game, slug="fine")
    assert lifecycle.refusal(fine, "publish") is None
    assert lifecycle.refusal(fine, "start") == "Weekly Cup needs at least 2 confirmed entrants to start; it has 0."
    assert lifecycle.refusal(fine, "archive") is None


def test_start_can_require_a_generated_bracket(organizer, game):
    from tournaments.services import brackets

    cup = make_tournament(organizer, game, slug="needs-bracket", bracket_required_to_start=True)
    enter(cup, 4)
    with pytest.raises(DomainError) as exc:
        lifecycle.start(cup.pk, actor=organizer)
    assert exc.value.code == "no_bracket" and "Generate the bracket of Weekly Cup first" in str(exc.value)
    assert lifecycle.refusal(cup, "start") == str(exc.value)
    brackets.generate(cup.pk, actor=organizer)
    assert lifecycle.refusal(cup, "start") is None
    assert lifecycle.start(cup.pk, actor=organizer).status == T.LIVE


def test_an_inactive_game_blocks_publishing(organizer, game):
    draft = _draft(organizer, game, slug="retired")
    game.is_active = False
    game.save()
    with pytest.raises(DomainError, match="eFootball is no longer offered; choose an active game"):
        lifecycle.publish(draft.pk, actor=organizer)
    assert Tournament.objects.get(pk=draft.pk).status == T.DRAFT


def test_scheduled_opening_and_closing(organizer, game):
    now = timezone.now()
    cup = _draft(organizer, game, slug="scheduled", registration_opens_at=now + timedelta(hours=1),
                 registration_closes_at=now + timedelta(hours=5), check_in_opens_at=None, check_in_closes_at=None,
                 starts_at=now + timedelta(hours=6))
    draft_too = _draft(organizer, game, slug="still-draft", registration_opens_at=now + timedelta(hours=1),
                       registration_closes_at=now + timedelta(hours=5), starts_at=now + timedelta(hours=6))
    lifecycle.publish(cup.pk, actor=organizer)
    assert schedules.open_registrations(now) == 0  # not yet
    assert schedules.open_registrations(now + timedelta(hours=1, minutes=1)) == 1
    assert Tournament.objects.get(pk=cup.pk).status == T.REGISTRATION_OPEN
    assert Tournament.objects.get(pk=draft_too.pk).status == T.DRAFT  # drafts are never opened by the clock
    entry = AuditLog.objects.get(action="tournament.open_registration", tournament=cup)
    assert entry.actor is None

    lifecycle.close_registration(cup.pk, actor=organizer)  # the organizer closes early …
    assert schedules.open_registrations(now + timedelta(hours=2)) == 0  # … and the clock respects it
    lifecycle.open_registration(cup.pk, actor=organizer)
    assert schedules.close_registrations(now + timedelta(hours=4)) == 0
    assert schedules.close_registrations(now + timedelta(hours=5, minutes=1)) == 1
    assert schedules.close_registrations(now + timedelta(hours=5, minutes=2)) == 0  # once
    assert Tournament.objects.get(pk=cup.pk).status == T.REGISTRATION_CLOSED


def test_scheduled_opening_of_a_broken_configuration_is_logged(organizer, game):
    now = timezone.now()
    cup = _draft(organizer, game, slug="breaks", registration_opens_at=now - timedelta(minutes=5))
    lifecycle.publish(cup.pk, actor=organizer)
    Tournament.objects.filter(pk=cup.pk).update(prize_distribution={"1": 10})  # broken behind the services' back
    assert schedules.open_registrations(now) == 0
    refused = AuditLog.objects.get(action="tournament.auto_open_refused")
    assert "Prize shares must add up to 100%" in refused.reason
    assert Tournament.objects.get(pk=cup.pk).status == T.PUBLISHED


def test_run_all_includes_registration_windows(organizer, game):
    result = schedules.run_all(timezone.now())
    assert {"registration_opened", "registration_closed"} <= set(result)


# ---- templates -------------------------------------------------------------------------------------------------

def test_template_round_trip(organizer, game):
    source = make_tournament(organizer, game, slug="source", name="Source Cup", capacity=32, min_participants=4,
                             entry_fee=Decimal("250"), payment_methods=["bkash", "cash"], best_of=3,
                             prize_pool=Decimal("1000"), prize_distribution={"1": 70, "2": 30}, refund_after_close_percent=25)
    template = templates.save_as_template(source.pk, actor=organizer, name="Weekly 32", shared=False)
    assert template.owner == organizer and template.game == game and template.source == source
    assert template.configuration["entry_fee"] == "250.00"
    assert template.configuration["registration_closes_at"] == int((source.registration_closes_at - source.starts_at).total_seconds())

    starts = timezone.now().replace(microsecond=0) + timedelta(days=30)
    made = templates.create_from_template(template.pk, actor=organizer, name="Weekly #2", slug="weekly-2", starts_at=starts)
    assert made.status == T.DRAFT and made.organizer == organizer and made.game == game
    for field in ("capacity", "min_participants", "entry_fee", "payment_methods", "best_of", "prize_pool",
                  "prize_distribution", "refund_after_close_percent", "format", "participation", "requires_approval"):
        assert getattr(made, field) == getattr(source, field), field
    assert made.starts_at == starts
    assert made.registration_closes_at - made.starts_at == source.registration_closes_at - source.starts_at
    assert made.check_in_opens_at - made.starts_at == source.check_in_opens_at - source.starts_at
    assert AuditLog.objects.filter(action="tournament.from_template", tournament=made).exists()


def test_private_templates_stay_private_and_shared_ones_are_usable(organizer, other_organizer, admin_user, game):
    source = make_tournament(organizer, game, slug="mine")
    private = templates.save_as_template(source.pk, actor=organizer, name="Mine")
    assert list(templates.templates_for(other_organizer)) == []
    with pytest.raises(DomainError, match="not shared with you"):
        templates.create_from_template(private.pk, actor=other_organizer, name="X", slug="x",
                                       starts_at=timezone.now() + timedelta(days=9))
    with pytest.raises(DomainError, match="Only the owner"):
        templates.update_template(private.pk, actor=other_organizer, shared=True)
    templates.update_template(private.pk, actor=organizer, shared=True)
    assert list(templates.templates_for(other_organizer)) == [private]
    theirs = templates.create_from_template(private.pk, actor=other_organizer, name="Bob's", slug="bobs",
                                            starts_at=timezone.now() + timedelta(days=9))
    assert theirs.organizer == other_organizer
    with pytest.raises(DomainError, match="Only the owner"):
        templates.delete_template(private.pk, actor=other_organizer)
    assert set(templates.templates_for(admin_user)) == {private}


def test_template_refusals(organizer, other_organizer, game):
    source = make_tournament(organizer, game, slug="src")
    with pytest.raises(DomainError, match="not allowed"):
        templates.save_as_template(source.pk, actor=other_organizer, name="Stolen")
    with pytest.raises(DomainError, match="Give the template a name"):
        templates.save_as_template(source.pk, actor=organizer, name="  ")
    template = templates.save_as_template(source.pk, actor=organizer, name="Once")
    with pytest.raises(DomainError, match="already have a template called “Once”"):
        templates.save_as_template(source.pk, actor=organizer, name="Once")
    with pytest.raises(DomainError, match="is taken"):
        templates.create_from_template(template.pk, actor=organizer, name="Dup", slug="src",
                                       starts_at=timezone.now() + timedelta(days=3))
    assert TournamentTemplate.objects.count() == 1 and Tournament.objects.count() == 1


# ---- versions: readable diff and rollback ------------------------------------------------------------------

def test_version_diff_is_readable_and_rollback_restores_it(organizer, game):
    cup = _draft(organizer, game, slug="versions", capacity=8)
    first = setup.configuration_versions(cup).first()
    setup.update_tournament(cup.pk, actor=organizer, capacity=16, format="double_elimination", payment_methods=["bkash"],
                            reason="bigger")
    changed = setup.configuration_versions(cup).first()
    rows = templates.version_changes(cup, changed.history_id)
    assert ("capacity", "8", "16") in rows
    assert ("format", "Single elimination", "Double elimination") in rows
    assert ("payment methods", "—", "bkash") in rows
    assert templates.describe(rows).startswith("format: Single elimination → Double elimination")
    cup.refresh_from_db()
    preview = templates.restore_preview(cup, first.history_id)
    assert ("capacity", "16", "8") in preview
    setup.restore_configuration(cup.pk, actor=organizer, history_id=first.history_id, reason="Too big")
    cup.refresh_from_db()
    assert cup.capacity == 8 and cup.format == "single_elimination"
    assert templates.restore_preview(cup, first.history_id) == []
    assert templates.describe([]) == "no configuration change"
    with pytest.raises(DomainError, match="does not belong"):
        templates.version_changes(cup, 10 ** 9)
