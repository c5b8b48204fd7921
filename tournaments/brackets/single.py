"""Single elimination.

The bracket is padded to the next power of two; the missing seeds are BYEs,
and because positions follow :func:`standard_seed_order` the BYEs land
against the top seeds. BYE matches stay in the plan (so every first-round
position has a key the UI can draw) but are not "played".
"""
from __future__ import annotations

from .errors import BracketError, check_best_of, normalize_entrants, options
from .plan import BYE, EMPTY, Draft, Plan, Slot, link
from .seeding import next_power_of_two, standard_seed_order


def first_round_slots(entrants, size):
    """Slots of round 1 in bracket order; seeds beyond the field are BYEs."""
    n = len(entrants)
    return [Slot.of(entrants[s - 1]) if s <= n else BYE for s in standard_seed_order(size)]


def winners_tree(first_slots, best_of, final_best_of):
    """Draft a knockout tree WB1..WBk over ``first_slots`` (power-of-two long).

    Returns the drafts in round order; match p of round r feeds match
    ceil(p/2) of round r+1 (odd p -> slot 0, even p -> slot 1).
    """
    size = len(first_slots)
    rounds = size.bit_length() - 1
    drafts = []
    prev = []
    for r in range(1, rounds + 1):
        cur = []
        for p in range(1, (size >> r) + 1):
            d = Draft(f"WB{r}.{p}", "winners", r, p, [EMPTY, EMPTY],
                      final_best_of if r == rounds else best_of)
            if r == 1:
                d.slots = [first_slots[2 * p - 2], first_slots[2 * p - 1]]
            else:
                link(prev[2 * p - 2], "winner", d, 0)
                link(prev[2 * p - 1], "winner", d, 1)
            cur.append(d)
        drafts.extend(cur)
        prev = cur
    return drafts


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
    drafts = winners_tree(first_round_slots(ents, size), best_of, final_bo)
    rounds = size.bit_length() - 1
    counts = {"winners": rounds}
    if third_place:
        by_key = {d.key: d for d in drafts}
        third = Draft("3RD", "third_place", rounds, 1, [EMPTY, EMPTY], best_of)
        link(by_key[f"WB{rounds - 1}.1"], "loser", third, 0)
        link(by_key[f"WB{rounds - 1}.2"], "loser", third, 1)
        drafts.append(third)
        counts["third_place"] = 1
    return Plan(
        format="single_elimination",
        entrants=ents,
        options={"third_place": bool(third_place), "best_of": best_of, "final_best_of": final_bo},
        matches=tuple(d.freeze() for d in drafts),
        rounds=counts,
    )
