"""Telling one entrant about something that concerns them: an in-app notification (shown live in the
lobby) plus an email by job when the entrant has an address."""
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import select_template
from django.utils import timezone

from .. import events, jobs
from ..models import Notification, Registration


def _contact_email(registration: Registration) -> str:
    if registration.player_id:
        return registration.player.email
    if registration.team_id:
        return registration.team.captain.email
    return ""


def notify(registration: Registration, kind: str, title: str, body: str = "") -> Notification:
    note = Notification.objects.create(registration=registration, kind=kind, title=title[:200], body=body)
    events.publish_private(registration.pk, "notification.new", {"id": note.pk, "kind": kind, "title": note.title})
    jobs.enqueue(jobs.send_notification_email, note.pk, queue="notifications", job_id=f"notification-email-{note.pk}")
    return note


def notify_bulk(items) -> list[Notification]:
    """Many notifications at once (a payout run): one INSERT, the same live events, and one e-mail
    job for the lot instead of one per notification. ``items``: ``[(registration, kind, title, body)]``."""
    notes = Notification.objects.bulk_create([Notification(registration=r, kind=k, title=t[:200], body=b) for r, k, t, b in items])
    if any(n.pk is None for n in notes):  # a backend without RETURNING: fetch the ids
        return [notify(r, k, t, b) for r, k, t, b in items]
    events.publish_private_many([(note.registration_id, "notification.new", {"id": note.pk, "kind": note.kind, "title": note.title})
                                 for note in notes])
    if notes:
        ids = [n.pk for n in notes]
        jobs.enqueue(jobs.send_notification_emails, ids, queue="notifications", job_id=f"notification-emails-{ids[0]}-{ids[-1]}")
    return notes


def notify_many(registrations, kind: str, title: str, body: str = "") -> None:
    for registration in registrations:
        if registration is not None:
            notify(registration, kind, title, body)


def render_email(note: Notification) -> tuple[str, str, str]:
    """(subject, text, html) from ``notifications/<kind>.txt|.html`` (``default`` when a kind has none)."""
    registration = note.registration
    context = {"notification": note, "title": note.title, "body": note.body, "registration": registration,
               "tournament": registration.tournament, "kind": note.kind}
    text = select_template([f"notifications/{note.kind}.txt", "notifications/default.txt"]).render(context)
    html = select_template([f"notifications/{note.kind}.html", "notifications/default.html"]).render(context)
    subject = f"[{registration.tournament.name}] {note.title}".replace("\n", " ")[:200]
    return subject, text.strip() + "\n", html


def deliver_email(notification_id: int) -> bool:
    """Mail one notification once. Idempotent: a retried job finds ``emailed_at`` set and stops."""
    with transaction.atomic():
        # lock only the notification row: PostgreSQL refuses FOR UPDATE on the nullable side of the joins
        of_self = transaction.get_connection().features.has_select_for_update_of
        note = (
            Notification.objects.select_for_update(**({"of": ("self",)} if of_self else {}))
            .select_related("registration__player", "registration__team__captain", "registration__tournament")
            .filter(pk=notification_id)
            .first()
        )
        if note is None or note.emailed_at is not None:
            return False
        address = _contact_email(note.registration)
        if not address:
            return False
        subject, text, html = render_email(note)
        message = EmailMultiAlternatives(subject, text, None, [address])
        message.attach_alternative(html, "text/html")
        message.send(fail_silently=False)
        note.emailed_at = timezone.now()
        note.save(update_fields=["emailed_at"])
        return True


def mark_read(registration_id: int, *, actor, ids=None) -> int:
    """Mark a registration's unread notifications read (all, or only ``ids``); returns how many.

    The participant (their ``Registration`` as actor) marks their own; nobody else's. Read state is
    bookkeeping (no history, no audit entry), like ``emailed_at``.
    """
    from django.utils.translation import gettext as _

    from .errors import DomainError

    if not isinstance(actor, Registration) or actor.pk != registration_id:
        raise DomainError(_("You can only mark your own notifications read."), code="forbidden")
    qs = Notification.objects.filter(registration_id=registration_id, read_at__isnull=True)
    if ids is not None:
        clean = [int(i) for i in ids if str(i).isdigit()][:500]
        qs = qs.filter(pk__in=clean)
    return qs.update(read_at=timezone.now())
