"""Round robin (everyone meets everyone in their group).

Schedules use the circle method: the first entrant stays put and the others
rotate one place per round, which yields n-1 rounds in which everybody plays
once. An odd group gets a phantom entrant; whoever is drawn against it
*rests* that round. Rests are recorded in ``Plan.rests`` rather than as BYE
matches, because in a round robin nobody advances through a rest.

Home/away (slot 0/1) is alternated round by round so that each entrant's
home and away counts differ by at most one; ``double=True`` repeats the
schedule with every match's slots swapped, so each pair meets once each way.
"""
from __future__ import annotations

from .distribution import DISTRIBUTIONS, distribute
from .errors import BracketError, check_best_of, check_choice, normalize_entrants, options
from .plan import Plan, PlannedMatch, Slot

_REST = object()


def circle_rounds(members):
    """List of rounds; each round is a list of (home, away) with rests as _REST."""
    players = list(members)
    if len(players) % 2:
        # the phantom is the fixed element so real entrants all rotate
        # through every board, which keeps home/away balanced
        players.insert(0, _REST)
    n = len(players)
    rounds = []
    for r in range(n - 1):
        pairs = []
        for i in range(n // 2):
            a, b = players[i], players[n - 1 - i]
            # alternate orientation per round (pair 0 = the fixed entrant) and
            # per board so home/away stays balanced
            if (i == 0 and r % 2 == 1) or (i > 0 and i % 2 == 1):
                a, b = b, a
            pairs.append((a, b))
        rounds.append(pairs)
        players = [players[0], players[-1]] + players[1:-1]
    return rounds


@options
def round_robin(entrants, *, groups=1, double=False, distribution="snake", best_of=1):
    """Plan a (grouped) round robin; see the package docstring."""
    check_choice("distribution", distribution, DISTRIBUTIONS)
    check_best_of(best_of)
    ents = normalize_entrants(entrants, minimum=2, what="Round robin")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise BracketError(f"groups must be a whole number >= 1; got {groups!r}.")
    split = distribute(ents, groups, distribution)
    matches, rests, counts = [], [], {}
    for label, members in split.items():
        schedule = circle_rounds(members)
        if double:
            schedule = schedule + [[(b, a) for a, b in rnd] for rnd in schedule]
        counts[f"group:{label}"] = len(schedule)
        for r, rnd in enumerate(schedule, start=1):
            pos = 0
            for a, b in rnd:
                if a is _REST or b is _REST:
                    rests.append((label, r, b if a is _REST else a))
                    continue
                pos += 1
                matches.append(PlannedMatch(
                    key=f"G-{label}.R{r}.{pos}", bracket="group", round=r, position=pos,
                    slots=(Slot.of(a), Slot.of(b)), best_of=best_of, group=label))
    return Plan(
        format="round_robin",
        entrants=ents,
        options={"groups": groups, "double": bool(double), "distribution": distribution,
                 "best_of": best_of},
        matches=tuple(matches),
        rounds=counts,
        rests=tuple(rests),
        groups=split,
    )
