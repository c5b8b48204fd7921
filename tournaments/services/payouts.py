"""Prize payouts, the DeltaCoin wallet, entry-fee refunds and the reconciliation report.

Flow: ``dry_run`` shows who gets what (nothing written) → ``start_prize_payouts`` freezes the options
and queues one job on the ``payouts`` queue → ``execute_run`` (the job) writes one ``Payout`` per
recipient and credits DeltaCoin prizes to wallets at once; cash prizes wait for staff, who send the
money and ``mark_paid`` with the transfer reference → ``reconcile`` compares what was paid with the
pool. Every payout has a unique idempotency key from business ids and the job locks rows and checks
states, so a run killed half-way and run again pays every recipient exactly once.
"""
import time
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from .. import jobs, payout_math, permissions
from ..models import (DELTACOIN, Payment, PaymentMethod, Payout, PayoutRun, Placement, Player, Registration,
                      TeamMembership, Tournament, WalletEntry)
from . import audit, notifications
from .base import actor_user, describe_state, lock, require, run_transition, save_stateful
from .errors import DomainError

P = Payout.Status
T = Tournament.Status
CASH_METHODS = [PaymentMethod.BKASH, PaymentMethod.NAGAD, PaymentMethod.ROCKET, PaymentMethod.BANK_TRANSFER]


@dataclass(frozen=True)
class Line:
    """One recipient's share in a plan (JSON-friendly: stored on the run)."""
    key: str
    registration_id: int
    player_id: int | None
    recipient_name: str
    rank: int
    amount: str
    currency: str


@dataclass
class Plan:
    lines: list
    pools: dict       # currency -> pool (str)
    unallocated: dict  # currency -> amount not given to anyone (places nobody reached)

    def total(self, currency: str) -> Decimal:
        return sum((Decimal(line.amount) for line in self.lines if line.currency == currency), Decimal("0"))

    def as_rows(self):
        return [asdict(line) for line in self.lines]


# ---- the plan (read-only) --------------------------------------------------------------------------

def _members(registration, split: str, shares: dict):
    """[(player, weight)], captain first (the captain carries any leftover unit)."""
    team = registration.team
    captain = team.captain
    if split == PayoutRun.TeamSplit.CAPTAIN:
        return [(captain, 1)]
    memberships = list(team.memberships.select_related("player").order_by("id"))
    if split == PayoutRun.TeamSplit.CUSTOM:
        weights = shares.get(str(registration.pk)) or shares.get(registration.pk)
        if not weights:
            raise DomainError(_("Give custom shares for team %(team)s (registration #%(pk)s).") % {"team": team.name, "pk": registration.pk},
                              code="shares")
        by_id = {m.player_id: m.player for m in memberships}
        by_id.setdefault(captain.pk, captain)
        result = []
        for player_id, weight in weights.items():
            player = by_id.get(int(player_id))
            if player is None:
                raise DomainError(_("Player #%(p)s is not a member of %(team)s.") % {"p": player_id, "team": team.name}, code="shares")
            try:
                ok = Decimal(str(weight)) > 0
            except Exception:
                ok = False
            if not ok:
                raise DomainError(_("The share of %(who)s in %(team)s must be a positive number.") % {"who": player.display_name, "team": team.name},
                                  code="shares")
            result.append((player, Decimal(str(weight))))
        result.sort(key=lambda item: item[0].pk != captain.pk)
        return result
    roster = [m.player for m in memberships if m.role != TeamMembership.Role.SUBSTITUTE]
    if captain not in roster:
        roster.insert(0, captain)
    roster.sort(key=lambda p: p.pk != captain.pk)
    return [(player, 1) for player in roster]


def compute_plan(tournament, *, team_split: str = PayoutRun.TeamSplit.EQUAL, custom_shares: dict | None = None) -> Plan:
    """Who gets what of the cash pool and the DeltaCoin pool, from the final placements."""
    if team_split not in PayoutRun.TeamSplit.values:
        raise DomainError(_("Unknown team split “%(s)s”.") % {"s": team_split}, code="shares")
    placements = list(Placement.objects.filter(tournament_id=tournament.pk)
                      .select_related("registration__player", "registration__team__captain").order_by("rank", "registration_id"))
    if not placements:
        raise DomainError(_("%(t)s has no final placements yet; prizes are paid from placements.") % {"t": tournament.name},
                          code="no_placements")
    pools = []
    if tournament.prize_pool and tournament.prize_pool > 0:
        pools.append((tournament.prize_currency, Decimal(tournament.prize_pool), payout_math.CASH_STEP))
    if tournament.prize_deltacoin:
        pools.append((DELTACOIN, Decimal(tournament.prize_deltacoin), payout_math.DELTACOIN_STEP))
    if not pools:
        raise DomainError(_("%(t)s has no prize pool.") % {"t": tournament.name}, code="no_pool")
    try:
        fractions = payout_math.place_fractions(tournament.prize_distribution or {"1": 100}, tournament.prize_pool or Decimal("0"))
    except payout_math.DistributionError as exc:
        raise DomainError(_("Fix the prize distribution first: %(e)s") % {"e": exc}, code="distribution")
    registrations = {p.registration_id: p.registration for p in placements}
    ranks = {p.registration_id: p.rank for p in placements}
    members_cache: dict = {}
    lines, unallocated = [], {}
    for currency, pool, step in pools:
        units, left = payout_math.allocate(payout_math.to_units(pool, step),
                                           [(p.registration_id, p.rank) for p in placements], fractions)
        unallocated[currency] = str(payout_math.from_units(left, step))
        for registration_id, entrant_units in units.items():
            registration = registrations[registration_id]
            if registration.team_id:
                if registration_id not in members_cache:
                    members_cache[registration_id] = _members(registration, team_split, custom_shares or {})
                members = members_cache[registration_id]
                try:
                    shares = payout_math.split(entrant_units, [(player.pk, weight) for player, weight in members])
                except payout_math.DistributionError as exc:
                    raise DomainError(str(exc), code="shares")
                names = {player.pk: player.display_name for player, _w in members}
                for player_id, member_units in shares.items():
                    lines.append(Line(f"prize:{tournament.pk}:{currency}:{registration_id}:{player_id}", registration_id, player_id,
                                      f"{names[player_id]} ({registration.team.name})"[:140], ranks[registration_id],
                                      str(payout_math.from_units(member_units, step)), currency))
            else:
                lines.append(Line(f"prize:{tournament.pk}:{currency}:{registration_id}:{registration.player_id}", registration_id,
                                  registration.player_id, registration.display_name[:140], ranks[registration_id],
                                  str(payout_math.from_units(entrant_units, step)), currency))
    lines = [line for line in lines if Decimal(line.amount) > 0]
    return Plan(lines=lines, pools={c: str(pool.quantize(step)) for c, pool, step in pools}, unallocated=unallocated)


def dry_run(tournament_id: int, *, actor, team_split: str = PayoutRun.TeamSplit.EQUAL, custom_shares: dict | None = None) -> Plan:
    """Who would get what; nothing is written."""
    tournament = Tournament.objects.get(pk=tournament_id)
    require(actor, tournament, permissions.MANAGE)
    return compute_plan(tournament, team_split=team_split, custom_shares=custom_shares)


# ---- the run -----------------------------------------------------------------------------------------

def run_job_id(tournament_id: int) -> str:
    return f"payouts-{tournament_id}-prizes"


def start_prize_payouts(tournament_id: int, *, actor, team_split: str = PayoutRun.TeamSplit.EQUAL,
                        custom_shares: dict | None = None) -> PayoutRun:
    """Queue the prize payout of a completed tournament (one run per tournament; a failed or
    interrupted run is queued again with the options it started with)."""
    with transaction.atomic():
        tournament = lock(Tournament, tournament_id)
        require(actor, tournament, permissions.MANAGE)
        if tournament.status not in (T.COMPLETED, T.ARCHIVED):
            raise DomainError(_("%(t)s is %(s)s; prizes are paid once it is completed.")
                              % {"t": tournament.name, "s": tournament.get_status_display().lower()}, code="invalid_state")
        job_id = run_job_id(tournament.pk)
        jobs.ensure_not_queued(job_id, _("The prize payout of %(t)s") % {"t": tournament.name})
        run = PayoutRun.objects.select_for_update().filter(tournament=tournament, kind=PayoutRun.Kind.PRIZES).first()
        if run is None:
            compute_plan(tournament, team_split=team_split, custom_shares=custom_shares)  # refuse a bad setup now, not in the job
            run = PayoutRun(tournament=tournament, kind=PayoutRun.Kind.PRIZES, team_split=team_split,
                            custom_shares=custom_shares or {}, created_by=actor_user(actor))
            save_stateful(run, actor)
        elif run.status == PayoutRun.Status.DONE:
            raise DomainError(_("The prizes of %(t)s were already paid out (run #%(pk)s); see the reconciliation report.")
                              % {"t": tournament.name, "pk": run.pk}, code="already_done")
        elif run.status in (PayoutRun.Status.FAILED, PayoutRun.Status.RUNNING):
            run_transition(run, "requeue")
            save_stateful(run, actor)
        audit.log_action("payout.run_queued", actor=actor, tournament=tournament, target=run,
                         metadata={"team_split": run.team_split, "run": run.pk})
        jobs.enqueue(jobs.run_payouts, run.pk, queue="payouts", job_id=job_id, tournament_id=tournament.pk,
                     target={"model": "payoutrun", "id": run.pk, "label": str(run)})
        return run


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def execute_run(run_id: int) -> dict:
    """The job: write and pay every line of the run's plan. Safe to run again at any point."""
    with transaction.atomic():
        run = lock(PayoutRun, run_id, select_related=("tournament",))
        if run.status == PayoutRun.Status.DONE:
            return run.totals
        run_transition(run, "start")
        if not run.plan:
            try:
                plan = compute_plan(run.tournament, team_split=run.team_split, custom_shares=run.custom_shares)
            except DomainError as exc:
                run_transition(run, "fail", str(exc))
                save_stateful(run, None)
                audit.log_action("payout.run_failed", actor=None, tournament=run.tournament, target=run, reason=str(exc))
                raise
            run.plan = plan.as_rows()
            run.totals = {"pools": plan.pools, "unallocated": plan.unallocated}
        save_stateful(run, None)
    tournament = run.tournament
    lines = [Line(**row) for row in run.plan]
    names = {}
    delay = float(getattr(settings, "PAYOUT_TEST_DELAY", 0) or 0)
    done = 0
    for batch in _chunks(lines, max(1, int(getattr(settings, "PAYOUT_BATCH_SIZE", 200)))):
        with transaction.atomic():
            lock(PayoutRun, run.pk)  # one worker at a time per run
            _pay_batch(run, tournament, batch, names)
        done += len(batch)
        jobs.report_progress(done, len(lines), _("%(n)d of %(t)d recipients") % {"n": done, "t": len(lines)})
        if delay:
            time.sleep(delay)
    with transaction.atomic():
        run = lock(PayoutRun, run.pk, select_related=("tournament",))
        totals = {**run.totals, "recipients": len(lines), **_paid_totals(run)}
        run_transition(run, "finish", totals)
        save_stateful(run, None)
        audit.log_action("payout.run_done", actor=None, tournament=tournament, target=run, metadata=totals)
    return totals


def _paid_totals(run) -> dict:
    rows = run.payouts.values("currency", "status").annotate(total=Sum("amount"))
    result: dict = {}
    for row in rows:
        result.setdefault(row["status"], {})[row["currency"]] = str(row["total"])
    return result


def _pay_batch(run, tournament, batch, names):
    """Write (and, for DeltaCoin, pay) the batch's lines that have no payout yet, in bulk.

    A DeltaCoin payout is born paid: its transitions (pending → processing → paid) run in memory and
    it is inserted in the same transaction as its ledger entry, so there is no moment where one exists
    without the other. Existing rows are locked and left alone (a re-run)."""
    from simple_history.utils import bulk_create_with_history

    from ..models import AuditLog
    from .. import webhooks

    existing = {p.idempotency_key: p for p in Payout.objects.select_for_update().filter(idempotency_key__in=[line.key for line in batch])}
    fresh = []
    for line in batch:
        if line.key in existing:
            continue
        payout = Payout(run=run, tournament=tournament, registration_id=line.registration_id, player_id=line.player_id,
                        recipient_name=line.recipient_name, kind=Payout.Kind.PRIZE, rank=line.rank,
                        amount=Decimal(line.amount), currency=line.currency, idempotency_key=line.key)
        if payout.is_deltacoin and payout.player_id is not None:
            payout.start_processing()
            payout.mark_paid(PaymentMethod.DELTACOIN, f"ledger:payout:{line.key}")
        fresh.append(payout)
    if fresh:
        fresh = bulk_create_with_history(fresh, Payout, default_change_reason="created by payout run")
        if any(p.pk is None for p in fresh):  # backends that return no ids on bulk insert
            by_key = dict(Payout.objects.filter(idempotency_key__in=[p.idempotency_key for p in fresh]).values_list("idempotency_key", "pk"))
            for p in fresh:
                p.pk = p.id = by_key[p.idempotency_key]
        paid = [p for p in fresh if p.status == P.PAID]
        memo = _("Prize, %(t)s") % {"t": tournament.name}
        WalletEntry.objects.bulk_create([
            WalletEntry(player_id=p.player_id, amount=int(p.amount), kind=WalletEntry.Kind.PRIZE, idempotency_key=f"payout:{p.idempotency_key}",
                        tournament=tournament, payout_id=p.pk, memo=memo) for p in paid])
        AuditLog.objects.bulk_create([
            AuditLog(actor_label="system", action="payout.paid" if p.status == P.PAID else "payout.create", tournament=tournament,
                     target_type="payout", target_id=str(p.pk), target_label=str(p)[:200],
                     metadata={"amount": str(p.amount), "currency": p.currency, "rank": p.rank}) for p in fresh])
        if paid:
            registrations = {r.pk: r for r in Registration.objects.filter(pk__in={p.registration_id for p in paid})
                             .select_related("player", "team__captain")}
            for registration in registrations.values():
                registration.tournament = tournament
            notifications.notify_bulk([
                (registrations[p.registration_id], "payout.sent", _("Payout sent"), _paid_text(p, tournament)) for p in paid])
            if webhooks.has_endpoints(tournament):
                for p in paid:
                    _dispatch_paid(p, tournament)
    for payout in existing.values():  # left pending by an older run or a retry: pay it now
        if payout.is_deltacoin and payout.status == P.PENDING:
            _credit_wallet(payout, tournament, actor=None)
            registration = payout.registration
            registration.tournament = tournament
            _tell_paid(payout, registration, tournament)


def _paid_text(payout, tournament) -> str:
    return _("%(amount)s %(cur)s for %(t)s was sent to %(who)s.") % {
        "amount": payout.amount if not payout.is_deltacoin else int(payout.amount), "cur": payout.currency, "t": tournament.name,
        "who": payout.recipient_name}


def _dispatch_paid(payout, tournament):
    from .. import webhooks

    webhooks.dispatch(tournament, "payout.paid", {"payout": payout.pk, "registration": payout.registration_id,
                                                  "name": payout.recipient_name, "amount": str(payout.amount),
                                                  "currency": payout.currency, "kind": payout.kind})


def _credit_wallet(payout, tournament, *, actor):
    """DeltaCoin: one ledger entry (unique key) and the payout is paid, in one transaction."""
    if payout.player_id is None:
        run_transition(payout, "fail", _("No player to credit."))
        save_stateful(payout, actor)
        return
    run_transition(payout, "start_processing")
    entry = WalletEntry.objects.create(
        player_id=payout.player_id, amount=int(payout.amount), kind=WalletEntry.Kind.REFUND if payout.kind == Payout.Kind.REFUND else WalletEntry.Kind.PRIZE,
        idempotency_key=f"payout:{payout.idempotency_key}", tournament=tournament, payout=payout,
        memo=(_("Prize, %(t)s") if payout.kind == Payout.Kind.PRIZE else _("Refund, %(t)s")) % {"t": tournament.name},
    )
    run_transition(payout, "mark_paid", PaymentMethod.DELTACOIN, f"wallet:{entry.pk}", actor_user(actor))
    payout._change_reason = "credited to wallet"
    save_stateful(payout, actor)
    audit.log_action("payout.paid", actor=actor, tournament=tournament, target=payout,
                     metadata={"amount": str(payout.amount), "currency": payout.currency, "wallet_entry": entry.pk})


def _tell_paid(payout, registration, tournament):
    notifications.notify(registration, "payout.sent", _("Payout sent"), _paid_text(payout, tournament))
    _dispatch_paid(payout, tournament)


# ---- staff actions on one payout -----------------------------------------------------------------------

_VERBS = {"start_processing": _("marked as processing"), "mark_paid": _("marked paid"), "fail": _("marked failed"),
          "retry": _("retried"), "cancel": _("cancelled")}


def _move(payout, transition, *args):
    """Run a payout transition, refusing with "Payout to X is paid (by …); it cannot be retried."."""
    from django_fsm import can_proceed

    if not can_proceed(getattr(payout, transition)):
        raise DomainError(_("The payout to %(who)s is %(state)s; it cannot be %(verb)s.") % {
            "who": payout.recipient_name, "state": describe_state(payout), "verb": _VERBS.get(transition, transition)},
            code="invalid_state")
    run_transition(payout, transition, *args)


def _locked_payout(payout_id, actor):
    payout = lock(Payout, payout_id, select_related=("tournament", "registration"))
    require(actor, payout.tournament, permissions.MANAGE)
    return payout


def start_processing(payout_id: int, *, actor) -> Payout:
    with transaction.atomic():
        payout = _locked_payout(payout_id, actor)
        _move(payout, "start_processing")
        save_stateful(payout, actor)
        audit.log_action("payout.processing", actor=actor, tournament=payout.tournament, target=payout)
        return payout


def mark_paid(payout_id: int, *, actor, method: str, reference: str) -> Payout:
    """Staff sent the money (bKash, Nagad, Rocket or bank) and record the transfer reference."""
    reference = (reference or "").strip()
    if method not in CASH_METHODS:
        raise DomainError(_("Choose how the money was sent (bKash, Nagad, Rocket or bank transfer)."), code="method")
    if not reference:
        raise DomainError(_("Enter the transfer reference so the payment can be traced."), code="reference")
    with transaction.atomic():
        payout = _locked_payout(payout_id, actor)
        if payout.status == P.PAID:
            raise DomainError(_("The payout to %(who)s was already paid on %(when)s (%(m)s, reference %(r)s).") % {
                "who": payout.recipient_name, "when": payout.paid_at.strftime("%Y-%m-%d %H:%M"),
                "m": payout.get_method_display(), "r": payout.reference}, code="invalid_state")
        if payout.is_deltacoin:
            raise DomainError(_("DeltaCoin payouts are credited to the wallet by the payout run."), code="method")
        clash = Payout.objects.filter(tournament=payout.tournament, reference__iexact=reference).exclude(pk=payout.pk).first()
        if clash is not None:
            raise DomainError(_("Reference %(r)s is already recorded for the payout to %(who)s.") % {"r": reference, "who": clash.recipient_name},
                              code="reference")
        if payout.status == P.PENDING:
            _move(payout, "start_processing")
        _move(payout, "mark_paid", method, reference, actor_user(actor))
        save_stateful(payout, actor)
        audit.log_action("payout.paid", actor=actor, tournament=payout.tournament, target=payout,
                         metadata={"amount": str(payout.amount), "currency": payout.currency, "method": method, "reference": reference})
        payout.registration.tournament = payout.tournament
        _tell_paid(payout, payout.registration, payout.tournament)
        return payout


def mark_failed(payout_id: int, *, actor, reason: str) -> Payout:
    if not (reason or "").strip():
        raise DomainError(_("Say why the payout failed (wrong number, account closed, …)."), code="reason_required")
    with transaction.atomic():
        payout = _locked_payout(payout_id, actor)
        _move(payout, "fail", reason.strip())
        save_stateful(payout, actor)
        audit.log_action("payout.failed", actor=actor, tournament=payout.tournament, target=payout, reason=reason)
        return payout


def retry(payout_id: int, *, actor) -> Payout:
    with transaction.atomic():
        payout = _locked_payout(payout_id, actor)
        _move(payout, "retry")
        save_stateful(payout, actor)
        audit.log_action("payout.retry", actor=actor, tournament=payout.tournament, target=payout)
        if payout.is_deltacoin:  # nothing for staff to send: credit the wallet again now
            _credit_wallet(payout, payout.tournament, actor=actor)
        return payout


def cancel(payout_id: int, *, actor, reason: str) -> Payout:
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for cancelling the payout."), code="reason_required")
    with transaction.atomic():
        payout = _locked_payout(payout_id, actor)
        _move(payout, "cancel", reason.strip())
        save_stateful(payout, actor)
        audit.log_action("payout.cancel", actor=actor, tournament=payout.tournament, target=payout, reason=reason)
        return payout


# ---- refunds ---------------------------------------------------------------------------------------------

def refund_entry_fees(tournament_id: int, *, actor, reason: str = "", dry_run: bool = False) -> list[dict]:
    """After a cancellation: refund every verified entry fee (``payments.refund``) and record what must
    be sent back: DeltaCoin returns to the wallet at once, cash becomes a pending refund payout for
    staff to send. Returns the refunds (what would be refunded, when ``dry_run``). Idempotent: a
    refunded payment is not refunded again."""
    tournament = Tournament.objects.get(pk=tournament_id)
    require(actor, tournament, permissions.MANAGE)
    if tournament.status != T.CANCELLED:
        raise DomainError(_("%(t)s is %(s)s; entry fees are refunded when a tournament is cancelled.")
                          % {"t": tournament.name, "s": tournament.get_status_display().lower()}, code="invalid_state")
    reason = (reason or "").strip() or _("%(t)s was cancelled") % {"t": tournament.name}
    due = list(Payment.objects.filter(registration__tournament=tournament, status=Payment.Status.VERIFIED)
               .select_related("registration__player", "registration__team__captain").order_by("pk"))
    result = []
    for payment in due:
        registration = payment.registration
        row = {"payment": payment.pk, "registration": registration.pk, "name": registration.display_name,
               "amount": str(payment.amount), "currency": payment.currency, "method": payment.method}
        result.append(row)
        if dry_run:
            continue
        row["payout"] = refund_payment(payment, tournament, actor=actor, reason=reason).pk
    return result


def refund_payment(payment: Payment, tournament: Tournament, *, actor, reason: str, amount=None) -> Payout:
    """Refund one verified payment (all of it, or ``amount``) and create the refund payout that sends
    the money back: DeltaCoin is credited at once, cash waits for staff as a pending payout."""
    from . import payments

    registration = payment.registration
    payer = registration.player if registration.player_id else registration.team.captain
    with transaction.atomic():
        payment = payments.refund(payment.pk, actor=actor, reason=reason, amount=amount)
        payout = Payout(tournament=tournament, registration=registration, player=payer, payment=payment,
                        recipient_name=registration.display_name[:140], kind=Payout.Kind.REFUND, amount=payment.refunded_amount,
                        currency=payment.currency, idempotency_key=f"refund:payment:{payment.pk}")
        save_stateful(payout, actor)
        audit.log_action("payout.create", actor=actor, tournament=tournament, target=payout, reason=reason,
                         metadata={"amount": str(payout.amount), "currency": payment.currency, "payment": payment.pk})
        if payout.is_deltacoin:
            _credit_wallet(payout, tournament, actor=actor)
    return payout


# ---- the wallet and the reconciliation report ---------------------------------------------------------------

def wallet_balance(player: Player | int) -> int:
    player_id = player.pk if isinstance(player, Player) else player
    return int(WalletEntry.objects.filter(player_id=player_id).aggregate(s=Sum("amount"))["s"] or 0)


@dataclass
class Reconciliation:
    ok: bool
    currencies: dict  # currency -> {"pool", "planned", "paid", "outstanding", "unallocated"}
    differences: list  # human-readable lines


def reconcile(tournament_id: int, *, actor=None) -> Reconciliation:
    """Paid versus pool, per currency, listing every difference (missing, extra, unpaid, wrong amount)."""
    tournament = Tournament.objects.get(pk=tournament_id)
    require(actor, tournament, permissions.VIEW)
    run = PayoutRun.objects.filter(tournament=tournament, kind=PayoutRun.Kind.PRIZES).first()
    if run is not None and run.plan:
        planned = {row["key"]: row for row in run.plan}
        pools = (run.totals or {}).get("pools", {})
        unallocated = (run.totals or {}).get("unallocated", {})
    else:
        plan = compute_plan(tournament, team_split=run.team_split if run else PayoutRun.TeamSplit.EQUAL,
                            custom_shares=run.custom_shares if run else None)
        planned = {line.key: asdict(line) for line in plan.lines}
        pools, unallocated = plan.pools, plan.unallocated
    payouts = {p.idempotency_key: p for p in Payout.objects.filter(tournament=tournament, kind=Payout.Kind.PRIZE)}
    differences = []
    currencies = {}
    for currency, pool in pools.items():
        currencies[currency] = {"pool": Decimal(pool), "planned": Decimal("0"), "paid": Decimal("0"),
                                "outstanding": Decimal("0"), "unallocated": Decimal(unallocated.get(currency, "0"))}
    for key, row in planned.items():
        c = currencies.setdefault(row["currency"], {"pool": Decimal("0"), "planned": Decimal("0"), "paid": Decimal("0"),
                                                    "outstanding": Decimal("0"), "unallocated": Decimal("0")})
        c["planned"] += Decimal(row["amount"])
        payout = payouts.get(key)
        if payout is None:
            differences.append(_("%(who)s: %(a)s %(c)s planned, no payout recorded.") % {"who": row["recipient_name"], "a": row["amount"], "c": row["currency"]})
            continue
        if payout.amount != Decimal(row["amount"]):
            differences.append(_("%(who)s: payout of %(p)s differs from the planned %(a)s %(c)s.")
                               % {"who": payout.recipient_name, "p": payout.amount, "a": row["amount"], "c": row["currency"]})
        if payout.status == P.PAID:
            c["paid"] += payout.amount
        else:
            c["outstanding"] += payout.amount
            differences.append(_("%(who)s: %(a)s %(c)s is %(s)s.") % {"who": payout.recipient_name, "a": payout.amount, "c": payout.currency,
                                                                     "s": payout.get_status_display().lower()})
    for key, payout in payouts.items():
        if key not in planned:
            differences.append(_("%(who)s: payout #%(pk)s of %(a)s %(c)s is not in the plan.")
                               % {"who": payout.recipient_name, "pk": payout.pk, "a": payout.amount, "c": payout.currency})
    for currency, c in currencies.items():
        if c["unallocated"]:
            differences.append(_("%(a)s %(c)s of the pool is unallocated (a paid place nobody reached).") % {"a": c["unallocated"], "c": currency})
        if c["paid"] != c["pool"]:
            differences.append(_("Paid %(p)s %(c)s of a pool of %(pool)s.") % {"p": c["paid"], "c": currency, "pool": c["pool"]})
    ok = not differences and all(c["paid"] == c["pool"] for c in currencies.values())
    return Reconciliation(ok=ok, currencies=currencies, differences=differences)
