"""The plan objects the fast builders make are the same values the public constructors make."""
import copy
import pickle

import pytest

from tournaments.brackets import (BYE, BracketError, BracketInvariantError, PlannedMatch, Slot,
                                  double_elimination, single_elimination)
from tournaments.brackets.double import drop_order, drop_position


@pytest.mark.parametrize("wb_round", range(2, 14))
def test_drop_order_is_drop_position_for_a_whole_round(wb_round):
    for count in (1, 2, 4, 8, 16, 64, 512):
        expected = [drop_position(wb_round, p, count) - 1 for p in range(1, count + 1)]
        assert list(drop_order(wb_round, count)) == expected


@pytest.mark.parametrize("plan", [
    double_elimination(range(1, 33)),
    double_elimination([f"T{i}" for i in range(27)], skip_first_round=True, grand_final="single"),
    single_elimination(range(1, 14), third_place=True, best_of=3, final_best_of=5),
], ids=["de32", "de27-skip", "se13-3rd"])
def test_built_objects_equal_constructed_ones(plan):
    for m in plan.matches:
        assert type(m) is PlannedMatch
        rebuilt = PlannedMatch(m.key, m.bracket, m.round, m.position,
                               tuple(Slot(s.entrant, s.bye, s.from_match, s.outcome)
                                     for s in m.slots),
                               best_of=m.best_of, group=m.group, winner_to=m.winner_to,
                               loser_to=m.loser_to, conditional=m.conditional)
        assert m == rebuilt and hash(m) == hash(rebuilt) and repr(m) == repr(rebuilt)
        assert all(type(s) is Slot for s in m.slots)
    assert pickle.loads(pickle.dumps(plan)) == plan
    assert copy.deepcopy(plan) == plan


def test_plan_objects_are_immutable():
    m = double_elimination(range(1, 9)).by_key("LB2.1")
    with pytest.raises(AttributeError):
        m.key = "X"
    with pytest.raises(AttributeError):
        m.slots[0].entrant = 3
    with pytest.raises(AttributeError):
        m.extra = 1


def test_slot_checks_hold_for_replace_and_pickle():
    with pytest.raises(BracketInvariantError, match="one thing only"):
        Slot(entrant=1, bye=True)
    with pytest.raises(BracketInvariantError, match="one thing only"):
        Slot.of(1)._replace(bye=True)
    with pytest.raises(BracketInvariantError, match="winner/loser"):
        Slot(from_match="WB1.1", outcome="draw")
    assert pickle.loads(pickle.dumps(BYE)) == BYE
    assert Slot.feed("WB1.1", "loser").kind == "feed"
    assert Slot().kind == "empty"


def test_entrant_ids_zero_and_one_are_not_mistaken_for_booleans():
    plan = double_elimination([0, 1, 2, 3]).validate()
    assert plan.by_key("WB1.1").entrants == (0, 3)
    with pytest.raises(BracketError, match="ints or strings; got True"):
        double_elimination([0, True, 2])
    with pytest.raises(BracketError, match="listed more than once"):
        double_elimination([0, 1, 1])
    with pytest.raises(BracketError, match="of type list"):
        double_elimination([0, [1], 2])
