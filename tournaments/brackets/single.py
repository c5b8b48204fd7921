"""Single elimination.

The bracket is padded to the next power of two; the missing seeds are BYEs,
and because positions follow :func:`standard_seed_order` the BYEs land
against the top seeds. BYE matches stay in the plan (so every first-round
position has a key the UI can draw) but are not "played".
"""
from __future__ import annotations

from .errors import BracketError, check_best_of, normalize_entrants, options
from .plan import Layout, Plan, seeded_slots
from .seeding import next_power_of_two, standard_seed_order


def first_round_slots(entrants, size):
    """Slots of round 1 in bracket order; seeds beyond the field are BYEs."""
    return seeded_slots(entrants, standard_seed_order(size))


def winners_tree(layout, size, best_of, final_best_of):
    """Lay out a knockout tree WB1..WBk for ``size`` (a power of two) first-round slots.

    Appends the rounds to ``layout`` (a :class:`~.plan.Layout`) and returns the index of each
    round's first match (``bases[r]`` for round r, ``bases[0]`` unused). Match p of round r feeds
    match ceil(p/2) of round r+1 (odd p -> slot 0, even p -> slot 1): its winner goes to flat slot
    ``2 * first index of round r+1 + (p - 1)``. The first round's slots are flat slots
    ``2 * bases[1]`` onwards, in bracket order.
    """
    rounds = size.bit_length() - 1
    bases = [0]
    for r in range(1, rounds + 1):
        bases.append(layout.add_round(f"WB{r}.", "winners", r, size >> r,
                                      final_best_of if r == rounds else best_of))
    winner_to = layout.winner_to
    for r in range(1, rounds):
        count = size >> r
        nxt = 2 * bases[r + 1]
        winner_to[bases[r]:bases[r] + count] = range(nxt, nxt + count)
    return bases


@options
def single_elimination(entrants, *, third_place=False, best_of=1, final_best_of=None):
    """Plan a single-elimination bracket (see the package docstring)."""
    ents = normalize_entrants(entrants, minimum=2, what="Single elimination")
    check_best_of(best_of)
    final_bo = best_of if final_best_of is None else check_best_of(final_best_of, "final_best_of")
    n = len(ents)
    if third_place and n < 4:
        raise BracketError(
            f"A third-place match needs at least 4 entrants (two real semifinals); you have {n}. "
            "Turn third_place off or add entrants."
        )
    size = next_power_of_two(n)
    layout = Layout()
    bases = winners_tree(layout, size, best_of, final_bo)
    rounds = size.bit_length() - 1
    counts = {"winners": rounds}
    if third_place:
        third = layout.add_match("3RD", "third_place", rounds, 1, best_of)
        semi = bases[rounds - 1]
        layout.loser_to[semi] = 2 * third
        layout.loser_to[semi + 1] = 2 * third + 1
        counts["third_place"] = 1
    slots = first_round_slots(ents, size)
    slots += [None] * (2 * len(layout) - size)
    return Plan(
        format="single_elimination",
        entrants=ents,
        options={"third_place": bool(third_place), "best_of": best_of, "final_best_of": final_bo},
        matches=layout.build(slots),
        rounds=counts,
    )
