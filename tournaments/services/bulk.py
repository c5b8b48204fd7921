"""Running one workflow over many rows with one clear report."""
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _, ngettext

from .errors import DomainError


@dataclass
class BulkReport:
    done: list = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (id, message)

    def summary(self, verb: str) -> str:
        parts = [ngettext("%(n)d %(verb)s", "%(n)d %(verb)s", len(self.done)) % {"n": len(self.done), "verb": verb}]
        if self.refused:
            reasons = ", ".join(f"#{pk} {msg}" for pk, msg in self.refused)
            parts.append(_("%(n)d refused: %(reasons)s") % {"n": len(self.refused), "reasons": reasons})
        return "; ".join(parts)


def run_bulk(ids, one, *, verb: str, all_or_none: bool = True) -> BulkReport:
    """Apply ``one(pk)`` to every id. Each row runs in its own savepoint so every refusal is collected;
    with ``all_or_none`` any refusal rolls the whole batch back and raises one DomainError listing all
    of them (nothing changed, no event or job scheduled)."""
    report = BulkReport()
    ids = list(dict.fromkeys(int(pk) for pk in ids))
    if not ids:
        raise DomainError(_("Select at least one row."), code="empty")
    with transaction.atomic():
        for pk in ids:
            try:
                with transaction.atomic():
                    report.done.append(one(pk))
            except DomainError as exc:
                report.refused.append((pk, exc.message))
        if report.refused and all_or_none:
            message = report.summary(verb) + ". " + _("Nothing was changed.")
            transaction.set_rollback(True)
            raise DomainError(message, code="bulk_refused", details={"refused": report.refused})
    return report
