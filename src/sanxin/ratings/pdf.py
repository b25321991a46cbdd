"""The printed rating documents: the public notice (公示) of a cycle's grades and
the household credit certificate (信用等级证书).

`notice_pdf(NoticeDoc)` and `certificate_pdf(CertificateDoc)` are pure builders:
plain values in, PDF bytes out; they know nothing of the ORM or of HTTP. Names
arrive already masked; the builders never see identity numbers. The font, printable
text and page furniture come from `sanxin.lib.pdf`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
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
    SEAL_RED_HEX,
    SHADE,
    ColumnMajorTable,
    a4_document,
    column_major,
    content_width,
    font_name,
    format_date,
    markup,
    numbered_canvas,
    one_line,
    page_footer,
    paragraph_style,
    pdf_qr,
    printable,
)

# --- public notice (公示) ----------------------------------------------------------


@dataclass(frozen=True)
class NoticeDoc:
    """Everything printed on a public notice. ``rows`` are (household number, masked
    head name, grade label), already in display order; names arrive masked."""

    village_name: str
    town_name: str
    period: str
    title: str
    starts_on: date | None
    ends_on: date | None
    rows: list[tuple[str, str, str]]
    url: str
    issued_by: str
    contact: str = ""


NOTICE_GROUPS = 3  # (户号, 户主, 等级) column-groups side by side


NOTICE_QR_PT = 27 * mm


def notice_pdf(notice: NoticeDoc) -> bytes:
    """The notice as an A4 portrait PDF: title, window and how to object, the QR
    code of the online notice, the households in three column-groups per page
    (header repeated on each page), the signature block, "第 x 页 共 y 页"."""
    buffer = io.BytesIO()
    subject = f"{notice.town_name} {notice.village_name} {notice.period}".strip()
    doc = a4_document(buffer, title=notice.title, author=notice.issued_by, subject=subject)
    styles = _notice_styles()
    width = content_width(doc)
    story = [
        Paragraph(markup(notice.title), styles["title"]),
        Paragraph(markup(f"{notice.town_name} {notice.village_name}".strip()), styles["subtitle"]),
        _notice_intro(notice, styles, width),
        Spacer(1, 4 * mm),
    ]
    if notice.rows:
        story.append(
            ColumnMajorTable(notice.rows, _notice_table_builder(width, styles), NOTICE_GROUPS)
        )
        story.append(Spacer(1, 2 * mm))
        story.append(
            Paragraph(
                markup(_("以上共 %(count)d 户。") % {"count": len(notice.rows)}), styles["body"]
            )
        )
    else:
        story.append(Paragraph(markup(_("本次公示暂无农户名单。")), styles["body"]))
    story.append(_notice_signature(notice, styles, width))
    continued = _("%(title)s（续）") % {"title": notice.title}
    doc.build(
        story,
        onLaterPages=lambda canvas, _doc: _running_header(canvas, _doc, continued),
        canvasmaker=numbered_canvas(page_footer),
    )
    return buffer.getvalue()


def _notice_styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles of the notice."""
    return {
        "title": paragraph_style("title", 19, alignment=TA_CENTER, spaceAfter=2 * mm),
        "subtitle": paragraph_style(
            "subtitle", 11, alignment=TA_CENTER, textColor=MUTED, spaceAfter=4 * mm
        ),
        "body": paragraph_style("body", 11, alignment=TA_JUSTIFY, firstLineIndent=22),
        "caption": paragraph_style("caption", 8.5, alignment=TA_CENTER, textColor=MUTED),
        "head": paragraph_style("head", 10, leading=12, alignment=TA_CENTER),
        "cell": paragraph_style("cell", 10, leading=12, alignment=TA_CENTER),
        "sign": paragraph_style("sign", 12, leading=22, alignment=TA_RIGHT),
    }


def _notice_window(notice: NoticeDoc) -> str:
    """The sentence giving the notice window."""
    start, end = format_date(notice.starts_on), format_date(notice.ends_on)
    if start and end:
        return _("公示期：%(start)s至%(end)s。") % {"start": start, "end": end}
    if start:
        return _("公示期：自%(start)s起。") % {"start": start}
    return _("公示期：自张贴之日起。")


def _notice_intro(notice: NoticeDoc, styles: dict, width: float) -> Table:
    """The introduction on the left, the QR code and its caption on the right."""
    intro = _(
        "经农户积分核算、村评信团评定，现将%(village)s%(period)s农户信用等级评定结果"
        "予以公示（户主姓名已作隐去处理）。"
    ) % {"village": notice.village_name, "period": notice.period}
    paragraphs = [
        Paragraph(markup(intro), styles["body"]),
        Spacer(1, 1.5 * mm),
        Paragraph(markup(_notice_window(notice)), styles["body"]),
        Spacer(1, 1.5 * mm),
        Paragraph(markup(_("如对评定结果有异议，请在公示期内提出。")), styles["body"]),
    ]
    if notice.contact.strip():
        paragraphs.append(Spacer(1, 1.5 * mm))
        contact = _("异议受理：%(contact)s") % {"contact": notice.contact.strip()}
        paragraphs.append(Paragraph(markup(contact), styles["body"]))
    qr_cell = [
        pdf_qr(notice.url, NOTICE_QR_PT),
        Paragraph(markup(_("扫码查看网上公示")), styles["caption"]),
    ]
    qr_width = NOTICE_QR_PT + 6 * mm
    table = Table([[paragraphs, qr_cell]], colWidths=[width - qr_width, qr_width])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font_name(), 10),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), 4 * mm),
                ("RIGHTPADDING", (1, 0), (1, 0), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _notice_table_builder(width: float, styles: dict) -> Callable[[Sequence], Table]:
    """A function turning a page's worth of rows into the three-group table."""
    group = width / NOTICE_GROUPS
    col_widths = [group * 0.38, group * 0.36, group * 0.26] * NOTICE_GROUPS
    header = [Paragraph(markup(t), styles["head"]) for t in (_("户号"), _("户主"), _("等级"))]
    style = [
        ("FONT", (0, 0), (-1, -1), font_name(), 10),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.8),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("BOX", (0, 0), (-1, -1), 0.9, INK),
        ("LINEBELOW", (0, 0), (-1, 0), 0.9, INK),
    ]
    style += [
        ("LINEAFTER", (3 * g - 1, 0), (3 * g - 1, -1), 0.9, INK) for g in range(1, NOTICE_GROUPS)
    ]

    def build(rows: Sequence[tuple[str, str, str]]) -> Table:
        cells = [[Paragraph(markup(value), styles["cell"]) for value in row] for row in rows]
        table = Table(
            [header * NOTICE_GROUPS, *column_major(cells, NOTICE_GROUPS)], colWidths=col_widths
        )
        table.setStyle(TableStyle(style))
        return table

    return build


def _notice_signature(notice: NoticeDoc, styles: dict, width: float) -> KeepTogether:
    """Issuer, village committee (where the seal goes) and date, bottom right;
    without a start date, a blank "年 月 日" to fill in by hand."""
    committee = _("%(village)s村民委员会（盖章）") % {"village": notice.village_name}
    lines = [
        Paragraph(markup(line), styles["sign"]) for line in (notice.issued_by, committee) if line
    ]
    if notice.starts_on:
        lines.append(Paragraph(markup(format_date(notice.starts_on)), styles["sign"]))
    else:
        lines.append(_blank_date(width, styles["sign"]))
    return KeepTogether([Spacer(1, 10 * mm), *lines])


def _blank_date(width: float, style: ParagraphStyle) -> Table:
    """A blank date line, 年 月 日 with room to write in: a plain table cell keeps
    the spaces that a Paragraph would collapse."""
    line = printable(_("年        月        日"))
    table = Table([[line]], colWidths=[width], rowHeights=[style.leading])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), style.fontName, style.fontSize),
                ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _running_header(canvas: Canvas, doc: SimpleDocTemplate, text: str) -> None:
    """The notice title, small, above the table on the pages after the first."""
    canvas.saveState()
    canvas.setFont(font_name(), 9)
    canvas.setFillColor(MUTED)
    y = doc.pagesize[1] - doc.topMargin + 4 * mm
    canvas.drawCentredString(doc.pagesize[0] / 2, y, one_line(text, 9, doc.width))
    canvas.restoreState()


# --- certificate (信用等级证书) ------------------------------------------------------


@dataclass(frozen=True)
class CertificateDoc:
    """Everything printed on a household's credit certificate."""

    serial: str
    head_name_masked: str
    village_name: str  # in full, e.g. "双滦区 大贵口村"
    grade_label: str  # e.g. "3A级"
    grade: str  # e.g. "3A"
    effective_from: date
    valid_until: date
    issuer: str
    verify_url: str
    issued_on: date


CERT_QR_PT = 26 * mm


CERT_INNER = 13 * mm  # the inner frame's inset from the page edge


CERT_FOOTER_TOP = CERT_INNER + 10 * mm + CERT_QR_PT  # the QR code's top edge


CERT_BODY_WIDTH = 200 * mm


def certificate_pdf(cert: CertificateDoc) -> bytes:
    """The certificate as a one-page A4 landscape PDF: a double border, the title,
    the grade large, the award text and validity, serial number, issuer and date,
    and a QR code to verify it online, bottom right."""
    return certificates_pdf([cert])


def certificates_pdf(
    certs: Sequence[CertificateDoc],
    *,
    title: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """Several certificates, one landscape page each, for printing a village's at once.
    `progress(pages done)` is called after each page (a background job's progress)."""
    buffer = io.BytesIO()
    width, height = landscape(A4)
    canvas = Canvas(
        buffer, pagesize=(width, height), pageCompression=1, initialFontName=font_name(), lang=LANG
    )
    heading = _("信用等级证书")
    if len(certs) == 1:
        cert = certs[0]
        canvas.setTitle(printable(f"{heading} {cert.serial}"))
        canvas.setAuthor(printable(cert.issuer))
        canvas.setSubject(printable(f"{cert.village_name} {cert.head_name_masked} {cert.grade}"))
    else:
        canvas.setTitle(printable(title or heading))
        if certs:
            canvas.setAuthor(printable(certs[0].issuer))
    canvas.setCreator(CREATOR)
    for cert in certs:
        _certificate_border(canvas, width, height)
        _certificate_heading(canvas, width, height, heading, cert.grade)
        _certificate_body(canvas, width, height, cert)
        _certificate_footer(canvas, width, cert)
        canvas.showPage()
        if progress is not None:
            progress(canvas.getPageNumber() - 1)
    canvas.save()
    return buffer.getvalue()


def _certificate_border(canvas: Canvas, width: float, height: float) -> None:
    """A thick outer and a thin inner frame, with small squares at the corners."""
    canvas.saveState()
    canvas.setStrokeColor(SEAL_RED)
    outer, inner = 10 * mm, CERT_INNER
    canvas.setLineWidth(3)
    canvas.rect(outer, outer, width - 2 * outer, height - 2 * outer)
    canvas.setLineWidth(0.8)
    canvas.rect(inner, inner, width - 2 * inner, height - 2 * inner)
    canvas.setFillColor(SEAL_RED)
    size = 2.4 * mm
    for x in (inner, width - inner):
        for y in (inner, height - inner):
            canvas.rect(x - size / 2, y - size / 2, size, size, stroke=0, fill=1)
    canvas.restoreState()


def _certificate_heading(
    canvas: Canvas, width: float, height: float, title: str, grade: str
) -> None:
    """The title, an ornamental rule, and the grade in large red letters."""
    canvas.saveState()
    canvas.setFillColor(SEAL_RED)
    _centred(canvas, width / 2, height - 43 * mm, printable(title), 36, char_space=10)
    canvas.setStrokeColor(SEAL_RED)
    canvas.setLineWidth(0.8)
    y = height - 50 * mm
    canvas.line(width / 2 - 70 * mm, y, width / 2 + 70 * mm, y)
    _centred(canvas, width / 2, height - 83 * mm, printable(grade), 80)
    canvas.restoreState()


def _centred(
    canvas: Canvas, x: float, y: float, text: str, size: float, char_space: float = 0
) -> None:
    """Draw ``text`` centred on ``x`` in the document font, with optional spacing."""
    name = font_name()
    text_width = pdfmetrics.stringWidth(text, name, size) + char_space * max(len(text) - 1, 0)
    obj = canvas.beginText(x - text_width / 2, y)
    obj.setFont(name, size)
    obj.setCharSpace(char_space)
    obj.textOut(text)
    canvas.drawText(obj)


def _certificate_body(canvas: Canvas, width: float, height: float, cert: CertificateDoc) -> None:
    """The household as a salutation, the award sentence (grade in red), 特发此证
    and the validity, in a centred block between the grade and the footer; the
    type shrinks step by step if a very long village name would not fit."""
    top = height - 95 * mm
    room = top - CERT_FOOTER_TOP - 4 * mm
    for scale in (1.0, 0.85, 0.72, 0.6, 0.5):
        blocks = _certificate_paragraphs(cert, scale)
        heights = [para.wrap(CERT_BODY_WIDTH, height)[1] + gap for para, gap in blocks]
        if sum(heights) <= room:
            break
    x = (width - CERT_BODY_WIDTH) / 2
    for (para, _gap), used in zip(blocks, heights, strict=True):
        para.drawOn(canvas, x, top - para.height)
        top -= used


def _certificate_paragraphs(cert: CertificateDoc, scale: float) -> list[tuple[Paragraph, float]]:
    """The body paragraphs at ``scale`` times the normal size, each with the gap
    that follows it."""
    body_size, small_size = 19 * scale, 13.5 * scale
    indent = 2 * body_size  # two characters, as Chinese paragraphs start
    salutation_style = paragraph_style("cert-salutation", body_size, leading=body_size * 1.6)
    body_style = paragraph_style(
        "cert-body",
        body_size,
        leading=body_size * 1.6,
        firstLineIndent=indent,
        alignment=TA_JUSTIFY,
    )
    small_style = paragraph_style(
        "cert-small",
        small_size,
        leading=small_size * 1.6,
        firstLineIndent=indent,
        alignment=TA_JUSTIFY,
    )
    salutation = _("%(village)s %(head)s 户：") % {
        "village": cert.village_name,
        "head": cert.head_name_masked,
    }
    grade = f'<font color="{SEAL_RED_HEX}">{markup(cert.grade_label or cert.grade)}</font>'
    award = markup(_("经村评信团评定、公示，评为 %(grade)s 信用户。")) % {"grade": grade}
    validity = _("有效期：%(start)s至%(end)s（下一周期评定结果生效后以新等级为准）") % {
        "start": format_date(cert.effective_from),
        "end": format_date(cert.valid_until),
    }
    return [
        (Paragraph(markup(salutation), salutation_style), 1 * mm * scale),
        (Paragraph(award, body_style), 1 * mm * scale),
        (Paragraph(markup(_("特发此证。")), body_style), 4 * mm * scale),
        (Paragraph(markup(validity), small_style), 0),
    ]


def _certificate_footer(canvas: Canvas, width: float, cert: CertificateDoc) -> None:
    """Serial number bottom left; issuer and date, then the QR code, bottom right."""
    name = font_name()
    inner = CERT_INNER
    qr_x, qr_y = width - inner - 8 * mm - CERT_QR_PT, inner + 10 * mm
    pdf_qr(cert.verify_url, CERT_QR_PT).drawOn(canvas, qr_x, qr_y)
    canvas.saveState()
    canvas.setFillColor(MUTED)
    canvas.setFont(name, 9)
    canvas.drawCentredString(qr_x + CERT_QR_PT / 2, qr_y - 5 * mm, printable(_("扫码核验真伪")))
    canvas.setFont(name, 11)
    serial = _("证书编号：%(serial)s") % {"serial": cert.serial}
    canvas.drawString(inner + 10 * mm, inner + 10 * mm, printable(serial))
    canvas.setFillColor(INK)
    right = qr_x - 10 * mm
    canvas.setFont(name, 15)
    canvas.drawRightString(right, qr_y + CERT_QR_PT - 8 * mm, printable(cert.issuer))
    canvas.setFont(name, 13)
    canvas.drawRightString(
        right, qr_y + CERT_QR_PT - 17 * mm, printable(format_date(cert.issued_on))
    )
    canvas.restoreState()
