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
from .plan import BYE, EMPTY, Draft, Plan, Slot, link
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

    if skip_first_round:
        half = size // 2
        wb = winners_tree([Slot.of(ents[s - 1]) for s in standard_seed_order(half)],
                          best_of, best_of)
        lb_seed = [Slot.of(ents[half + s - 1]) if half + s <= n else BYE
                   for s in standard_seed_order(half)]
        offset = 1  # WB key round r is full-bracket round r+1
    else:
        wb = winners_tree(first_round_slots(ents, size), best_of, best_of)
        offset = 0
    wb_rounds = k - offset
    by_key = {d.key: d for d in wb}
    lb = []
    lb_rounds = 2 * (k - 1)

    def lb_draft(r, q):
        d = Draft(f"LB{r}.{q}", "losers", r, q, [EMPTY, EMPTY], best_of)
        lb.append(d)
        by_key[d.key] = d
        return d

    if k >= 2:
        for i in range(1, size // 4 + 1):
            d = lb_draft(1, i)
            if skip_first_round:
                d.slots = [lb_seed[2 * i - 2], lb_seed[2 * i - 1]]
            else:
                link(by_key[f"WB1.{2 * i - 1}"], "loser", d, 0)
                link(by_key[f"WB1.{2 * i}"], "loser", d, 1)
        for j in range(1, k):
            count = size >> (j + 1)
            full_round = j + 1
            for q in range(1, count + 1):
                d = lb_draft(2 * j, q)
                link(by_key[f"LB{2 * j - 1}.{q}"], "winner", d, 0)
                p = drop_position(full_round, q, count)
                link(by_key[f"WB{full_round - offset}.{p}"], "loser", d, 1)
            if j < k - 1:
                for q in range(1, count // 2 + 1):
                    d = lb_draft(2 * j + 1, q)
                    link(by_key[f"LB{2 * j}.{2 * q - 1}"], "winner", d, 0)
                    link(by_key[f"LB{2 * j}.{2 * q}"], "winner", d, 1)

    drafts = wb + lb
    wb_final = by_key[f"WB{wb_rounds}.1"]
    gf = []
    if grand_final != "none":
        g1 = Draft("GF1", "grand_final", 1, 1, [EMPTY, EMPTY], gf_bo)
        link(wb_final, "winner", g1, 0)
        if lb_rounds:
            link(by_key[f"LB{lb_rounds}.1"], "winner", g1, 1)
        else:
            link(wb_final, "loser", g1, 1)
        gf.append(g1)
        if grand_final == "reset":
            g2 = Draft("GF2", "grand_final", 2, 1, [EMPTY, EMPTY], gf_bo, conditional=True)
            link(g1, "winner", g2, 0)
            link(g1, "loser", g2, 1)
            gf.append(g2)

    drafts = _resolve_byes(drafts + gf)
    return Plan(
        format="double_elimination",
        entrants=ents,
        options={"grand_final": grand_final, "skip_first_round": bool(skip_first_round),
                 "best_of": best_of, "grand_final_best_of": gf_bo},
        matches=tuple(d.freeze() for d in drafts),
        rounds={"winners": wb_rounds, "losers": lb_rounds, "grand_final": len(gf)},
    )


def _resolve_byes(drafts):
    """Propagate statically known BYEs (see module docstring) and prune.

    Drafts are in feed order (sources before targets), so one pass suffices. A BYE can only come
    from a seeded slot, so a bracket with none (a power-of-two field) is returned as it is.
    """
    if not any(s.bye for d in drafts for s in d.slots):
        return drafts
    by_key = {d.key: d for d in drafts}
    kept = []
    for d in drafts:
        byes = sum(s.bye for s in d.slots)
        if byes == 2:
            if d.winner_to is not None:
                by_key[d.winner_to[0]].slots[d.winner_to[1]] = BYE
            if d.loser_to is not None:
                by_key[d.loser_to[0]].slots[d.loser_to[1]] = BYE
            continue
        if byes == 1 and d.loser_to is not None:
            by_key[d.loser_to[0]].slots[d.loser_to[1]] = BYE
            d.loser_to = None
        kept.append(d)
    return kept
