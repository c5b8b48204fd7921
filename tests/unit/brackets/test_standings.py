import random

import pytest
from hypothesis import given, settings, strategies as st

from tournaments.brackets import BracketError, Result, standings


def table(rows):
    return [(r.rank, r.entrant, r.decided_by) for r in rows]


def test_three_way_tie_broken_by_score_difference_then_seed():
    results = [Result("A", "B", "A", 2, 0), Result("B", "C", "B", 2, 1), Result("C", "A", "C", 2, 1),
               Result("A", "D", "A", 2, 0), Result("B", "D", "B", 2, 0), Result("C", "D", "C", 2, 1)]
    rows = standings(["A", "B", "C", "D"], results)
    assert table(rows) == [(1, "A", "score_difference"), (2, "B", "seed"), (3, "C", "points"),
                           (4, "D", None)]
    a = rows[0]
    assert (a.wins, a.losses, a.points, a.score_for, a.score_against) == (2, 1, 6, 5, 2)
    assert rows[1].buchholz == rows[2].buchholz == 12


def test_head_to_head_mini_table():
    results = [Result("B", "C", "B"), Result("B", "D", "B"), Result("A", "B", "A"),
               Result("C", "A", "C"), Result("A", "D", "A"), Result("D", "C", "D")]
    rows = standings(["A", "B", "C", "D"], results)
    assert table(rows) == [(1, "A", "head_to_head"), (2, "B", "points"), (3, "D", "head_to_head"),
                           (4, "C", None)]


def test_head_to_head_reapplied_to_smaller_tie():
    # X, Y, Z all have 6 points. Mini-table of {X, Y, Z}: X 6, Y 3, Z 3.
    # Re-applied to {Y, Z}: Y beat Z, so Y is ahead although Z has the better seed.
    results = [Result("X", "Y", "X"), Result("Y", "Z", "Y"), Result("Z", "X", "Z"),
               Result("X", "Z", "X"), Result("Y", "O", "Y"), Result("Z", "O", "Z")]
    rows = standings(["Z", "Y", "X", "O"], results, tiebreakers=("head_to_head", "seed"))
    assert {r.points for r in rows[:3]} == {6}
    assert table(rows) == [(1, "X", "head_to_head"), (2, "Y", "head_to_head"),
                           (3, "Z", "points"), (4, "O", None)]


def test_shared_ranks_when_nothing_separates():
    rows = standings([1, 2, 3, 4], [Result(1, 2, 1), Result(3, 4, 3)], tiebreakers=("wins",))
    assert table(rows) == [(1, 1, "tied"), (1, 3, "points"), (3, 2, "tied"), (3, 4, None)]


def test_buchholz_with_byes():
    results = [Result(1, 2, 1), Result(3, 4, 3), Result.bye(5),
               Result(1, 3, 1), Result(5, 2, 5), Result.bye(4)]
    rows = standings([1, 2, 3, 4, 5], results, tiebreakers=("buchholz",))
    by = {r.entrant: r for r in rows}
    assert {e: by[e].buchholz for e in by} == {1: 3, 2: 12, 3: 9, 4: 3, 5: 0}
    assert by[5].byes == 1 and by[5].points == 6 and by[5].wins == 1
    assert table(rows) == [(1, 1, "buchholz"), (2, 5, "points"), (3, 3, "buchholz"),
                           (4, 4, "points"), (5, 2, None)]


def test_median_buchholz_drops_best_and_worst():
    results = [Result(1, 2, 1), Result(1, 3, 1), Result(1, 4, 1), Result(2, 3, 2),
               Result(2, 4, 2), Result(3, 4, 3)]
    rows = {r.entrant: r for r in standings([1, 2, 3, 4], results)}
    assert rows[1].buchholz == 6 + 3 + 0 and rows[1].median_buchholz == 3


def test_draws_and_custom_points():
    rows = standings(["x", "y", "z"], [Result("x", "y", None), Result("z", "x", "z")],
                     points={"win": 2, "draw": 1, "loss": 0})
    by = {r.entrant: r for r in rows}
    assert (by["x"].draws, by["x"].points, by["z"].points) == (1, 1, 2)
    with pytest.raises(ValueError, match="Unknown points keys"):
        standings(["x"], [], points={"victory": 3})


def test_kills_tiebreaker():
    rows = standings([1, 2], [Result(1, 2, None, kills_a=3, kills_b=9)],
                     tiebreakers=("kills",))
    assert table(rows) == [(1, 2, "kills"), (2, 1, None)]


def test_bad_results():
    with pytest.raises(BracketError, match="not an entrant"):
        standings([1, 2], [Result(1, 3, 1)])
    with pytest.raises(BracketError, match="did not play"):
        Result(1, 2, winner=3)


@given(st.integers(2, 30), st.randoms(use_true_random=False))
@settings(max_examples=60, deadline=None)
def test_standings_property(n, rnd):
    ents = list(range(n))
    results = []
    for _ in range(rnd.randint(0, 3 * n)):
        a, b = rnd.sample(ents, 2)
        results.append(Result(a, b, rnd.choice((a, b, None)), rnd.randint(0, 3), rnd.randint(0, 3)))
    rows = standings(ents, results)
    assert sorted(r.entrant for r in rows) == ents
    pts = [r.points for r in rows]
    assert pts == sorted(pts, reverse=True)
    for i, r in enumerate(rows):
        if i + 1 < len(rows):
            nxt = rows[i + 1]
            assert (nxt.rank == r.rank) == (r.decided_by == "tied")
            if r.decided_by == "points":
                assert r.points > nxt.points
        else:
            assert r.decided_by is None
    # seed is the last default tiebreaker, so nothing is ever shared by default
    assert len({r.rank for r in rows}) == n


def test_standings_10k_ranks_everyone():
    # Speed is measured in bench/bench_brackets.py, not asserted here.
    rnd = random.Random(5)
    ents = list(range(10_000))
    results = []
    for _ in range(5):
        rnd.shuffle(ents)
        results += [Result(ents[i], ents[i + 1], ents[i]) for i in range(0, 10_000, 2)]
    rows = standings(sorted(ents), results)
    assert len(rows) == 10_000 and sorted(r.entrant for r in rows) == sorted(ents)
