"""Planning a registration sheet: who enters, in which state, with which answers, seed and payment.

The rules are those of ``services.registrations.register`` (window, solo/team, one entry per
participant, free events confirm while there is room and waitlist after, paid events await payment,
approval events stay pending), ``services.payments.submit`` (method allowed, amount covers the fee,
one open claim) and ``payments.waive_fee`` / ``checkin`` — applied to the whole file at once so that
10,000 rows need a handful of queries. A registration that already exists is *updated* (seed,
answers, waiver, check-in, payment claim), never duplicated; its state is never taken from a column.
"""
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Payment, PaymentMethod, Registration, Team, Tournament
from ..services import DomainError, custom_fields, rosters
from ..services.base import actor_user, run_transition
from .base import Plan, answers_of, cells_by_field, check_row_limit
from .players import PlayerMatcher
from .presets import Mapping, parse_bool, parse_int
from .readers import FileError, Sheet
from .report import INVALID, NEW, SKIPPED, UPDATED, Report

R = Registration.Status
T = Tournament.Status
METHODS = {**{m.lower(): m for m in PaymentMethod.values},
           **{str(label).lower().replace(" ", ""): value for value, label in PaymentMethod.choices},
           "bank": PaymentMethod.BANK_TRANSFER, "dc": PaymentMethod.DELTACOIN}
CHECKIN_STATES = (T.REGISTRATION_OPEN, T.REGISTRATION_CLOSED, T.LIVE)


class RegistrationPlanner:
    kind = "registrations"

    def __init__(self, tournament, *, actor, options=None):
        self.t = tournament
        self.actor = actor
        self.overflow = (options or {}).get("overflow", "waitlist")
        self.now = timezone.now()

    # ---- checks on the file as a whole ---------------------------------------------------------
    def check_columns(self, mapping: Mapping) -> None:
        fields = set(mapping.fields)
        if self.t.is_team and not fields & {"team", "name"}:
            raise FileError(_("“%(t)s” is a team tournament: the file needs a “Team” column (tag or name).") % {"t": self.t.name})
        if not self.t.is_team and "name" not in fields:
            raise FileError(_("The file needs a name column (e.g. “Name”, “GamerTag”)."))
        if not self.t.is_team and not fields & {"email", "game_id", "invite"}:
            raise FileError(_("The file needs an “Email” or a game ID column so players are recognised on a re-import."))

    def _check_open(self) -> None:
        if self.t.status not in Tournament.PRE_LIVE:
            raise FileError(_("Registration for “%(t)s” is not open (the tournament is %(s)s).")
                            % {"t": self.t.name, "s": self.t.get_status_display()})

    # ---- the plan ------------------------------------------------------------------------------
    def plan(self, sheet: Sheet, mapping: Mapping) -> Plan:
        check_row_limit(sheet)
        self.check_columns(mapping)
        report = Report(self.kind, mapping.summary(), sheet.header_row)
        plan = Plan(report)
        self.columns = {name: mapping.headers[i] for name, i in mapping.fields.items()}
        rows = []
        for number, cells in sheet.rows:
            values = cells_by_field(report, number, cells, mapping)
            answers = answers_of(report, number, cells, mapping)
            if values is not None and not values.get("email") and "@" in values.get("invite", ""):
                values["email"] = values["invite"]  # Challonge: invite_name_or_email holds a username or an address
            rows.append((number, values, answers))
        self._load(rows)
        self.custom_fields = custom_fields.fields_of(self.t)  # issue 8: answer columns are checked per question
        self.seen_seed, self.seen_team = {}, {}
        for number, values, answers in rows:
            if values is None or answers is None:
                report.add(number, INVALID)
                continue
            self._row(plan, number, values, answers)
        if plan.new_registrations:
            self._check_open()
        self._decide_states(plan)
        return plan

    def _load(self, rows) -> None:
        t = self.t
        self.matcher = PlayerMatcher(t.game)
        if not t.is_team:
            emails = [v.get("email", "").lower() for _n, v, _a in rows if v]
            ids = []
            for _n, v, _a in rows:
                if v and v.get("game_id"):
                    try:
                        ids.append(self.matcher.normalise_game_id(v["game_id"]))
                    except Exception:  # reported per row later
                        pass
            self.matcher.load(emails, ids)
        else:
            teams = list(Team.objects.filter(game_id=t.game_id).select_related("game").order_by("id")
                         .prefetch_related("memberships__player"))
            self.teams_by_tag = {team.tag.upper(): team for team in teams}
            self.teams_by_name = {}
            for team in teams:
                self.teams_by_name.setdefault(team.name.casefold(), team)
        existing = list(Registration.objects.filter(tournament_id=t.pk).order_by("id"))
        self.by_player = {r.player_id: r for r in existing if r.player_id}
        self.by_team = {r.team_id: r for r in existing if r.team_id}
        self.confirmed = sum(1 for r in existing if r.status == R.CONFIRMED)
        self.next_waitlist = max([r.waitlist_position or 0 for r in existing] + [0]) + 1
        self.open_payments = {}
        for reg_id, ref, status in Payment.objects.filter(registration__tournament_id=t.pk, status__in=[
                Payment.Status.SUBMITTED, Payment.Status.VERIFIED]).values_list("registration_id", "reference", "status"):
            self.open_payments[reg_id] = (ref, status)

    def _entrant(self, report, number, values):
        """(player_row, team) for the row, or None after recording why not."""
        if not self.t.is_team:
            player_row = self.matcher.match(report, number, values, self.columns)
            return (player_row, None) if player_row else None
        column = self.columns.get("team") or self.columns.get("name")
        key = values.get("team") or values.get("name", "")
        if not key:
            report.error(number, _("a team (tag or name) is required."), column)
            return None
        team = self.teams_by_tag.get(key.upper()) or self.teams_by_name.get(key.casefold())
        if team is None:
            report.error(number, _("no %(g)s team has the tag or name “%(v)s”; import the teams first.")
                         % {"g": self.t.game.name, "v": key}, column)
            return None
        if team.pk in self.seen_team:
            report.error(number, _("team %(v)s is already on row %(r)d.") % {"v": team.tag, "r": self.seen_team[team.pk]}, column)
            return None
        self.seen_team[team.pk] = number
        return None, team

    def _row(self, plan: Plan, number: int, values: dict, answers: dict) -> None:
        report = plan.report
        errors_before = len(report.errors)
        entrant = self._entrant(report, number, values)
        fields = self._parse_fields(report, number, values)
        if entrant is None or len(report.errors) > errors_before:
            report.add(number, INVALID)
            return
        player_row, team = entrant
        existing = None
        if team is not None:
            existing = self.by_team.get(team.pk)
        elif not player_row.is_new:
            existing = self.by_player.get(player_row.player.pk)
        answers = self._checked_answers(report, number, answers, partial=existing is not None)
        if answers is None or (existing is None and (self._sanctioned(report, number, player_row, team)
                                                     or self._roster_refused(report, number, team))):
            report.add(number, INVALID)
            return
        if player_row is not None:
            if player_row.is_new:
                plan.new_players.append(player_row.player)
                plan.audit.append(("player.create", player_row.player, {}))
            elif player_row.changes:
                plan.changed_players.append((player_row.player, player_row.changes))
        player_changes = player_row.changes if player_row else {}
        label = team.name if team else player_row.player.display_name
        if existing is None:
            self._new(plan, number, label, player_row, team, fields, answers, player_changes)
        else:
            self._update(plan, number, label, existing, fields, answers, player_changes)

    def _roster_refused(self, report, number, team) -> bool:
        """Issue 8: a new team entry obeys what ``registrations.register`` checks of its roster: the
        game's team size, one team per player in the tournament, one game ID per person. The event's
        entries are read once per file and each accepted row joins them, so two rows of the same file
        clash as two registrations would. (Solo rows need no such check: a game ID or e-mail in the
        file resolves to one player, see ``PlayerMatcher``.)"""
        if team is None:
            return False
        if not hasattr(self, "entry_index"):
            self.entry_index = rosters.EntryIndex(self.t)
        roster = rosters.roster_of(team)
        try:
            rosters.check_roster_size(team, roster, minimum=True)
            self.entry_index.check(list(roster))
        except DomainError as exc:
            report.error(number, exc.message, self.columns.get("team") or self.columns.get("name"))
            return True
        self.entry_index.add(list(roster), team.name, _("row %(n)d of this file") % {"n": number})
        return False

    def _sanctioned(self, report, number, player_row, team) -> bool:
        """Issue 8: a new entry of a sanctioned player (or a team with one) is refused, as in
        ``registrations.register``. The sanctions in force are read once per file."""
        if not hasattr(self, "sanction_by_player"):
            from ..models import TeamMembership
            from ..services import sanctions

            found = sanctions.in_force_all(self.t)
            self.sanction_by_player = {s.player_id: s for s in found}
            self.members = {}
            if self.t.is_team and self.sanction_by_player:
                for team_id, player_id in TeamMembership.objects.filter(player_id__in=self.sanction_by_player).values_list(
                        "team_id", "player_id"):
                    self.members.setdefault(team_id, []).append(player_id)
        if team is not None:
            ids = [team.captain_id] + self.members.get(team.pk, [])
        else:
            ids = [] if player_row.is_new else [player_row.player.pk]
        hit = next((self.sanction_by_player[i] for i in ids if i in self.sanction_by_player), None)
        if hit is None:
            return False
        from ..services import sanctions

        column = self.columns.get("team") or self.columns.get("name") or self.columns.get("email", "")
        report.error(number, sanctions.refusal(hit), column)
        return True

    def _checked_answers(self, report, number, answers, *, partial):
        """Columns headed by a question's label (or key) are validated like a sign-up (issue 8);
        each problem is reported against its column. None when the row has a bad answer."""
        mapped, columns = custom_fields.by_label(self.t, answers, fields=self.custom_fields)
        try:
            return custom_fields.validate_answers(self.t, mapped, partial=partial, store=False, fields=self.custom_fields)
        except DomainError as exc:
            labels = {f.key: f.label for f in self.custom_fields}
            for key, message in exc.details.get("fields", {}).items():
                report.error(number, message, columns.get(key, labels.get(key, key)))
            return None

    def _parse_fields(self, report, number, values) -> dict:
        out = {}
        for name, parse in (("seed", parse_int), ("checked_in", parse_bool), ("fee_waived", parse_bool)):
            if values.get(name, "") != "":
                try:
                    out[name] = parse(values[name])
                except ValueError as exc:
                    report.error(number, str(exc), self.columns.get(name, ""))
        if out.get("seed") is not None:
            if out["seed"] in self.seen_seed:
                report.error(number, _("seed %(s)d is already given on row %(r)d.") % {"s": out["seed"], "r": self.seen_seed[out["seed"]]},
                             self.columns.get("seed", ""))
            self.seen_seed.setdefault(out["seed"], number)
        reason = values.get("fee_waiver_reason", "")
        if out.get("fee_waived") and not reason:
            report.error(number, _("give a reason for the fee waiver (column “Waiver reason”)."), self.columns.get("fee_waived", ""))
        out["fee_waiver_reason"] = reason[:200]
        method, reference, amount = values.get("payment_method", ""), values.get("payment_reference", ""), values.get("payment_amount", "")
        if method or reference:
            out["payment"] = self._payment(report, number, method, reference, amount, waived=out.get("fee_waived"))
        return out

    def _payment(self, report, number, method, reference, amount, *, waived):
        t = self.t
        column = self.columns.get("payment_method") or self.columns.get("payment_reference", "")
        if not t.has_fee or waived:
            report.error(number, _("No entry fee is due for this registration."), column)
            return None
        code = METHODS.get(method.lower().replace(" ", "")) if method else (t.payment_methods or [None])[0]
        if code not in (t.payment_methods or []):
            allowed = ", ".join(str(PaymentMethod(m).label) for m in t.payment_methods or [] if m in PaymentMethod.values)
            report.error(number, _("“%(v)s”: %(t)s accepts %(allowed)s.") % {"v": method, "t": t.name, "allowed": allowed},
                         self.columns.get("payment_method", ""))
            return None
        fee = Decimal(t.entry_fee_deltacoin) if code == PaymentMethod.DELTACOIN else t.entry_fee
        try:
            value = Decimal(amount.replace(",", "")).quantize(Decimal("0.01")) if amount else fee
            if not value.is_finite() or value < 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            report.error(number, _("“%(a)s” is not an amount.") % {"a": amount}, self.columns.get("payment_amount", ""))
            return None
        if value < fee:
            report.error(number, _("The entry fee is %(fee)s %(cur)s; %(amount)s is not enough.") % {
                "fee": fee, "cur": "DC" if code == PaymentMethod.DELTACOIN else t.entry_fee_currency, "amount": value},
                self.columns.get("payment_amount", ""))
            return None
        if len(reference) > 100:
            report.error(number, _("“%(v)s” is longer than 100 characters.") % {"v": reference}, self.columns.get("payment_reference", ""))
            return None
        currency = "DC" if code == PaymentMethod.DELTACOIN else t.entry_fee_currency
        return {"method": code, "amount": value, "currency": currency, "reference": reference}

    def _new(self, plan, number, label, player_row, team, fields, answers, player_changes):
        reg = Registration(tournament=self.t, player=player_row.player if player_row else None, team=team,
                           answers=answers, seed=fields.get("seed"))
        if fields.get("fee_waived"):
            reg.fee_waived, reg.fee_waiver_reason = True, fields["fee_waiver_reason"]
        reg._import_row, reg._import_label = number, label
        reg._import_checked_in = fields.get("checked_in")
        plan.new_registrations.append(reg)
        changes = dict(player_changes)
        changes.update({k: [None, v] for k, v in (("seed", reg.seed), ("answers", answers or None)) if v})
        if fields.get("fee_waived"):
            changes["fee_waived"] = [None, reg.fee_waiver_reason]
        if fields.get("payment"):
            payment = Payment(registration=reg, **fields["payment"])
            plan.new_payments.append(payment)
            changes["payment"] = [None, f"{payment.method} {payment.amount} {payment.reference}".strip()]
        plan.report.add(number, NEW, label, changes)

    def _update(self, plan, number, label, reg, fields, answers, player_changes):
        report, changes = plan.report, dict(player_changes)
        errors_before = len(report.errors)
        if fields.get("seed") is not None and reg.seed != fields["seed"]:
            changes["seed"] = [reg.seed, fields["seed"]]
            reg.seed = fields["seed"]
        merged = {**reg.answers, **answers}
        if merged != reg.answers:
            changes["answers"] = [{k: reg.answers.get(k) for k in answers if reg.answers.get(k) != answers[k]},
                                  {k: v for k, v in answers.items() if reg.answers.get(k) != v}]
            reg.answers = merged
        waived = fields.get("fee_waived")
        if waived is False and reg.fee_waived:
            report.error(number, _("the fee waiver of registration #%(pk)s cannot be withdrawn by an import.") % {"pk": reg.pk},
                         self.columns.get("fee_waived", ""))
        elif waived and not reg.fee_waived:
            reg.fee_waived, reg.fee_waiver_reason = True, fields["fee_waiver_reason"]
            changes["fee_waived"] = [None, reg.fee_waiver_reason]
            plan.audit.append(("registration.waive_fee", reg, {"reason": reg.fee_waiver_reason}))
            if reg.status == R.PAYMENT_PENDING and self.confirmed < self.t.capacity:
                run_transition(reg, "confirm_payment")
                self.confirmed += 1
                changes["status"] = [str(R.PAYMENT_PENDING.label), str(reg.get_status_display())]
        payment = fields.get("payment")
        if payment:
            self._update_payment(plan, number, reg, payment, changes)
        self._check_in(report, number, reg, fields.get("checked_in"), changes)
        if len(report.errors) > errors_before:
            report.add(number, INVALID, label)
        elif changes:
            if set(changes) - set(player_changes):
                plan.changed_registrations.append((reg, changes))
            report.add(number, UPDATED, label, changes)
        else:
            report.add(number, SKIPPED, label)

    def _update_payment(self, plan, number, reg, payment, changes):
        current = self.open_payments.get(reg.pk)
        if current is not None:
            if current[0] != payment["reference"]:
                plan.report.error(number, _("A payment for registration #%(pk)s is already %(s)s.")
                                  % {"pk": reg.pk, "s": Payment.Status(current[1]).label.lower()},
                                  self.columns.get("payment_reference", ""))
            return
        if reg.status not in (R.PENDING, R.PAYMENT_PENDING, R.WAITLISTED):
            plan.report.error(number, _("Registration #%(pk)s is %(s)s; no payment is expected.")
                              % {"pk": reg.pk, "s": reg.get_status_display().lower()}, self.columns.get("payment_reference", ""))
            return
        new = Payment(registration=reg, **payment)
        plan.new_payments.append(new)
        changes["payment"] = [None, f"{new.method} {new.amount} {new.reference}".strip()]

    def _check_in(self, report, number, reg, wanted, changes) -> None:
        if wanted is None or wanted == (reg.checked_in_at is not None):
            return
        column = self.columns.get("checked_in", "")
        if reg.status != R.CONFIRMED:
            report.error(number, _("%(who)s is %(s)s; only confirmed entrants check in.")
                         % {"who": getattr(reg, "_import_label", None) or reg.display_name, "s": reg.get_status_display().lower()}, column)
            return
        if self.t.status not in CHECKIN_STATES:
            report.error(number, _("%(t)s is %(s)s; check-in is not possible.") % {"t": self.t.name, "s": self.t.get_status_display().lower()}, column)
            return
        changes["checked_in"] = [_("no") if wanted else _("yes"), _("yes") if wanted else _("no")]
        reg.checked_in_at = self.now if wanted else None
        reg.checked_in_by = actor_user(self.actor) if wanted else None
        reg._import_checkin = wanted

    def _decide_states(self, plan: Plan) -> None:
        """The states ``register`` would give, in file order (first rows take the free places)."""
        t, report = self.t, plan.report
        outcomes = {o.row: o for o in report.outcomes}
        for reg in plan.new_registrations:
            number = reg._import_row
            if t.has_fee:
                if not t.requires_approval:
                    run_transition(reg, "await_payment")
                    if reg.fee_waived and self.confirmed < t.capacity:
                        run_transition(reg, "confirm_payment")
                        self.confirmed += 1
            elif not t.requires_approval:
                if self.confirmed < t.capacity:
                    run_transition(reg, "confirm")
                    self.confirmed += 1
                elif self.overflow == "refuse":
                    report.error(number, _("over capacity (%(n)d/%(c)d confirmed); raise the capacity or let the rest join the waitlist.")
                                 % {"n": self.confirmed, "c": t.capacity})
                    continue
                else:
                    run_transition(reg, "waitlist", self.next_waitlist)
                    self.next_waitlist += 1
            outcomes[number].changes["status"] = [None, str(reg.get_status_display())]
            if reg._import_checked_in:
                self._check_in(report, number, reg, True, outcomes[number].changes)
