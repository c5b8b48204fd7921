import itertools
from collections import Counter

import pytest
from hypothesis import given, settings, strategies as st

from tournaments.brackets import BracketError, distribute, round_robin

SIZES = list(range(2, 65)) + [128]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("double", [False, True])
def test_every_pair_meets_once_or_twice(n, double):
    plan = round_robin(list(range(1, n + 1)), double=double).validate()
    pairs = Counter(frozenset(m.entrants) for m in plan.matches)
    times = 2 if double else 1
    assert len(plan.matches) == times * n * (n - 1) // 2
    assert all(pairs[frozenset(p)] == times for p in itertools.combinations(range(1, n + 1), 2))
    rounds = times * (n - 1 if n % 2 == 0 else n)
    assert plan.rounds == {"group:A": rounds}
    assert len(plan.rests) == (rounds if n % 2 else 0)
    for r in range(1, rounds + 1):
        playing = [e for m in plan.matches_in(round=r) for e in m.entrants]
        assert sorted(playing + list(plan.rests_in(r))) == list(range(1, n + 1))
    if double:
        homes = Counter((m.slots[0].entrant, m.slots[1].entrant) for m in plan.matches)
        assert all(c == 1 for c in homes.values())  # second meeting swaps home/away
    home = Counter(m.slots[0].entrant for m in plan.matches)
    assert all(abs(2 * home[e] - times * (n - 1)) <= 2 for e in range(1, n + 1))


def test_keys_and_rests_literal():
    plan = round_robin(["a", "b", "c"])
    assert [m.key for m in plan.matches] == ["G-A.R1.1", "G-A.R2.1", "G-A.R3.1"]
    assert sorted(e for _, _, e in plan.rests) == ["a", "b", "c"]
    assert all(not m.has_bye for m in plan.matches)


def test_group_distributions_literal():
    ents = list(range(1, 9))
    assert distribute(ents, 2, "snake") == {"A": (1, 4, 5, 8), "B": (2, 3, 6, 7)}
    assert distribute(ents, 2, "effort") == {"A": (1, 4, 5, 8), "B": (2, 3, 6, 7)}
    assert distribute(ents, 2, "pairs") == {"A": (1, 4, 5, 8), "B": (2, 3, 6, 7)}
    assert distribute(ents, 4, "snake") == {"A": (1, 8), "B": (2, 7), "C": (3, 6), "D": (4, 5)}
    assert distribute(ents, 4, "pairs") == {"A": (1, 8), "B": (4, 5), "C": (2, 7), "D": (3, 6)}
    assert distribute(range(1, 8), 2, "snake") == {"A": (1, 4, 5), "B": (2, 3, 6, 7)}
    assert distribute(range(1, 8), 2, "effort") == {"A": (1, 4, 5, 7), "B": (2, 3, 6)}
    assert distribute(range(1, 13), 3, "pairs") == {
        "A": (1, 4, 8, 9), "B": (2, 5, 7, 12), "C": (3, 6, 10, 11)}


@given(st.integers(2, 80), st.integers(1, 12), st.sampled_from(["snake", "effort", "pairs"]))
@settings(max_examples=120, deadline=None)
def test_distribution_property(n, groups, method):
    ents = list(range(1, n + 1))
    if n < 2 * groups:
        with pytest.raises(BracketError, match="at most"):
            distribute(ents, groups, method)
        return
    split = distribute(ents, groups, method)
    sizes = [len(v) for v in split.values()]
    assert max(sizes) - min(sizes) <= 1 and min(sizes) >= 2
    assert sorted(e for v in split.values() for e in v) == ents
    assert all(list(v) == sorted(v) for v in split.values())


@given(st.integers(4, 40), st.integers(1, 6), st.booleans())
@settings(max_examples=60, deadline=None)
def test_grouped_round_robin_property(n, groups, double):
    if n < 2 * groups:
        return
    plan = round_robin(list(range(n)), groups=groups, double=double).validate()
    assert sorted(plan.groups) == [chr(65 + i) for i in range(groups)]
    for label, members in plan.groups.items():
        ms = plan.matches_in(group=label)
        pairs = Counter(frozenset(m.entrants) for m in ms)
        assert len(pairs) == len(members) * (len(members) - 1) // 2
        assert set(pairs.values()) == {2 if double else 1}
        assert all(m.key.startswith(f"G-{label}.R") for m in ms)


def test_round_robin_errors():
    with pytest.raises(BracketError, match="use at most 4 groups"):
        round_robin(range(8), groups=5)
    with pytest.raises(ValueError, match="'snake', 'effort', 'pairs'"):
        round_robin(range(8), distribution="zigzag")
