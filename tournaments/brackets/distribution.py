"""Dealing seeded entrants into groups.

All methods give group sizes that differ by at most one and keep each
group's members in seed order. Labels are A, B, C... (then AA, AB...).

* ``snake``: seeds go A, B, ..., last, then back last, ..., A, and so on.
  8 entrants in 2 groups: A = 1,4,5,8 and B = 2,3,6,7. The classic choice:
  the strong seeds a group gets early are paid back with weaker ones.
* ``effort``: effort-balanced dealing. Group sizes are fixed first (the
  first groups get the extra seats when the field does not divide evenly);
  then, strongest seed first, each seed goes to the group with the lowest
  running *strength* total (seed 1 weighs n, seed n weighs 1) that still has
  room, ties broken by label. This is greedy number partitioning: it keeps
  the total strength each group must beat as even as possible. It equals
  snake when the field divides evenly; with uneven fields it differs
  (7 in 2 groups: A = 1,4,5,7 and B = 2,3,6, snake gives A = 1,4,5).
* ``pairs``: bracket pairs. Entrants are laid out in a standard seeded
  bracket (1v16, 8v9, ...) and the groups are consecutive sections of that
  bracket, so first-round bracket pairs always share a group and each group
  is exactly the part of the bracket it would replace. Useful when a group
  stage replaces the early rounds of a knockout.
"""
from __future__ import annotations

from .errors import BracketError, check_choice, check_positive_int
from .seeding import next_power_of_two, standard_seed_order

DISTRIBUTIONS = ("snake", "effort", "pairs")


def group_labels(count):
    """A..Z, then AA, AB... (spreadsheet style), so any count is labelled."""
    labels = []
    for i in range(count):
        label, i = "", i + 1
        while i:
            i, rem = divmod(i - 1, 26)
            label = chr(65 + rem) + label
        labels.append(label)
    return labels


def distribute(entrants, groups, method="snake"):
    """Return ``{label: tuple of entrants}`` (entrants given in seed order)."""
    check_choice("distribution", method, DISTRIBUTIONS)
    check_positive_int("groups", groups)
    ents = tuple(entrants)
    n = len(ents)
    if n < 2 * groups:
        raise BracketError(
            f"{n} entrants cannot fill {groups} groups of at least 2; "
            f"use at most {max(1, n // 2)} groups or add entrants."
        )
    labels = group_labels(groups)
    buckets = [[] for _ in range(groups)]
    if method == "snake":
        for i in range(n):
            lap, pos = divmod(i, groups)
            buckets[pos if lap % 2 == 0 else groups - 1 - pos].append(i)
    elif method == "effort":
        base, extra = divmod(n, groups)
        room = [base + (1 if g < extra else 0) for g in range(groups)]
        totals = [0] * groups
        for i in range(n):  # strongest first
            g = min((g for g in range(groups) if len(buckets[g]) < room[g]),
                    key=lambda g: (totals[g], g))
            buckets[g].append(i)
            totals[g] += n - i
    else:
        order = [s - 1 for s in standard_seed_order(next_power_of_two(n)) if s <= n]
        base, extra = divmod(n, groups)
        start = 0
        for g in range(groups):
            size = base + (1 if g < extra else 0)
            buckets[g] = sorted(order[start:start + size])
            start += size
    return {label: tuple(ents[i] for i in sorted(b)) for label, b in zip(labels, buckets)}
