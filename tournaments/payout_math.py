"""Prize arithmetic, pure (no database): who gets how much of a pool, exactly.

Amounts are counted in integer *units* of the currency's smallest step (0.01 for cash, 1 DeltaCoin),
and shares are exact ``Fraction``s until the single rounding step, so the parts always add up to the
whole: ``sum(paid) + unallocated == pool`` to the last unit.

Distribution (``Tournament.prize_distribution``), keyed by place ("1", "2", …):
- a number or ``{"percent": p}``: p percent of what is left after fixed amounts;
- ``{"amount": "5000"}``: a fixed cash amount.
Percentages must add up to 100 when there are any; without percentages the fixed amounts must add up
to the pool. For DeltaCoin the same *fractions* of the pool apply (fixed cash amounts become their
fraction of the cash pool).

Rounding: each recipient gets their exact share rounded down; the units left over go to the
best-placed recipient. Ties: entrants sharing a rank span as many places as they are; they share the
combined prizes of those places equally (equal to the unit, except that the best-placed recipient
may carry the leftover units).
"""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.utils.translation import gettext as _

CASH_STEP = Decimal("0.01")
DELTACOIN_STEP = Decimal("1")


class DistributionError(ValueError):
    """The distribution or the shares cannot be used; the message says why."""


@dataclass(frozen=True)
class PlaceRule:
    place: int
    percent: Decimal | None = None
    amount: Decimal | None = None


def _decimal(value) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise DistributionError(_("“%(v)s” is not a number.") % {"v": value})
    if not result.is_finite():
        raise DistributionError(_("“%(v)s” is not a number.") % {"v": value})
    return result


def parse_distribution(distribution) -> list[PlaceRule]:
    if not isinstance(distribution, dict):
        raise DistributionError(_("Use placements as keys, e.g. {\"1\": 50, \"2\": 30, \"3\": {\"amount\": \"2000\"}}."))
    rules = []
    for key, value in distribution.items():
        try:
            place = int(str(key))
        except ValueError:
            raise DistributionError(_("“%(k)s” is not a placement (use 1, 2, 3, …).") % {"k": key})
        if place < 1:
            raise DistributionError(_("Placements start at 1."))
        if isinstance(value, dict):
            unknown = set(value) - {"percent", "amount"}
            if unknown or len(value) != 1:
                raise DistributionError(_("Place %(p)d: give either {\"percent\": …} or {\"amount\": …}.") % {"p": place})
            if "amount" in value:
                amount = _decimal(value["amount"])
                if amount <= 0 or amount != amount.quantize(CASH_STEP):
                    raise DistributionError(_("Place %(p)d: the amount must be positive with at most 2 decimals.") % {"p": place})
                rules.append(PlaceRule(place, amount=amount))
                continue
            value = value["percent"]
        percent = _decimal(value)
        if percent <= 0:
            raise DistributionError(_("Every share must be positive."))
        rules.append(PlaceRule(place, percent=percent))
    return sorted(rules, key=lambda r: r.place)


def place_fractions(distribution, cash_pool: Decimal) -> dict[int, Fraction]:
    """Each paid place's exact fraction of the pool (they add up to 1)."""
    rules = parse_distribution(distribution)
    if not rules:
        return {}
    pool = Fraction(_decimal(cash_pool))
    fixed = [r for r in rules if r.amount is not None]
    percents = [r for r in rules if r.percent is not None]
    fixed_total = sum((Fraction(r.amount) for r in fixed), Fraction(0))
    percent_total = sum((Fraction(r.percent) for r in percents), Fraction(0))
    if percents and percent_total != 100:
        raise DistributionError(_("Prize shares must add up to 100%% (they add up to %(t)s%%).") % {"t": format(_money(percent_total).normalize(), "f")})
    if fixed:
        if pool <= 0:
            raise DistributionError(_("Fixed amounts need a cash prize pool."))
        if fixed_total > pool or (fixed_total == pool and percents):
            raise DistributionError(_("Fixed amounts (%(f)s) leave nothing of the pool (%(p)s) for the percentages.")
                                    % {"f": _money(fixed_total), "p": _money(pool)})
        if not percents and fixed_total != pool:
            raise DistributionError(_("Fixed amounts add up to %(f)s but the pool is %(p)s; make them add up or give the rest "
                                      "as percentages.") % {"f": _money(fixed_total), "p": _money(pool)})
    fractions = {}
    rest = (pool - fixed_total) / pool if fixed else Fraction(1)
    for rule in fixed:
        fractions[rule.place] = Fraction(rule.amount) / pool
    for rule in percents:
        fractions[rule.place] = fractions.get(rule.place, Fraction(0)) + rest * Fraction(rule.percent) / 100
    return fractions


def _money(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CASH_STEP)


def to_units(amount: Decimal, step: Decimal) -> int:
    units = Decimal(amount) / step
    if units != units.to_integral_value():
        raise DistributionError(_("%(a)s is not a whole number of %(s)s.") % {"a": amount, "s": step})
    return int(units)


def from_units(units: int, step: Decimal) -> Decimal:
    return (Decimal(units) * step).quantize(step)


def allocate(total_units: int, placements, fractions: dict[int, Fraction]):
    """Share ``total_units`` among entrants by place.

    ``placements``: ``[(entrant, rank), …]`` in tie-break order within a rank (e.g. registration id).
    Returns ``(units_by_entrant, unallocated_units)``: entrants whose places carry no prize are
    omitted; places nobody reached are unallocated.
    """
    if total_units < 0:
        raise DistributionError(_("The pool cannot be negative."))
    ordered = sorted(enumerate(placements), key=lambda item: (item[1][1], item[0]))
    groups: list[tuple[int, list]] = []
    for _index, (entrant, rank) in ordered:
        if groups and groups[-1][0] == rank:
            groups[-1][1].append(entrant)
        else:
            groups.append((rank, [entrant]))
    exact: dict = {}
    position = 1
    claimed = Fraction(0)
    for _rank, entrants in groups:
        span = range(position, position + len(entrants))
        combined = sum((fractions.get(place, Fraction(0)) for place in span), Fraction(0))
        claimed += combined
        for entrant in entrants:
            if combined > 0:
                exact[entrant] = total_units * combined / len(entrants)
        position += len(entrants)
    distributable = total_units - int(total_units * (1 - claimed)) if claimed < 1 else total_units
    units = {entrant: int(share) for entrant, share in exact.items()}  # floor: shares are never negative
    leftover = distributable - sum(units.values())
    if leftover and units:
        best = next(iter(exact))  # dicts keep insertion order: the best-placed recipient
        units[best] += leftover
        leftover = 0
    return units, total_units - sum(units.values())


def split(units: int, weights: list[tuple[object, Fraction | Decimal | int]]):
    """Split a team's prize among its members by weight; leftover units go to the first member (the
    captain). Returns ``{member: units}``."""
    if not weights:
        raise DistributionError(_("A team prize needs at least one recipient."))
    total = sum((Fraction(_decimal(w)) for _m, w in weights), Fraction(0))
    if total <= 0 or any(Fraction(_decimal(w)) < 0 for _m, w in weights):
        raise DistributionError(_("Shares must be positive."))
    result = {member: int(units * Fraction(_decimal(w)) / total) for member, w in weights}
    first = weights[0][0]
    result[first] += units - sum(result.values())
    return result
