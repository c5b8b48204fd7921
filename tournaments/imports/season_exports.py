"""CSV/XLSX files of season standings and analytics reports, through the same import-export formats
(and formula escaping) as the other exports. Names only: never emails or phones."""
import tablib
from django.utils import timezone
from django.utils.translation import gettext as _

from .exports import FORMATS, ExportError
from .resources import escape_cell

STANDING_HEADERS = ["Rank", "Previous rank", "Name", "Points", "All points", "Events", "Wins", "Best placement", "Decided by"]


def _render(dataset, fmt: str, stem: str) -> tuple[bytes, str, str]:
    if fmt not in FORMATS:
        raise ExportError(_("Choose CSV or XLSX."))
    file_format = FORMATS[fmt]()
    content = file_format.export_data(dataset)
    if isinstance(content, str):
        content = ("\ufeff" + content).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly
    return content, f"{stem}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}", file_format.get_content_type()


def standings_file(rows, fmt: str, stem: str) -> tuple[bytes, str, str]:
    """``rows``: SeasonStanding objects (or dicts with the same keys) with ``name``."""
    data = tablib.Dataset(headers=STANDING_HEADERS)
    for r in rows:
        get = r.get if isinstance(r, dict) else (lambda k, _r=r: getattr(_r, k))
        data.append([get("rank"), get("previous_rank") or "", escape_cell(get("name")), get("points"), get("total"),
                     get("events"), get("wins"), get("best_placement"), get("decided_by")])
    return _render(data, fmt, stem)


def report_file(headers, rows, fmt: str, stem: str) -> tuple[bytes, str, str]:
    data = tablib.Dataset(headers=list(headers))
    for row in rows:
        data.append([escape_cell(v) if isinstance(v, str) else ("" if v is None else v) for v in row])
    return _render(data, fmt, stem)
