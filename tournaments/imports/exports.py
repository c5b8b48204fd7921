"""CSV/XLSX exports through django-import-export resources, scoped to what the user may see.

Every queryset starts from ``permissions.tournament_filter`` (the same rule as the admin lists), so
an export can never include another organizer's rows, whether it is asked for one tournament or for
all of the user's tournaments. Public kinds (placements, results) carry names only, never emails.
"""
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy
from import_export.formats import base_formats

from .. import permissions
from ..models import AuditLog, CustomField, Match, Payment, Payout, Placement, Registration
from ..services import custom_fields
from . import resources

FORMATS = {"csv": base_formats.CSV, "xlsx": base_formats.XLSX}


@dataclass(frozen=True)
class ExportKind:
    label: object
    capability: str
    public: bool = False


KINDS = {
    "registrations": ExportKind(gettext_lazy("Registrations (check-in and payment)"), permissions.MANAGE),
    "placements": ExportKind(gettext_lazy("Standings / placements (public)"), permissions.VIEW, public=True),
    "results": ExportKind(gettext_lazy("Match results (public)"), permissions.VIEW, public=True),
    "payouts": ExportKind(gettext_lazy("Payouts"), permissions.MANAGE),
    "audit": ExportKind(gettext_lazy("Audit log"), permissions.MANAGE),
}


class ExportError(Exception):
    pass


def _dataset(kind: str, user, tournament):
    scope = permissions.tournament_filter(user, KINDS[kind].capability)
    if kind == "registrations":
        qs = (Registration.objects.filter(scope).select_related("tournament__game", "player", "team__captain")
              .prefetch_related(Prefetch("payments", queryset=Payment.objects.order_by("-submitted_at")))
              .order_by("tournament_id", "seed", "id"))
        qs = qs.filter(tournament=tournament) if tournament else qs
        rows = list(qs)
        dataset = resources.RegistrationExportResource().export(rows)
        if tournament is not None and tournament.is_team:
            for column in ("Game ID",):
                del dataset[column]
        # custom-field answers (issue 8): one column per question, headed by its label, in the form's
        # order; answers without a question (older imports) follow under their own key
        fields = {}
        for field in CustomField.objects.filter(tournament_id__in={r.tournament_id for r in rows}).order_by("tournament_id", "order", "id"):
            fields.setdefault(field.key, field)
        keys = list(fields) + [k for k in dict.fromkeys(k for r in rows for k in (r.answers or {})) if k not in fields]
        headers = set(dataset.headers or [])
        for key in keys:
            field = fields.get(key)
            header = field.label if field is not None else key
            header = header if header not in headers else f"{header} ({key})"
            headers.add(header)
            dataset.append_col([resources.escape_cell(custom_fields.display_value(field, (r.answers or {}).get(key, "")))
                                for r in rows], header=header)
        return dataset
    if kind == "placements":
        qs = (Placement.objects.filter(scope).select_related("tournament", "registration__player", "registration__team")
              .order_by("tournament_id", "rank", "id"))
        return resources.PlacementExportResource().export(qs.filter(tournament=tournament) if tournament else qs)
    if kind == "results":
        qs = (Match.objects.filter(scope).select_related("tournament", "slot_a__player", "slot_a__team", "slot_b__player",
                                                           "slot_b__team", "winner__player", "winner__team")
              .order_by("tournament_id", "stage_id", "bracket", "round_number", "position", "id"))
        return resources.MatchResultResource().export(qs.filter(tournament=tournament) if tournament else qs)
    if kind == "audit":
        qs = AuditLog.objects.filter(scope).select_related("tournament").order_by("-created_at", "-id")
        return resources.AuditExportResource().export(qs.filter(tournament=tournament) if tournament else qs)
    if kind == "payouts":
        qs = Payout.objects.filter(scope).select_related("tournament").order_by("tournament_id", "rank", "id")
        return resources.PayoutExportResource().export(qs.filter(tournament=tournament) if tournament else qs)
    raise ExportError(_("Unknown export “%(k)s”.") % {"k": kind})


def export(kind: str, fmt: str, *, user, tournament=None) -> tuple[bytes, str, str]:
    """(content, file name, content type). ``tournament`` None: every tournament the user may see."""
    if kind not in KINDS:
        raise ExportError(_("Unknown export “%(k)s”.") % {"k": kind})
    if fmt not in FORMATS:
        raise ExportError(_("Choose CSV or XLSX."))
    if tournament is not None and not permissions.has_capability(user, tournament, KINDS[kind].capability):
        raise ExportError(_("You may not export this from “%(t)s”.") % {"t": tournament.name})
    dataset = _dataset(kind, user, tournament)
    file_format = FORMATS[fmt]()
    content = file_format.export_data(dataset)  # applies IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT
    if isinstance(content, str):
        content = ("\ufeff" + content).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly
    stem = tournament.slug if tournament else "all"
    name = f"{stem}-{kind}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
    return content, name, file_format.get_content_type()
