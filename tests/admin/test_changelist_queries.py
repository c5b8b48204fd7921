"""Every Command Center list issues the same number of queries for 10 rows as for 60.

Rows carry per-row action checks (row actions), status badges and annotated payment states; all of
that must come from the page's fixed set of queries (select_related, subqueries, one role lookup).
"""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.admin.action_support import changelist_url
from tests.factories import enter, make_tournament
from tournaments.models import Announcement, AuditLog, Dispute, Match, Payment, Registration, Tournament
from tournaments.services import announcements, disputes, matches, payments, setup

pytestmark = pytest.mark.django_db


class Rows:
    """Grows one kind of row to a total count, reusing one event so only the row count changes."""

    def __init__(self, organizer, game):
        self.organizer, self.game, self.made = organizer, game, 0
        self._event = None

    def event(self, **fields):
        if self._event is None:
            self._event = make_tournament(self.organizer, self.game, slug="big", capacity=500, **fields)
        return self._event

    def grow(self, total):
        for i in range(self.made, total):
            self.add(i)
        self.made = total


class Tournaments(Rows):
    def add(self, i):
        make_tournament(self.organizer, self.game, slug=f"t-{i}", open_registration=i % 2 == 0)


class Registrations(Rows):
    def add(self, i):
        event = self.event(entry_fee=Decimal("100"), payment_methods=["bkash"])
        reg = enter(event, 1)[0]
        if i % 2:
            payments.submit(reg.pk, actor=reg, method="bkash", amount="100", reference=f"R{i}")


class Payments(Rows):
    def add(self, i):
        event = self.event(entry_fee=Decimal("100"), payment_methods=["bkash"])
        reg = enter(event, 1)[0]
        payment = payments.submit(reg.pk, actor=reg, method="bkash", amount="100", reference=f"P{i}")
        if i % 3 == 0:
            payments.verify(payment.pk, actor=self.organizer)


class Matches(Rows):
    def add(self, i):
        event = self.event()
        if not hasattr(self, "sides"):
            self.sides = enter(event, 2)
        match = setup.create_match(event.pk, actor=self.organizer, key=f"M{i}", slot_a=self.sides[0], slot_b=self.sides[1],
                                   scheduled_at=timezone.now() + timedelta(days=3, minutes=i))
        if i % 2:
            matches.start(match.pk, actor=self.organizer)
        return match


class Disputes(Matches):
    def add(self, i):
        match = super().add(i)
        if i % 2 == 0:  # not started by Matches.add
            matches.start(match.pk, actor=self.organizer)
        disputes.open_dispute(match.pk, actor=self.sides[i % 2], reason=Dispute.Reason.CONDUCT)


class Announcements(Rows):
    def add(self, i):
        announcements.post(self.event().pk, actor=self.organizer, title=f"News {i}", pinned=i % 4 == 0)


class AuditEntries(Rows):
    def add(self, i):
        AuditLog.objects.create(actor=self.organizer, actor_label="alice", action="test.entry", tournament=self.event(),
                                target_type="tournament", target_id=str(self.event().pk), target_label="Big")


CASES = [(Tournament, Tournaments), (Registration, Registrations), (Payment, Payments), (Match, Matches),
         (Dispute, Disputes), (Announcement, Announcements), (AuditLog, AuditEntries)]


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.context["cl"].result_count


@pytest.mark.parametrize("model, rows", CASES, ids=[m._meta.model_name for m, _r in CASES])
def test_changelist_query_count_does_not_grow(client, organizer, game, model, rows):
    client.force_login(organizer)
    builder = rows(organizer, game)
    counts = []
    for n in (10, 60):
        builder.grow(n)
        queries, listed = _queries(client, changelist_url(model))
        assert listed >= n
        counts.append(queries)
    assert counts[0] == counts[1], counts


def test_co_organizer_lists_many_tournaments_with_a_fixed_query_count(client, organizer, other_organizer, game):
    """Per-row capability checks of a staff member (not the owner) read all roles in one query."""
    counts = []
    for n in (2, 8):
        for i in range(Tournament.objects.count(), n):
            event = make_tournament(organizer, game, slug=f"co-{i}", requires_approval=True)
            setup.add_staff(event.pk, actor=organizer, user=other_organizer, role="organizer")
            enter(event, 2)
        client.force_login(other_organizer)
        queries, listed = _queries(client, changelist_url(Registration))
        assert listed == 2 * n
        counts.append(queries)
    assert counts[0] == counts[1], counts
    page = client.get(changelist_url(Registration)).content.decode()
    assert page.count("/approve/") == 2 * 8  # the co-organizer may approve every pending row
