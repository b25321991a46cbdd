"""Honour certificates (荣誉证书): the PDF (A4 landscape, the embedded font, a QR code
to the public verification page) and the verification itself. The link carries the
honour's random serial signed with the site's secret (as the credit certificates do,
ratings/certificates.py), under its own salt; the page says whether the honour
stands or was withdrawn, and nothing about why."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from django.core import signing
from django.utils.translation import gettext as _
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from sanxin.engagement.models import Honour, HonourWithdrawal
from sanxin.lib.pdf import (
    CREATOR,
    INK,
    LANG,
    MUTED,
    SEAL_RED,
    font_name,
    format_date,
    markup,
    paragraph_style,
    pdf_qr,
    printable,
)
from sanxin.ratings.notice import mask_name

SALT = "sanxin.engagement.honour"


def token_for(honour: Honour) -> str:
    return signing.Signer(salt=SALT).sign(honour.serial)


def honour_from_token(token: str) -> Honour | None:
    try:
        serial = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    return (
        Honour.objects.select_related(
            "honour_type", "household__village", "person", "selection__region"
        )
        .filter(serial=serial)
        .first()
    )


@dataclass(frozen=True)
class Verification:
    """What the public page shows: no model object, no reason."""

    honour_name: str
    year: int
    region_name: str
    name_masked: str
    household_number: str
    awarded_on: date
    standing: bool


def verify(honour: Honour) -> Verification:
    return Verification(
        honour_name=honour.honour_type.name,
        year=honour.year,
        region_name=honour.selection.region.name,
        name_masked=mask_name(honour.person.name if honour.person else honour.household.head_name),
        household_number=honour.household.number,
        awarded_on=honour.awarded_on,
        standing=not HonourWithdrawal.objects.filter(honour=honour).exists(),
    )


@dataclass(frozen=True)
class HonourDoc:
    serial: str
    honour_name: str
    year: int
    region_name: str  # e.g. "双塔山镇 大贵口村"
    recipient: str  # the person, or "王大山户" for a household honour
    issuer: str
    awarded_on: date
    verify_url: str


def honour_pdf(doc: HonourDoc) -> bytes:
    """One A4 landscape page: a red double border, 荣誉证书, the honour in large red
    letters, the citation, the issuer and date, the serial and the QR code."""
    buffer = io.BytesIO()
    width, height = landscape(A4)
    canvas = Canvas(
        buffer, pagesize=(width, height), pageCompression=1, initialFontName=font_name(), lang=LANG
    )
    canvas.setTitle(printable(f"{_('荣誉证书')} {doc.serial}"))
    canvas.setAuthor(printable(doc.issuer))
    canvas.setSubject(printable(f"{doc.year} {doc.honour_name}"))
    canvas.setCreator(CREATOR)
    name = font_name()
    canvas.saveState()
    canvas.setStrokeColor(SEAL_RED)
    canvas.setLineWidth(3)
    canvas.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
    canvas.setLineWidth(0.8)
    canvas.rect(13 * mm, 13 * mm, width - 26 * mm, height - 26 * mm)
    canvas.setFillColor(SEAL_RED)
    canvas.setFont(name, 36)
    canvas.drawCentredString(width / 2, height - 45 * mm, printable(_("荣誉证书")))
    canvas.setFont(name, 48)
    canvas.drawCentredString(width / 2, height - 80 * mm, printable(doc.honour_name))
    canvas.restoreState()
    style = paragraph_style("honour-body", 19, leading=30, alignment=TA_CENTER)
    text = _(
        "%(recipient)s：<br/>在%(region)s %(year)d 年度“%(honour)s”评选中，经推荐、审查、投票和公示，荣获“%(honour)s”称号。<br/>特发此证，以资鼓励。"
    ) % {
        "recipient": markup(doc.recipient),
        "region": markup(doc.region_name),
        "year": doc.year,
        "honour": markup(doc.honour_name),
    }
    para = Paragraph(text, style)
    body_width = 210 * mm
    para.wrap(body_width, height)
    para.drawOn(canvas, (width - body_width) / 2, height - 95 * mm - para.height)
    qr = 26 * mm
    qr_x, qr_y = width - 13 * mm - 8 * mm - qr, 23 * mm
    pdf_qr(doc.verify_url, qr).drawOn(canvas, qr_x, qr_y)
    canvas.setFillColor(MUTED)
    canvas.setFont(name, 9)
    canvas.drawCentredString(qr_x + qr / 2, qr_y - 5 * mm, printable(_("扫码核验真伪")))
    canvas.setFont(name, 11)
    canvas.drawString(
        23 * mm, 23 * mm, printable(_("证书编号：%(serial)s") % {"serial": doc.serial})
    )
    canvas.setFillColor(INK)
    canvas.setFont(name, 15)
    canvas.drawRightString(qr_x - 10 * mm, qr_y + qr - 8 * mm, printable(doc.issuer))
    canvas.drawRightString(qr_x - 10 * mm, qr_y + 4 * mm, printable(format_date(doc.awarded_on)))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
