"""Who is looking at a lobby: a participant (by private link or by account) or a spectator.

The private link puts ``{"registration": id, "access": link id}`` in the session under a key per
tournament slug, so a link only ever opens its own tournament. Every request and every WebSocket
connection re-checks that the link is still active (one indexed query), so revoking a link ends the
sessions it opened. Participants with an account (``Player.user``, or the team captain's user) need
no link.
"""
from django.db.models import Q

from ..models import Registration
from ..services import lobby_access

SESSION_PREFIX = "lobby:"


def session_key(slug: str) -> str:
    return f"{SESSION_PREFIX}{slug}"


def remember(session, registration, access) -> None:
    """Called right after the session key was rotated by the join view."""
    session[session_key(registration.tournament.slug)] = {"registration": registration.pk, "access": access.pk}


def forget(session, slug: str) -> None:
    session.pop(session_key(slug), None)


def viewable(tournament) -> bool:
    return tournament is not None and tournament.status in lobby_access.VIEWABLE


def participant(session, user, tournament) -> Registration | None:
    """The registration acting in ``tournament``'s lobby, or None for a spectator (≤ 2 queries)."""
    entry = session.get(session_key(tournament.slug)) if session is not None else None
    if isinstance(entry, dict):
        registration = (Registration.objects.select_related("player", "team")
                        .filter(pk=entry.get("registration"), tournament_id=tournament.pk,
                                lobby_links__pk=entry.get("access"), lobby_links__revoked_at__isnull=True).first())
        if registration is not None:
            registration.tournament = tournament
            return registration
        forget(session, tournament.slug)  # revoked, or crafted: it opens nothing any more
    if user is not None and getattr(user, "is_authenticated", False):
        registration = (Registration.objects.select_related("player", "team")
                        .filter(Q(player__user_id=user.pk) | Q(team__captain__user_id=user.pk), tournament_id=tournament.pk)
                        .order_by("-created_at", "-id").first())
        if registration is not None:
            registration.tournament = tournament
            return registration
    return None
