"""Who may do what to which tournament.

Roles: a superuser is an Admin (everything); a tournament's ``organizer`` and its co-organizers
manage it; moderators handle results and disputes; check-in staff only check people in. The same
function answers the admin (what to show), the services (what to allow) and querysets (what to list),
so a permission can never exist only in a template.
"""
from django.db.models import Q

from .models import Tournament, TournamentStaff

MANAGE = "manage"
RESULTS = "results"
CHECKIN = "checkin"
VIEW = "view"

R = TournamentStaff.Role
ROLES_FOR = {
    MANAGE: {R.ORGANIZER},
    RESULTS: {R.ORGANIZER, R.MODERATOR},
    CHECKIN: {R.ORGANIZER, R.CHECKIN},
    VIEW: {R.ORGANIZER, R.MODERATOR, R.CHECKIN},
}


def _staff_roles(user, tournament) -> set[str]:
    cache = getattr(user, "_tournament_roles_cache", None)
    if cache is None:
        cache = {}
        user._tournament_roles_cache = cache
    if tournament.pk not in cache:
        cache[tournament.pk] = set(
            TournamentStaff.objects.filter(tournament_id=tournament.pk, user_id=user.pk).values_list("role", flat=True)
        )
    return cache[tournament.pk]


def has_capability(user, tournament, capability: str) -> bool:
    if capability not in ROLES_FOR:
        raise ValueError(f"Unknown capability {capability!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not user.is_staff:
        return False
    if tournament.organizer_id == user.pk:
        return True
    return bool(_staff_roles(user, tournament) & ROLES_FOR[capability])


def tournaments_for(user, capability: str = VIEW):
    """Tournaments this user may act on with ``capability`` (a queryset, for scoping lists)."""
    qs = Tournament.objects.all()
    if user.is_superuser:
        return qs
    if not (user.is_authenticated and user.is_staff and user.is_active):
        return qs.none()
    roles = ROLES_FOR[capability]
    return qs.filter(Q(organizer=user) | Q(staff__user=user, staff__role__in=roles)).distinct()


def tournament_filter(user, capability: str = VIEW, prefix: str = "tournament") -> Q:
    """A Q object scoping any tournament-owned model to what ``user`` may see."""
    if user.is_superuser:
        return Q()
    roles = ROLES_FOR[capability]
    own = Q(**{f"{prefix}__organizer": user})
    staffed = Q(**{f"{prefix}__in": TournamentStaff.objects.filter(user=user, role__in=roles).values("tournament")})
    return own | staffed


class _CompleteRoleCache(dict):
    """A role cache holding *every* role of one user: a tournament missing from it means no role."""

    def __contains__(self, key):
        return True

    def __missing__(self, key):
        return set()


def preload_roles(user) -> None:
    """Load all of ``user``'s tournament roles in one query, so that checking ``has_capability`` on
    many rows (an admin list with per-row actions) costs no query per tournament. Per request: the
    cache lives on the user object the request holds."""
    if user is None or not getattr(user, "is_authenticated", False) or user.is_superuser:
        return
    cache = _CompleteRoleCache()
    for tournament_id, role in TournamentStaff.objects.filter(user_id=user.pk).values_list("tournament_id", "role"):
        cache.setdefault(tournament_id, set()).add(role)
    user._tournament_roles_cache = cache


def created_by(user, model_name: str):
    """Ids of the records of ``model_name`` that ``user`` created (from the audit log)."""
    from django.db.models import BigIntegerField
    from django.db.models.functions import Cast

    from .models import AuditLog

    return (AuditLog.objects.filter(action=f"{model_name}.create", actor=user)
            .annotate(record_id=Cast("target_id", BigIntegerField())).values("record_id"))


def people_filter(user, kind: str) -> Q:
    """Players or teams an organizer may see: those taking part in a tournament they can view (as an
    entrant or on an entered team's roster) and those they created. Admins see everyone."""
    if user.is_superuser:
        return Q()
    viewable = tournaments_for(user).values("pk")
    if kind == "player":
        return (Q(registrations__tournament__in=viewable) | Q(memberships__team__registrations__tournament__in=viewable)
                | Q(pk__in=created_by(user, "player")))
    return Q(registrations__tournament__in=viewable) | Q(pk__in=created_by(user, "team"))
