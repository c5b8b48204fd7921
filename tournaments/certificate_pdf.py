"""Drawing one certificate: an A4-landscape PDF on a BytesIO (no temp files), names in any script,
and a QR code drawn as vector rectangles.

ReportLab's built-in Helvetica has no Cyrillic or Bengali glyphs, so TrueType fonts are registered
once per process (DejaVu Sans for Latin/Cyrillic, Noto Sans Bengali for Bengali) and text is cut into
runs, each drawn with the first font that has its glyphs. A missing font file is skipped with a
warning; with none left we fall back to Helvetica (names outside Latin-1 then show as boxes).
ReportLab does not shape complex scripts: Bengali conjuncts are drawn as their component glyphs.
"""
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import segno
from django.conf import settings
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

logger = logging.getLogger(__name__)

DEJAVU = "/usr/share/fonts/truetype/dejavu"
NOTO = "/usr/share/fonts/truetype/noto"
# (name, regular file, bold file), in fallback order
DEFAULT_FONTS = [
    ("CCDejaVuSans", f"{DEJAVU}/DejaVuSans.ttf", f"{DEJAVU}/DejaVuSans-Bold.ttf"),
    ("CCNotoSansBengali", f"{NOTO}/NotoSansBengali-Regular.ttf", f"{NOTO}/NotoSansBengali-Bold.ttf"),
]
PAGE = landscape(A4)
ACCENT = Color(0.13, 0.28, 0.55)
QR_FORM = "qr"


@dataclass(frozen=True)
class Face:
    name: str
    glyphs: frozenset | None  # None: the built-in font (Latin-1)

    def has(self, char: str) -> bool:
        if self.glyphs is None:
            return ord(char) < 256
        return ord(char) in self.glyphs


_faces: dict[bool, list[Face]] | None = None


def faces(bold: bool = False) -> list[Face]:
    """The registered fonts in fallback order (registered on first use, once per process)."""
    global _faces
    if _faces is None:
        _faces = {False: [], True: []}
        for name, regular, bold_file in getattr(settings, "CERTIFICATE_FONTS", DEFAULT_FONTS):
            for is_bold, path in ((False, regular), (True, bold_file)):
                font_name = f"{name}-Bold" if is_bold else name
                if not Path(path).is_file():
                    logger.warning("Certificate font %s is missing (%s); names in its script fall back to Helvetica.", font_name, path)
                    continue
                try:
                    font = TTFont(font_name, path)
                    pdfmetrics.registerFont(font)
                except Exception:
                    logger.warning("Certificate font %s could not be loaded from %s.", font_name, path, exc_info=True)
                    continue
                _faces[is_bold].append(Face(font_name, frozenset(font.face.charToGlyph)))
        _faces[False].append(Face("Helvetica", None))
        _faces[True].append(Face("Helvetica-Bold", None))
    return _faces[bold]


def runs(text: str, bold: bool = False) -> list[tuple[str, str]]:
    """Cut ``text`` into (font, text) runs: each character goes to the first font that has it; spaces
    and marks no font claims stay with the run they are in."""
    chain = faces(bold)
    result: list[list[str]] = []
    for char in text:
        face = next((f for f in chain if f.has(char)), None)
        if face is None or (char.isspace() and result):
            face_name = result[-1][0] if result else chain[-1].name
        else:
            face_name = face.name
        if result and result[-1][0] == face_name:
            result[-1][1] += char
        else:
            result.append([face_name, char])
    return [(name, chunk) for name, chunk in result]


def text_width(text: str, size: float, bold: bool = False) -> float:
    return sum(pdfmetrics.stringWidth(chunk, name, size) for name, chunk in runs(text, bold))


def draw_centered(c, text: str, y: float, size: float, *, bold: bool = False, max_width: float | None = None, color=black):
    """Draw ``text`` centred on the page, shrinking it to ``max_width``."""
    width = text_width(text, size, bold)
    if max_width and width > max_width:
        size = size * max_width / width
        width = text_width(text, size, bold)
    x = (PAGE[0] - width) / 2
    c.setFillColor(color)
    for name, chunk in runs(text, bold):
        c.setFont(name, size)
        c.drawString(x, y, chunk)
        x += pdfmetrics.stringWidth(chunk, name, size)


def qr_matrix(url: str) -> list[list[bool]]:
    # A fixed mask skips segno's evaluation of all eight (most of the encoding time); any mask is a
    # valid, readable code.
    qr = segno.make(url, error="m", micro=False, mask=2, boost_error=False)
    return [[bool(v) for v in row] for row in qr.matrix]


def draw_qr(c, url: str, x: float, y: float, size: float) -> None:
    """The QR code as filled rectangles (one per horizontal run of dark modules) in a form XObject
    whose unit is one module, so the stream is small integers only."""
    matrix = qr_matrix(url)
    n = len(matrix)
    c.beginForm(QR_FORM, lowerx=0, lowery=0, upperx=n, uppery=n)
    ops = []
    for row_index, row in enumerate(matrix):
        top = n - row_index - 1
        col = 0
        while col < n:
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                ops.append(f"{start} {top} {col - start} 1 re")
            else:
                col += 1
    c.setFillColor(black)
    c._code.append("\n".join(ops) + "\nf")  # one fill for every module: the vector QR code
    c.endForm()
    c.saveState()
    c.translate(x, y)
    c.scale(size / n, size / n)
    c.doForm(QR_FORM)
    c.restoreState()


@dataclass
class CertificateText:
    heading: str        # "Certificate of Achievement"
    award: str          # "Champion"
    presented: str      # "is presented to"
    name: str           # the display name, any script
    reason: str         # "for finishing 1st in Dhaka Valorant Cup"
    details: str        # "Valorant · 12 March 2026 · organised by alice"
    verify_label: str   # "Verify at"
    verify_url: str
    code_label: str     # "Certificate code: …"


def render(text: CertificateText) -> bytes:
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=PAGE, pageCompression=1)
    c.setTitle(f"{text.heading} — {text.name}")
    c.setAuthor("Command Center")
    width, height = PAGE
    c.setStrokeColor(ACCENT)
    c.setLineWidth(6)
    c.rect(24, 24, width - 48, height - 48, stroke=1, fill=0)
    c.setLineWidth(1)
    c.rect(36, 36, width - 72, height - 72, stroke=1, fill=0)
    draw_centered(c, text.heading.upper(), height - 110, 30, bold=True, color=ACCENT, max_width=width - 160)
    draw_centered(c, text.award, height - 160, 22, bold=True, max_width=width - 160)
    draw_centered(c, text.presented, height - 215, 14)
    draw_centered(c, text.name, height - 275, 40, bold=True, max_width=width - 200)
    draw_centered(c, text.reason, height - 325, 16, max_width=width - 200)
    draw_centered(c, text.details, height - 355, 12, max_width=width - 200)
    qr_size = 96
    draw_qr(c, text.verify_url, width - 60 - qr_size, 60, qr_size)
    c.setFillColor(black)
    for i, line in enumerate((text.verify_label, text.verify_url, text.code_label)):
        chunks = runs(line)
        x = 60
        for name, chunk in chunks:
            c.setFont(name, 8)
            c.drawString(x, 90 - i * 12, chunk)
            x += pdfmetrics.stringWidth(chunk, name, 8)
    c.showPage()
    c.save()
    return buffer.getvalue()


def render_bare() -> bytes:
    """The floor for benchmarks: a one-page A4 PDF with one line of Helvetica."""
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=PAGE)
    c.setFont("Helvetica", 24)
    c.drawString(100, 300, "Certificate")
    c.showPage()
    c.save()
    return buffer.getvalue()
