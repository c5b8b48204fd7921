"""Prize arithmetic: percentages, fixed amounts, remainders, ties and team splits — exact to the unit."""
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from tournaments.payout_math import DistributionError, allocate, place_fractions, split, to_units


def shares(distribution, pool, placements, step=Decimal("0.01")):
    units, left = allocate(to_units(Decimal(pool), step), placements, place_fractions(distribution, Decimal(pool)))
    return {k: Decimal(v) * step for k, v in units.items()}, Decimal(left) * step


def test_percentages_of_the_pool():
    result, left = shares({"1": 50, "2": 30, "3": 20}, "10000", [("a", 1), ("b", 2), ("c", 3), ("d", 4)])
    assert result == {"a": Decimal("5000"), "b": Decimal("3000"), "c": Decimal("2000")}
    assert left == 0


def test_remainder_goes_to_the_best_placed():
    result, left = shares({"1": "33.33", "2": "33.33", "3": "33.34"}, "100.01", [("a", 1), ("b", 2), ("c", 3)])
    assert sum(result.values()) == Decimal("100.01") and left == 0
    assert result["b"] == Decimal("33.33")  # floor of 33.3333
    assert result["a"] == Decimal("100.01") - result["b"] - result["c"]


def test_fixed_amounts_then_percentages_of_the_rest():
    result, left = shares({"1": {"amount": "5000"}, "2": 60, "3": {"percent": 40}}, "10000", [("a", 1), ("b", 2), ("c", 3)])
    assert result == {"a": Decimal("5000"), "b": Decimal("3000"), "c": Decimal("2000")}


def test_fixed_amounts_only_must_add_up_to_the_pool():
    with pytest.raises(DistributionError, match=r"Fixed amounts add up to 3000.00 but the pool is 5000.00"):
        place_fractions({"1": {"amount": "2000"}, "2": {"amount": "1000"}}, Decimal("5000"))
    result, _left = shares({"1": {"amount": "4000"}, "2": {"amount": "1000"}}, "5000", [("a", 1), ("b", 2)])
    assert result == {"a": Decimal("4000"), "b": Decimal("1000")}


@pytest.mark.parametrize("distribution, message", [
    ({"1": 60}, r"add up to 100% \(they add up to 60%\)"),
    ({"1": {"amount": "20000"}, "2": 100}, r"leave nothing"),
    ({"1": {"amount": "-1"}}, r"must be positive"),
    ({"x": 100}, r"not a placement"),
    ({"1": {"amount": "1", "percent": 2}}, r"either"),
])
def test_bad_distributions_are_explained(distribution, message):
    with pytest.raises(DistributionError, match=message):
        place_fractions(distribution, Decimal("10000"))


def test_tied_entrants_share_the_places_they_span():
    # two entrants tied for 3rd share the prizes of 3rd and 4th
    result, _left = shares({"1": 40, "2": 30, "3": 20, "4": 10}, "1000", [("a", 1), ("b", 2), ("c", 3), ("d", 3)])
    assert result == {"a": Decimal("400"), "b": Decimal("300"), "c": Decimal("150"), "d": Decimal("150")}


def test_a_tie_beyond_the_paid_places_shares_only_the_paid_part():
    result, _left = shares({"1": 50, "2": 30, "3": 20}, "1000", [("a", 1), ("b", 2), ("c", 3), ("d", 3), ("e", 3)])
    assert result["c"] == result["d"] == result["e"] == Decimal("66.66")
    assert result["a"] == Decimal("500.02")  # the two leftover cents go to the champion
    assert sum(result.values()) == Decimal("1000")


def test_places_nobody_reached_stay_unallocated():
    result, left = shares({"1": 50, "2": 30, "3": 20}, "1000", [("a", 1), ("b", 2)])
    assert result == {"a": Decimal("500"), "b": Decimal("300")} and left == Decimal("200")


def test_deltacoin_uses_the_same_fractions_in_whole_coins():
    units, left = allocate(1001, [("a", 1), ("b", 2), ("c", 3)], place_fractions({"1": 50, "2": 30, "3": 20}, Decimal("0")))
    assert units == {"a": 501, "b": 300, "c": 200} and left == 0


@pytest.mark.parametrize("weights, expected", [
    ([("cap", 1), ("x", 1), ("y", 1)], {"cap": 3334, "x": 3333, "y": 3333}),
    ([("cap", 1)], {"cap": 10000}),
    ([("cap", 2), ("x", 1), ("y", 1)], {"cap": 5000, "x": 2500, "y": 2500}),
    ([("cap", Decimal("0.5")), ("x", Decimal("0.25")), ("y", Decimal("0.25"))], {"cap": 5000, "x": 2500, "y": 2500}),
])
def test_team_splits(weights, expected):
    assert split(10000, weights) == expected


def test_a_team_split_needs_positive_shares():
    with pytest.raises(DistributionError):
        split(100, [("a", 0), ("b", 0)])
    with pytest.raises(DistributionError):
        split(100, [])


# ---- properties ---------------------------------------------------------------------------------------

distributions = st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=8).map(
    lambda ws: {str(i + 1): Fraction(w * 100, sum(ws)) for i, w in enumerate(ws)})


@st.composite
def standings(draw):
    n = draw(st.integers(min_value=1, max_value=12))
    ranks, rank = [], 1
    while len(ranks) < n:
        size = draw(st.integers(min_value=1, max_value=min(4, n - len(ranks))))
        ranks += [rank] * size
        rank += size  # competition ranking: 1, 2, 2, 4
    return [(f"e{i}", r) for i, r in enumerate(ranks)]


@hsettings(max_examples=300, deadline=None)
@given(pool=st.integers(min_value=0, max_value=10**9), distribution=distributions, placements=standings())
def test_property_parts_add_up_to_the_pool(pool, distribution, placements):
    fractions = {int(k): v / 100 for k, v in distribution.items()}
    units, left = allocate(pool, placements, fractions)
    assert all(v >= 0 for v in units.values()) and left >= 0
    assert sum(units.values()) + left == pool
    if len(placements) >= len(fractions):
        assert left == 0  # every paid place was reached: the whole pool is paid
    best = next(iter(units), None)  # the best-placed recipient, who may carry the leftover units
    groups = {}
    for entrant, rank in placements:
        groups.setdefault(rank, []).append(entrant)
    for members in groups.values():
        others = {units.get(e, 0) for e in members if e != best}
        assert len(others) <= 1  # tied entrants get exactly the same
        if best in members and others:
            assert 0 <= units[best] - others.pop() <= len(placements)  # at most the leftover units more


@hsettings(max_examples=200, deadline=None)
@given(units=st.integers(min_value=0, max_value=10**8), weights=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=10))
def test_property_team_split_adds_up(units, weights):
    result = split(units, [(i, w) for i, w in enumerate(weights)])
    assert sum(result.values()) == units and all(v >= 0 for v in result.values())
    if len(set(weights)) == 1:
        others = [result[i] for i in range(1, len(weights))]
        assert len(set(others)) <= 1 and result[0] - (others[0] if others else result[0]) < len(weights)
