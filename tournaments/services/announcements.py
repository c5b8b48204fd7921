"""Announcements: staff post to a tournament's lobby; pinned ones stay on top."""
from django.db import transaction
from django.utils.translation import gettext as _

from .. import events, permissions
from ..models import Announcement, Tournament
from . import audit
from .base import lock, require, save_plain
from .errors import DomainError


def post(tournament_id: int, *, actor, title: str, body: str = "", pinned: bool = False) -> Announcement:
    title = (title or "").strip()
    if not title:
        raise DomainError(_("An announcement needs a title."), code="title")
    if len(title) > 140:
        raise DomainError(_("Keep the title under 140 characters (it has %(n)d).") % {"n": len(title)}, code="title")
    with transaction.atomic():
        tournament = lock(Tournament, tournament_id)
        require(actor, tournament, permissions.MANAGE)
        announcement = Announcement(tournament=tournament, author=actor, title=title, body=(body or "").strip(), pinned=pinned)
        save_plain(announcement, actor)
        audit.log_action("announcement.post", actor=actor, tournament=tournament, target=announcement, metadata={"pinned": pinned})
        events.publish(tournament, "announcement.new", {"id": announcement.pk, "title": announcement.title,
                                                         "body": announcement.body, "pinned": pinned})
        return announcement


def set_pinned(announcement_id: int, *, actor, pinned: bool) -> Announcement:
    with transaction.atomic():
        announcement = lock(Announcement, announcement_id, select_related=("tournament",))
        require(actor, announcement.tournament, permissions.MANAGE)
        if announcement.pinned == pinned:
            raise DomainError(_("“%(t)s” is already %(s)s.") % {"t": announcement.title, "s": _("pinned") if pinned else _("not pinned")}, code="noop")
        announcement.pinned = pinned
        save_plain(announcement, actor, reason="pinned" if pinned else "unpinned")
        audit.log_action("announcement.pin" if pinned else "announcement.unpin", actor=actor,
                         tournament=announcement.tournament, target=announcement)
        events.publish(announcement.tournament, "announcement.new", {"id": announcement.pk, "title": announcement.title,
                                                                      "body": announcement.body, "pinned": pinned})
        return announcement
