"""Fee waivers for the best entrants by a ranking ("the top 4 teams of last season play for free").

A *ranking source* turns a tournament (and its options) into the tournament's own active
registrations, best first. Sources live in a small registry so another module can add one (a season
standings table, say) with ``@ranking_source("season", label)`` without touching this file; the admin
form lists whatever is registered.
"""
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _, gettext_lazy

from .. import permissions
from ..models import Placement, Registration, Tournament
from . import audit, payments
from .base import lock, require
from .errors import DomainError


@dataclass(frozen=True)
class RankingSource:
    key: str
    label: str
    rank: Callable[..., list[int]]  # (tournament, **options) -> registration ids of the tournament, best first
    options: tuple[str, ...] = ()  # option names the source reads (the admin form offers them)


RANKING_SOURCES: dict[str, RankingSource] = {}


def ranking_source(key: str, label, options: tuple[str, ...] = ()):
    """Register a ranking source under ``key`` (decorator)."""
    def register(fn):
        RANKING_SOURCES[key] = RankingSource(key=key, label=label, rank=fn, options=options)
        return fn
    return register


def _active(tournament):
    return Registration.objects.filter(tournament=tournament, status__in=Registration.ACTIVE)


@ranking_source("seed", gettext_lazy("Registration seed order"))
def _by_seed(tournament, **options) -> list[int]:
    """Seeded entrants by seed (1 is best); unseeded ones are not ranked."""
    return list(_active(tournament).filter(seed__isnull=False).order_by("seed", "id").values_list("pk", flat=True))


@ranking_source("placements", gettext_lazy("Final placements of an earlier tournament"), options=("earlier",))
def _by_placements(tournament, *, earlier=None, **options) -> list[int]:
    """Entrants of this tournament in the order the same team (or player) finished ``earlier``."""
    if earlier is None:
        raise DomainError(_("Choose the earlier tournament whose placements rank the entrants."), code="source")
    if earlier.pk == tournament.pk:
        raise DomainError(_("Choose a different tournament than %(t)s itself.") % {"t": tournament.name}, code="source")
    placed = (Placement.objects.filter(tournament=earlier).order_by("rank", "id")
              .values_list("registration__team_id", "registration__player_id"))
    if not placed:
        raise DomainError(_("%(t)s has no final placements yet.") % {"t": earlier.name}, code="source")
    here = {(team, player): pk for pk, team, player in _active(tournament).values_list("pk", "team_id", "player_id")}
    ranked = []
    for team_id, player_id in placed:
        pk = here.get((team_id, None)) if team_id else here.get((None, player_id))
        if pk is not None and pk not in ranked:
            ranked.append(pk)
    return ranked


def ranked_entrants(tournament, source: str, **options) -> list[int]:
    spec = RANKING_SOURCES.get(source)
    if spec is None:
        raise DomainError(_("Unknown ranking “%(s)s”. Choose one of: %(all)s.")
                          % {"s": source, "all": ", ".join(str(s.label) for s in RANKING_SOURCES.values())}, code="source")
    return spec.rank(tournament, **options)


def waive_fees_top_n(tournament_id: int, *, actor, n: int, source: str, reason: str = "", **options) -> list[Registration]:
    """Waive the fee of the best ``n`` entrants by ``source`` (already waived ones count towards n and
    are left as they are). All or nothing; returns the registrations whose fee was waived now."""
    try:
        n = int(n)
    except (TypeError, ValueError):
        raise DomainError(_("“%(n)s” is not a number of entrants.") % {"n": n}, code="n")
    if n < 1:
        raise DomainError(_("Waive the fee for at least one entrant."), code="n")
    with transaction.atomic():
        tournament = lock(Tournament, tournament_id)
        require(actor, tournament, permissions.MANAGE)
        if not tournament.has_fee:
            raise DomainError(_("%(t)s charges no entry fee.") % {"t": tournament.name})
        for value in options.values():  # a ranking read from another tournament needs the right to see it
            if isinstance(value, Tournament):
                require(actor, value, permissions.VIEW)
        ranked = ranked_entrants(tournament, source, **options)[:n]
        if not ranked:
            raise DomainError(_("The ranking “%(s)s” ranks none of the active entrants of %(t)s.")
                              % {"s": RANKING_SOURCES[source].label, "t": tournament.name}, code="empty")
        label = RANKING_SOURCES[source].label
        why = (reason or "").strip() or _("Top %(n)d by %(s)s") % {"n": n, "s": label}
        already = set(Registration.objects.filter(pk__in=ranked, fee_waived=True).values_list("pk", flat=True))
        waived = []
        for place, pk in enumerate(ranked, start=1):
            if pk in already:
                continue
            waived.append(payments.waive_fee(pk, actor=actor, reason=f"{why} (#{place})"[:200]))
        audit.log_action("tournament.waive_top_n", actor=actor, tournament=tournament, target=tournament, reason=why,
                         metadata={"n": n, "source": source, "waived": [r.pk for r in waived], "already": sorted(already),
                                   **{k: getattr(v, "pk", v) for k, v in options.items()}})
        return waived


__all__ = ["RANKING_SOURCES", "RankingSource", "ranking_source", "ranked_entrants", "waive_fees_top_n"]
