from collections import Counter

import pytest
from hypothesis import given, settings, strategies as st

from tournaments.brackets import (BracketError, LobbyResult, battle_royale, battle_royale_points,
                                  battle_royale_standings, groups_to_playoffs,
                                  seed_playoffs_from_groups, standings, Result)


def firsts(plan):
    return [tuple(s.entrant for s in m.slots) for m in plan.matches_in(round=1)]


def test_two_groups_cross_seed():
    staged = groups_to_playoffs(range(1, 9), groups=2, advance_per_group=2)
    assert staged.group_stage.groups == {"A": (1, 4, 5, 8), "B": (2, 3, 6, 7)}
    assert firsts(staged.playoff) == [(("group", "A", 1), ("group", "B", 2)),
                                      (("group", "B", 1), ("group", "A", 2))]
    staged.group_stage.validate()
    staged.playoff.validate()


def test_four_groups_cross_seed_opposite_halves():
    staged = groups_to_playoffs(range(1, 17), groups=4, advance_per_group=2)
    assert firsts(staged.playoff) == [
        (("group", "A", 1), ("group", "C", 2)), (("group", "D", 1), ("group", "B", 2)),
        (("group", "B", 1), ("group", "D", 2)), (("group", "C", 1), ("group", "A", 2))]


@given(st.integers(1, 8), st.integers(1, 4), st.sampled_from(["single", "double"]),
       st.sampled_from(["round_robin", "swiss"]))
@settings(max_examples=40, deadline=None)
def test_group_mates_meet_late(groups, advance, playoff, group_format):
    n = groups * max(advance + 1, 3)
    if groups * advance < 2:
        with pytest.raises(BracketError):
            groups_to_playoffs(range(n), groups=groups, advance_per_group=advance)
        return
    staged = groups_to_playoffs(range(n), groups=groups, advance_per_group=advance,
                                playoff=playoff, group_format=group_format)
    staged.group_stage.validate()
    staged.playoff.validate()
    seeds = staged.playoff_seeds
    assert len(seeds) == groups * advance and len(set(seeds)) == len(seeds)
    if groups >= 2:
        # a group's winner and runner-up are in opposite halves of the bracket
        size = 1 << (len(seeds) - 1).bit_length()
        wb1 = [e for m in staged.playoff.matches_in(bracket="winners", round=1)
               for e in (m.slots[0].entrant, m.slots[1].entrant)]
        half = {e: i * 2 // size for i, e in enumerate(wb1) if e is not None}
        for label in staged.group_stage.groups:
            if advance >= 2 and len(seeds) > 2:
                assert half[("group", label, 1)] != half[("group", label, 2)]


def test_seed_playoffs_from_groups():
    a = standings(["a1", "a2", "a3"], [Result("a2", "a1", "a2"), Result("a2", "a3", "a2"),
                                       Result("a1", "a3", "a1")])
    order = seed_playoffs_from_groups({"A": a, "B": ["b1", "b2", "b3"]}, 2)
    assert order == ("a2", "b1", "a1", "b2")
    with pytest.raises(BracketError, match="only 1"):
        seed_playoffs_from_groups({"A": ["x"]}, 2)


def test_groups_errors():
    with pytest.raises(BracketError, match="lower it"):
        groups_to_playoffs(range(6), groups=2, advance_per_group=4)
    with pytest.raises(ValueError, match="'single', 'double'"):
        groups_to_playoffs(range(8), groups=2, advance_per_group=2, playoff="triple")


def test_battle_royale_points_literal():
    assert battle_royale_points(1, 3) == 15
    assert battle_royale_points(9, 0) == 0
    assert battle_royale_points(2, 0) == 9
    assert battle_royale_points(8, 2) == 3
    assert battle_royale_points(12, 4, per_kill=2) == 8
    assert battle_royale_points(2, 1, table=(20, 10)) == 11
    with pytest.raises(BracketError):
        battle_royale_points(0, 1)
    with pytest.raises(BracketError):
        battle_royale_points(1, -1)


def test_battle_royale_standings():
    results = [("a", 1, 3), ("b", 2, 6), ("c", 3, 0), ("a", 2, 0), ("b", 1, 0), ("c", 3, 5),
               LobbyResult("d", 9, 4), LobbyResult("d", 9, 5)]
    rows = battle_royale_standings(results)
    assert [(r.rank, r.entrant, r.points, r.decided_by) for r in rows] == [
        (1, "b", 27, "points"), (2, "a", 24, "points"), (3, "c", 19, "points"), (4, "d", 9, None)]
    assert (rows[0].wins, rows[0].kills, rows[0].games, rows[2].best_placement) == (1, 6, 2, 3)


def test_battle_royale_tiebreak_by_wins_then_kills():
    rows = battle_royale_standings([("a", 1, 0), ("a", 9, 0), ("b", 2, 3), ("b", 9, 0),
                                    ("c", 2, 3), ("c", 9, 0)])
    # a: 12, b: 12, c: 12 -> a has a win; b/c identical -> shared
    assert [(r.rank, r.entrant, r.decided_by) for r in rows] == [
        (1, "a", "wins"), (2, "b", "tied"), (2, "c", None)]


def test_battle_royale_tie_shared():
    rows = battle_royale_standings([("a", 1, 0), ("b", 1, 0)])
    assert [(r.rank, r.decided_by) for r in rows] == [(1, "tied"), (1, None)]


@pytest.mark.parametrize("n,size,rounds", [(2, 2, 1), (20, 6, 3), (64, 16, 4), (100, 12, 5),
                                           (1024, 100, 3), (7, 10, 2)])
def test_battle_royale_plan(n, size, rounds):
    plan = battle_royale(range(n), lobby_size=size, rounds=rounds).validate()
    lobbies = -(-n // size)
    assert len(plan.lobbies) == lobbies * rounds
    for r in range(1, rounds + 1):
        lobs = [lb for lb in plan.lobbies if lb.round == r]
        sizes = [len(lb.entrants) for lb in lobs]
        assert max(sizes) - min(sizes) <= 1 and max(sizes) <= size
        assert sorted(e for lb in lobs for e in lb.entrants) == list(range(n))
    if lobbies > 1 and rounds > 1:
        r1 = {frozenset(lb.entrants) for lb in plan.lobbies if lb.round == 1}
        r2 = {frozenset(lb.entrants) for lb in plan.lobbies if lb.round == 2}
        assert r1 != r2
    assert plan.lobbies[0].key == "BR.R1.L1"


def test_battle_royale_mixes_pairs_over_prime_lobby_count():
    plan = battle_royale(range(25), lobby_size=5, rounds=5)
    together = Counter()
    for lb in plan.lobbies:
        for a in lb.entrants:
            for b in lb.entrants:
                if a < b:
                    together[(a, b)] += 1
    assert max(together.values()) == 1
