"""What every printed PDF uses: the font, printable text, A4 documents, numbered
pages and column-major tables. The documents themselves (the public notice and the
credit certificate) are laid out in `sanxin.ratings.pdf`.

* The Chinese font is "Sanxin Kai", a subset of LXGW WenKai (OFL 1.1) shipped in
  ``lib/fonts``; it is registered once, lazily, and embedded (subset again by
  ReportLab) in every PDF, so the documents render on any viewer, even one without
  Chinese fonts. The ``SANXIN_PDF_FONT`` setting may name a full TrueType font to
  use instead (for rare characters outside the vendored subset).
* A character the font lacks is printed as "□" rather than failing.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    SimpleDocTemplate,
    Table,
)

from sanxin.lib.qr import qr_drawing

FONT_NAME = "SanxinKai"
VENDORED_FONT = Path(__file__).resolve().parent / "fonts" / "SanxinKai-Regular.ttf"
MISSING_GLYPH = "□"
CREATOR = "Sanxin (ReportLab)"
FRAME_PADDING = 6  # ReportLab's default Frame padding, in points
LANG = "zh-CN"  # the document language, for screen readers and text extraction

INK = colors.HexColor("#1f1f1f")
MUTED = colors.HexColor("#5a5a5a")
RULE = colors.HexColor("#9a9a9a")
SHADE = colors.HexColor("#f2f2f2")
SEAL_RED_HEX = "#b3261e"
SEAL_RED = colors.HexColor(SEAL_RED_HEX)

_font_lock = threading.Lock()
_registered: dict[Path, str] = {}  # font file -> registered ReportLab font name


# --- font -------------------------------------------------------------------------


def font_path() -> Path:
    """The TrueType font to embed: ``settings.SANXIN_PDF_FONT`` if set, else the
    vendored subset. A configured path that does not exist fails loudly."""
    configured = getattr(settings, "SANXIN_PDF_FONT", None)
    if not configured:
        return VENDORED_FONT
    path = Path(configured).expanduser().resolve()
    if not path.is_file():
        raise ImproperlyConfigured(f"SANXIN_PDF_FONT: no font file at {path}")
    return path


def font_name() -> str:
    """The ReportLab name of the document font, registering it on first use.
    The vendored font is "SanxinKai"; another configured file gets its own name."""
    path = font_path()
    with _font_lock:
        if path not in _registered:
            _registered[path] = _register(path)
        return _registered[path]


def _register(path: Path) -> str:
    """Register ``path`` with ReportLab (all four styles map to the one face, so
    markup such as <b> cannot reach a non-embedded standard font)."""
    name = FONT_NAME
    if path != VENDORED_FONT.resolve():
        name = f"{FONT_NAME}-{hashlib.sha1(str(path).encode()).hexdigest()[:8]}"
    try:
        pdfmetrics.registerFont(TTFont(name, str(path)))
    except TTFError as exc:
        raise ImproperlyConfigured(
            f"SANXIN_PDF_FONT: {path} is not a usable TrueType font: {exc}"
        ) from None
    pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)
    return name


def printable(text: object) -> str:
    """``text`` with every character the font lacks replaced by "□" (a rare name
    character outside the vendored subset, say), so nothing prints as blank."""
    glyphs = pdfmetrics.getFont(font_name()).face.charToGlyph
    return "".join(_printable_char(c, glyphs) for c in str(text or ""))


def _printable_char(char: str, glyphs: dict[int, int]) -> str:
    """``char`` itself if the font has it; a space for other white space (the
    vendored subset lacks U+3000); else "□"."""
    if ord(char) in glyphs:
        return char
    return " " if char.isspace() else MISSING_GLYPH


def markup(text: object) -> str:
    """``text`` made safe for a ReportLab Paragraph: printable and XML-escaped."""
    return escape(printable(text))


# --- small helpers ----------------------------------------------------------------


def format_date(day: date | None) -> str:
    """A date as Chinese documents write it: 2025年3月1日."""
    if day is None:
        return ""
    return _("%(year)d年%(month)d月%(day)d日") % {
        "year": day.year,
        "month": day.month,
        "day": day.day,
    }


def pdf_qr(url: str, size_pt: float) -> Drawing:
    """The QR drawing for ``url``, starting in the document font: a Drawing's
    default state would otherwise reference (unembedded) Helvetica."""
    drawing = qr_drawing(url, size_pt)
    drawing.initialFontName = font_name()
    return drawing


def paragraph_style(name: str, size: float, **kwargs) -> ParagraphStyle:
    """A paragraph style in the document font, wrapping Chinese text anywhere."""
    kwargs.setdefault("leading", size * 1.45)
    kwargs.setdefault("textColor", INK)
    return ParagraphStyle(name, fontName=font_name(), fontSize=size, wordWrap="CJK", **kwargs)


def a4_document(
    buffer: io.BytesIO,
    *,
    title: str,
    author: str,
    subject: str = "",
    is_landscape: bool = False,
    margin: float = 16 * mm,
    bottom_margin: float = 18 * mm,
) -> SimpleDocTemplate:
    """An A4 platypus document writing into ``buffer``, with PDF metadata set."""
    return SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4) if is_landscape else A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=bottom_margin,
        title=printable(title),
        author=printable(author),
        subject=printable(subject),
        creator=CREATOR,
        lang=LANG,
        initialFontName=font_name(),  # else the canvas references (unembedded) Helvetica
    )


def content_width(doc: SimpleDocTemplate) -> float:
    """The width flowables get: SimpleDocTemplate's frame pads 6 pt on each side."""
    return doc.width - 2 * FRAME_PADDING


def numbered_canvas(draw_footer: Callable[[Canvas, int, int], None]) -> type[Canvas]:
    """A canvas class that holds its pages until the end, then calls
    ``draw_footer(canvas, page, pages)`` on each (第 x 页 共 y 页 needs y)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 (ReportLab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                draw_footer(self, number, total)
                super().showPage()
            super().save()

    return NumberedCanvas


# --- tables and page furniture ----------------------------------------------------


def column_major(entries: Sequence[list], groups: int) -> list[list]:
    """Lay ``entries`` (each a list of cells) down the first column-group, then the
    next, in rows of ``groups`` side-by-side groups; blanks fill the last rows."""
    height = -(-len(entries) // groups)
    width = len(entries[0]) if entries else 0
    rows = []
    for r in range(height):
        row: list = []
        for g in range(groups):
            i = g * height + r
            row.extend(entries[i] if i < len(entries) else [""] * width)
        rows.append(row)
    return rows


class ColumnMajorTable(Flowable):
    """A table of records read down each column-group in turn, page by page: when
    the records do not fit, it splits into as many whole rows as fit on this page
    (each page starts with its own header row) and the rest for the next."""

    def __init__(self, records: Sequence, build: Callable[[Sequence], Table], groups: int):
        super().__init__()
        self.records = list(records)
        self.build = build
        self.groups = groups
        self._table: Table | None = None

    def wrap(self, avail_width, avail_height):
        self._table = self.build(self.records)
        self.width, self.height = self._table.wrap(avail_width, avail_height)
        return self.width, self.height

    def draw(self):
        self._table.drawOn(self.canv, 0, 0)

    def split(self, avail_width, avail_height):
        count = self._fitting_count(avail_width, avail_height)
        if count == 0:
            return []  # nothing fits here: platypus moves the whole table on
        if count >= len(self.records):
            return [ColumnMajorTable(self.records, self.build, self.groups)]
        return [
            ColumnMajorTable(self.records[:count], self.build, self.groups),
            ColumnMajorTable(self.records[count:], self.build, self.groups),
        ]

    def _fitting_count(self, avail_width: float, avail_height: float) -> int:
        """The most records, in whole rows of ``groups``, that fit the height."""
        lo, hi = 0, -(-len(self.records) // self.groups)  # rows
        while lo < hi:
            mid = (lo + hi + 1) // 2
            chunk = self.records[: mid * self.groups]
            if self.build(chunk).wrap(avail_width, avail_height)[1] <= avail_height:
                lo = mid
            else:
                hi = mid - 1
        return min(len(self.records), lo * self.groups)


def one_line(text: str, size: float, width: float) -> str:
    """``text`` (made printable) cut short with "…" to fit ``width`` at ``size``."""
    text, name = printable(text), font_name()
    if pdfmetrics.stringWidth(text, name, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", name, size) > width:
        text = text[:-1]
    return text + "…"


def page_footer(canvas: Canvas, page: int, pages: int) -> None:
    """The page number, 第 x 页 共 y 页, centred at the bottom of the page."""
    canvas.saveState()
    canvas.setFont(font_name(), 9)
    canvas.setFillColor(MUTED)
    width = canvas._pagesize[0]
    canvas.drawCentredString(
        width / 2, 9 * mm, _("第 %(page)d 页 共 %(pages)d 页") % {"page": page, "pages": pages}
    )
    canvas.restoreState()
