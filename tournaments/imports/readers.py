"""Turning an uploaded file into rows of text with their spreadsheet row numbers.

Why not tablib's loaders: they take the first row as the header (start.gg puts a title above it),
decode CSV with one fixed encoding, read formula cells as their cached value and give no row
numbers. Here the bytes are sniffed (an ``.xlsx`` must be a real workbook, a CSV must be text), CSV
is decoded as UTF-8 (with or without BOM) and otherwise as cp1252/latin-1, and every cell becomes a
``str`` so the planners see what the organizer typed.
"""
import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
# A 10 MB .xlsx of real participants unpacks to well under this; a "zip bomb" unpacks to gigabytes
# (openpyxl would read shared strings into memory), so the archive's declared sizes are checked first
# (zipfile never yields more than an entry's declared size, so a lying header cannot get round it).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
HEADER_SCAN_ROWS = 30
FORMULA_MARK = "\x00formula:"  # prefix a planner turns into a "formulas are not accepted" row error


class FileError(Exception):
    """The file as a whole cannot be read; the message says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Sheet:
    """Rows of cells (text) with the row number a spreadsheet program would show for each."""

    rows: list[tuple[int, list[str]]]
    encoding: str = ""
    fmt: str = "csv"
    header_row: int = 0
    header: list[str] = field(default_factory=list)


def sniff_format(name: str, head: bytes) -> str:
    """'csv' or 'xlsx' from the extension, confirmed by the content."""
    lower = (name or "").lower()
    if lower.endswith((".xlsx", ".xlsm")):
        if not head.startswith(b"PK\x03\x04"):
            raise FileError(_("“%(n)s” is not an Excel workbook (.xlsx); save it again from your spreadsheet program.") % {"n": name})
        return "xlsx"
    if lower.endswith((".csv", ".txt", ".tsv")):
        utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
        if head.startswith(b"PK\x03\x04") or (b"\x00" in head and not utf16):
            raise FileError(_("“%(n)s” is not a text (CSV) file.") % {"n": name})
        return "csv"
    raise FileError(_("“%(n)s” is not a CSV or Excel (.xlsx) file.") % {"n": name})


def read(name: str, data: bytes, *, max_rows: int = MAX_ROWS) -> Sheet:
    if not data or not data.strip():
        raise FileError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise FileError(_("The file is %(mb).1f MB; the limit is %(max)d MB. Split it into several files.")
                        % {"mb": len(data) / 1024 / 1024, "max": MAX_BYTES // 1024 // 1024})
    fmt = sniff_format(name, data[:8192])
    sheet = _read_xlsx(data, max_rows) if fmt == "xlsx" else _read_csv(data, max_rows)
    if not sheet.rows:
        raise FileError(_("The file is empty."))
    return sheet


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was read with: UTF-8 (BOM or not), UTF-16 with BOM, else cp1252, else latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:  # bytes cp1252 leaves undefined (0x81, 0x8d, …): latin-1 maps every byte
        return data.decode("latin-1"), "latin-1"


def _read_csv(data: bytes, max_rows: int) -> Sheet:
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError:
        raise FileError(_("The file starts with a UTF-8 mark but is not valid UTF-8; save it again as “CSV UTF-8”."))
    if "\x00" in text:
        raise FileError(_("The file is not a text (CSV) file."))
    sample = text[:16384]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for number, cells in enumerate(reader, start=1):
            if any(c.strip() for c in cells):
                rows.append((number, [c.strip() for c in cells]))
                if len(rows) > max_rows + HEADER_SCAN_ROWS:
                    break
    except csv.Error as exc:
        raise FileError(_("Row %(n)d cannot be read as CSV (%(e)s).") % {"n": reader.line_num, "e": exc})
    return Sheet(rows=rows, encoding=encoding, fmt="csv")


def _cell_text(value) -> str:
    """A cell value as text. Read-only, values-only openpyxl gives a formula cell as its "=…" source:
    such cells are marked (a text cell cannot start with "=" without Excel's quote prefix, which we
    treat the same way: safer than importing something that becomes a formula on the next export)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith("="):
        return FORMULA_MARK + value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _read_xlsx(data: bytes, max_rows: int) -> Sheet:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise FileError(_("The file is damaged or not an Excel workbook (.xlsx)."))
    if unpacked > MAX_UNPACKED_BYTES or (unpacked > 10 * 1024 * 1024 and unpacked > MAX_COMPRESSION_RATIO * len(data)):
        raise FileError(_("The workbook unpacks to %(mb)d MB, far more than a participant list needs "
                          "(limit %(max)d MB); it was refused unread.")
                        % {"mb": unpacked // 1024 // 1024, "max": MAX_UNPACKED_BYTES // 1024 // 1024})
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise FileError(_("The file is a zip archive, not an Excel workbook (.xlsx)."))
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many types for damaged workbooks
        raise FileError(_("The file is damaged or not an Excel workbook (.xlsx)."))
    try:
        worksheet = book.worksheets[0]
        rows = []
        for number, cells in enumerate(worksheet.iter_rows(values_only=True), start=1):
            texts = [_cell_text(c) for c in cells]
            if any(texts):
                rows.append((number, texts))
                if len(rows) > max_rows + HEADER_SCAN_ROWS:
                    break
    finally:
        book.close()
    return Sheet(rows=rows, encoding="", fmt="xlsx")
