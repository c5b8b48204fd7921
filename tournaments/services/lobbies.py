"""Battle-royale lobbies: generated from the engine's plan, results entered per lobby.

Points come from the game's table (placement points + points per kill; the blueprint default is
12/9/7/5/4/3/2/1 + 1 per kill). A completed lobby can be corrected with a reason; standings and final
placements follow when every lobby of the stage is completed.
"""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from .. import brackets as engine
from .. import events, permissions
from ..models import Lobby, LobbyEntry
from . import audit
from .base import actor_user, lock, require, run_transition, save_plain, save_stateful
from .errors import DomainError

DEFAULT_TABLE = (12, 9, 7, 5, 4, 3, 2, 1)


def points_rule(game) -> dict:
    return {"table": tuple(game.br_points_table or DEFAULT_TABLE), "per_kill": game.br_points_per_kill}


def persist_lobbies(stage, plan, *, actor=None) -> list[Lobby]:
    """Insert every lobby and its entrants in bulk (history included)."""
    lobbies = [Lobby(stage=stage, tournament=stage.tournament, key=pl.key, round_number=pl.round, position=pl.position)
               for pl in plan.lobbies]
    lobbies = bulk_create_with_history(lobbies, Lobby, batch_size=500, default_user=actor_user(actor),
                                       default_change_reason="generated: battle_royale")
    by_key = {lobby.key: lobby for lobby in lobbies}
    entries = [LobbyEntry(lobby=by_key[pl.key], registration_id=entrant) for pl in plan.lobbies for entrant in pl.entrants]
    bulk_create_with_history(entries, LobbyEntry, batch_size=1000, default_user=actor_user(actor),
                             default_change_reason="generated: battle_royale")
    return lobbies


def _parse(rows, expected: set[int]):
    seen, placements, parsed = set(), set(), []
    for row in rows:
        try:
            registration_id, placement, kills = int(row[0]), int(row[1]), int(row[2])
        except (TypeError, ValueError, IndexError):
            raise DomainError(_("Each row needs an entrant, a placement and kills as whole numbers."), code="results")
        if registration_id not in expected:
            raise DomainError(_("Registration #%(r)s is not in this lobby.") % {"r": registration_id}, code="results")
        if registration_id in seen:
            raise DomainError(_("Registration #%(r)s appears twice.") % {"r": registration_id}, code="results")
        if not 1 <= placement <= len(expected):
            raise DomainError(_("Placements run from 1 to %(n)d; %(p)d is out of range.") % {"n": len(expected), "p": placement},
                              code="results")
        if placement in placements:
            raise DomainError(_("Two entrants cannot both finish #%(p)d.") % {"p": placement}, code="results")
        if not 0 <= kills <= 99:
            raise DomainError(_("Kills must be between 0 and 99."), code="results")
        seen.add(registration_id)
        placements.add(placement)
        parsed.append((registration_id, placement, kills))
    missing = expected - seen
    if missing:
        raise DomainError(_("Results are missing for registrations %(ids)s.") % {"ids": ", ".join(f"#{pk}" for pk in sorted(missing))},
                          code="results")
    return parsed


def start(lobby_id: int, *, actor) -> Lobby:
    with transaction.atomic():
        lobby = lock(Lobby, lobby_id, select_related=("tournament",))
        require(actor, lobby.tournament, permissions.RESULTS)
        run_transition(lobby, "start", label=_("Lobby %(k)s") % {"k": lobby.key})
        save_stateful(lobby, actor)
        audit.log_action("lobby.start", actor=actor, tournament=lobby.tournament, target=lobby)
        events.publish(lobby.tournament, "bracket.updated", {"lobby": lobby.pk, "key": lobby.key, "status": lobby.status,
                                                             "concerns": sorted(lobby.entries.values_list("registration_id", flat=True))})
        return lobby


def record_results(lobby_id: int, *, actor, rows, reason: str = "") -> Lobby:
    """Enter (or, with a reason, correct) a lobby's placements and kills."""
    with transaction.atomic():
        lobby = lock(Lobby, lobby_id, select_related=("tournament__game", "stage"))
        require(actor, lobby.tournament, permissions.RESULTS)
        correcting = lobby.status == Lobby.Status.COMPLETED
        if correcting and not (reason or "").strip():
            raise DomainError(_("Lobby %(k)s already has results; give a reason to correct them.") % {"k": lobby.key},
                              code="reason_required")
        if correcting and lobby.tournament.status == lobby.tournament.Status.COMPLETED:
            raise DomainError(_("%(t)s is completed; its results are final.") % {"t": lobby.tournament.name}, code="final")
        entries = {e.registration_id: e for e in lobby.entries.select_for_update()}
        parsed = _parse(rows, set(entries))
        rule = points_rule(lobby.tournament.game)
        for registration_id, placement, kills in parsed:
            entry = entries[registration_id]
            entry.placement, entry.kills = placement, kills
            entry.points = engine.battle_royale_points(placement, kills, **rule)
            save_plain(entry, actor, reason="result corrected" if correcting else "result")
        if not correcting:
            run_transition(lobby, "complete", label=_("Lobby %(k)s") % {"k": lobby.key})
        lobby.completed_at = timezone.now()
        save_stateful(lobby, actor)
        if correcting and lobby.stage.completed_at:
            lobby.stage.completed_at = None
            save_plain(lobby.stage, actor, reason="reopened by a correction")
        audit.log_action("lobby.correct" if correcting else "lobby.results", actor=actor, tournament=lobby.tournament,
                         target=lobby, reason=reason, metadata={"results": parsed})
        events.publish(lobby.tournament, "bracket.updated", {"lobby": lobby.pk, "key": lobby.key, "status": lobby.status,
                                                             "concerns": sorted(entries)})
        from .brackets import finish_stage_if_done

        finish_stage_if_done(lobby.stage, actor)
        return lobby


def standings(stage):
    """Totals across every completed lobby of a battle-royale stage, ties explained."""
    results = [engine.LobbyResult(entrant=e.registration_id, placement=e.placement, kills=e.kills or 0, round=e.lobby.round_number)
               for e in LobbyEntry.objects.filter(lobby__stage=stage, placement__isnull=False).select_related("lobby")]
    if not results:
        return ()
    return engine.battle_royale_standings(results, **points_rule(stage.tournament.game))
