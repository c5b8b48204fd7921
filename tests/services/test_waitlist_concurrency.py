"""Withdrawals racing each other promote exactly as many waitlisted entrants as places they free,
and the waitlist stays numbered 1…n (services tier: real row locks on PostgreSQL)."""
import pytest

from tests.factories import enter, make_tournament
from tests.services.test_concurrency import _race
from tournaments.models import AuditLog, Registration
from tournaments.services import registrations

S = Registration.Status


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_withdrawals_promote_exactly_as_many_as_freed(organizer, game):
    tournament = make_tournament(organizer, game, capacity=10, slug="withdraw-race")
    regs = enter(tournament, 22)  # 10 confirmed, 12 waiting
    confirmed, waiting = regs[:10], regs[10:]
    leaving = confirmed[:6] + waiting[8:10]  # six places freed, two waiting entrants leave too
    results, errors = _race([lambda r=r: registrations.withdraw(r.pk, actor=r, reason="Can't make it") for r in leaving])
    assert errors == [] and len(results) == 8

    assert Registration.objects.filter(tournament=tournament, status=S.CONFIRMED).count() == 10
    promoted = set(Registration.objects.filter(tournament=tournament, status=S.CONFIRMED, pk__in=[r.pk for r in waiting])
                   .values_list("pk", flat=True))
    assert len(promoted) == 6
    assert AuditLog.objects.filter(tournament=tournament, action="registration.promote").count() == 6
    still = list(Registration.objects.filter(tournament=tournament, status=S.WAITLISTED)
                 .order_by("waitlist_position").values_list("pk", "waitlist_position"))
    assert [position for _pk, position in still] == list(range(1, len(still) + 1))  # no gaps, no duplicates
    assert len(still) == 12 - 6 - 2
    # the head of the queue went first: the promoted are the earliest waiting, minus those who left
    remaining_order = [r.pk for r in waiting if r.pk not in {x.pk for x in leaving}]
    assert promoted == set(remaining_order[:6]) and [pk for pk, _p in still] == remaining_order[6:]
