"""The QR code printed on the notice and the certificate and shown on screen: it
draws exactly segno's matrix with its quiet zone."""

from __future__ import annotations

import pytest
from reportlab.lib import colors

from sanxin.lib.qr import QUIET_ZONE, make_qr, qr_drawing, qr_svg

URL = "https://sanxin.example.cn/notice/dagui-kou/2024"
VERIFY_URL = "https://sanxin.example.cn/verify/SX-2024-000123"


def drawn_matrix(drawing, modules: int) -> list[list[bool]]:
    """Read the dark modules back from the black rectangles of a QR drawing."""
    unit = drawing.width / modules
    grid = [[False] * modules for _ in range(modules)]
    for rect in drawing.contents:
        if rect.fillColor != colors.black:
            continue
        row = round((drawing.height - rect.y) / unit) - 1
        first, length = round(rect.x / unit), round(rect.width / unit)
        assert round(rect.height / unit) == 1
        for col in range(first, first + length):
            assert not grid[row][col], "modules drawn twice"
            grid[row][col] = True
    return grid


@pytest.mark.parametrize("url", [URL, VERIFY_URL, "https://x.cn/v/" + "a" * 120])
def test_qr_drawing_draws_exactly_segnos_matrix_with_its_quiet_zone(url):
    qr = make_qr(url)
    assert qr.error == "M" and not qr.is_micro
    expected = [[bool(m) for m in row] for row in qr.matrix_iter(border=QUIET_ZONE)]
    size = 80
    drawing = qr_drawing(url, size)
    assert (drawing.width, drawing.height) == (size, size)
    assert drawn_matrix(drawing, len(expected)) == expected
    # the quiet zone is really white: a white square covers the whole drawing
    background = drawing.contents[0]
    assert background.fillColor == colors.white
    assert (background.x, background.y, background.width, background.height) == (0, 0, size, size)
    assert not any(expected[r][c] for r in range(QUIET_ZONE) for c in range(len(expected)))


def test_qr_svg_is_an_inline_scalable_svg():
    svg = qr_svg(URL)
    assert svg.startswith("<svg") and "viewBox" in svg and "<?xml" not in svg
    assert 'width="' not in svg.split(">")[0]
