import math

import pytest
from hypothesis import given, settings, strategies as st

from tournaments.brackets import (BracketError, elimination_placements, resolve,
                                  single_elimination)

SIZES = list(range(2, 65)) + [128, 256, 1024]


def first_round_pairs(plan):
    return [tuple("BYE" if s.bye else s.entrant for s in m.slots)
            for m in plan.matches_in(bracket="winners", round=1)]


def test_eight_seeds_first_round_literal():
    plan = single_elimination(range(1, 9))
    assert first_round_pairs(plan) == [(1, 8), (4, 5), (2, 7), (3, 6)]
    assert [m.key for m in plan.matches] == [
        "WB1.1", "WB1.2", "WB1.3", "WB1.4", "WB2.1", "WB2.2", "WB3.1"]
    assert plan.by_key("WB1.2").winner_to == ("WB2.1", 1)
    assert plan.by_key("WB2.2").winner_to == ("WB3.1", 1)
    assert plan.by_key("WB3.1").winner_to is None


def test_sixteen_seeds_first_round_literal():
    plan = single_elimination(range(1, 17))
    assert first_round_pairs(plan) == [(1, 16), (8, 9), (4, 13), (5, 12), (2, 15), (7, 10),
                                       (3, 14), (6, 11)]


def test_byes_go_to_top_seeds_literal():
    plan = single_elimination(["s1", "s2", "s3", "s4", "s5"])
    assert first_round_pairs(plan) == [("s1", "BYE"), ("s4", "s5"), ("s2", "BYE"),
                                       ("s3", "BYE")]
    assert [m.key for m in plan.played_matches()] == ["WB1.2", "WB2.1", "WB2.2", "WB3.1"]


@pytest.mark.parametrize("n", SIZES)
def test_single_elimination_invariants(n, sim):
    plan = single_elimination(list(range(1, n + 1))).validate()
    size = 1 << (n - 1).bit_length()
    assert plan.rounds == {"winners": int(math.log2(size))}
    assert len(plan.matches) == size - 1
    assert len(plan.played_matches()) == n - 1
    byes = [m for m in plan.matches if m.has_bye]
    assert len(byes) == size - n
    # byes only where needed: they face exactly the top (size - n) seeds
    assert sorted(m.entrants[0] for m in byes) == list(range(1, size - n + 1))
    result = sim.simulate(plan, sim.lower_seed_wins(plan))
    assert result.champion == 1
    assert len(result.played) == n - 1


@pytest.mark.parametrize("n", [4, 5, 7, 8, 13, 16, 33])
def test_third_place_match(n, sim):
    plan = single_elimination(list(range(1, n + 1)), third_place=True).validate()
    third = plan.by_key("3RD")
    top = plan.rounds["winners"]
    assert [s.from_match for s in third.slots] == [f"WB{top - 1}.1", f"WB{top - 1}.2"]
    assert all(s.outcome == "loser" for s in third.slots)
    assert len(plan.played_matches()) == n
    result = sim.simulate(plan, sim.lower_seed_wins(plan))
    assert result.winners["3RD"] == 3


def test_third_place_needs_four():
    with pytest.raises(BracketError, match="at least 4 entrants"):
        single_elimination([1, 2, 3], third_place=True)


def test_final_best_of():
    plan = single_elimination(range(1, 9), best_of=3, final_best_of=5)
    assert {m.key: m.best_of for m in plan.matches}["WB3.1"] == 5
    assert {m.best_of for m in plan.matches if m.key != "WB3.1"} == {3}


@given(st.lists(st.integers(0, 10 ** 6), min_size=2, max_size=200, unique=True))
@settings(max_examples=60, deadline=None)
def test_single_elimination_property(entrants):
    plan = single_elimination(entrants).validate()
    firsts = [e for m in plan.matches_in(round=1) for e in m.entrants]
    assert sorted(firsts) == sorted(entrants)
    assert len(plan.played_matches()) == len(entrants) - 1


def test_placements_literal_eight():
    plan = single_elimination(range(1, 9))
    winners = {"WB1.1": 1, "WB1.2": 5, "WB1.3": 2, "WB1.4": 3, "WB2.1": 1, "WB2.2": 3,
               "WB3.1": 3}
    rows = elimination_placements(plan, winners)
    assert [(r.rank, r.entrant) for r in rows] == [
        (1, 3), (2, 1), (3, 2), (3, 5), (5, 4), (5, 6), (5, 7), (5, 8)]
    assert all(r.decided for r in rows)


def test_placements_with_third_place_and_live_state():
    plan = single_elimination(range(1, 9), third_place=True)
    winners = {"WB1.1": 1, "WB1.2": 4, "WB1.3": 2, "WB1.4": 3, "WB2.1": 1, "WB2.2": 2}
    live = elimination_placements(plan, winners)
    assert {r.entrant: (r.rank, r.decided) for r in live}[1] == (1, False)
    assert {r.entrant: r.rank for r in live}[4] == 3  # shares 3rd until 3RD is played
    winners.update({"WB3.1": 2, "3RD": 4})
    rows = elimination_placements(plan, winners)
    assert [(r.rank, r.entrant) for r in rows][:4] == [(1, 2), (2, 1), (3, 4), (4, 3)]


def test_resolve_rejects_bad_results():
    plan = single_elimination(range(1, 6))
    with pytest.raises(BracketError, match="not in that match"):
        resolve(plan, {"WB1.2": 1})
    with pytest.raises(BracketError, match="BYE match"):
        resolve(plan, {"WB1.1": 1})
    with pytest.raises(BracketError, match="not known"):
        resolve(plan, {"WB2.1": 1})
    with pytest.raises(BracketError, match="not in the plan"):
        resolve(plan, {"WB9.9": 1})
