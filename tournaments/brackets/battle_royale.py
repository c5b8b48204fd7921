"""Battle royale: lobbies of many entrants, points for placement and kills.

Lobby count L = ceil(n / lobby_size); sizes differ by at most one. Entrants
are laid out in rows of L by seed (row 0 = seeds 1..L). In round r (0-based)
the entrant in row k, column c plays in lobby ``(c + r*k) mod L``: row 0
never moves (the top seeds stay spread over different lobbies) while each
lower row shifts by a different amount, so lobbies are re-mixed every round
and, when L is prime, any two entrants from different rows share a lobby
once every L rounds. Deterministic, so a schedule can be regenerated.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import BracketError, check_positive_int, normalize_entrants, options
from .plan import Plan, PlannedLobby

DEFAULT_TABLE = (12, 9, 7, 5, 4, 3, 2, 1)


@dataclass(frozen=True)
class LobbyResult:
    """One entrant's finish in one lobby."""
    entrant: Any
    placement: int
    kills: int = 0
    round: int | None = None


@dataclass(frozen=True)
class BattleRoyaleRow:
    rank: int
    entrant: Any
    points: int
    kills: int
    wins: int
    best_placement: int
    games: int
    decided_by: str | None


@options
def battle_royale(entrants, *, lobby_size, rounds):
    """Plan ``rounds`` rounds of balanced, re-mixed lobbies."""
    ents = normalize_entrants(entrants, minimum=2, what="Battle royale")
    check_positive_int("lobby_size", lobby_size, minimum=2)
    check_positive_int("rounds", rounds)
    n = len(ents)
    lobbies_per_round = -(-n // lobby_size)
    lobbies = []
    for r in range(rounds):
        members = [[] for _ in range(lobbies_per_round)]
        for i, e in enumerate(ents):
            row, col = divmod(i, lobbies_per_round)
            members[(col + r * row) % lobbies_per_round].append(e)
        for p, lob in enumerate(members, start=1):
            lobbies.append(PlannedLobby(f"BR.R{r + 1}.L{p}", r + 1, p, tuple(lob)))
    return Plan(format="battle_royale", entrants=ents,
                options={"lobby_size": lobby_size, "rounds": rounds},
                lobbies=tuple(lobbies), rounds={"br": rounds})


def battle_royale_points(placement, kills, *, table=DEFAULT_TABLE, per_kill=1):
    """Points for one game: ``table[placement-1]`` (0 beyond it) + kills*per_kill."""
    check_positive_int("placement", placement)
    if isinstance(kills, bool) or not isinstance(kills, int) or kills < 0:
        raise BracketError(f"Kills must be a whole number >= 0; got {kills!r}.")
    return (table[placement - 1] if placement <= len(table) else 0) + kills * per_kill


def battle_royale_standings(results, *, table=DEFAULT_TABLE, per_kill=1):
    """Totals over all games, ranked by points, then wins (1st places),
    then kills, then best placement; rows nothing separates share a rank."""
    agg = {}
    for res in results:
        if not isinstance(res, LobbyResult):
            res = LobbyResult(*res)
        pts = battle_royale_points(res.placement, res.kills, table=table, per_kill=per_kill)
        a = agg.setdefault(res.entrant, [0, 0, 0, res.placement, 0])
        a[0] += pts
        a[1] += res.kills
        a[2] += res.placement == 1
        a[3] = min(a[3], res.placement)
        a[4] += 1
    rules = (("points", lambda a: a[0]), ("wins", lambda a: a[2]), ("kills", lambda a: a[1]),
             ("best_placement", lambda a: -a[3]))
    order = sorted(agg, key=lambda e: tuple(-f(agg[e]) for _, f in rules))
    rows = []
    for i, e in enumerate(order):
        decided = None
        if i + 1 < len(order):
            nxt = agg[order[i + 1]]
            decided = next((name for name, f in rules if f(agg[e]) != f(nxt)), "tied")
        rank = i + 1 if i == 0 or rows[-1].decided_by != "tied" else rows[-1].rank
        a = agg[e]
        rows.append(BattleRoyaleRow(rank, e, a[0], a[1], a[2], a[3], a[4], decided))
    return tuple(rows)
