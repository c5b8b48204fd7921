import pytest
from hypothesis import given, settings, strategies as st

from tournaments.brackets import (BracketError, OptionError, double_elimination, round_robin,
                                  seed, series_winner, single_elimination, standard_seed_order,
                                  standings, swiss_pairings)


def test_standard_seed_order_literals():
    assert standard_seed_order(2) == [1, 2]
    assert standard_seed_order(4) == [1, 4, 2, 3]
    assert standard_seed_order(8) == [1, 8, 4, 5, 2, 7, 3, 6]
    assert standard_seed_order(16) == [1, 16, 8, 9, 4, 13, 5, 12, 2, 15, 7, 10, 3, 14, 6, 11]


@pytest.mark.parametrize("size", [2 ** k for k in range(1, 11)])
def test_standard_seed_order_pairs_sum_constant(size):
    order = standard_seed_order(size)
    assert sorted(order) == list(range(1, size + 1))
    assert {order[i] + order[i + 1] for i in range(0, size, 2)} == {size + 1}


@pytest.mark.parametrize("bad", [0, 3, 6, -4, 2.0, True])
def test_standard_seed_order_rejects_non_power_of_two(bad):
    with pytest.raises(BracketError):
        standard_seed_order(bad)


def test_seed_methods():
    ents = ["a", "b", "c", "d", "e"]
    assert seed(ents) == tuple(ents)
    r1 = seed(ents, "random", rng_seed=42)
    assert r1 == seed(ents, "random", rng_seed=42)
    assert sorted(r1) == ents
    ratings = {"a": 10, "b": 30, "c": 20, "d": 30, "e": 5}
    assert seed(ents, "ranked", ratings=ratings) == ("b", "d", "c", "a", "e")


def test_seed_errors():
    with pytest.raises(BracketError, match="missing: 'b'"):
        seed(["a", "b"], "ranked", ratings={"a": 1})
    with pytest.raises(ValueError, match="manual"):
        seed([1, 2], "alphabetical")
    with pytest.raises(BracketError, match="more than once"):
        seed([1, 2, 1])


@pytest.mark.parametrize("scores,best_of,expected", [
    ((0, 0), 1, (False, None)), ((1, 0), 1, (True, 0)), ((0, 1), 1, (True, 1)),
    ((1, 1), 3, (False, None)), ((2, 1), 3, (True, 0)), ((0, 2), 3, (True, 1)),
    ((2, 2), 5, (False, None)), ((3, 2), 5, (True, 0)), ((1, 3), 5, (True, 1)),
])
def test_series_winner(scores, best_of, expected):
    status = series_winner(scores, best_of)
    assert (status.decided, status.winner) == expected
    assert status.wins_needed == best_of // 2 + 1


@pytest.mark.parametrize("scores,best_of", [((2, 0), 1), ((3, 1), 3), ((2, 2), 3), ((3, 3), 5),
                                            ((-1, 0), 3), ((4, 2), 5)])
def test_series_winner_rejects_impossible(scores, best_of):
    with pytest.raises(BracketError):
        series_winner(scores, best_of)


@given(st.integers(0, 6), st.integers(0, 6), st.sampled_from([1, 3, 5, 7, 9]))
@settings(max_examples=200, deadline=None)
def test_series_winner_property(a, b, best_of):
    need = best_of // 2 + 1
    possible = a + b <= best_of and a <= need and b <= need and not (a == need and b == need)
    if not possible:
        with pytest.raises(BracketError):
            series_winner((a, b), best_of)
        return
    s = series_winner((a, b), best_of)
    assert s.decided == (need in (a, b))


@pytest.mark.parametrize("call", [
    lambda bo: single_elimination([1, 2, 3], best_of=bo),
    lambda bo: double_elimination([1, 2, 3], best_of=bo),
    lambda bo: round_robin([1, 2, 3], best_of=bo),
    lambda bo: series_winner((0, 0), bo),
    lambda bo: swiss_pairings([1, 2], [], round_number=1, best_of=bo),
])
@pytest.mark.parametrize("bo", [0, 2, 4, -1, 1.0, "3"])
def test_best_of_must_be_odd_positive(call, bo):
    with pytest.raises(ValueError, match="best_of"):
        call(bo)


def test_unknown_options_list_allowed_ones():
    with pytest.raises(ValueError, match="Allowed options: third_place, best_of, final_best_of"):
        single_elimination([1, 2], thrid_place=True)
    with pytest.raises(ValueError, match="grand_final"):
        double_elimination([1, 2], grandfinal="reset")
    with pytest.raises(OptionError, match="Unknown tiebreaker"):
        standings([1, 2], [], tiebreakers=("wins", "coin_flip"))
    with pytest.raises(ValueError, match="'reset', 'single', 'none'"):
        double_elimination([1, 2], grand_final="double")


def test_too_few_entrants_messages():
    with pytest.raises(BracketError, match="Double elimination needs at least 2 entrants; you have 1."):
        double_elimination([1])
    with pytest.raises(BracketError, match="Single elimination needs at least 2 entrants; you have 0."):
        single_elimination([])
    with pytest.raises(BracketError, match="listed more than once"):
        single_elimination([1, 2, 2])
    with pytest.raises(BracketError, match="ints or strings"):
        single_elimination([1, None])
