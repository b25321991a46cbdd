"""The printed sheet of household QR cards (门牌码), one villager group after another.

`cards_pdf(sheets, ...)` is a pure builder: plain values in, PDF bytes out; it knows
nothing of the ORM or of HTTP. Names arrive already masked. Each villager group starts
on a new A4 page; a page holds eight cards (two across, four down) that touch each
other, with crop marks in the page margins at every cutting line and a faint dotted
outline for scissors. A card shows the village and group, the 户号, the masked head
name, the QR code of the card's link and one line of plain words saying what it is
for. The font and the QR drawing come from `sanxin.lib.pdf`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from sanxin.lib.pdf import (
    CREATOR,
    INK,
    LANG,
    MUTED,
    RULE,
    SEAL_RED,
    font_name,
    one_line,
    pdf_qr,
    printable,
)

COLUMNS, ROWS = 2, 4
PER_PAGE = COLUMNS * ROWS
CARD_W, CARD_H = 90 * mm, 64 * mm
PAGE_W, PAGE_H = A4
LEFT = (PAGE_W - COLUMNS * CARD_W) / 2  # 15 mm
TOP = PAGE_H - 22 * mm  # the grid's top edge
BOTTOM = TOP - ROWS * CARD_H
PAD = 5 * mm
QR_PT = 38 * mm
MARK_GAP, MARK_LEN = 2 * mm, 6 * mm  # crop marks: distance from the grid, length


@dataclass(frozen=True)
class CardDoc:
    """One household's card. ``head_masked`` arrives masked (张*峰)."""

    number: str  # 户号
    head_masked: str
    url: str  # the card's absolute link, /shop/c/<token>/


@dataclass(frozen=True)
class GroupSheet:
    """The cards of one villager group, in the order they are printed."""

    village_name: str
    group_name: str
    cards: Sequence[CardDoc]
    town_name: str = ""


def pages_for(sheets: Sequence[GroupSheet]) -> list[tuple[GroupSheet, list[CardDoc], int, int]]:
    """(group, its cards on this page, page of the group, pages of the group), page by
    page: each group starts on a page of its own; groups without cards print nothing."""
    pages = []
    for sheet in sheets:
        cards = list(sheet.cards)
        count = -(-len(cards) // PER_PAGE)
        for i in range(count):
            pages.append((sheet, cards[i * PER_PAGE : (i + 1) * PER_PAGE], i + 1, count))
    return pages


def cards_pdf(sheets: Sequence[GroupSheet], *, title: str, author: str) -> bytes:
    """The cards as A4 portrait pages, eight to a page, each group on its own pages;
    with no card at all, one page saying so."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=font_name(), lang=LANG)
    canvas.setTitle(printable(title))
    canvas.setAuthor(printable(author))
    canvas.setCreator(CREATOR)
    pages = pages_for(sheets)
    if not pages:
        canvas.setFont(font_name(), 14)
        canvas.drawCentredString(PAGE_W / 2, TOP - 20 * mm, printable(_("没有可打印的门牌码。")))
        canvas.showPage()
    for sheet, cards, page, count in pages:
        _page_heading(canvas, sheet, page, count)
        _crop_marks(canvas)
        for index, card in enumerate(cards):
            row, column = divmod(index, COLUMNS)
            x = LEFT + column * CARD_W
            y = TOP - (row + 1) * CARD_H
            _card(canvas, x, y, sheet, card)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def plain_words() -> str:
    """The line along the bottom of every card: what scanning it does."""
    return _("超市扫码兑换 · 他人扫码可查验信用等级")


def place(sheet: GroupSheet) -> str:
    """Village and group as printed on each card: 大贵口村 第一组."""
    return f"{sheet.village_name} {sheet.group_name}".strip()


def _page_heading(canvas: Canvas, sheet: GroupSheet, page: int, count: int) -> None:
    """Which group this page is, small, in the top margin (to sort the cut cards)."""
    canvas.saveState()
    canvas.setFont(font_name(), 9)
    canvas.setFillColor(MUTED)
    where = f"{sheet.town_name} {place(sheet)}".strip()
    text = _("%(where)s 门牌码 第 %(page)d 页 共 %(pages)d 页") % {
        "where": where,
        "page": page,
        "pages": count,
    }
    canvas.drawCentredString(PAGE_W / 2, TOP + 10 * mm, one_line(text, 9, PAGE_W - 2 * LEFT))
    canvas.restoreState()


def _crop_marks(canvas: Canvas) -> None:
    """Short lines in the margins continuing every cutting line of the grid, and a
    faint dotted line along every card edge."""
    canvas.saveState()
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.3)
    right = LEFT + COLUMNS * CARD_W
    for column in range(COLUMNS + 1):
        x = LEFT + column * CARD_W
        canvas.line(x, TOP + MARK_GAP, x, TOP + MARK_GAP + MARK_LEN)
        canvas.line(x, BOTTOM - MARK_GAP, x, BOTTOM - MARK_GAP - MARK_LEN)
    for row in range(ROWS + 1):
        y = TOP - row * CARD_H
        canvas.line(LEFT - MARK_GAP, y, LEFT - MARK_GAP - MARK_LEN, y)
        canvas.line(right + MARK_GAP, y, right + MARK_GAP + MARK_LEN, y)
    canvas.setStrokeColor(RULE)
    canvas.setDash(1, 2)
    for column in range(COLUMNS + 1):
        x = LEFT + column * CARD_W
        canvas.line(x, BOTTOM, x, TOP)
    for row in range(ROWS + 1):
        y = TOP - row * CARD_H
        canvas.line(LEFT, y, right, y)
    canvas.restoreState()


def _fitting_size(text: str, largest: float, smallest: float, width: float) -> float:
    """The largest font size from ``largest`` down to ``smallest`` at which ``text``
    fits ``width``."""
    size = largest
    while size > smallest and pdfmetrics.stringWidth(text, font_name(), size) > width:
        size -= 1
    return size


def _card(canvas: Canvas, x: float, y: float, sheet: GroupSheet, card: CardDoc) -> None:
    """One card with its bottom-left corner at (x, y): the words on the left, the QR
    code on the right, the plain words along the bottom."""
    name = font_name()
    qr_x = x + CARD_W - PAD - QR_PT
    qr_y = y + CARD_H - PAD - QR_PT - 3 * mm
    pdf_qr(card.url, QR_PT).drawOn(canvas, qr_x, qr_y)
    text_w = qr_x - (x + PAD) - 2 * mm
    left = x + PAD
    canvas.saveState()
    canvas.setFillColor(SEAL_RED)
    canvas.setFont(name, 13)
    canvas.drawString(left, y + CARD_H - PAD - 11, one_line(_("农户信用门牌码"), 13, text_w))
    canvas.setFillColor(MUTED)
    canvas.setFont(name, 10)
    canvas.drawString(left, y + CARD_H - PAD - 29, one_line(place(sheet), 10, text_w))
    canvas.setFillColor(INK)
    label = _("户号")
    canvas.setFont(name, 10)
    canvas.drawString(left, y + CARD_H - PAD - 50, printable(label))
    number = printable(card.number)
    size = _fitting_size(number, 24, 11, text_w)
    canvas.setFont(name, size)
    canvas.drawString(left, y + CARD_H - PAD - 50 - 4 - size, one_line(number, size, text_w))
    canvas.setFont(name, 10)
    canvas.drawString(left, y + CARD_H - PAD - 104, printable(_("户主")))
    head = printable(card.head_masked)
    size = _fitting_size(head, 18, 10, text_w)
    canvas.setFont(name, size)
    canvas.drawString(left, y + CARD_H - PAD - 108 - size, one_line(head, size, text_w))
    canvas.setFillColor(MUTED)
    canvas.setFont(name, 9)
    words = one_line(plain_words(), 9, CARD_W - 2 * PAD)
    canvas.drawCentredString(x + CARD_W / 2, y + PAD, words)
    canvas.restoreState()
