"""Drawing one certificate: an A4-landscape PDF on a BytesIO (no temp files), names in any script,
and a QR code drawn as vector rectangles.

Fonts, chosen per run of text by script:
- Latin-1 text uses the PDF standard fonts Helvetica / Helvetica-Bold, which every reader has, so
  nothing is embedded for it (most of a certificate: headings, labels, the URL).
- Anything else uses TrueType fonts (DejaVu Sans for Latin Extended/Greek/Cyrillic, Noto Sans
  Bengali for Bengali), registered once per process. Embedding them is what made certificates slow:
  ReportLab subsets every TrueType font afresh for every document (parse, rebuild, compress, and
  format the widths and ToUnicode map). ``BlockSubsetFont`` uses *fixed* subsets instead — one per
  block of 128 code points — so each block's font program, widths and ToUnicode map are built and
  compressed once per process and copied into every document that uses a character of that block.
  A document embeds only the blocks its text touches (a Cyrillic name: one block of DejaVu).
A missing font file is skipped with a warning; names in its script then show as boxes in Helvetica.
ReportLab does not shape complex scripts: Bengali conjuncts are drawn as their component glyphs.
"""
import functools
import io
import logging
import operator
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import zxingcpp
from django.conf import settings
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont, makeToUnicodeCMap
from reportlab.pdfgen import canvas

logger = logging.getLogger(__name__)

DEJAVU = "/usr/share/fonts/truetype/dejavu"
NOTO = "/usr/share/fonts/truetype/noto"
# (name, regular file, bold file), in fallback order after Helvetica (Latin-1)
DEFAULT_FONTS = [
    ("CCDejaVuSans", f"{DEJAVU}/DejaVuSans.ttf", f"{DEJAVU}/DejaVuSans-Bold.ttf"),
    ("CCNotoSansBengali", f"{NOTO}/NotoSansBengali-Regular.ttf", f"{NOTO}/NotoSansBengali-Bold.ttf"),
]
PAGE = landscape(A4)
ACCENT = Color(0.13, 0.28, 0.55)
QR_FORM = "qr"
BLOCK_BITS = 7  # a fixed subset holds the font's characters of one block of 128 code points


class _Raw(pdfdoc.PDFObject):
    """A PDF object whose bytes were formatted once (a cached font stream, widths array, CMap).
    Written as is: certificates are never encrypted, which would need per-object encoding."""

    def __init__(self, data: bytes, ref_only: bool = False):
        self.data = data
        if ref_only:
            self.__RefOnly__ = 1

    def format(self, document):
        return self.data


def _stream_bytes(content: bytes, level: int = 9, **entries) -> bytes:
    """A compressed PDF stream object's bytes (level 9 for what is cached: it is compressed once)."""
    compressed = zlib.compress(content, level)
    extra = "".join(f" /{k} {v}" for k, v in entries.items())
    head = f"<< /Filter /FlateDecode /Length {len(compressed)}{extra} >>\nstream\n".encode()
    return head + compressed + b"endstream\n"


@dataclass(frozen=True)
class _Block:
    base_name: str            # "AAAABC+DejaVuSans-Bold": the subset tag is the block number
    widths: bytes
    last_code: int
    to_unicode: bytes  # the streams' bytes; each document wraps them in its own objects
    font_file: bytes
    descriptor: tuple[bytes, bytes]  # before and after the reference to the font file


class BlockSubsetFont(TTFont):
    """A TrueType font embedded as fixed per-block subsets that are built once per process.

    ReportLab's own ``TTFont`` numbers characters in the order a document first uses them, so every
    document gets a different subset and pays for building it. Here the code of a character depends
    only on the character (its block and its place in the block), so the subset for a block is the
    same in every document and is cached (ReportLab offers no such option, hence this subclass).
    Within a subset code 0 is .notdef and code 32 is the space (word spacing needs it)."""

    def __init__(self, name, filename):
        super().__init__(name, filename, asciiReadable=False, shapable=False)
        self._blocks: dict[int, _Block] = {}
        self._codes: dict[int, tuple[int, int]] = {}  # code point -> (block, code)
        self._members: dict[int, list[int]] = {}      # block -> code points in code order
        by_block: dict[int, list[int]] = {}
        for cp in sorted(self.face.charToGlyph):
            if cp > 32:
                by_block.setdefault(cp >> BLOCK_BITS, []).append(cp)
        for block, cps in by_block.items():
            head = cps[:31]
            order = [0] + head + [0] * (31 - len(head)) + [32] + cps[31:]  # 128 characters at most
            self._members[block] = order
            for code, cp in enumerate(order):
                if cp > 32:
                    self._codes[cp] = (block, code)

    class DocState:
        def __init__(self):
            self.blocks: list[int] = []         # subset number in this document -> block
            self.subset_of: dict[int, int] = {}  # block -> subset number
            self.internalName = None

    def _doc_state(self, doc):
        state = self.state.get(doc)
        if state is None:
            state = self.state[doc] = self.DocState()
        return state

    def _subset(self, state, block: int) -> int:
        n = state.subset_of.get(block)
        if n is None:
            n = state.subset_of[block] = len(state.blocks)
            state.blocks.append(block)
        return n

    def splitString(self, text, doc, encoding="utf-8"):
        state = self._doc_state(doc)
        codes = self._codes
        current = None
        results, chunk = [], bytearray()
        for char in text:
            cp = ord(char)
            found = codes.get(cp)
            if found is None:  # a space (or a character no block has): code 32 / .notdef of the current subset
                code = 32 if cp in (32, 0xA0) else 0
                if current is None:
                    current = self._subset(state, next((codes[ord(c)][0] for c in text if ord(c) in codes), 0))
            else:
                block, code = found
                subset = self._subset(state, block)
                if subset != current and chunk:
                    results.append((current, bytes(chunk)))
                    chunk = bytearray()
                current = subset
            chunk.append(code)
        if chunk:
            results.append((current, bytes(chunk)))
        return results

    def getSubsetInternalName(self, subset, doc):
        state = self._doc_state(doc)
        if state.internalName is None:
            state.internalName = "F" + repr(len(doc.fontMapping) + 1)
            doc.fontMapping[self.fontName] = "/" + state.internalName
            doc.delayedFonts.append(self)
        return "/%s+%d" % (state.internalName, subset)

    def _block(self, block: int) -> _Block:
        cached = self._blocks.get(block)
        if cached is None:
            face = self.face
            order = self._members.get(block, [0, 32])
            base_name = (SUBSETN(block) + b"+" + face.name + face.subfontNameX).decode("latin-1")
            widths = "[ " + " ".join(pdfdoc.fp_str(face.getCharWidth(cp)) for cp in order) + " ]"
            program = face.makeSubset(order)
            flags = (face.flags & ~(1 << 5)) | (1 << 2)  # symbolic, as ReportLab marks its subsets
            fp = pdfdoc.fp_str
            descriptor = (f"<< /Type /FontDescriptor /FontName /{base_name} /Flags {flags} /FontBBox [ {fp(*face.bbox)} ] "
                          f"/Ascent {fp(face.ascent)} /Descent {fp(face.descent)} /CapHeight {fp(face.capHeight)} "
                          f"/ItalicAngle {fp(face.italicAngle)} /StemV {fp(face.stemV)} /MissingWidth {fp(face.defaultWidth)} "
                          f"/FontFile2 ")
            cached = self._blocks[block] = _Block(
                base_name=base_name, widths=widths.encode(), last_code=len(order) - 1,
                to_unicode=_stream_bytes(makeToUnicodeCMap(base_name, order).encode("latin-1")),
                font_file=_stream_bytes(program, Length1=len(program)), descriptor=(descriptor.encode(), b" >>"))
        return cached

    def addObjects(self, doc):
        """The font, descriptor, program and ToUnicode objects of every block this document used:
        all bytes made once per block; only the object numbers they point to are filled in here."""
        state = self._doc_state(doc)
        fonts = doc.idToObject["BasicFonts"].dict
        for n, block in enumerate(state.blocks):
            cached = self._block(block)
            internal = f"{state.internalName}+{n}"
            base = cached.base_name
            to_unicode = f"toUnicodeCMap:{base}"
            font_file = f"fontFile:{self.face.filename}({base})"
            descriptor = f"fontDescriptor:{base}"
            doc.Reference(_Raw(cached.to_unicode, ref_only=True), to_unicode)
            doc.Reference(_Raw(cached.font_file, ref_only=True), font_file)
            doc.Reference(_Template(cached.descriptor[0], font_file, cached.descriptor[1]), descriptor)
            font = _Template(f"<< /Type /Font /Subtype /TrueType /Name /{internal} /BaseFont /{base} /FirstChar 0 "
                             f"/LastChar {cached.last_code} /Widths ".encode() + cached.widths + b" /ToUnicode ", to_unicode,
                             b" /FontDescriptor ", descriptor, b" >>")
            doc.Reference(font, internal)
            fonts[internal] = font
        del self.state[doc]


class _Template(pdfdoc.PDFObject):
    """A PDF object made of ready bytes and the names of objects it points to (resolved to
    ``n 0 R`` when the document is written)."""
    __RefOnly__ = 1

    def __init__(self, *parts):
        self.parts = parts

    def format(self, document):
        numbers = document.idToObjectNumberAndVersion
        return b"".join(part if isinstance(part, bytes) else b"%d %d R" % numbers[part] for part in self.parts)


@dataclass(frozen=True)
class Face:
    name: str
    glyphs: frozenset | None  # None: a standard font (Latin-1, nothing embedded)

    def has(self, char: str) -> bool:
        if self.glyphs is None:
            return ord(char) < 256 and not 0x7F <= ord(char) < 0xA0
        return ord(char) in self.glyphs


_faces: dict[bool, tuple[Face, ...]] | None = None
_face_of: dict[tuple, dict[str, str | None]] = {}  # per font chain: character -> font that has it


def faces(bold: bool = False) -> tuple[Face, ...]:
    """Helvetica for Latin-1, then the TrueType fonts in fallback order (registered on first use,
    once per process)."""
    global _faces
    if _faces is None:
        _faces = {False: [Face("Helvetica", None)], True: [Face("Helvetica-Bold", None)]}
        for name, regular, bold_file in getattr(settings, "CERTIFICATE_FONTS", DEFAULT_FONTS):
            for is_bold, path in ((False, regular), (True, bold_file)):
                font_name = f"{name}-Bold" if is_bold else name
                if not Path(path).is_file():
                    logger.warning("Certificate font %s is missing (%s); names in its script fall back to Helvetica.", font_name, path)
                    continue
                try:
                    font = BlockSubsetFont(font_name, path)
                    pdfmetrics.registerFont(font)
                except Exception:
                    logger.warning("Certificate font %s could not be loaded from %s.", font_name, path, exc_info=True)
                    continue
                _faces[is_bold].append(Face(font_name, frozenset(font.face.charToGlyph)))
        _faces = {is_bold: tuple(chain) for is_bold, chain in _faces.items()}
    return _faces[bold]


def warm_up() -> None:
    """Register the fonts, build every block of every embedded font and the QR row pieces of the
    usual code size (~0.3 s in all), so that no document pays for them. The RQ worker calls this once
    before it forks job processes (``tournaments.worker``); elsewhere all of it is built on first use."""
    for bold in (False, True):
        for face in faces(bold)[1:]:
            font = pdfmetrics.getFont(face.name)
            for block in font._members:
                font._block(block)
    for x in range(0, 33, QR_CHUNK):  # the QR pieces of a version-4 code (a verify URL of ~40-60 characters)
        for bits in range(1 << QR_CHUNK):
            _chunk_ops(x, bytes(0 if bits >> i & 1 else 255 for i in range(QR_CHUNK)))


def runs(text: str, bold: bool = False) -> list[tuple[str, str]]:
    """Cut ``text`` into (font, text) runs: each character goes to the first font that has it (so
    Latin-1 starts in Helvetica); a character the current embedded font also has stays in its run (a
    name reads as one run when it can); spaces and characters no font has stay with the run they are
    in (Helvetica when there is none)."""
    return list(_runs(text, faces(bold)))


@functools.lru_cache(maxsize=4096)  # the lines shared by a batch are cut once
def _runs(text: str, chain: tuple["Face", ...]) -> tuple[tuple[str, str], ...]:
    if text.isascii():
        return ((chain[0].name, text),) if text else ()
    known = _face_of.setdefault(chain, {})
    embedded = {face.name: face for face in chain[1:]}
    result: list[list[str]] = []
    for char in text:
        current = embedded.get(result[-1][0]) if result else None
        if current is not None and current.has(char):  # "Игрок 17": digits, spaces, Latin stay in the run
            result[-1][1] += char
            continue
        face_name = known.get(char)
        if face_name is None and char not in known:
            face_name = known[char] = next((f.name for f in chain if f.has(char)), None)
        if face_name is None or (result and char.isspace()):
            face_name = result[-1][0] if result else chain[0].name
        if result and result[-1][0] == face_name:
            result[-1][1] += char
        else:
            result.append([face_name, char])
    return tuple((name, chunk) for name, chunk in result)


def text_width(text: str, size: float, bold: bool = False) -> float:
    return sum(pdfmetrics.stringWidth(chunk, name, size) for name, chunk in runs(text, bold))


@dataclass(frozen=True)
class Line:
    text: str
    y: float
    size: float
    bold: bool = False
    max_width: float | None = None
    color: Color = black
    x: float | None = None  # None: centred on the page

    def is_standard(self) -> bool:
        """Drawn with the standard fonts only (nothing to embed)."""
        return all(name.startswith("Helvetica") for name, _chunk in runs(self.text, self.bold))


def draw_line(c, line: Line) -> None:
    """Draw a line of text, centred unless it has an ``x``, shrunk to its ``max_width``."""
    size, chunks = line.size, runs(line.text, line.bold)
    x = line.x
    if x is None:
        width = sum(pdfmetrics.stringWidth(chunk, name, size) for name, chunk in chunks)
        if line.max_width and width > line.max_width:
            size = size * line.max_width / width
            width = line.max_width
        x = (PAGE[0] - width) / 2
    c.setFillColor(line.color)
    for name, chunk in chunks:
        c.setFont(name, size)
        c.drawString(x, line.y, chunk)
        x += pdfmetrics.stringWidth(chunk, name, size)


def draw_centered(c, text: str, y: float, size: float, *, bold: bool = False, max_width: float | None = None, color=black):
    """Draw ``text`` centred on the page, shrinking it to ``max_width``."""
    draw_line(c, Line(text, y, size, bold, max_width, color))


def _add_form(c, name: str, data: bytes) -> None:
    """Put a form XObject whose bytes we already have into this document, and draw it."""
    c._doc.Reference(_Raw(data, ref_only=True), pdfdoc.xObjectName(name))
    c.saveState()
    c.doForm(name)
    c.restoreState()


def _form_bytes(ops: str, width: float, height: float, resources: str = "", level: int = 6) -> bytes:
    return _stream_bytes(ops.encode("latin-1"), level=level, Type="/XObject", Subtype="/Form", FormType=1,
                         BBox=f"[ 0 0 {pdfdoc.fp_str(width)} {pdfdoc.fp_str(height)} ]", Resources=f"<< {resources} >>")


_QR = zxingcpp.BarcodeFormat.QRCode
_DARK_RUN = re.compile(rb"\x00+")
_span = operator.methodcaller("span")


def qr_rows(url: str) -> list[bytes]:
    """The QR code (error correction M) as rows of module bytes, 0 = dark. zxing-cpp's encoder (C++)
    takes ~0.1 ms where segno (pure Python) took ~1.2 ms, more than a whole certificate may cost."""
    image = zxingcpp.create_barcode(url, _QR, ec_level="M").to_image(scale=1, add_quiet_zones=False)
    data = bytes(memoryview(image))
    n = image.shape[1]
    return [data[i:i + n] for i in range(0, len(data), n)]


def qr_matrix(url: str) -> list[list[bool]]:
    return [[v == 0 for v in row] for row in qr_rows(url)]


QR_CHUNK = 11  # modules per cached piece of a row: 2,048 patterns per position
_qr_chunks: dict[tuple[int, bytes], str] = {}


def _chunk_ops(x: int, chunk: bytes) -> str:
    """The rectangles (at y = 0) of the dark runs in ``chunk``, a piece of a row starting at module
    ``x``; cached, since a piece can only be one of 2^11 patterns."""
    ops = _qr_chunks.get((x, chunk))
    if ops is None:
        ops = _qr_chunks[(x, chunk)] = "".join(f"{x + start} 0 {end - start} 1 re\n"
                                              for start, end in map(_span, _DARK_RUN.finditer(chunk)))
    return ops


def qr_form_ops(rows: list[bytes]) -> str:
    """The content of the QR form: row by row, top down, each row's dark runs as rectangles at y = 0
    filled together, then the origin moved down one module. A run that crosses a piece boundary is
    drawn as two abutting rectangles (no seam: one fill with the non-zero rule)."""
    n = len(rows)
    out = [f"0 g\n1 0 0 1 0 {n - 1} cm\n"]
    pieces = range(0, n, QR_CHUNK)
    for row in rows:
        ops = "".join([_chunk_ops(x, row[x:x + QR_CHUNK]) for x in pieces])
        out.append(ops + "f\n1 0 0 1 0 -1 cm\n" if ops else "1 0 0 1 0 -1 cm\n")
    return "".join(out)


def draw_qr(c, url: str, x: float, y: float, size: float) -> None:
    """The QR code as filled rectangles (one per horizontal run of dark modules) in a form XObject
    whose unit is one module, so the stream is small integers only. Formatting ~300 rectangles per
    code was a fifth of a certificate's render, so the rectangles of each 11-module piece of a row
    are cached (``_chunk_ops``) and rows are placed by a translation instead of a y in every
    rectangle. The form's bytes are written here rather than through ``beginForm``: ReportLab gives
    every form the page's whole font resources and ASCII85-encodes it, which cost more than drawing
    the code."""
    rows = qr_rows(url)
    n = len(rows)
    # zlib level 1: ~0.03 ms instead of ~0.08 ms at the default 6, for ~200 more bytes in a 60 kB file
    _add_form_at(c, QR_FORM, _form_bytes(qr_form_ops(rows), n, n, level=1), x, y, size / n)


def _add_form_at(c, name: str, data: bytes, x: float, y: float, scale: float) -> None:
    c._doc.Reference(_Raw(data, ref_only=True), pdfdoc.xObjectName(name))
    c.saveState()
    c.translate(x, y)
    c.scale(scale, scale)
    c.doForm(name)
    c.restoreState()


# The parts of a certificate that are the same for a whole batch (border, heading, award, the
# tournament line...) are drawn once by ReportLab into a form XObject and reused: ``_static_forms``
# keeps the form's bytes per set of lines. Only lines in the standard fonts go there (a form cached
# across documents cannot point to a document's embedded fonts); the others are drawn per page.
_static_forms: dict[tuple[Line, ...], bytes] = {}
STATIC_FORMS_KEPT = 64


def _static_form(lines: tuple[Line, ...]) -> bytes:
    data = _static_forms.get(lines)
    if data is None:
        scratch = canvas.Canvas(io.BytesIO(), pagesize=PAGE)
        width, height = PAGE
        scratch.setStrokeColor(ACCENT)
        scratch.setLineWidth(6)
        scratch.rect(24, 24, width - 48, height - 48, stroke=1, fill=0)
        scratch.setLineWidth(1)
        scratch.rect(36, 36, width - 72, height - 72, stroke=1, fill=0)
        for line in lines:
            draw_line(scratch, line)
        fonts = " ".join(f"{internal} << /Type /Font /Subtype /Type1 /BaseFont /{ps_name} /Encoding /WinAnsiEncoding >>"
                         for ps_name, internal in scratch._doc.fontMapping.items())
        data = _form_bytes("\n".join(scratch._code), width, height, f"/Font << {fonts} >>", level=9)
        if len(_static_forms) >= STATIC_FORMS_KEPT:
            _static_forms.clear()
        _static_forms[lines] = data
    return data


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
    shared = (  # the same on every certificate of this kind in this tournament
        Line(text.heading.upper(), height - 110, 30, True, width - 160, ACCENT),
        Line(text.award, height - 160, 22, True, width - 160),
        Line(text.presented, height - 215, 14),
        Line(text.reason, height - 325, 16, max_width=width - 200),
        Line(text.details, height - 355, 12, max_width=width - 200),
        Line(text.verify_label, 90, 8, x=60),
    )
    _add_form(c, "static", _static_form(tuple(line for line in shared if line.is_standard())))
    for line in shared:
        if not line.is_standard():
            draw_line(c, line)
    draw_line(c, Line(text.name, height - 275, 40, True, width - 200))
    draw_line(c, Line(text.verify_url, 78, 8, x=60))
    draw_line(c, Line(text.code_label, 66, 8, x=60))
    qr_size = 96
    draw_qr(c, text.verify_url, width - 60 - qr_size, 60, qr_size)
    c.showPage()
    c.save()
    return buffer.getvalue()


def render_bare(text: CertificateText | None = None) -> bytes:
    """The floor for benchmarks: the plainest one-page PDF ReportLab makes with the same page size
    and the same words — a title line and four more lines in the standard Helvetica (nothing
    embedded), no border, no QR code, default canvas settings."""
    text = text or BARE_TEXT
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=PAGE)
    c.setFont("Helvetica-Bold", 30)
    c.drawString(80, 480, text.heading)
    c.setFont("Helvetica", 16)
    for i, line in enumerate((text.award, text.reason, text.details, text.verify_url)):
        c.drawString(80, 420 - i * 30, line)
    c.showPage()
    c.save()
    return buffer.getvalue()


BARE_TEXT = CertificateText("Certificate of Achievement", "Champion", "is presented to", "Zed", "for finishing 1st in Bench",
                            "Bench · 1 January 2026 · organised by bench", "Verify this certificate:",
                            "https://cc.example.org/verify/abcdefghijklmnopqrstuv/", "Certificate code: abcdefghijklmnopqrstuv")
