"""Sheets whose rows go through the services one by one: match results and payment decisions.

Each row runs in its own savepoint so every refusal is collected with its row number; the engine
rolls the whole sheet back on a dry run or when any row was refused (all-or-nothing).
"""
import re

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Match, Payment
from ..services import DomainError, matches, payments
from ..services.scores import parse_score
from .base import cells_by_field, check_row_limit
from .presets import Mapping
from .readers import FileError, Sheet
from .report import INVALID, SKIPPED, UPDATED, Report

MAX_SERVICE_ROWS = 5000


class ServiceSheet:
    kind = ""
    needs: tuple = ()

    def __init__(self, tournament, *, actor, options=None):
        self.t = tournament
        self.actor = actor
        self.options = options or {}

    def run(self, sheet: Sheet, mapping: Mapping, progress=None) -> Report:
        check_row_limit(sheet, MAX_SERVICE_ROWS)
        missing = [f for f in self.needs if f not in mapping.fields]
        if missing:
            raise FileError(self.missing_message(missing))
        report = Report(self.kind, mapping.summary(), sheet.header_row)
        self.columns = {name: mapping.headers[i] for name, i in mapping.fields.items()}
        self.prepare()
        total = len(sheet.rows)
        for position, (number, cells) in enumerate(sheet.rows, start=1):
            values = cells_by_field(report, number, cells, mapping)
            if values is None:
                report.add(number, INVALID)
                continue
            label = self.label(values)
            try:
                with transaction.atomic():
                    action, changes = self.apply(number, values)
                report.add(number, action, label, changes)
            except DomainError as exc:
                report.error(number, exc.message, self.columns.get(getattr(exc, "column", ""), ""))
                report.add(number, INVALID, label)
            if progress and position % 50 == 0:
                progress(int(90 * position / total))
        return report

    def prepare(self) -> None:
        pass

    def label(self, values) -> str:
        return ""

    def missing_message(self, missing) -> str:
        raise NotImplementedError

    @staticmethod
    def refuse(message: str, column: str = "") -> DomainError:
        error = DomainError(message)
        error.column = column
        return error


class ResultSheet(ServiceSheet):
    """Bulk result entry for a round: match key + scores → ``matches.override_score`` with a reason."""

    kind = "results"
    needs = ("key",)

    def missing_message(self, missing):
        return _("The file needs a “Match” column (the match key, e.g. WB1.1) and the scores (“Score A”, “Score B” or “Score” like 2-1).")

    def prepare(self):
        self.seen = {}
        self.reason = (self.options.get("reason") or "").strip() or _("Results imported from a spreadsheet")

    def label(self, values):
        return values.get("key", "")

    def _scores(self, values):
        if values.get("score_a", "") != "" or values.get("score_b", "") != "":
            scores = []
            for side in ("a", "b"):
                try:
                    scores.append(parse_score(values.get(f"score_{side}", ""), side.upper()))
                except DomainError as exc:
                    raise self.refuse(exc.message, f"score_{side}")
            return tuple(scores)
        both = re.fullmatch(r"\s*(\d+)\s*[-–:]\s*(\d+)\s*", values.get("score", ""))
        if not both:
            raise self.refuse(_("give the scores as “2-1” (or in “Score A” and “Score B” columns), not “%(v)s”.")
                              % {"v": values.get("score", "")}, "score")
        return int(both.group(1)), int(both.group(2))

    def apply(self, number, values):
        key = values["key"]
        if not key:
            raise self.refuse(_("a match key is required."), "key")
        if key.upper() in self.seen:
            raise self.refuse(_("match %(k)s is already on row %(r)d.") % {"k": key, "r": self.seen[key.upper()]}, "key")
        self.seen[key.upper()] = number
        a, b = self._scores(values)
        candidates = list(Match.objects.filter(tournament=self.t, key__iexact=key).order_by("-stage__order", "-id"))
        if not candidates:
            raise self.refuse(_("no match with key “%(k)s” in %(t)s.") % {"k": key, "t": self.t.name}, "key")
        open_ones = [m for m in candidates if m.status in Match.OPEN]
        match = (open_ones or candidates)[0]
        if match.status in Match.FINISHED:
            if match.status == Match.Status.COMPLETED and (match.score_a, match.score_b) == (a, b):
                return SKIPPED, {}
            raise self.refuse(_("match %(k)s is %(s)s (%(a)s–%(b)s); correct it on the match page.") % {
                "k": match.key, "s": match.get_status_display().lower(), "a": match.score_a, "b": match.score_b}, "key")
        reason = values.get("reason") or self.reason
        before = match.get_status_display()
        match = matches.override_score(match.pk, actor=self.actor, score_a=a, score_b=b, reason=reason)
        return UPDATED, {"score": [None, f"{a}–{b}"], "status": [str(before), str(match.get_status_display())]}


VERIFY = {"verify", "verified", "ok", "yes", "y", "approve", "approved", "accept", "accepted", "paid", "✓"}
REJECT = {"reject", "rejected", "no", "n", "decline", "declined", "refuse", "refused", "✗"}


class PaymentSheet(ServiceSheet):
    """Payment verification: reference → ``payments.verify`` / ``payments.reject`` (with a reason)."""

    kind = "payments"
    needs = ("reference",)

    def missing_message(self, missing):
        return _("The file needs a “Reference” column (the transaction reference of each payment).")

    def prepare(self):
        self.seen = {}

    def label(self, values):
        return values.get("reference", "")

    def apply(self, number, values):
        reference = values["reference"]
        if not reference:
            raise self.refuse(_("a payment reference is required."), "reference")
        if reference.casefold() in self.seen:
            raise self.refuse(_("reference %(r)s is already on row %(n)d.") % {"r": reference, "n": self.seen[reference.casefold()]}, "reference")
        self.seen[reference.casefold()] = number
        decision = (values.get("decision") or "verify").strip().lower()
        if decision not in VERIFY | REJECT:
            raise self.refuse(_("“%(v)s” is not a decision; write verify or reject.") % {"v": values.get("decision")}, "decision")
        found = list(Payment.objects.filter(registration__tournament=self.t, reference__iexact=reference)
                     .select_related("registration__player", "registration__team").order_by("-submitted_at")[:2])
        if not found:
            raise self.refuse(_("no payment with reference “%(r)s” in %(t)s.") % {"r": reference, "t": self.t.name}, "reference")
        if len(found) > 1:
            raise self.refuse(_("two payments carry the reference “%(r)s”; decide them on the payments page.") % {"r": reference}, "reference")
        payment = found[0]
        amount = values.get("amount", "")
        if amount:
            try:
                matches_claim = float(amount.replace(",", "")) == float(payment.amount)
            except ValueError:
                raise self.refuse(_("“%(a)s” is not an amount.") % {"a": amount}, "amount")
            if not matches_claim:
                raise self.refuse(_("the sheet says %(a)s but the claim is %(c)s %(cur)s.")
                                  % {"a": amount, "c": payment.amount, "cur": payment.currency}, "amount")
        verify = decision in VERIFY
        wanted = Payment.Status.VERIFIED if verify else Payment.Status.REJECTED
        if payment.status == wanted:
            return SKIPPED, {}
        before = payment.get_status_display()
        if verify:
            payment = payments.verify(payment.pk, actor=self.actor)
        else:
            payment = payments.reject(payment.pk, actor=self.actor, reason=values.get("reason", ""))
        return UPDATED, {"payment": [str(before), str(payment.get_status_display())],
                         "entrant": [None, payment.registration.display_name]}
