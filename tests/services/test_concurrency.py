"""Two staff acting at once, fifty players racing for the last places: state never corrupts.

The thread tests need real row locks, so they run on the services tier (PostgreSQL); the optimistic
lock test runs everywhere.
"""
import threading

import pytest
from django.db import close_old_connections, connection

from tests.factories import enter, make_player, make_tournament
from tournaments.models import Registration
from tournaments.services import DomainError, registrations
from tournaments.services.base import run_transition, save_stateful

S = Registration.Status


def _race(functions):
    """Run the callables at the same instant in threads; return (results, errors)."""
    barrier = threading.Barrier(len(functions))
    results, errors = [], []
    lock = threading.Lock()

    def runner(fn):
        try:
            barrier.wait()
            value = fn()
            with lock:
                results.append(value)
        except DomainError as exc:
            with lock:
                errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=runner, args=(fn,)) for fn in functions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_fifty_players_race_for_the_last_five_places(organizer, game):
    tournament = make_tournament(organizer, game, capacity=10, slug="race")
    enter(tournament, 5)
    players = [make_player() for _ in range(50)]
    results, errors = _race([lambda p=p: registrations.register(tournament, player=p) for p in players])
    assert errors == []
    confirmed = Registration.objects.filter(tournament=tournament, status=S.CONFIRMED).count()
    waitlisted = Registration.objects.filter(tournament=tournament, status=S.WAITLISTED)
    assert confirmed == 10
    assert waitlisted.count() == 45
    positions = sorted(waitlisted.values_list("waitlist_position", flat=True))
    assert positions == list(range(1, 46))  # an ordered waitlist without gaps or duplicates


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_approve_and_reject_at_once_exactly_one_wins(organizer, game):
    tournament = make_tournament(organizer, game, requires_approval=True, capacity=20, slug="duel")
    regs = enter(tournament, 8)
    for reg in regs:
        results, errors = _race([
            lambda r=reg: registrations.approve(r.pk, actor=organizer),
            lambda r=reg: registrations.reject(r.pk, actor=organizer, reason="Duplicate"),
        ])
        assert len(results) == 1 and len(errors) == 1
        reg.refresh_from_db()
        assert reg.status == results[0].status
        assert "cannot be" in errors[0].message
        assert reg.history.count() == 2  # created + exactly one decision


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_bulk_approvals_racing_never_exceed_capacity(organizer, game):
    tournament = make_tournament(organizer, game, requires_approval=True, capacity=6, slug="bulk-race")
    regs = enter(tournament, 12)
    first, second = [r.pk for r in regs[:6]], [r.pk for r in regs[6:]]
    results, errors = _race([
        lambda: registrations.bulk_approve(first, actor=organizer),
        lambda: registrations.bulk_approve(second, actor=organizer),
    ])
    assert len(results) == 1 and len(errors) == 1  # all-or-none: the loser changes nothing
    assert Registration.objects.filter(tournament=tournament, status=S.CONFIRMED).count() == 6


@pytest.mark.django_db
def test_stale_copy_cannot_overwrite_a_newer_state(approval_tournament, organizer):
    (reg,) = enter(approval_tournament)
    first = Registration.objects.get(pk=reg.pk)
    second = Registration.objects.get(pk=reg.pk)
    run_transition(first, "confirm")
    save_stateful(first, organizer)
    run_transition(second, "reject", "late")  # in memory this copy still thinks it is pending
    with pytest.raises(DomainError, match="changed by someone else"):
        save_stateful(second, organizer)
    reg.refresh_from_db()
    assert reg.status == S.CONFIRMED
