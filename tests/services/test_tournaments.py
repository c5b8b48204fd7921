"""Tournament lifecycle (publish → … → archive, cancel) and configuration validation."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from tests.factories import enter, make_player, make_tournament
from tournaments.models import AuditLog, Notification, Registration, Tournament
from tournaments.services import DomainError, matches, payments, registrations, setup
from tournaments.services import tournaments as lifecycle

pytestmark = pytest.mark.django_db
T = Tournament.Status


@pytest.fixture
def draft(organizer, game):
    return make_tournament(organizer, game, slug="draft-cup", open_registration=False)


def status_of(tournament):
    tournament.refresh_from_db()
    return tournament.status


# ---- lifecycle ------------------------------------------------------------------------------------

def test_full_lifecycle_with_history_and_audit(draft, organizer):
    assert draft.status == T.DRAFT
    t = lifecycle.publish(draft.pk, actor=organizer)
    assert t.status == T.PUBLISHED and t.published_at is not None
    t = lifecycle.open_registration(t.pk, actor=organizer)
    assert t.status == T.REGISTRATION_OPEN
    enter(t, 2)
    t = lifecycle.close_registration(t.pk, actor=organizer)
    assert t.status == T.REGISTRATION_CLOSED
    t = lifecycle.start(t.pk, actor=organizer)
    assert t.status == T.LIVE
    t = lifecycle.complete(t.pk, actor=organizer)
    assert t.status == T.COMPLETED and t.completed_at is not None
    t = lifecycle.archive(t.pk, actor=organizer)
    assert t.status == T.ARCHIVED
    assert status_of(t) == T.ARCHIVED

    reasons = list(t.history.order_by("history_date", "history_id").values_list("history_change_reason", flat=True))
    assert reasons == ["created", "publish: draft → published", "open_registration: published → registration_open",
                       "close_registration: registration_open → registration_closed",
                       "start: registration_closed → live", "complete: live → completed", "archive: completed → archived"]
    assert all(r.history_user == organizer for r in t.history.all())
    actions = list(AuditLog.objects.filter(target_type="tournament", target_id=str(t.pk)).order_by("id")
                   .values_list("action", flat=True))
    assert actions == ["tournament.create", "tournament.publish", "tournament.open_registration",
                       "tournament.close_registration", "tournament.start", "tournament.complete", "tournament.archive"]
    assert AuditLog.objects.get(action="tournament.start").metadata == {"status": "live"}


def test_registration_can_reopen_after_closing(tournament, organizer):
    lifecycle.close_registration(tournament.pk, actor=organizer)
    t = lifecycle.open_registration(tournament.pk, actor=organizer)
    assert t.status == T.REGISTRATION_OPEN


def test_start_straight_from_registration_open(tournament, organizer):
    enter(tournament, 2)
    assert lifecycle.start(tournament.pk, actor=organizer).status == T.LIVE


@pytest.mark.parametrize("step, message", [
    ("close_registration", "it cannot be closed for registration"),
    ("start", "it cannot be started"),
    ("complete", "it cannot be completed"),
    ("archive", "it cannot be archived"),
])
def test_out_of_order_steps_are_refused_with_the_state(draft, organizer, step, message):
    for _ in range(2):  # staff may register before opening; with entrants, only the state refuses
        registrations.register(draft, player=make_player(), actor=organizer)
    with pytest.raises(DomainError) as exc:
        getattr(lifecycle, step)(draft.pk, actor=organizer)
    assert str(exc.value).startswith("“Weekly Cup” is draft (by alice at ")
    assert message in str(exc.value) and exc.value.code == "invalid_state"
    assert status_of(draft) == T.DRAFT


def test_publish_twice_is_refused(draft, organizer):
    lifecycle.publish(draft.pk, actor=organizer)
    with pytest.raises(DomainError, match=r"“Weekly Cup” is published \(by alice at .*\); it cannot be published"):
        lifecycle.publish(draft.pk, actor=organizer)


def test_publish_refused_with_invalid_configuration(draft, organizer):
    Tournament.objects.filter(pk=draft.pk).update(prize_distribution={"1": 60})
    with pytest.raises(DomainError) as exc:
        lifecycle.publish(draft.pk, actor=organizer)
    assert str(exc.value) == "Fix the configuration first: Prize shares must add up to 100% (they add up to 60%)."
    assert exc.value.code == "configuration"
    draft.refresh_from_db()
    assert draft.status == T.DRAFT and draft.published_at is None
    assert not AuditLog.objects.filter(action="tournament.publish").exists()
    Tournament.objects.filter(pk=draft.pk).update(prize_distribution={"1": 60, "2": 40})
    assert lifecycle.publish(draft.pk, actor=organizer).status == T.PUBLISHED


def test_open_registration_refused_with_invalid_configuration_lists_every_problem(draft, organizer):
    Tournament.objects.filter(pk=draft.pk).update(best_of=2, prize_distribution={"1": 0})
    with pytest.raises(DomainError) as exc:
        lifecycle.open_registration(draft.pk, actor=organizer)
    message = str(exc.value)
    assert message.startswith("Fix the configuration first: ")
    assert "Best-of must be an odd number" in message and "every share must be positive" in message
    assert status_of(draft) == T.DRAFT


def test_start_refused_below_min_participants(tournament, organizer):
    enter(tournament, 1)
    with pytest.raises(DomainError) as exc:
        lifecycle.start(tournament.pk, actor=organizer)
    assert str(exc.value) == "Weekly Cup needs at least 2 confirmed entrants to start; it has 1."
    assert exc.value.code == "not_enough"
    assert status_of(tournament) == T.REGISTRATION_OPEN


def test_start_counts_only_confirmed_entrants(organizer, game):
    t = make_tournament(organizer, game, slug="min-three", requires_approval=True, min_participants=3)
    regs = enter(t, 4)
    registrations.approve(regs[0].pk, actor=organizer)
    registrations.approve(regs[1].pk, actor=organizer)
    with pytest.raises(DomainError, match="needs at least 3 confirmed entrants to start; it has 2"):
        lifecycle.start(t.pk, actor=organizer)
    registrations.approve(regs[2].pk, actor=organizer)
    assert lifecycle.start(t.pk, actor=organizer).status == T.LIVE


def test_complete_refused_while_matches_are_open(tournament, organizer):
    a, b, c, d = enter(tournament, 4)
    lifecycle.start(tournament.pk, actor=organizer)
    first = setup.create_match(tournament.pk, actor=organizer, key="M1", slot_a=a, slot_b=b)
    second = setup.create_match(tournament.pk, actor=organizer, key="M2", slot_a=c, slot_b=d, position=2)
    with pytest.raises(DomainError) as exc:
        lifecycle.complete(tournament.pk, actor=organizer)
    assert str(exc.value) == "2 matches are still open; finish, forfeit or cancel them first."
    assert exc.value.code == "open_matches"
    matches.override_score(first.pk, actor=organizer, score_a=1, score_b=0, reason="Referee")
    with pytest.raises(DomainError, match="1 matches are still open"):
        lifecycle.complete(tournament.pk, actor=organizer)
    assert status_of(tournament) == T.LIVE
    matches.cancel(second.pk, actor=organizer, reason="Both no-show")
    assert lifecycle.complete(tournament.pk, actor=organizer).status == T.COMPLETED


def test_other_organizer_cannot_move_it_but_admin_can(draft, other_organizer, admin_user):
    for step in ("publish", "open_registration", "archive"):
        with pytest.raises(DomainError, match="not allowed to do this in “Weekly Cup”"):
            getattr(lifecycle, step)(draft.pk, actor=other_organizer)
    with pytest.raises(DomainError, match="not allowed"):
        lifecycle.cancel(draft.pk, actor=other_organizer, reason="Mine now")
    assert status_of(draft) == T.DRAFT
    t = lifecycle.publish(draft.pk, actor=admin_user)
    assert t.status == T.PUBLISHED and t.history.first().history_user == admin_user


def test_co_organizer_may_run_the_lifecycle_but_moderator_may_not(draft, organizer, other_organizer, moderator):
    setup.add_staff(draft.pk, actor=organizer, user=other_organizer, role="organizer")
    setup.add_staff(draft.pk, actor=organizer, user=moderator, role="moderator")
    with pytest.raises(DomainError, match="not allowed"):
        lifecycle.publish(draft.pk, actor=moderator)
    assert lifecycle.publish(draft.pk, actor=other_organizer).status == T.PUBLISHED


# ---- cancel ---------------------------------------------------------------------------------------

def test_cancel_requires_a_reason(tournament, organizer):
    for reason in ("", "   ", None):
        with pytest.raises(DomainError) as exc:
            lifecycle.cancel(tournament.pk, actor=organizer, reason=reason)
        assert exc.value.code == "reason_required"
    assert status_of(tournament) == T.REGISTRATION_OPEN
    assert not AuditLog.objects.filter(action__startswith="tournament.cancel").exists()


def test_cancel_notifies_active_entrants_and_lists_verified_payments(organizer, game):
    t = make_tournament(organizer, game, slug="paid-cancel", capacity=2, entry_fee=Decimal("200"),
                        payment_methods=["bkash", "rocket"])
    paid, paid_too, submitted, waiting, left = enter(t, 5)
    verified = [payments.submit(r.pk, actor=r, method="bkash", amount="200", reference=f"TX{r.pk}") for r in (paid, paid_too)]
    for claim in verified:
        payments.verify(claim.pk, actor=organizer)
    refunded = payments.submit(waiting.pk, actor=waiting, method="rocket", amount="200", reference="TX-W")
    payments.verify(refunded.pk, actor=organizer)  # full → waitlisted
    payments.refund(refunded.pk, actor=organizer, reason="Event full")
    payments.submit(submitted.pk, actor=submitted, method="bkash", amount="200", reference="TX-S")
    registrations.withdraw(left.pk, actor=left, reason="Busy")
    statuses = {r.pk: Registration.objects.get(pk=r.pk).status for r in (paid, paid_too, submitted, waiting, left)}
    assert statuses == {paid.pk: "confirmed", paid_too.pk: "confirmed", submitted.pk: "payment_pending",
                        waiting.pk: "waitlisted", left.pk: "cancelled"}

    t = lifecycle.cancel(t.pk, actor=organizer, reason="  Venue flooded  ")
    assert t.status == T.CANCELLED and t.cancel_reason == "Venue flooded"
    assert t.history.first().history_change_reason == "cancel: registration_open → cancelled"
    told = Notification.objects.filter(kind="tournament.cancelled")
    assert {n.registration_id for n in told} == {paid.pk, paid_too.pk, submitted.pk, waiting.pk}
    assert all(n.title == "Weekly Cup was cancelled" and "Venue flooded" in n.body for n in told)
    cancel_entry = AuditLog.objects.get(action="tournament.cancel")
    assert cancel_entry.reason.strip() == "Venue flooded" and cancel_entry.actor == organizer
    due = AuditLog.objects.get(action="tournament.refunds_due")
    assert due.actor == organizer and due.tournament == t
    assert sorted(due.metadata["payments"]) == sorted(c.pk for c in verified)  # not the refunded or submitted ones


def test_cancel_a_live_tournament_but_not_a_completed_one(tournament, organizer, game):
    enter(tournament, 2)
    lifecycle.start(tournament.pk, actor=organizer)
    assert lifecycle.cancel(tournament.pk, actor=organizer, reason="Server down").status == T.CANCELLED
    assert AuditLog.objects.get(action="tournament.refunds_due").metadata == {"payments": []}
    assert lifecycle.archive(tournament.pk, actor=organizer).status == T.ARCHIVED

    done = make_tournament(organizer, game, slug="done")
    enter(done, 2)
    lifecycle.start(done.pk, actor=organizer)
    lifecycle.complete(done.pk, actor=organizer)
    with pytest.raises(DomainError, match="is completed .*; it cannot be cancelled"):
        lifecycle.cancel(done.pk, actor=organizer, reason="Too late")
    done.refresh_from_db()
    assert done.status == T.COMPLETED and done.cancel_reason == ""
    assert AuditLog.objects.filter(action="tournament.refunds_due").count() == 1


def test_registration_refused_once_cancelled(tournament, organizer):
    lifecycle.cancel(tournament.pk, actor=organizer, reason="Called off")
    with pytest.raises(DomainError, match="is not open"):
        registrations.register(tournament, player=make_player())
    assert Registration.objects.filter(tournament=tournament).count() == 0


# ---- configuration validation (Tournament.clean via setup.create_tournament) -----------------------

def _valid_fields(**overrides):
    """Dates that pass validation, with ``overrides`` applied on top."""
    now = timezone.now()
    fields = dict(registration_opens_at=now, registration_closes_at=now + timedelta(days=1), starts_at=now + timedelta(days=2))
    fields.update(overrides)
    return fields


@pytest.mark.parametrize("overrides, message", [
    (lambda now: dict(registration_opens_at=now + timedelta(days=1), registration_closes_at=now + timedelta(days=1)),
     "registration_closes_at: Registration must close after it opens."),
    (lambda now: dict(registration_closes_at=now + timedelta(days=3)),
     "starts_at: The tournament must start after registration closes."),
    (lambda now: dict(ends_at=now + timedelta(days=2)),
     "ends_at: The tournament must end after it starts."),
    (lambda now: dict(check_in_opens_at=now + timedelta(hours=2), check_in_closes_at=now + timedelta(hours=1)),
     "check_in_closes_at: Check-in must close after it opens."),
    (lambda now: dict(capacity=4, min_participants=6),
     "capacity: Capacity must be at least the minimum number of participants."),
    (lambda now: dict(best_of=2), "best_of: Best-of must be an odd number (1, 3, 5, …)."),
    (lambda now: dict(best_of=0), "best_of: Best-of must be an odd number (1, 3, 5, …)."),
    (lambda now: dict(entry_fee=Decimal("100"), payment_methods=["bkash", "paypal", "cheque"]),
     "payment_methods: Unknown payment method(s): paypal, cheque."),
    (lambda now: dict(entry_fee=Decimal("100"), payment_methods=[]),
     "payment_methods: Choose at least one payment method for a paid tournament."),
    (lambda now: dict(entry_fee_deltacoin=50),
     "payment_methods: Choose at least one payment method for a paid tournament."),
    (lambda now: dict(prize_distribution={"1": 50, "2": 30}),
     "prize_distribution: Prize shares must add up to 100% (they add up to 80%)."),
    (lambda now: dict(prize_distribution={"first": 100}),
     "prize_distribution: Use placements as keys and percentages as values"),
    (lambda now: dict(prize_distribution={"0": 100}),
     "prize_distribution: Placements start at 1 and every share must be positive."),
])
def test_invalid_configuration_is_refused_on_create(organizer, game, overrides, message):
    now = timezone.now()
    fields = _valid_fields(**overrides(now))
    with pytest.raises(DomainError) as exc:
        setup.create_tournament(actor=organizer, game=game, name="Broken", slug="broken", participation="solo", **fields)
    assert message in str(exc.value) and exc.value.code == "invalid"
    assert not Tournament.objects.exists()
    assert not AuditLog.objects.filter(action="tournament.create").exists()


def test_several_problems_are_reported_together(organizer, game):
    now = timezone.now()
    with pytest.raises(DomainError) as exc:
        setup.create_tournament(actor=organizer, game=game, name="Broken", slug="broken",
                                **_valid_fields(best_of=4, capacity=2, min_participants=3, registration_closes_at=now - timedelta(days=1)))
    message = str(exc.value)
    assert "best_of: " in message and "capacity: " in message and "registration_closes_at: " in message
    assert not Tournament.objects.exists()


def test_valid_paid_configuration_with_prizes(organizer, game):
    t = setup.create_tournament(actor=organizer, game=game, name="Fine", slug="fine", best_of=3,
                                entry_fee=Decimal("100"), payment_methods=["bkash", "bank_transfer"],
                                prize_distribution={"1": 50, "2": 30, "3": 20}, **_valid_fields())
    assert t.status == T.DRAFT and t.organizer == organizer
    assert t.history.first().history_change_reason == "created" and t.history.first().history_user == organizer
    assert AuditLog.objects.get(action="tournament.create").target_id == str(t.pk)


def test_who_may_create(organizer, other_organizer, admin_user, game):
    plain = User.objects.create_user("visitor", "v@example.com", "pw")
    with pytest.raises(DomainError, match="Only staff can create tournaments"):
        setup.create_tournament(actor=plain, game=game, name="X", slug="x", **_valid_fields())
    with pytest.raises(DomainError, match="You can only create tournaments you organize"):
        setup.create_tournament(actor=organizer, organizer=other_organizer, game=game, name="X", slug="x", **_valid_fields())
    assert not Tournament.objects.exists()
    t = setup.create_tournament(actor=admin_user, organizer=other_organizer, game=game, name="X", slug="x", **_valid_fields())
    assert t.organizer == other_organizer


def test_duplicate_slug_is_refused(organizer, game):
    setup.create_tournament(actor=organizer, game=game, name="One", slug="same", **_valid_fields())
    with pytest.raises(DomainError, match="slug: "):
        setup.create_tournament(actor=organizer, game=game, name="Two", slug="same", **_valid_fields())
    assert Tournament.objects.count() == 1

