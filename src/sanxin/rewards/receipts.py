"""The printed receipt (兑换凭证) of a redemption at the shop counter: an A6 sheet
for an office printer and a strip for a 58 mm thermal receipt printer.

`receipt_a6_pdf(ReceiptDoc)` and `receipt_58mm_pdf(ReceiptDoc)` are pure builders:
plain values in, PDF bytes out; they know nothing of the ORM or of HTTP (the counter
views build the `ReceiptDoc` from a redemption). The head name arrives already
masked. The font and printable text come from `sanxin.lib.pdf`; the same
`ReceiptDoc` also feeds the HTML receipt (templates/rewards/counter/_receipt.html).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from sanxin.lib.pdf import (
    CREATOR,
    INK,
    LANG,
    MUTED,
    RULE,
    SEAL_RED,
    SHADE,
    font_name,
    markup,
    paragraph_style,
    pdf_qr,
    printable,
)


def points_text(value: Decimal) -> str:
    """Points as the receipt prints them: 12, 12.5, 12.25 (no trailing zeros, never
    an exponent)."""
    text = f"{value.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class ReceiptLine:
    """One product on the receipt: its name and unit, how many, the points each and
    the points of the line."""

    name: str
    unit: str
    quantity: int
    unit_points: Decimal
    points: Decimal


@dataclass(frozen=True)
class ReceiptDoc:
    """Everything printed on a redemption receipt. ``total`` must equal the sum of
    the lines, and each line's points its quantity times the points each: a
    receipt that does not add up is refused at construction, before it is printed."""

    shop_name: str
    number: str  # the receipt number
    occurred_at: datetime  # when the goods were handed over (a paper slip's real time)
    head_name_masked: str
    household_number: str  # 户号
    village_name: str
    lines: Sequence[ReceiptLine]
    total: Decimal
    balance_after: Decimal
    clerk: str
    collected_by: str
    status: str = ""  # e.g. "已作废", printed prominently when not empty
    note: str = ""  # e.g. "纸质凭单补录 第12号"
    url: str = ""  # where the household sees the receipt on its phone (printed as a QR code)

    def __post_init__(self) -> None:
        for line in self.lines:
            if line.quantity <= 0:
                raise ValueError(f"receipt {self.number}: quantity {line.quantity}")
            if line.unit_points * line.quantity != line.points:
                raise ValueError(f"receipt {self.number}: line {line.name!r} does not add up")
        if sum((line.points for line in self.lines), Decimal(0)) != self.total:
            raise ValueError(f"receipt {self.number}: the total is not the sum of the lines")

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def local_time(self) -> datetime:
        """The time in the site's time zone (Asia/Shanghai), as the clerk saw it."""
        if timezone.is_aware(self.occurred_at):
            return timezone.localtime(self.occurred_at)
        return self.occurred_at


def receipt_time(moment: datetime) -> str:
    """2025-03-01 14:05, the receipt's date and time."""
    return moment.strftime("%Y-%m-%d %H:%M")


def _title(receipt: ReceiptDoc) -> str:
    return _("兑换凭证 %(number)s") % {"number": receipt.number}


def _doc(buffer: io.BytesIO, receipt: ReceiptDoc, size: tuple[float, float], margin: float):
    """A one-frame document of ``size`` without frame padding, metadata set."""
    doc = BaseDocTemplate(
        buffer,
        pagesize=size,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=printable(_title(receipt)),
        author=printable(receipt.shop_name),
        subject=printable(f"{receipt.village_name} {receipt.household_number}"),
        creator=CREATOR,
        lang=LANG,
        initialFontName=font_name(),  # else the canvas references (unembedded) Helvetica
    )
    frame = Frame(
        margin,
        margin,
        size[0] - 2 * margin,
        size[1] - 2 * margin,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    doc.addPageTemplates([PageTemplate(id="receipt", frames=[frame])])
    return doc


def _story(
    receipt: ReceiptDoc, width: float, *, scale: float, qr_pt: float, wide: bool
) -> list[Flowable]:
    """The receipt's flowables at ``scale`` (1 for A6, smaller for the thermal strip);
    ``wide`` (A6) sets the details in two columns and the QR code beside the names."""
    base = 9.5 * scale
    styles = {
        "shop": paragraph_style("r-shop", base * 1.45, alignment=TA_CENTER),
        "title": paragraph_style("r-title", base * 1.15, alignment=TA_CENTER, textColor=MUTED),
        "status": paragraph_style("r-status", base * 1.5, alignment=TA_CENTER, textColor=SEAL_RED),
        "meta": paragraph_style("r-meta", base, leading=base * 1.4),
        "cell": paragraph_style("r-cell", base, leading=base * 1.3),
        "num": paragraph_style("r-num", base, leading=base * 1.3, alignment=TA_RIGHT),
        "total": paragraph_style("r-total", base * 1.3, leading=base * 1.7, alignment=TA_RIGHT),
        "small": paragraph_style("r-small", base * 0.85, alignment=TA_CENTER, textColor=MUTED),
    }

    def para(text: str, style: str) -> Paragraph:
        return Paragraph(markup(text), styles[style])

    story: list[Flowable] = [para(receipt.shop_name, "shop"), para(_("积分兑换凭证"), "title")]
    if receipt.status:
        story.append(para(receipt.status, "status"))
    story.append(Spacer(1, 1.5 * mm * scale))
    meta = [
        _("凭证号：%(v)s") % {"v": receipt.number},
        _("时间：%(v)s") % {"v": receipt_time(receipt.local_time)},
        _("户号：%(v)s") % {"v": receipt.household_number},
        _("户主：%(v)s") % {"v": receipt.head_name_masked},
        _("村：%(v)s") % {"v": receipt.village_name},
    ]
    if wide:
        cells = [para(text, "meta") for text in meta]
        # 凭证号 | 户号 / 时间 | 户主, then the village
        rows = [[cells[0], cells[2]], [cells[1], cells[3]]]
        story.append(_grid(rows, [width * 0.62, width * 0.38], align_last="LEFT"))
        story.append(cells[4])
    else:
        story += [para(text, "meta") for text in meta]
    if receipt.note:
        story.append(para(receipt.note, "meta"))
    story.append(Spacer(1, 1.5 * mm * scale))
    story.append(_items_table(receipt, width, styles))
    story.append(Spacer(1, 1 * mm * scale))
    story.append(para(_("合计：%(v)s 分") % {"v": points_text(receipt.total)}, "total"))
    story.append(para(_("兑换后余额：%(v)s 分") % {"v": points_text(receipt.balance_after)}, "num"))
    story.append(Spacer(1, 1.5 * mm * scale))
    names = [
        para(_("领取人：%(v)s") % {"v": receipt.collected_by}, "meta"),
        para(_("经办人：%(v)s") % {"v": receipt.clerk}, "meta"),
        Spacer(1, 1 * mm * scale),
        para(_("积分兑换，不找零、不兑现金。"), "meta"),
    ]
    qr: list[Flowable] = []
    if receipt.url:
        qr = [pdf_qr(receipt.url, qr_pt), para(_("扫码在手机上查看本凭证"), "small")]
    if wide and qr:
        qr_width = qr_pt + 16 * mm
        story.append(_grid([[names, qr]], [width - qr_width, qr_width], valign="BOTTOM"))
    else:
        story += names
        if qr:
            story.append(Spacer(1, 1.5 * mm * scale))
            story += [_grid([[qr[0]]], [width]), qr[1]]
    return story


def _items_table(receipt: ReceiptDoc, width: float, styles: dict) -> Table:
    """品名 (with unit and points each below it), 数量, 积分; one row per line."""
    header = [
        Paragraph(markup(_("品名")), styles["cell"]),
        Paragraph(markup(_("数量")), styles["num"]),
        Paragraph(markup(_("积分")), styles["num"]),
    ]
    rows = [header]
    for line in receipt.lines:
        each = _("%(points)s分/%(unit)s") % {
            "points": points_text(line.unit_points),
            "unit": line.unit,
        }
        rows.append(
            [
                Paragraph(
                    f"{markup(line.name)}<br/><font color='#5a5a5a'>{markup(each)}</font>",
                    styles["cell"],
                ),
                Paragraph(markup(f"{line.quantity}"), styles["num"]),
                Paragraph(markup(points_text(line.points)), styles["num"]),
            ]
        )
    table = Table(rows, colWidths=[width * 0.56, width * 0.18, width * 0.26], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font_name(), 9),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 1),
                ("RIGHTPADDING", (0, 0), (-1, -1), 1),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("LINEABOVE", (0, 0), (-1, 0), 0.8, INK),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, INK),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
                ("LINEBELOW", (0, -1), (-1, -1), 0.8, INK),
            ]
        )
    )
    return table


def _grid(
    rows: list[list], widths: list[float], valign: str = "TOP", align_last: str = "CENTER"
) -> Table:
    """A borderless layout table (the first column left, the last centred)."""
    table = Table(rows, colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font_name(), 9),  # else the cell sets Helvetica
                ("ALIGN", (-1, 0), (-1, -1), align_last),
                ("VALIGN", (0, 0), (-1, -1), valign),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


A6_MARGIN = 8 * mm


def receipt_a6_pdf(receipt: ReceiptDoc) -> bytes:
    """The receipt on A6 portrait (105 × 148 mm), for an office printer; a long
    list of items runs on to further pages with the header row repeated."""
    buffer = io.BytesIO()
    doc = _doc(buffer, receipt, A6, A6_MARGIN)
    width = A6[0] - 2 * A6_MARGIN
    doc.build(_story(receipt, width, scale=1, qr_pt=20 * mm, wide=True))
    return buffer.getvalue()


THERMAL_WIDTH = 58 * mm  # the paper; the print head covers about 48 mm of it
THERMAL_MARGIN = 4 * mm  # (58 - 48) / 2 plus a little; also top and bottom
THERMAL_SLACK = 3 * mm  # room for rounding, so the strip never spills to a second page


def receipt_58mm_pdf(receipt: ReceiptDoc) -> bytes:
    """The receipt on one 58 mm wide strip as long as its content, for a thermal
    receipt printer (print at 100%, no margins)."""
    width = THERMAL_WIDTH - 2 * THERMAL_MARGIN
    story = _story(receipt, width, scale=0.82, qr_pt=20 * mm, wide=False)
    height = sum(_height(f, width) for f in story) + 2 * THERMAL_MARGIN + THERMAL_SLACK
    buffer = io.BytesIO()
    doc = _doc(buffer, receipt, (THERMAL_WIDTH, height), THERMAL_MARGIN)
    doc.build(_story(receipt, width, scale=0.82, qr_pt=20 * mm, wide=False))
    return buffer.getvalue()


def _height(flowable: Flowable, width: float) -> float:
    """The height ``flowable`` takes in a frame of ``width``, its spacing included."""
    _w, h = flowable.wrap(width, 10_000 * mm)
    return h + flowable.getSpaceBefore() + flowable.getSpaceAfter()
