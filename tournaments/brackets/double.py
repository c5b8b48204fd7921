"""Double elimination.

Layout for a bracket of size S = 2**k (padded with BYEs like single elim):

* WB1..WBk: the winners bracket, identical to single elimination.
* LB1 pairs the WB1 losers (losers of WB1.(2i-1) and WB1.(2i) meet in LB1.i).
* LB(2j) ("drop" round) sends the loser of WB(j+1) into slot 1 against the
  LB(2j-1) winner in slot 0. LB(2j+1) pairs the LB(2j) winners.
* GF1: WB champion (slot 0) vs LB champion (slot 1); GF2 is the reset,
  ``conditional=True``, played only if the LB champion wins GF1.

Drop placement (why): a WB loser should not meet, in the losers bracket, the
people he already beat in the winners bracket. Dropping in natural order
makes that happen straight away (the LB1 winner came from the same corner
of the bracket). The order used for WB round r's losers cycles, starting
with r=2, through **reverse**, **half shift** (halves swapped), **reverse
within each half**, **natural**. We chose this cycle by exhaustively scoring
all combinations of those four orders for 8..128 entrants: it pushes the
first *possible* rematch as late into the LB as any combination can (e.g.
none before LB8 with 128 entrants).

BYEs: a WB1 match with a BYE produces no loser, so the LB slot it would
feed is a BYE. An LB match that would receive two BYEs is *pruned* (its key
is simply absent) and the slot it fed becomes a BYE; an LB match with one
BYE is kept and auto-advances (``is_played`` False). This keeps the
invariant "played matches = 2n-2 with a single grand final".

``skip_first_round`` (like brackets-manager's option of the same name): the
top S/2 seeds start in the winners bracket, which then has k-1 rounds
(numbered from WB1); seeds S/2+1..n start directly in LB1 as if they had
lost a first WB round, placed in standard seed order (LB seed 1 = seed
S/2+1), with BYEs for the missing ones. WB round r's losers then drop into
LB(2r). Played matches: (S/2 - 1) + (n - 2) + grand final.
"""
from __future__ import annotations

from .errors import check_best_of, check_choice, normalize_entrants, options
from .plan import BYE, Layout, Plan, seeded_slots
from .seeding import next_power_of_two, standard_seed_order
from .single import first_round_slots, winners_tree


def drop_position(wb_round, position, count):
    """LB position (1-based) receiving the loser of WB ``wb_round``.``position``.

    ``wb_round`` is the *full-bracket* round number (>= 2) and ``count`` the
    number of matches in that round. All four orders are involutions.
    """
    if count == 1:
        return 1
    half = count // 2
    scheme = (wb_round - 2) % 4
    if scheme == 0:  # reverse
        return count + 1 - position
    if scheme == 1:  # half shift
        return (position - 1 + half) % count + 1
    if scheme == 2:  # reverse within each half
        return half + 1 - position if position <= half else count + half + 1 - position
    return position  # natural


def drop_order(wb_round, count):
    """0-based LB positions receiving the losers of WB ``wb_round``'s matches 1..``count``, in
    match order: ``drop_position`` for the whole round at once (as ranges, no call per match)."""
    if count == 1:
        return (0,)
    half = count // 2
    scheme = (wb_round - 2) % 4
    if scheme == 0:  # reverse
        return range(count - 1, -1, -1)
    if scheme == 1:  # half shift
        return [*range(half, count), *range(half)]
    if scheme == 2:  # reverse within each half
        return [*range(half - 1, -1, -1), *range(count - 1, half - 1, -1)]
    return range(count)  # natural


@options
def double_elimination(entrants, *, grand_final="reset", skip_first_round=False, best_of=1,
                       grand_final_best_of=None):
    """Plan a double-elimination bracket (see the module docstring)."""
    check_choice("grand_final", grand_final, ("reset", "single", "none"))
    check_best_of(best_of)
    gf_bo = best_of if grand_final_best_of is None else check_best_of(
        grand_final_best_of, "grand_final_best_of")
    minimum = 3 if skip_first_round else 2
    what = "Double elimination with skip_first_round" if skip_first_round else "Double elimination"
    ents = normalize_entrants(entrants, minimum=minimum, what=what)
    n = len(ents)
    size = next_power_of_two(n)
    k = size.bit_length() - 1

    offset = 1 if skip_first_round else 0  # WB key round r is full-bracket round r+offset
    wb_rounds = k - offset
    lb_rounds = 2 * (k - 1)
    layout = Layout()
    wb = winners_tree(layout, size >> offset, best_of, best_of)
    # LB rounds: LB1 has size/4 matches; LB(2j) has size >> (j+1), LB(2j+1) half of that.
    lb = [0]
    if k >= 2:
        lb.append(layout.add_round("LB1.", "losers", 1, size >> 2, best_of))
        for j in range(1, k):
            lb.append(layout.add_round(f"LB{2 * j}.", "losers", 2 * j, size >> (j + 1), best_of))
            if j < k - 1:
                lb.append(layout.add_round(f"LB{2 * j + 1}.", "losers", 2 * j + 1,
                                           size >> (j + 2), best_of))
    gf = []
    if grand_final != "none":
        gf.append(layout.add_match("GF1", "grand_final", 1, 1, gf_bo))
        if grand_final == "reset":
            gf.append(layout.add_match("GF2", "grand_final", 2, 1, gf_bo, conditional=True))

    winner_to, loser_to = layout.winner_to, layout.loser_to
    if k >= 2:
        if not skip_first_round:  # the WB1 losers of matches 2i-1 and 2i meet in LB1.i
            loser_to[wb[1]:wb[1] + (size >> 1)] = range(2 * lb[1], 2 * lb[1] + (size >> 1))
        for j in range(1, k):
            count = size >> (j + 1)
            drop = 2 * lb[2 * j]
            # LB(2j-1).q's winner takes slot 0 of LB(2j).q ...
            src = lb[2 * j - 1]
            winner_to[src:src + count] = range(drop, drop + 2 * count, 2)
            # ... and the loser of WB(j+1) in the full bracket drops into slot 1.
            src = wb[j + 1 - offset]
            loser_to[src:src + count] = [drop + 2 * q + 1 for q in drop_order(j + 1, count)]
            if j < k - 1:  # LB(2j).q's winner goes to LB(2j+1).ceil(q/2)
                nxt = 2 * lb[2 * j + 1]
                winner_to[lb[2 * j]:lb[2 * j] + count] = range(nxt, nxt + count)
    if gf:
        g1 = gf[0]
        winner_to[wb[wb_rounds]] = 2 * g1
        if lb_rounds:
            winner_to[lb[lb_rounds]] = 2 * g1 + 1
        else:
            loser_to[wb[wb_rounds]] = 2 * g1 + 1
        if grand_final == "reset":
            winner_to[g1] = 2 * gf[1]
            loser_to[g1] = 2 * gf[1] + 1

    slots = [None] * (2 * len(layout))
    if skip_first_round:
        half = size // 2
        order = standard_seed_order(half)
        slots[:half] = seeded_slots(ents, order)
        lb_seed = seeded_slots(ents[half:], order)  # LB seed s = seed half + s, or a BYE
        slots[2 * lb[1]:2 * lb[1] + half] = lb_seed
    else:
        slots[:size] = first_round_slots(ents, size)
    if n < size:  # a BYE can only come from a seeded slot
        _resolve_byes(layout, slots)
    return Plan(
        format="double_elimination",
        entrants=ents,
        options={"grand_final": grand_final, "skip_first_round": bool(skip_first_round),
                 "best_of": best_of, "grand_final_best_of": gf_bo},
        matches=layout.build(slots),
        rounds={"winners": wb_rounds, "losers": lb_rounds, "grand_final": len(gf)},
    )


def _resolve_byes(layout, slots):
    """Propagate statically known BYEs (see module docstring) and prune, in place.

    Matches are in feed order (sources before targets), so one pass suffices. A fed slot is still
    None here, so ``is BYE`` tells the BYEs apart.
    """
    winner_to, loser_to = layout.winner_to, layout.loser_to
    kept = []
    for i in range(len(layout)):
        a, b = slots[2 * i] is BYE, slots[2 * i + 1] is BYE
        if a and b:  # pruned: whatever it fed becomes a BYE
            if winner_to[i] >= 0:
                slots[winner_to[i]] = BYE
            if loser_to[i] >= 0:
                slots[loser_to[i]] = BYE
            continue
        if (a or b) and loser_to[i] >= 0:  # a BYE match has no loser
            slots[loser_to[i]] = BYE
            loser_to[i] = -1
        kept.append(i)
    if len(kept) < len(layout):
        slots[:] = [slots[2 * i + j] for i in kept for j in (0, 1)]
        layout.keep(kept)
