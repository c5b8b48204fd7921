"""Telling one entrant about something that concerns them: an in-app notification (shown live in the
lobby) plus an email by job when the entrant has an address."""
from django.core.mail import send_mail
from django.db import transaction
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


def notify_many(registrations, kind: str, title: str, body: str = "") -> None:
    for registration in registrations:
        if registration is not None:
            notify(registration, kind, title, body)


def deliver_email(notification_id: int) -> bool:
    """Mail one notification once. Idempotent: a retried job finds ``emailed_at`` set and stops."""
    with transaction.atomic():
        note = (
            Notification.objects.select_for_update()
            .select_related("registration__player", "registration__team__captain", "registration__tournament")
            .filter(pk=notification_id)
            .first()
        )
        if note is None or note.emailed_at is not None:
            return False
        address = _contact_email(note.registration)
        if not address:
            return False
        subject = f"[{note.registration.tournament.name}] {note.title}"
        send_mail(subject, note.body or note.title, None, [address], fail_silently=False)
        note.emailed_at = timezone.now()
        note.save(update_fields=["emailed_at"])
        return True
