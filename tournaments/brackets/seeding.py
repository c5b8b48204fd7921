"""Seeding: put entrants in seed order and know where each seed sits.

``standard_seed_order`` is the backbone of every elimination bracket: seed 1
and seed 2 can only meet in the final, seeds 1-4 only in the semifinals, and
in every round the sum of the two seeds in a match is constant. Byes then
fall naturally to the top seeds (their "opponents" are the missing seeds).
"""
from __future__ import annotations

import random

from .errors import BracketError, check_choice, normalize_entrants, options


def next_power_of_two(n):
    """Smallest power of two >= n (n >= 1)."""
    return 1 if n <= 1 else 1 << (n - 1).bit_length()


def standard_seed_order(size):
    """Seeds in bracket position order for a bracket of ``size`` (a power of 2).

    Built by repeatedly replacing each seed ``s`` with the pair
    ``(s, 2*len+1-s)``: 2 -> [1,2], 4 -> [1,4,2,3],
    8 -> [1,8,4,5,2,7,3,6], 16 -> [1,16,8,9,4,13,5,12,2,15,7,10,3,14,6,11].
    Consecutive pairs are the first-round matches.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1 or size & (size - 1):
        raise BracketError(f"Bracket size must be a power of two (1, 2, 4, 8...); got {size!r}.")
    order = [1]
    while len(order) < size:
        total = 2 * len(order) + 1
        order = [x for s in order for x in (s, total - s)]
    return order


@options
def seed(entrants, method="manual", *, rng_seed=None, ratings=None):
    """Return entrants as a tuple in seed order (index 0 = seed 1).

    * ``manual``: the given order is the seeding.
    * ``random``: shuffled with ``random.Random(rng_seed)`` so that a draw can
      be reproduced and audited from its seed.
    * ``ranked``: by ``ratings[entrant]`` descending; ties keep the original
      order (Python's sort is stable), so the result is deterministic.
    """
    check_choice("method", method, ("manual", "random", "ranked"))
    ents = normalize_entrants(entrants, minimum=0, what="Seeding")
    if method == "manual":
        return ents
    if method == "random":
        shuffled = list(ents)
        random.Random(rng_seed).shuffle(shuffled)
        return tuple(shuffled)
    if ratings is None:
        raise BracketError("Ranked seeding needs ratings: pass ratings={entrant: rating}.")
    missing = [e for e in ents if e not in ratings]
    if missing:
        raise BracketError(
            "Ranked seeding needs a rating for every entrant; missing: "
            + ", ".join(repr(m) for m in missing[:10]) + "."
        )
    return tuple(sorted(ents, key=lambda e: -ratings[e]))
