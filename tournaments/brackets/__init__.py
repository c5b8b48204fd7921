"""Pure-Python bracket engine (stdlib only; no Django, no project imports).

Everything takes plain data -- entrant ids in seed order (ints or strings),
results, options -- and returns frozen dataclasses/named tuples/tuples/dicts,
so plans are deterministic, cacheable and testable without a database.

Errors: :class:`BracketError` = the organizer can fix it (message says what
to change); :class:`OptionError` (a BracketError *and* ValueError) = unknown
option name (lists the allowed ones) or bad option value, e.g. an even
``best_of``; :class:`BracketInvariantError` (RuntimeError) = engine bug.

Plans (``plan.py``)
-------------------
``Plan(format, entrants, options, matches, rounds, rests, lobbies, groups)``
with ``by_key(key)``, ``validate()``, ``played_matches(include_conditional=
True)``, ``matches_in(bracket, round, group)``, ``rests_in(round, group)``,
``ordered_matches()``. ``PlannedMatch(key, bracket, round, position, slots,
best_of, group, winner_to, loser_to, conditional)``; ``winner_to`` /
``loser_to`` are ``(key, slot index)`` or None. ``Slot``: ``entrant``,
``bye``, or a feed ``from_match`` + ``outcome`` ('winner'|'loser').
``PlannedMatch`` and ``Slot`` are immutable named tuples (a plan holds
thousands; tuples are built in C): fields are read-only, equal values compare
and hash equal, they pickle; being tuples they also unpack and index.
Keys: ``WB2.3``, ``LB1.2``, ``GF1``, ``GF2`` (reset, conditional), ``3RD``,
``G-A.R2.1`` (round robin), ``S.R3.4`` / ``G-A.S.R1.2`` (Swiss),
``BR.R1.L2`` (``PlannedLobby`` with an ``entrants`` tuple). A BYE match
auto-advances its real side and is not in ``played_matches()``.

Formats
-------
``single_elimination(entrants, *, third_place=False, best_of=1,
final_best_of=None) -> Plan``
    n >= 2, padded to a power of two with BYEs for the top seeds, standard
    seeded order (8: 1v8, 4v5, 2v7, 3v6). n-1 played matches (+1 for 3RD,
    which needs n >= 4 and is fed by the semifinal losers).

``double_elimination(entrants, *, grand_final='reset'|'single'|'none',
skip_first_round=False, best_of=1, grand_final_best_of=None) -> Plan``
    Played matches 2n-2 (single GF), 2n-1 with the conditional reset GF2,
    2n-3 with no grand final. LB drop order, BYE pruning and
    ``skip_first_round`` are documented in ``double.py``.

``round_robin(entrants, *, groups=1, double=False, distribution='snake'|
'effort'|'pairs', best_of=1) -> Plan``
    Circle method per group; odd groups record ``rests``; ``double`` adds
    the mirrored cycle. ``Plan.groups`` maps label -> entrants.
    ``distribute(entrants, groups, method)`` exposes the dealing alone
    (methods documented in ``distribution.py``).

``swiss_pairings(entrants, history, *, round_number, strength='score'|
'buchholz', bye_points=1, wins_to_advance=None, losses_to_eliminate=None,
best_of=1, group=None) -> SwissRound``
    ``history`` is a list of :class:`Result` (``Result.bye(x)`` for byes).
    Returns matches (the bye as ``entrant vs BYE`` last), ``bye``,
    ``advanced``/``eliminated`` (excluded from pairing when the W/L limits
    are given) and ``rematches`` (0 unless unavoidable).
``swiss_plan(entrants, *, rounds=None, wins_to_advance=None,
losses_to_eliminate=None, strength='score', bye_points=1, best_of=1) -> Plan``
    Round-1 pairings and the round count (fixed, or W+L-1 at most).
``swiss_records(entrants, history, bye_points=1)`` -> {entrant: SwissRecord}.

``groups_to_playoffs(entrants, *, groups, advance_per_group,
group_format='round_robin'|'swiss', playoff='single'|'double',
distribution='snake', best_of=1, playoff_best_of=None,
double_round_robin=False, swiss_rounds=None, third_place=False,
grand_final='reset') -> StagedPlan(group_stage, playoff, advance_per_group,
playoff_seeds)``; the playoff's entrants are placeholders
``("group", "A", 1)`` cross-seeded so group-mates meet as late as possible.
``seed_playoffs_from_groups(group_standings, advance_per_group) -> tuple``
turns final group standings ({label: ordered entrants or rows}) into the
concrete seed order.

``battle_royale(entrants, *, lobby_size, rounds) -> Plan`` (``lobbies``),
``battle_royale_points(placement, kills, *, table=(12,9,7,5,4,3,2,1),
per_kill=1) -> int``, ``battle_royale_standings(results, *, table,
per_kill) -> tuple[BattleRoyaleRow]`` (results: :class:`LobbyResult` or
``(entrant, placement, kills)`` tuples).

Series, seeding, standings
--------------------------
``series_winner(game_scores, best_of) -> SeriesStatus(decided, winner,
wins_needed, games_played)``; ``game_scores`` = (wins side 0, wins side 1).
``seed(entrants, method='manual'|'random'|'ranked', *, rng_seed=None,
ratings=None) -> tuple``; ``standard_seed_order(size) -> list``.
``standings(entrants, results, *, tiebreakers=('wins', 'head_to_head',
'score_difference', 'buchholz', 'median_buchholz', 'kills', 'seed'),
points={'win': 3, 'draw': 1, 'loss': 0}) -> tuple[StandingRow]``: points
first, then the tiebreakers; ``decided_by`` names the rule separating a row
from the next ('tied' = shared rank). Allowed tiebreakers: ``TIEBREAKERS``.
``elimination_placements(plan, results) -> tuple[Placement]`` and
``resolve(plan, results) -> {key: MatchState}`` with results
``{match key: winner}``.
"""
from .battle_royale import (BattleRoyaleRow, LobbyResult, battle_royale, battle_royale_points,
                            battle_royale_standings)
from .distribution import distribute
from .double import double_elimination
from .errors import BracketError, BracketInvariantError, OptionError
from .groups import StagedPlan, groups_to_playoffs, seed_playoffs_from_groups
from .placements import MatchState, Placement, elimination_placements, resolve
from .plan import BYE, Plan, PlannedLobby, PlannedMatch, Slot
from .results import Result
from .round_robin import round_robin
from .seeding import seed, standard_seed_order
from .series import SeriesStatus, series_winner
from .single import single_elimination
from .standings import TIEBREAKERS, StandingRow, standings
from .swiss import SwissRecord, SwissRound, swiss_pairings, swiss_plan, swiss_records

__all__ = [
    "BYE", "BattleRoyaleRow", "BracketError", "BracketInvariantError", "LobbyResult",
    "MatchState", "OptionError", "Placement", "Plan", "PlannedLobby", "PlannedMatch", "Result",
    "SeriesStatus", "Slot", "StagedPlan", "StandingRow", "SwissRecord", "SwissRound",
    "TIEBREAKERS", "battle_royale", "battle_royale_points", "battle_royale_standings",
    "distribute", "double_elimination", "elimination_placements", "groups_to_playoffs",
    "resolve", "round_robin", "seed", "seed_playoffs_from_groups", "series_winner",
    "single_elimination", "standard_seed_order", "standings", "swiss_pairings", "swiss_plan",
    "swiss_records",
]
