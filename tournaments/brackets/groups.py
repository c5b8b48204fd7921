"""Group stage followed by a playoff bracket.

The playoff is planned before the groups are played, with placeholder
entrants ``("group", "A", 1)`` (winner of group A). Placeholders are
seeded tier by tier: all group winners first (A1, B1, C1...), then all
runners-up, etc., and within a tier each seed takes the group whose
already-placed members it would meet *latest* in the bracket (two bracket
positions i and j can first meet in round ``bit_length(i ^ j)``), ties by
label. With 2 groups x 2 this gives A1 v B2 and B1 v A2 in opposite halves;
with 4 groups x 2 every group's winner and runner-up are in opposite halves.
"""
from __future__ import annotations

from dataclasses import dataclass

from .distribution import DISTRIBUTIONS, distribute
from .double import double_elimination
from .errors import (BracketError, check_best_of, check_choice, check_positive_int,
                     normalize_entrants, options)
from .plan import Plan
from .round_robin import round_robin
from .seeding import next_power_of_two, standard_seed_order
from .single import single_elimination
from .swiss import swiss_pairings


@dataclass(frozen=True)
class StagedPlan:
    """Group stage plan + playoff plan over placeholders (see module doc)."""
    group_stage: Plan
    playoff: Plan
    advance_per_group: int
    playoff_seeds: tuple


def playoff_seed_order(labels, advance_per_group):
    """Placeholders ``("group", label, place)`` in playoff seed order."""
    labels = list(labels)
    g = len(labels)
    total = g * advance_per_group
    size = next_power_of_two(total)
    pos = {s: i for i, s in enumerate(standard_seed_order(size))}
    placed = {label: [] for label in labels}
    seeds = []
    for place in range(1, advance_per_group + 1):
        free = list(labels)
        for k in range(g):
            s = (place - 1) * g + k + 1
            p = pos[s]
            if place == 1:
                label = free[0]
            else:
                label = max(free, key=lambda lb: (
                    min((p ^ q).bit_length() for q in placed[lb]), -labels.index(lb)))
            free.remove(label)
            placed[label].append(p)
            seeds.append(("group", label, place))
    return tuple(seeds)


@options
def groups_to_playoffs(entrants, *, groups, advance_per_group, group_format="round_robin",
                       playoff="single", distribution="snake", best_of=1, playoff_best_of=None,
                       double_round_robin=False, swiss_rounds=None, third_place=False,
                       grand_final="reset"):
    """Plan groups (round robin or Swiss) and a cross-seeded playoff."""
    check_choice("group_format", group_format, ("round_robin", "swiss"))
    check_choice("playoff", playoff, ("single", "double"))
    check_choice("distribution", distribution, DISTRIBUTIONS)
    check_best_of(best_of)
    check_positive_int("groups", groups)
    check_positive_int("advance_per_group", advance_per_group)
    pbo = best_of if playoff_best_of is None else check_best_of(playoff_best_of,
                                                                  "playoff_best_of")
    ents = normalize_entrants(entrants, minimum=2 * groups, what=f"{groups} groups")
    split = distribute(ents, groups, distribution)
    smallest = min(len(m) for m in split.values())
    if advance_per_group > smallest:
        raise BracketError(f"advance_per_group={advance_per_group} but the smallest group has "
                           f"{smallest} entrants; lower it to at most {smallest}.")
    if groups * advance_per_group < 2:
        raise BracketError("At least 2 entrants must advance to a playoff; raise "
                           "advance_per_group or use more groups.")
    if group_format == "round_robin":
        stage = round_robin(ents, groups=groups, double=double_round_robin,
                            distribution=distribution, best_of=best_of)
    else:
        matches, counts = [], {}
        for label, members in split.items():
            rnd = swiss_pairings(members, [], round_number=1, best_of=best_of, group=label)
            matches.extend(rnd.matches)
            rounds = swiss_rounds or max(1, (len(members) - 1).bit_length())
            counts[f"group:{label}"] = rounds
        stage = Plan(format="swiss", entrants=ents,
                     options={"groups": groups, "distribution": distribution,
                              "best_of": best_of, "rounds": swiss_rounds},
                     matches=tuple(matches), rounds=counts, groups=split)
    seeds = playoff_seed_order(split.keys(), advance_per_group)
    if playoff == "single":
        bracket = single_elimination(seeds, third_place=third_place and len(seeds) >= 4,
                                     best_of=pbo)
    else:
        bracket = double_elimination(seeds, grand_final=grand_final, best_of=pbo)
    return StagedPlan(stage, bracket, advance_per_group, seeds)


def seed_playoffs_from_groups(group_standings, advance_per_group):
    """Concrete playoff seed order from final group standings.

    ``group_standings`` maps a group label to its entrants in finishing
    order (plain ids or rows with an ``entrant`` attribute, e.g. the output
    of ``standings``). Uses the same cross-seeding as ``groups_to_playoffs``.
    """
    check_positive_int("advance_per_group", advance_per_group)
    if not group_standings:
        raise BracketError("No group standings given.")
    by_label = {}
    for label, rows in group_standings.items():
        ids = [getattr(r, "entrant", r) for r in rows]
        if len(ids) < advance_per_group:
            raise BracketError(f"Group {label} has only {len(ids)} entrants; "
                               f"{advance_per_group} are meant to advance.")
        by_label[label] = ids
    order = sorted(by_label, key=lambda lb: (len(str(lb)), str(lb)))  # A..Z, AA...
    return tuple(by_label[lb][place - 1]
                 for _, lb, place in playoff_seed_order(order, advance_per_group))
