"""Pure season standings: points tables, best-N, 1-2-2-4 ranks and the explained tiebreak cascade."""
import pytest
from hypothesis import given, settings, strategies as st

from tournaments.seasons import POINTS_PRESETS, Result, points_for, season_standings

F1 = POINTS_PRESETS["f1"]
BR = POINTS_PRESETS["battle_royale"]


def table(rows):
    return [(r.entrant, r.rank, r.points, r.decided_by) for r in rows]


def test_presets_are_the_published_tables():
    assert F1 == (25, 18, 15, 12, 10, 8, 6, 4, 2, 1)
    assert BR == (12, 9, 7, 5, 4, 3, 2, 1)
    assert points_for(1, F1) == 25 and points_for(10, F1) == 1 and points_for(11, F1) == 0
    assert points_for(8, BR) == 1 and points_for(9, BR) == 0


def test_points_add_up_across_events():
    results = [Result("a", 1, 1), Result("b", 1, 2), Result("c", 1, 3),
               Result("a", 2, 3), Result("b", 2, 1), Result("c", 2, 2)]
    rows = season_standings(results, points_table=F1)
    assert table(rows) == [("b", 1, 43, "points"), ("a", 2, 40, "points"), ("c", 3, 33, "points")]


def test_sport_ties_one_two_two_four_without_tiebreaks():
    results = [Result("a", 1, 1), Result("b", 1, 2), Result("c", 1, 2), Result("d", 1, 4)]
    rows = season_standings(results, points_table=F1, tiebreaks=())
    assert [(r.entrant, r.rank, r.tied) for r in rows] == [("a", 1, False), ("b", 2, True), ("c", 2, True), ("d", 4, False)]
    assert rows[1].decided_by == "tied"


def test_battle_royale_table_and_custom_table():
    rows = season_standings([Result("x", 1, 1), Result("y", 1, 9)], points_table=BR)
    assert [(r.entrant, r.points) for r in rows] == [("x", 12), ("y", 0)]
    rows = season_standings([Result("x", 1, 2), Result("y", 1, 1)], points_table=[5, 5, 1])
    assert table(rows) == [("y", 1, 5, "best_placement"), ("x", 2, 5, "best_placement")]
    rows = season_standings([Result("x", 1, 2), Result("y", 1, 1)], points_table=[5, 5, 1], tiebreaks=())
    assert table(rows) == [("x", 1, 5, "tied"), ("y", 1, 5, "tied")]


def test_best_n_counts_only_the_best_results():
    results = [Result("a", e, rank) for e, rank in enumerate([1, 10, 10, 10], start=1)] + \
              [Result("b", e, 2) for e in range(1, 5)]
    all_counted = season_standings(results, points_table=F1)
    assert [(r.entrant, r.points) for r in all_counted] == [("b", 72), ("a", 28)]
    best_two = season_standings(results, points_table=F1, best_of=2)
    assert [(r.entrant, r.points, r.total, r.events) for r in best_two] == [("b", 36, 72, 4), ("a", 26, 28, 4)]
    best_one = season_standings(results, points_table=F1, best_of=1)
    assert [(r.entrant, r.points) for r in best_one] == [("a", 25), ("b", 18)]


def test_cascade_wins_then_best_placement_shows_the_deciding_rule():
    # b and c level on 33 points; c has more wins (6 against 5)
    results = [Result("a", 1, 1, wins=5), Result("a", 2, 5, wins=1), Result("b", 1, 3, wins=3), Result("b", 2, 2, wins=2),
               Result("c", 1, 2, wins=2), Result("c", 2, 3, wins=4)]
    rows = season_standings(results, points_table=F1)
    assert table(rows) == [("a", 1, 35, "points"), ("c", 2, 33, "wins"), ("b", 3, 33, "wins")]


def test_cascade_falls_through_to_best_placement_and_head_to_head():
    # equal points and wins; a has the better best placement than b
    results = [Result("a", 1, 1, wins=2), Result("a", 2, 4), Result("b", 1, 2, wins=1), Result("b", 2, 3, wins=1)]
    rows = season_standings(results, points_table=[10, 6, 5, 1])
    assert table(rows) == [("a", 1, 11, "best_placement"), ("b", 2, 11, "best_placement")]
    # same points, wins and best placement: head-to-head decides
    results = [Result("a", 1, 1), Result("a", 2, 2), Result("b", 1, 2), Result("b", 2, 1)]
    rows = season_standings(results, points_table=F1, head_to_head={("b", "a"): 2, ("a", "b"): 1})
    assert table(rows) == [("b", 1, 43, "head_to_head"), ("a", 2, 43, "head_to_head")]


def test_most_recent_result_decides_when_everything_else_is_level():
    results = [Result("a", "spring", 1, order=1), Result("a", "summer", 2, order=2),
               Result("b", "spring", 2, order=1), Result("b", "summer", 1, order=2)]
    rows = season_standings(results, points_table=F1)
    assert table(rows) == [("b", 1, 43, "most_recent"), ("a", 2, 43, "most_recent")]


def test_partial_separation_keeps_the_rest_tied():
    # three level on points; c has fewer wins, a and b stay level on everything
    results = [Result("a", 1, 1, wins=3), Result("b", 1, 1, wins=3), Result("c", 1, 1, wins=1), Result("d", 1, 4)]
    rows = season_standings(results, points_table=F1, tiebreaks=["wins"])
    assert table(rows) == [("a", 1, 25, "tied"), ("b", 1, 25, "tied"), ("c", 3, 25, "wins"), ("d", 4, 12, "points")]


def test_bad_input_is_refused_with_a_message():
    with pytest.raises(ValueError, match="increase"):
        season_standings([], points_table=[1, 2])
    with pytest.raises(ValueError, match="Unknown tiebreak"):
        season_standings([], points_table=F1, tiebreaks=["coin_flip"])
    with pytest.raises(ValueError, match="best-N"):
        season_standings([], points_table=F1, best_of=0)
    with pytest.raises(ValueError, match="placement"):
        season_standings([Result("a", 1, 0)], points_table=F1)


results_strategy = st.lists(
    st.builds(Result, entrant=st.integers(1, 12), event=st.integers(1, 6), rank=st.integers(1, 14),
              wins=st.integers(0, 5), order=st.integers(1, 6)),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(results_strategy, st.sampled_from([(), ("wins",), ("wins", "best_placement", "head_to_head", "most_recent")]),
       st.one_of(st.none(), st.integers(1, 4)))
def test_ranks_are_sport_style_and_consistent(results, tiebreaks, best_of):
    rows = season_standings(results, points_table=F1, tiebreaks=tiebreaks, best_of=best_of)
    assert len(rows) == len({r.entrant for r in results})
    for i, row in enumerate(rows):
        # 1-2-2-4: a rank is the number of entrants strictly ahead plus one
        assert row.rank == 1 + sum(1 for other in rows if other.rank < row.rank)
        assert row.rank <= i + 1
        if i:
            assert rows[i - 1].points >= row.points
        assert row.tied == (sum(1 for other in rows if other.rank == row.rank) > 1)
        assert row.points <= row.total
    if not tiebreaks:
        # without tiebreaks equal points always share a rank
        for a in rows:
            for b in rows:
                assert (a.points == b.points) == (a.rank == b.rank)


def test_head_to_head_reader_is_asked_once_for_only_the_tied_entrants():
    # a and b level on everything before head-to-head; c and d are separated by points; e and f by wins
    results = [Result("a", 1, 1), Result("a", 2, 2), Result("b", 1, 2), Result("b", 2, 1),
               Result("c", 1, 3), Result("d", 1, 4),
               Result("e", 1, 5, wins=2), Result("f", 1, 5, wins=1)]
    pairs = {("b", "a"): 2, ("a", "b"): 1, ("c", "d"): 5}
    calls = []

    def reader(needed):
        calls.append(set(needed))
        return {k: v for k, v in pairs.items() if k[0] in needed and k[1] in needed}

    rows = season_standings(results, points_table=F1, head_to_head=reader)
    assert calls == [{"a", "b"}]
    assert table(rows)[:2] == [("b", 1, 43, "head_to_head"), ("a", 2, 43, "head_to_head")]
    assert rows == season_standings(results, points_table=F1, head_to_head=pairs)
    # nobody level after wins and best placement: the reader is never called
    calls.clear()
    season_standings(results[4:], points_table=F1, head_to_head=reader)
    assert calls == []


def test_plain_tuples_in_result_field_order_rank_like_results():
    results = [Result("a", 1, 1, wins=2), Result("a", 2, 4), Result("b", 1, 2, wins=1), Result("b", 2, 3, wins=1)]
    assert season_standings([tuple(r) for r in results], points_table=F1) == season_standings(results, points_table=F1)
