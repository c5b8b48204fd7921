"""Helpers for the bracket engine tests (pure Python, no Django).

The simulator below deliberately re-implements plan walking instead of
using ``tournaments.brackets.resolve`` so the two can check each other.
"""
import types

import pytest


def simulate(plan, pick):
    """Play a whole elimination plan. ``pick(match, a, b)`` returns the winner.

    Returns a namespace with winners/losers per key, occupants per key, the
    list of keys actually played, and the champion.
    """
    winners, losers, occupants, played = {}, {}, {}, []
    for m in plan.ordered_matches():
        sides = []
        for s in m.slots:
            if s.entrant is not None:
                sides.append(s.entrant)
            elif s.bye:
                sides.append(None)
            else:
                src = winners if s.outcome == "winner" else losers
                sides.append(src[s.from_match])
        occupants[m.key] = tuple(sides)
        if m.conditional:
            gf1 = m.slots[0].from_match
            if winners[gf1] == occupants[gf1][0]:
                continue  # reset not needed
        if None in sides:
            real = [x for x in sides if x is not None]
            assert len(real) == 1, (m.key, sides)
            winners[m.key], losers[m.key] = real[0], None
            continue
        w = pick(m, *sides)
        assert w in sides
        winners[m.key] = w
        losers[m.key] = sides[1] if w == sides[0] else sides[0]
        played.append(m.key)
    if "GF2" in winners:
        champion = winners["GF2"]
    elif "GF1" in winners:
        champion = winners["GF1"]
    else:
        top = plan.rounds["winners"]
        champion = winners[f"WB{top}.1"]
    return types.SimpleNamespace(winners=winners, losers=losers, occupants=occupants,
                                 played=played, champion=champion)


def lower_seed_wins(plan):
    order = {e: i for i, e in enumerate(plan.entrants)}
    return lambda m, a, b: a if order[a] < order[b] else b


@pytest.fixture(scope="session")
def sim():
    return types.SimpleNamespace(simulate=simulate, lower_seed_wins=lower_seed_wins)
