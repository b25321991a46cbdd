"""QR codes for printed documents and web pages, through segno.

* `qr_drawing(url, size_pt)` gives a ReportLab `Drawing` of the code as vector
  rectangles (error correction level M, 4-module quiet zone), to place in a PDF:
  sharp at any print resolution, no Pillow, no PNG;
* `qr_svg(url)` gives the same code as an inline SVG string for a web page.
"""

from __future__ import annotations

import segno
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors

ERROR_LEVEL = "m"  # about 15% of the symbol may be damaged or dirty and still scan
QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 requires


def make_qr(url: str) -> segno.QRCode:
    """The QR code (never a Micro QR) that encodes ``url``."""
    return segno.make(url, error=ERROR_LEVEL, micro=False, boost_error=False)


def dark_runs(qr: segno.QRCode) -> list[tuple[int, int, int]]:
    """The dark modules as horizontal runs ``(row, first column, length)``, counted
    from the top-left of the symbol including its quiet zone."""
    runs = []
    for row, modules in enumerate(qr.matrix_iter(border=QUIET_ZONE)):
        start = None
        for col, dark in enumerate([*modules, False]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                runs.append((row, start, col - start))
                start = None
    return runs


def qr_drawing(url: str, size_pt: float) -> Drawing:
    """A square ``size_pt`` × ``size_pt`` drawing of the QR code for ``url``: a white
    background (the quiet zone included) and one black rectangle per horizontal run
    of dark modules, so adjacent modules join without hairline gaps."""
    qr = make_qr(url)
    modules = qr.symbol_size(border=QUIET_ZONE)[0]
    unit = size_pt / modules
    drawing = Drawing(size_pt, size_pt)
    drawing.add(Rect(0, 0, size_pt, size_pt, fillColor=colors.white, strokeColor=None))
    for row, col, length in dark_runs(qr):
        y = size_pt - (row + 1) * unit  # PDF y grows upwards; matrix rows go down
        drawing.add(
            Rect(col * unit, y, length * unit, unit, fillColor=colors.black, strokeColor=None)
        )
    return drawing


def qr_svg(url: str, *, scale: int = 4, title: str | None = None) -> str:
    """The QR code for ``url`` as an inline ``<svg>`` element (no XML declaration,
    no fixed size: it scales with CSS through its viewBox)."""
    return make_qr(url).svg_inline(
        scale=scale, border=QUIET_ZONE, omitsize=True, svgclass="qr", title=title
    )
