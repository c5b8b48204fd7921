"""Walking an elimination plan with results: who plays where, who placed where.

``resolve`` replays a plan against ``winners`` (match key -> winning
entrant) and is the one place that knows how BYEs auto-advance and when
the grand-final reset is skipped. ``elimination_placements`` builds final
placements from it.

Placement rule: an entrant's *stage* is how far they got. Single elim:
losing in WB round r = stage r; the final's winner is above its loser; a
3RD match splits the semifinal losers, otherwise they share 3rd. Double
elim: being eliminated in LB round r = stage r (so the two LB1 losers
share, the LB final loser is 3rd...), the grand-final loser is 2nd and its
winner 1st; with ``grand_final='none'`` the WB champion ranks 1st and the LB
champion 2nd. Rank = 1 + number of entrants with a better stage, hence
shared ranks (5-8 all read 5). Entrants still in contention get the stage
they are guaranteed at worst (``decided=False``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import BracketError
from .plan import ELIMINATION_FORMATS


@dataclass(frozen=True)
class MatchState:
    """A match after replaying results. ``status``: pending (occupants not
    known yet), ready, done, bye (auto-advance) or skipped (unneeded reset)."""
    key: str
    occupants: tuple
    winner: Any
    loser: Any
    status: str


@dataclass(frozen=True)
class Placement:
    rank: int
    entrant: Any
    decided: bool
    eliminated_in: str | None


def _winner_of(value):
    return getattr(value, "winner", value)


def resolve(plan, winners):
    """Replay ``winners`` ({key: winner id or Result}) over ``plan``.

    Returns ``{key: MatchState}``. Raises BracketError for results on matches
    whose occupants are not known yet, that name someone not in the match,
    or that concern a skipped reset or a BYE match.
    """
    winners = dict(winners or {})
    unknown = [k for k in winners if k not in plan]
    if unknown:
        raise BracketError(f"Results given for matches that are not in the plan: {unknown[:5]}.")
    states = {}
    for m in plan.ordered_matches():
        occ = []
        for s in m.slots:
            if s.entrant is not None:
                occ.append(s.entrant)
            elif s.bye:
                occ.append(None)
            else:
                src = states[s.from_match]
                occ.append(src.winner if s.outcome == "winner" else src.loser)
        occ = tuple(occ)
        given = _winner_of(winners[m.key]) if m.key in winners else None
        if m.conditional and m.slots[0].from_match in states:
            src = states[m.slots[0].from_match]
            src_match = plan.by_key(src.key)
            if src.status == "done" and src.winner == src.occupants[0] and \
                    src_match.winner_to == (m.key, 0):
                if given is not None:
                    raise BracketError(f"{m.key} is not played: {src.winner!r} won {src.key} "
                                       "from the winners' side. Remove that result.")
                states[m.key] = MatchState(m.key, occ, None, None, "skipped")
                continue
        if m.has_bye:
            if given is not None:
                raise BracketError(f"{m.key} is a BYE match and needs no result; remove it.")
            real = next(o for o, s in zip(occ, m.slots) if not s.bye)
            status = "bye" if real is not None else "pending"
            states[m.key] = MatchState(m.key, occ, real, None, status)
            continue
        if None in occ:
            if given is not None:
                raise BracketError(f"{m.key} cannot have a result yet: its entrants are not known.")
            states[m.key] = MatchState(m.key, occ, None, None, "pending")
            continue
        if given is None:
            states[m.key] = MatchState(m.key, occ, None, None, "ready")
            continue
        if given not in occ:
            raise BracketError(f"The result for {m.key} names {given!r}, who is not in that "
                               f"match ({occ[0]!r} vs {occ[1]!r}).")
        loser = occ[1] if given == occ[0] else occ[0]
        states[m.key] = MatchState(m.key, occ, given, loser, "done")
    return states


def _stages(plan):
    """(loss_stage, win_stage) per match key; win_stage only for terminal matches."""
    loss, win = {}, {}
    lb = plan.rounds.get("losers", 0)
    top = plan.rounds.get("winners", 0)
    for m in plan.matches:
        if plan.format == "single_elimination":
            if m.bracket == "third_place":
                loss[m.key], win[m.key] = (top - 1, 0), (top - 1, 1)
            else:
                loss[m.key] = (m.round, 0)
                if m.winner_to is None:
                    win[m.key] = (top + 1, 0)
        elif m.bracket == "losers":
            loss[m.key] = (m.round, 0)
            if m.winner_to is None:
                win[m.key] = (lb + 1, 0)
        elif m.bracket == "grand_final":
            loss[m.key], win[m.key] = (lb + 1, 0), (lb + 2, 0)
        else:  # winners bracket of double elim
            loss[m.key] = (lb + 1, 0)  # only final when its loser goes nowhere
            if m.winner_to is None:
                win[m.key] = (lb + 2, 0)
    return loss, win


def elimination_placements(plan, results):
    """Final (or live) placements for a single/double elimination plan.

    ``results`` maps match key -> winner (or a Result). Returns a tuple of
    :class:`Placement` ordered by rank then seed.
    """
    if plan.format not in ELIMINATION_FORMATS:
        raise BracketError(f"elimination_placements works on elimination plans, "
                           f"not {plan.format}; use standings() instead.")
    states = resolve(plan, results)
    loss, win = _stages(plan)
    stage, where, decided = {}, {}, {}
    for m in plan.ordered_matches():
        st = states[m.key]
        if st.status in ("skipped", "bye"):
            continue
        if st.status == "done":
            skipped_next = m.loser_to is not None and states[m.loser_to[0]].status == "skipped"
            if m.loser_to is None or skipped_next:
                stage[st.loser], where[st.loser], decided[st.loser] = loss[m.key], m.key, True
            if m.winner_to is None or (m.winner_to and states[m.winner_to[0]].status == "skipped"):
                stage[st.winner], where[st.winner], decided[st.winner] = win[m.key], m.key, True
        else:
            for e in st.occupants:
                if e is not None and not decided.get(e):
                    stage[e] = _floor(plan, m, loss)
                    where[e], decided[e] = None, False
    order = {e: i for i, e in enumerate(plan.entrants)}
    ents = sorted(plan.entrants, key=lambda e: (tuple(-x for x in stage.get(e, (0, 0))), order[e]))
    out = []
    for i, e in enumerate(ents):
        rank = i + 1 if i == 0 or stage.get(e) != stage.get(ents[i - 1]) else out[-1].rank
        out.append(Placement(rank, e, decided.get(e, False), where.get(e)))
    return tuple(out)


def _floor(plan, m, loss):
    """Worst stage for someone still in match ``m``: follow the loser path."""
    while m.loser_to is not None and not m.conditional:
        nxt = plan.by_key(m.loser_to[0])
        if nxt.conditional:
            break
        m = nxt
    return loss[m.key]
