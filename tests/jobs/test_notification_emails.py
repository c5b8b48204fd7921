"""Every notification kind the code emits has a text and an HTML email template, and renders."""
import re
from pathlib import Path

import pytest
from django.core import mail
from django.template.loader import get_template

from tests.factories import enter
from tournaments.models import Notification
from tournaments.services.notifications import deliver_email, render_email

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2] / "tournaments"
EXTRA = {"checkin.opened", "certificate.ready", "payout.sent", "match.reminder"}


def emitted_kinds() -> set[str]:
    """Kinds passed to notify()/notify_many() anywhere in the domain code."""
    kinds = set()
    for path in ROOT.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        kinds |= set(re.findall(r"notify(?:_many)?\(\s*[\w.\[\]()]+,\s*\"([a-z_]+\.[a-z_.]+)\"", text))
    return kinds


def test_the_scan_finds_the_known_kinds():
    kinds = emitted_kinds()
    assert {"registration.approved", "payment.verified", "match.result_reported", "tournament.cancelled", "dispute.opened"} <= kinds
    assert EXTRA <= kinds


@pytest.mark.parametrize("kind", sorted(emitted_kinds() | EXTRA))
def test_every_kind_has_templates_that_render(kind, tournament):
    get_template(f"notifications/{kind}.txt")
    get_template(f"notifications/{kind}.html")
    (registration,) = enter(tournament)
    note = Notification.objects.create(registration=registration, kind=kind, title="Title <b>x</b>", body="Body & more")
    subject, text, html = render_email(note)
    assert subject == f"[{tournament.name}] Title <b>x</b>"
    assert "Title <b>x</b>" in text and "Body & more" in text  # plain text is not HTML-escaped
    assert "Title &lt;b&gt;x&lt;/b&gt;" in html and "Body &amp; more" in html  # HTML is
    assert registration.display_name in text and tournament.name in html


def test_delivery_sends_both_parts_once(tournament):
    (registration,) = enter(tournament)
    note = Notification.objects.create(registration=registration, kind="payout.sent", title="Payout sent", body="500 BDT")
    mail.outbox.clear()
    assert deliver_email(note.pk) is True
    assert deliver_email(note.pk) is False  # idempotent: emailed_at is set
    (message,) = mail.outbox
    assert message.to == [registration.player.email]
    assert "Your prize payout was sent." in message.body
    assert message.alternatives[0][1] == "text/html"


def test_an_unknown_kind_falls_back_to_the_default_template(tournament):
    (registration,) = enter(tournament)
    note = Notification.objects.create(registration=registration, kind="something.new", title="Hello")
    subject, text, html = render_email(note)
    assert "Hello" in text and "Hello" in html
