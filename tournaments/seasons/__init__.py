"""Seasons: pure computation of standings across tournaments (no Django import).

Public API (see ``standings.py``)::

    POINTS_PRESETS                  {"f1": (25, 18, 15, 12, 10, 8, 6, 4, 2, 1), "battle_royale": (12, 9, 7, 5, 4, 3, 2, 1)}
    TIEBREAKS                       ("wins", "best_placement", "head_to_head", "most_recent")
    Result(entrant, event, rank, wins=0, order=0)
    Row(entrant, rank, points, counted, events, wins, best_placement, decided_by, tied)
    points_for(rank, table) -> int
    season_standings(results, *, points_table, best_of=None, tiebreaks=TIEBREAKS, head_to_head=None) -> list[Row]

Unknown tiebreak names or bad tables raise ``ValueError``.
"""
from .standings import POINTS_PRESETS, RULE_LABELS, TIEBREAKS, Result, Row, points_for, season_standings

__all__ = ["POINTS_PRESETS", "RULE_LABELS", "TIEBREAKS", "Result", "Row", "points_for", "season_standings"]
