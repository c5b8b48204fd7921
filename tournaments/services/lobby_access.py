"""Private lobby links: issue, revoke, resolve.

A link is ``/lobby/join/<token>/`` with a ``secrets.token_urlsafe(32)`` token (256 bits). Only the
token's SHA-256 is stored, so resolving is a lookup of the hash on a unique index: no comparison of
secrets in Python (nothing to time), and a database leak yields no working link. One active link per
registration: issuing revokes the previous one, which is how staff shut a leaked link.

Who may issue or revoke: staff who MANAGE the tournament, or the system (``actor=None``: demo data,
the sign-up flow, imports). The participant hears about a new link through a notification (shown in
the lobby and mailed by job).

Decision (issue 5): ``registrations.register`` does not issue links itself. The sign-up flow (and
imports, and demo data) calls ``ensure_link`` after registering, because a link is a credential that
only a channel reaching the participant should carry — staff registering on someone's behalf decide
when to send it.
"""
import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions
from ..models import LobbyAccess, Registration, Tournament
from . import audit, notifications
from .base import actor_user, lock, require, save_plain
from .errors import DomainError

TOKEN_BYTES = 32  # secrets.token_urlsafe(32) → 43 characters, 256 bits of entropy
MAX_TOKEN_LENGTH = 128  # anything longer is not one of ours; refuse before hashing
# ``last_used_at`` is informative (shown to staff), so it is written at most this often per link.
TOUCH_EVERY = timedelta(minutes=5)
logger = logging.getLogger(__name__)
# A link opens the lobby only while the tournament is one of these (drafts have no lobby; a
# cancelled or archived one is over).
VIEWABLE = [Tournament.Status.PUBLISHED, Tournament.Status.REGISTRATION_OPEN, Tournament.Status.REGISTRATION_CLOSED,
            Tournament.Status.LIVE, Tournament.Status.COMPLETED]


def hash_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()


def join_path(raw_token: str) -> str:
    return reverse("lobby:join", args=[raw_token])


def _locked_registration(registration_id: int, actor) -> Registration:
    if isinstance(actor, Registration):  # a participant never mints links, not even for themselves
        raise DomainError(_("Only organizers can issue or revoke lobby links."), code="forbidden")
    registration = lock(Registration, registration_id, select_related=("tournament", "player", "team"))
    require(actor, registration.tournament, permissions.MANAGE)
    return registration


def _revoke_active(registration, actor, reason: str) -> int:
    revoked = 0
    for access in LobbyAccess.objects.select_for_update().filter(registration=registration, revoked_at__isnull=True):
        access.revoked_at = timezone.now()
        access.revoked_reason = reason[:200]
        save_plain(access, actor, reason="revoked")
        revoked += 1
    return revoked


def issue_link(registration_id: int, *, actor) -> str:
    """Create a new private link for a registration and return its raw token (the only time it exists
    outside the participant's hands). Earlier active links stop working."""
    with transaction.atomic():
        registration = _locked_registration(registration_id, actor)
        if registration.status in (Registration.Status.REJECTED, Registration.Status.CANCELLED):
            raise DomainError(_("%(who)s is %(s)s; a withdrawn or rejected entrant gets no lobby link.")
                              % {"who": registration.display_name, "s": registration.get_status_display().lower()},
                              code="invalid_state")
        replaced = _revoke_active(registration, actor, _("replaced by a new link"))
        raw = secrets.token_urlsafe(TOKEN_BYTES)
        access = LobbyAccess(registration=registration, token_hash=hash_token(raw), created_by=actor_user(actor))
        save_plain(access, actor, reason="issued")
        audit.log_action("lobby_access.issue", actor=actor, tournament=registration.tournament, target=registration,
                         metadata={"access": access.pk, "replaced": replaced})
        # The link is a credential stored only as a hash: it is mailed after commit straight to the mail
        # backend, never written to the database (no notification row) or a job queue.
        transaction.on_commit(lambda: _mail_link(registration.pk, raw))
        return raw


def _mail_link(registration_id: int, raw: str) -> bool:
    registration = (Registration.objects.select_related("tournament", "player", "team__captain")
                    .filter(pk=registration_id).first())
    address = notifications._contact_email(registration) if registration else ""
    if not address:
        return False
    url = settings.PUBLIC_BASE_URL + join_path(raw)
    try:
        send_mail(_("[%(t)s] Your private lobby link") % {"t": registration.tournament.name},
                  _("Open your lobby (check in, report results, follow your matches) with this private link; "
                    "do not share it:\n\n%(url)s\n") % {"url": url}, None, [address])
    except Exception:  # the registration stands; staff can re-issue the link from the admin
        logger.exception("Could not mail the lobby link of registration %s", registration_id)
        return False
    return True


def ensure_link(registration_id: int, *, actor) -> str | None:
    """Issue a link unless the registration already has an active one (idempotent: sign-up flows,
    imports and demo data call it; re-running them sends nobody a second link)."""
    if LobbyAccess.objects.filter(registration_id=registration_id, revoked_at__isnull=True).exists():
        return None
    return issue_link(registration_id, actor=actor)


def revoke(registration_id: int, *, actor, reason: str) -> int:
    """Shut every active link of a registration (returns how many). Sessions opened with them end
    on their next request: the lobby re-checks the link on every request and connection."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason for revoking the link."), code="reason_required")
    with transaction.atomic():
        registration = _locked_registration(registration_id, actor)
        revoked = _revoke_active(registration, actor, reason)
        if not revoked:
            raise DomainError(_("%(who)s has no active lobby link.") % {"who": registration.display_name}, code="noop")
        audit.log_action("lobby_access.revoke", actor=actor, tournament=registration.tournament, target=registration,
                         reason=reason, metadata={"revoked": revoked})
        return revoked


def resolve(raw_token) -> tuple[LobbyAccess, Registration] | None:
    """The active link and its registration for a raw token, or None (unknown, revoked, malformed).

    The lookup is by hash on a unique index, so its timing says nothing about how close a guess was.
    A successful resolve records ``last_used_at`` (at most every few minutes per link).
    """
    if not isinstance(raw_token, str) or not raw_token or len(raw_token) > MAX_TOKEN_LENGTH:
        return None
    access = (LobbyAccess.objects.select_related("registration__tournament", "registration__player", "registration__team")
              .filter(token_hash=hash_token(raw_token), revoked_at__isnull=True).first())
    if access is None:
        return None
    now = timezone.now()
    if access.last_used_at is None or now - access.last_used_at >= TOUCH_EVERY:
        LobbyAccess.objects.filter(pk=access.pk).update(last_used_at=now)  # bookkeeping only: no history, no audit
        access.last_used_at = now
    return access, access.registration


def is_active(access_id) -> bool:
    """Is this link (by id, as kept in a session) still valid? One indexed query."""
    return bool(access_id) and LobbyAccess.objects.filter(pk=access_id, revoked_at__isnull=True).exists()


def active_link(registration_id: int) -> LobbyAccess | None:
    """The registration's active link row (for the admin's "issued at / last used" display)."""
    return LobbyAccess.objects.filter(registration_id=registration_id, revoked_at__isnull=True).first()
