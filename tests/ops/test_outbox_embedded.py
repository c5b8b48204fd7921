"""Embedded mode (`make run`) is unchanged by the outbox: jobs run inline after commit, events go
to the in-memory layer, and no OutboxMessage row is written."""
import pytest
from django.conf import settings
from django.core import mail

from tests.factories import enter
from tournaments.models import JobRun, OutboxMessage
from tournaments.services import registrations

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(bool(settings.REDIS_URL), reason="embedded tier only (REDIS_URL is set)")
def test_embedded_mode_runs_jobs_inline_and_writes_no_outbox(approval_tournament, organizer, sent_events,
                                                             django_capture_on_commit_callbacks):
    registration = enter(approval_tournament, 1)[0]
    mail.outbox.clear()
    sent_events.clear()
    with django_capture_on_commit_callbacks(execute=True):
        registrations.approve(registration.pk, actor=organizer)
    assert OutboxMessage.objects.count() == 0
    assert {e["event"] for e in sent_events} >= {"roster.updated", "notification.new"}
    assert len(mail.outbox) == 1  # the e-mail job ran in-process
    assert JobRun.objects.filter(status=JobRun.Status.FINISHED).exists()


def test_outbox_payloads_become_plain_json(monkeypatch):
    """Dates, decimals and lazy translations in a payload must not break the business transaction."""
    import datetime
    from decimal import Decimal

    from django.utils.translation import gettext_lazy

    from tournaments import outbox

    monkeypatch.setattr(outbox, "_drain_after_commit", lambda: None)
    message = outbox.add("event", "lobby_x", {"at": datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.timezone.utc),
                                              "fee": Decimal("5.50"), "title": gettext_lazy("Registration received")})
    message.refresh_from_db()
    assert message.payload == {"at": "2026-01-02T03:04:00Z", "fee": "5.50", "title": "Registration received"}
    assert message.delivered_at is None and message.attempts == 0
