"""Numbers after (or during) an event, per tournament and per organizer. Read-only.

Every figure comes from aggregate queries grouped by tournament (a fixed number of queries for one
tournament or for all of an organizer's), so a report over 100,000 registrations never loops over
rows in Python.

Definitions (also shown on the report page):
* **registered** — every registration ever made; **paid** — owes nothing: a free event, a waived fee
  or a verified payment; **confirmed** — reached *confirmed* (confirmed now, or disqualified, which
  only happens to confirmed entrants); **checked in** — has a check-in time; **played** — took part
  in at least one played match (a bye is not played) or has a battle-royale lobby result.
* **check-in rate** = checked in / confirmed; **no-show rate** = confirmed entrants without a
  check-in once check-in has closed / confirmed (None while check-in is open or when there is none).
* **dispute rate** = played matches with at least one dispute / played matches; **time to resolve**
  = mean of (resolved − opened) over resolved disputes.
* **match duration per round** = mean of (completed − started) over matches with both times
  (matches scored by staff without a start are not timed; the count says how many were).
* **fees** = verified payments (refunded ones listed apart), per currency; **prizes** = prize
  payouts not cancelled, per currency, with the part already paid.
"""
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, Sum
from django.utils import timezone

from ..models import Dispute, LobbyEntry, Match, Payment, Payout, Registration, Tournament

R = Registration.Status
M = Match.Status
FUNNEL = ("registered", "paid", "confirmed", "checked_in", "played")


def _rate(part, whole):
    return round(part / whole, 4) if whole else None


def _played_matches(ids):
    return Match.objects.filter(tournament_id__in=ids, status=M.COMPLETED, slot_a_bye=False, slot_b_bye=False,
                                slot_a__isnull=False, slot_b__isnull=False)


def _funnel(ids, now):
    paid = Exists(Payment.objects.filter(registration=OuterRef("pk"), status__in=[Payment.Status.VERIFIED]))
    played_match = Exists(_played_matches(ids).filter(Q(slot_a=OuterRef("pk")) | Q(slot_b=OuterRef("pk"))))
    played_lobby = Exists(LobbyEntry.objects.filter(registration=OuterRef("pk"), placement__isnull=False))
    confirmed = Q(status__in=[R.CONFIRMED, R.DISQUALIFIED])
    free = Q(tournament__entry_fee=0, tournament__entry_fee_deltacoin=0)
    closed = Q(tournament__check_in_closes_at__lt=now)
    rows = (Registration.objects.filter(tournament_id__in=ids)
            .annotate(has_paid=paid, has_played_match=played_match, has_played_lobby=played_lobby)
            .values("tournament_id")
            .annotate(registered=Count("pk"),
                      paid=Count("pk", filter=free | Q(fee_waived=True) | Q(has_paid=True)),
                      confirmed=Count("pk", filter=confirmed),
                      checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)),
                      no_show=Count("pk", filter=confirmed & closed & Q(checked_in_at__isnull=True)),
                      played=Count("pk", filter=Q(has_played_match=True) | Q(has_played_lobby=True))))
    return {row.pop("tournament_id"): row for row in rows}


def _disputes(ids):
    played = dict(_played_matches(ids).values("tournament_id").annotate(n=Count("pk")).values_list("tournament_id", "n"))
    duration = ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
    rows = (Dispute.objects.filter(match__tournament_id__in=ids).values("match__tournament_id")
            .annotate(disputes=Count("pk"), disputed_matches=Count("match_id", distinct=True),
                      resolved=Count("pk", filter=Q(status=Dispute.Status.RESOLVED, resolved_at__isnull=False)),
                      resolve_total=Sum(duration, filter=Q(status=Dispute.Status.RESOLVED, resolved_at__isnull=False))))
    out = {t: {"played_matches": n, "disputes": 0, "disputed_matches": 0, "resolved": 0, "resolve_total": timedelta(0)}
           for t, n in played.items()}
    for row in rows:
        entry = out.setdefault(row["match__tournament_id"], {"played_matches": 0})
        entry.update(disputes=row["disputes"], disputed_matches=row["disputed_matches"], resolved=row["resolved"],
                     resolve_total=row["resolve_total"] or timedelta(0))
    return out


def _durations(ids):
    duration = ExpressionWrapper(F("completed_at") - F("started_at"), output_field=DurationField())
    rows = (Match.objects.filter(tournament_id__in=ids, status=M.COMPLETED, started_at__isnull=False, completed_at__isnull=False,
                                 slot_a_bye=False, slot_b_bye=False)
            .values("tournament_id", "bracket", "round_number")
            .annotate(timed=Count("pk"), total=Sum(duration)).order_by("tournament_id", "bracket", "round_number"))
    out = defaultdict(list)
    for row in rows:
        seconds = row["total"].total_seconds() / row["timed"] if row["total"] is not None else None
        out[row["tournament_id"]].append({"bracket": row["bracket"], "round": row["round_number"], "timed": row["timed"],
                                          "mean_minutes": round(seconds / 60, 2) if seconds is not None else None})
    return out


def _money(ids):
    fees = defaultdict(dict)
    for row in (Payment.objects.filter(registration__tournament_id__in=ids,
                                       status__in=[Payment.Status.VERIFIED, Payment.Status.REFUNDED])
                .values("registration__tournament_id", "currency", "status").annotate(total=Sum("amount"), n=Count("pk"))):
        entry = fees[row["registration__tournament_id"]].setdefault(row["currency"], {"verified": 0, "refunded": 0, "payments": 0})
        entry[row["status"]] = row["total"]
        entry["payments"] += row["n"]
    prizes = defaultdict(dict)
    for row in (Payout.objects.filter(tournament_id__in=ids, kind=Payout.Kind.PRIZE).exclude(status=Payout.Status.CANCELLED)
                .values("tournament_id", "currency")
                .annotate(total=Sum("amount"), paid=Sum("amount", filter=Q(status=Payout.Status.PAID)))):
        prizes[row["tournament_id"]][row["currency"]] = {"total": row["total"], "paid": row["paid"] or 0}
    return fees, prizes


def _summarise(funnel, disputes, has_check_in):
    f = {k: funnel.get(k, 0) for k in FUNNEL}
    no_show = funnel.get("no_show", 0)
    played_matches = disputes.get("played_matches", 0)
    resolved = disputes.get("resolved", 0)
    total = disputes.get("resolve_total") or timedelta(0)
    return {
        "funnel": f,
        "check_in_rate": _rate(f["checked_in"], f["confirmed"]) if has_check_in else None,
        "no_shows": no_show,
        "no_show_rate": _rate(no_show, f["confirmed"]) if has_check_in else None,
        "played_matches": played_matches,
        "disputes": disputes.get("disputes", 0),
        "disputed_matches": disputes.get("disputed_matches", 0),
        "dispute_rate": _rate(disputes.get("disputed_matches", 0), played_matches),
        "resolved_disputes": resolved,
        "mean_resolve_minutes": round(total.total_seconds() / resolved / 60, 2) if resolved else None,
    }


def report(tournaments, *, now=None) -> dict:
    """``{"tournaments": [per-tournament report …], "totals": report over all of them}``.

    ``tournaments`` is a queryset (already scoped by the caller to what the user may view)."""
    now = now or timezone.now()
    events = list(tournaments.order_by("-starts_at", "pk").values("pk", "name", "slug", "status", "check_in_closes_at"))
    ids = [e["pk"] for e in events]
    funnel, disputes, durations = _funnel(ids, now), _disputes(ids), _durations(ids)
    fees, prizes = _money(ids)
    rows = []
    checked = {e["pk"]: bool(e["check_in_closes_at"]) and e["check_in_closes_at"] < now for e in events}
    for e in events:
        pk = e["pk"]
        rows.append({"tournament": e, **_summarise(funnel.get(pk, {}), disputes.get(pk, {}), checked[pk]),
                     "rounds": durations.get(pk, []), "fees": fees.get(pk, {}), "prizes": prizes.get(pk, {})})
    total_funnel = {k: sum(funnel.get(pk, {}).get(k, 0) for pk in ids) for k in (*FUNNEL, "no_show")}
    closed_ids = [pk for pk in ids if checked[pk]]
    closed_funnel = {k: sum(funnel.get(pk, {}).get(k, 0) for pk in closed_ids) for k in ("confirmed", "checked_in", "no_show")}
    total_disputes = {
        "played_matches": sum(d.get("played_matches", 0) for d in disputes.values()),
        "disputes": sum(d.get("disputes", 0) for d in disputes.values()),
        "disputed_matches": sum(d.get("disputed_matches", 0) for d in disputes.values()),
        "resolved": sum(d.get("resolved", 0) for d in disputes.values()),
        "resolve_total": sum((d.get("resolve_total") or timedelta(0) for d in disputes.values()), timedelta(0)),
    }
    totals = _summarise(total_funnel, total_disputes, bool(closed_ids))
    if closed_ids:  # rates only over events whose check-in has closed
        totals["check_in_rate"] = _rate(closed_funnel["checked_in"], closed_funnel["confirmed"])
        totals["no_show_rate"] = _rate(closed_funnel["no_show"], closed_funnel["confirmed"])
    totals["fees"] = _sum_money([r["fees"] for r in rows], ("verified", "refunded", "payments"))
    totals["prizes"] = _sum_money([r["prizes"] for r in rows], ("total", "paid"))
    return {"tournaments": rows, "totals": totals}


def _sum_money(per_event, keys):
    out = {}
    for money in per_event:
        for currency, values in money.items():
            entry = out.setdefault(currency, {k: 0 for k in keys})
            for k in keys:
                entry[k] += values.get(k, 0) or 0
    return out


def tournament_report(tournament, *, now=None) -> dict:
    return report(Tournament.objects.filter(pk=tournament.pk), now=now)["tournaments"][0]


CSV_COLUMNS = ["Tournament", "Status", "Registered", "Paid", "Confirmed", "Checked in", "Played", "Check-in rate",
               "No-shows", "No-show rate", "Played matches", "Disputed matches", "Dispute rate", "Mean minutes to resolve",
               "Fees verified", "Fees refunded", "Prizes", "Prizes paid"]


def csv_rows(data) -> list[list]:
    """One line per tournament plus a totals line (money as "amount CUR" joined per currency)."""
    def money(d, key):
        return "; ".join(f"{Decimal(v.get(key, 0) or 0):.2f} {cur}" for cur, v in sorted(d.items()))

    def line(name, status, r):
        f = r["funnel"]
        return [name, status, f["registered"], f["paid"], f["confirmed"], f["checked_in"], f["played"], r["check_in_rate"],
                r["no_shows"], r["no_show_rate"], r["played_matches"], r["disputed_matches"], r["dispute_rate"],
                r["mean_resolve_minutes"], money(r["fees"], "verified"), money(r["fees"], "refunded"),
                money(r["prizes"], "total"), money(r["prizes"], "paid")]

    rows = [line(r["tournament"]["name"], r["tournament"]["status"], r) for r in data["tournaments"]]
    rows.append(line("TOTAL", "", data["totals"]))
    return rows
