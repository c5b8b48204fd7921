"""django-import-export resources for exports (and the plain resources the benchmark compares with).

Export headers are names our importer maps back ("Name", "Email", "Game ID", "Seed", "Checked in",
"Payment method", …) and state columns it ignores ("Status", "Payment status"), so exporting a
tournament's registrations and importing the file again changes nothing.

Formula injection: cells starting with ``= + - @`` (or a tab/CR) are prefixed with an apostrophe,
which the importer removes again; django-import-export's own ``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT``
(it only strips a leading ``=``) still runs because files are written through its ``Format.export_data``.
"""
import json

from django.utils import timezone
from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from ..models import AuditLog, Match, Payment, Payout, Placement, Player, Registration

RISKY = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    if isinstance(value, str) and value.startswith(RISKY):
        return "'" + value
    return value


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


class EscapingResource(resources.ModelResource):
    def export_field(self, field, instance, **kwargs):
        return escape_cell(super().export_field(field, instance, **kwargs))


def _open_payment(registration):
    payments = sorted(registration.payments.all(), key=lambda p: p.submitted_at, reverse=True)
    for status in (Payment.Status.VERIFIED, Payment.Status.SUBMITTED):
        for payment in payments:
            if payment.status == status:
                return payment
    return payments[0] if payments else None


class RegistrationExportResource(EscapingResource):
    registration = fields.Field(column_name="Registration", attribute="pk")
    name = fields.Field(column_name="Name")
    team = fields.Field(column_name="Team")
    email = fields.Field(column_name="Email")
    game_id = fields.Field(column_name="Game ID")
    status = fields.Field(column_name="Status")
    seed = fields.Field(column_name="Seed", attribute="seed")
    checked_in = fields.Field(column_name="Checked in")
    checked_in_at = fields.Field(column_name="Checked in at")
    payment_status = fields.Field(column_name="Payment status")
    payment_method = fields.Field(column_name="Payment method")
    payment_reference = fields.Field(column_name="Payment reference")
    payment_amount = fields.Field(column_name="Payment amount")
    fee_waived = fields.Field(column_name="Fee waived")
    fee_waiver_reason = fields.Field(column_name="Waiver reason", attribute="fee_waiver_reason")
    phone = fields.Field(column_name="Phone")
    country = fields.Field(column_name="Country")

    class Meta:
        model = Registration
        fields = ("registration", "name", "team", "email", "game_id", "status", "seed", "checked_in", "checked_in_at", "payment_status", "payment_method", "payment_reference", "payment_amount", "fee_waived", "fee_waiver_reason", "phone", "country")

    def dehydrate_name(self, r):
        return r.team.name if r.team_id else r.player.display_name

    def dehydrate_team(self, r):
        return r.team.tag if r.team_id else ""

    def _person(self, r):
        return r.team.captain if r.team_id else r.player

    def dehydrate_email(self, r):
        return self._person(r).email

    def dehydrate_game_id(self, r):
        return "" if r.team_id else r.player.game_ids.get(r.tournament.game.slug, "")

    def dehydrate_phone(self, r):
        return self._person(r).phone

    def dehydrate_country(self, r):
        return self._person(r).country

    def dehydrate_status(self, r):
        return str(r.get_status_display())

    def dehydrate_checked_in(self, r):
        return _yes_no(r.checked_in_at is not None)

    def dehydrate_checked_in_at(self, r):
        return _when(r.checked_in_at)

    def dehydrate_fee_waived(self, r):
        return _yes_no(r.fee_waived)

    def dehydrate_payment_status(self, r):
        p = _open_payment(r)
        return str(p.get_status_display()) if p else ""

    def dehydrate_payment_method(self, r):
        p = _open_payment(r)
        return str(p.get_method_display()) if p else ""

    def dehydrate_payment_reference(self, r):
        p = _open_payment(r)
        return p.reference if p else ""

    def dehydrate_payment_amount(self, r):
        p = _open_payment(r)
        return str(p.amount) if p else ""


class PlacementExportResource(EscapingResource):
    """Public: names and ranks only (no emails, no phones)."""

    tournament = fields.Field(column_name="Tournament", attribute="tournament__name")
    rank = fields.Field(column_name="Rank", attribute="rank")
    name = fields.Field(column_name="Name")
    team = fields.Field(column_name="Team")
    decided_by = fields.Field(column_name="Decided by", attribute="decided_by")

    class Meta:
        model = Placement
        fields = ("tournament", "rank", "name", "team", "decided_by")

    def dehydrate_name(self, p):
        return p.registration.display_name

    def dehydrate_team(self, p):
        return p.registration.team.tag if p.registration.team_id else ""


class MatchResultResource(EscapingResource):
    """Public: match keys, sides and scores (the key and score columns re-import as a results sheet)."""

    tournament = fields.Field(column_name="Tournament", attribute="tournament__name")
    key = fields.Field(column_name="Match", attribute="key")
    round = fields.Field(column_name="Round", attribute="round_number")
    side_a = fields.Field(column_name="Side A")
    side_b = fields.Field(column_name="Side B")
    score_a = fields.Field(column_name="Score A", attribute="score_a")
    score_b = fields.Field(column_name="Score B", attribute="score_b")
    winner = fields.Field(column_name="Winner")
    status = fields.Field(column_name="Status")
    completed_at = fields.Field(column_name="Completed at")

    class Meta:
        model = Match
        fields = ("tournament", "key", "round", "side_a", "side_b", "score_a", "score_b", "winner", "status", "completed_at")

    def dehydrate_side_a(self, m):
        return m.slot_a.display_name if m.slot_a_id else ""

    def dehydrate_side_b(self, m):
        return m.slot_b.display_name if m.slot_b_id else ""

    def dehydrate_winner(self, m):
        return m.winner.display_name if m.winner_id else ""

    def dehydrate_status(self, m):
        return str(m.get_status_display())

    def dehydrate_completed_at(self, m):
        return _when(m.completed_at)


class AuditExportResource(EscapingResource):
    at = fields.Field(column_name="Time")
    actor = fields.Field(column_name="Actor", attribute="actor_label")
    action = fields.Field(column_name="Action", attribute="action")
    tournament = fields.Field(column_name="Tournament")
    target = fields.Field(column_name="Target", attribute="target_label")
    reason = fields.Field(column_name="Reason", attribute="reason")
    details = fields.Field(column_name="Details")

    class Meta:
        model = AuditLog
        fields = ("at", "actor", "action", "tournament", "target", "reason", "details")

    def dehydrate_at(self, a):
        return _when(a.created_at)

    def dehydrate_tournament(self, a):
        return a.tournament.name if a.tournament_id else ""

    def dehydrate_details(self, a):
        return json.dumps(a.metadata, ensure_ascii=False, sort_keys=True) if a.metadata else ""


class PayoutExportResource(EscapingResource):
    """Staff only (manage): who is paid how much, how, and where the transfer stands."""

    tournament = fields.Field(column_name="Tournament", attribute="tournament__name")
    rank = fields.Field(column_name="Place", attribute="rank")
    recipient = fields.Field(column_name="Recipient", attribute="recipient_name")
    kind = fields.Field(column_name="Kind")
    amount = fields.Field(column_name="Amount", attribute="amount")
    currency = fields.Field(column_name="Currency", attribute="currency")
    method = fields.Field(column_name="Method")
    reference = fields.Field(column_name="Transfer reference", attribute="reference")
    status = fields.Field(column_name="Status")
    paid_at = fields.Field(column_name="Paid at")
    failure = fields.Field(column_name="Reason", attribute="failure_reason")

    class Meta:
        model = Payout
        fields = ("tournament", "rank", "recipient", "kind", "amount", "currency", "method", "reference", "status", "paid_at", "failure")

    def dehydrate_kind(self, p):
        return str(p.get_kind_display())

    def dehydrate_method(self, p):
        return str(p.get_method_display()) if p.method else ""

    def dehydrate_status(self, p):
        return str(p.get_status_display())

    def dehydrate_amount(self, p):
        return str(p.amount)

    def dehydrate_paid_at(self, p):
        return _when(p.paid_at)


# ---- django-import-export's default row-by-row import (the benchmark's peer) ----------------------
class PlainPlayerResource(resources.ModelResource):
    class Meta:
        model = Player
        fields = ("id", "display_name", "email")
        import_id_fields = ("email",)


class PlainRegistrationResource(resources.ModelResource):
    player = fields.Field(attribute="player", column_name="email",
                          widget=ForeignKeyWidget(Player, "email"))

    class Meta:
        model = Registration
        fields = ("id", "tournament", "player", "seed")
        import_id_fields = ("tournament", "player")
