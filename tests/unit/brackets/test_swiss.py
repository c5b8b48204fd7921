import random

import pytest
from hypothesis import given, settings, strategies as st

from tournaments.brackets import BracketError, Result, swiss_pairings, swiss_plan


def rematch_free_exists(players, met):
    if not players:
        return True
    a = players[0]
    return any(frozenset((a, b)) not in met
               and rematch_free_exists([p for p in players[1:] if p != b], met)
               for b in players[1:])


def run(n, rounds, rng, strength="score", check_exact=False, draws=False, **kw):
    ents = list(range(1, n + 1))
    history, met, byes = [], set(), set()
    last = None
    for r in range(1, rounds + 1):
        sr = swiss_pairings(ents, history, round_number=r, strength=strength, **kw)
        paired = [e for m in sr.matches for e in m.entrants]
        assert sorted(paired) == sorted(sr.active)
        assert len(paired) == len(set(paired))
        if sr.rematches:
            assert check_exact, f"unexpected rematch n={n} round={r}"
            act = list(sr.active)
            candidates = [None] if len(act) % 2 == 0 else [e for e in act if e not in byes]
            assert not any(rematch_free_exists([p for p in act if p != c], met)
                           for c in candidates)
        for m in sr.matches:
            a = m.slots[0].entrant
            if m.has_bye:
                assert a == sr.bye and a not in byes
                byes.add(a)
                history.append(Result.bye(a, round=r))
                continue
            b = m.slots[1].entrant
            met.add(frozenset((a, b)))
            winner = rng.choice((a, b, None) if draws else (a, b))
            history.append(Result(a, b, winner=winner, round=r))
        last = sr
    return history, byes, last


@pytest.mark.parametrize("n", range(2, 65))
def test_swiss_no_rematch_and_single_byes(n):
    rng = random.Random(n)
    rounds = max(1, (n - 1).bit_length())
    run(n, rounds, rng, check_exact=n <= 10)
    run(n, rounds, rng, strength="buchholz", check_exact=n <= 10)


@pytest.mark.parametrize("n", range(3, 11))
def test_swiss_long_runs_only_rematch_when_unavoidable(n):
    for s in range(5):
        run(n, n - 1 if n % 2 == 0 else n - 2, random.Random(s), check_exact=True)


@pytest.mark.parametrize("n", [128, 256, 1024])
def test_swiss_large(n):
    run(n, 6, random.Random(1))


def test_swiss_1024_round_6_pairs_everyone_without_rematch():
    # Speed is measured in bench/bench_brackets.py, not asserted here.
    history, _, _ = run(1024, 5, random.Random(7))
    sr = swiss_pairings(range(1, 1025), history, round_number=6)
    assert len(sr.matches) == 512 and sr.rematches == 0


def test_first_round_literal_dutch_and_valve():
    dutch = swiss_pairings(range(1, 9), [], round_number=1)
    assert [m.entrants for m in dutch.matches] == [(1, 5), (2, 6), (3, 7), (4, 8)]
    assert [m.key for m in dutch.matches] == ["S.R1.1", "S.R1.2", "S.R1.3", "S.R1.4"]
    valve = swiss_pairings(range(1, 9), [], round_number=1, strength="buchholz")
    assert [m.entrants for m in valve.matches] == [(1, 8), (2, 7), (3, 6), (4, 5)]


def test_score_groups_and_float_down():
    # after round 1: 1,2,3 won, 4,5,6 lost (1v4, 2v5, 3v6)
    hist = [Result(1, 4, winner=1), Result(2, 5, winner=2), Result(3, 6, winner=3)]
    sr = swiss_pairings(range(1, 7), hist, round_number=2)
    pairs = [set(m.entrants) for m in sr.matches]
    # 3-entrant winners group floats its lowest (3) down to the losers' group
    assert {1, 2} in pairs and {3, 5} in pairs and {4, 6} in pairs


def test_bye_goes_to_lowest_without_bye():
    sr = swiss_pairings(range(1, 6), [], round_number=1)
    assert sr.bye == 5 and sr.matches[-1].has_bye and sr.matches[-1].key == "S.R1.3"
    hist = [Result(1, 3, winner=1), Result(2, 4, winner=2), Result.bye(5)]
    sr2 = swiss_pairings(range(1, 6), hist, round_number=2)
    assert sr2.bye != 5 and sr2.bye in (3, 4)


def test_three_three_stops_pairing():
    rng = random.Random(3)
    history, _, last = run(16, 5, rng, wins_to_advance=3, losses_to_eliminate=3)
    sr = swiss_pairings(range(1, 17), history, round_number=6, wins_to_advance=3,
                        losses_to_eliminate=3)
    assert len(sr.advanced) == 8 and len(sr.eliminated) == 8 and sr.matches == ()
    # round 4 of a 16-team 3-3 Swiss pairs only the 2-x and x-2 teams
    h3 = [r for r in history if r.round <= 3]
    r4 = swiss_pairings(range(1, 17), h3, round_number=4, wins_to_advance=3,
                        losses_to_eliminate=3)
    assert len(r4.advanced) == 2 and len(r4.eliminated) == 2 and len(r4.matches) == 6


def test_swiss_plan():
    plan = swiss_plan(range(1, 17), wins_to_advance=3, losses_to_eliminate=3).validate()
    assert plan.rounds == {"swiss": 5} and len(plan.matches) == 8
    assert swiss_plan(range(1, 33)).rounds == {"swiss": 5}
    assert swiss_plan(range(1, 8), rounds=3).validate().played_matches().__len__() == 3
    with pytest.raises(BracketError, match="not both"):
        swiss_plan(range(8), rounds=3, wins_to_advance=3, losses_to_eliminate=3)
    with pytest.raises(BracketError, match="set both"):
        swiss_plan(range(8), wins_to_advance=3)


def test_swiss_errors():
    with pytest.raises(BracketError, match="not an entrant"):
        swiss_pairings([1, 2], [Result(1, 3, winner=1)], round_number=2)
    with pytest.raises(BracketError, match="already had a bye"):
        swiss_pairings([1, 2, 3], [Result.bye(1), Result.bye(2), Result.bye(3)], round_number=4)
    with pytest.raises(ValueError, match="strength"):
        swiss_pairings([1, 2], [], round_number=1, strength="elo")


@given(st.integers(2, 40), st.integers(1, 6), st.randoms(use_true_random=False),
       st.sampled_from(["score", "buchholz"]))
@settings(max_examples=80, deadline=None)
def test_swiss_property(n, rounds, rnd, strength):
    rounds = min(rounds, max(1, (n - 1).bit_length()))
    run(n, rounds, rnd, strength=strength, check_exact=n <= 10, draws=n % 3 == 0)
