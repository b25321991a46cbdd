"""The village board (村务公开) as an A4 poster for the village notice board.

`board_poster_pdf(BoardPoster)` is a pure builder in the manner of
`sanxin.ratings.pdf`: plain values in, PDF bytes out; it knows nothing of the ORM or
of HTTP. Names arrive already masked (the honour roll, a suggestion's author when
they chose to be named); the builder never sees identity numbers, points or grades.
The font, printable text and page furniture come from `sanxin.lib.pdf`; every piece
of text, typed by villagers or not, goes through `markup` (printable, XML-escaped),
so a suggestion's text cannot inject ReportLab markup.

The poster is one page when the board is of an ordinary size; a long board flows on
to further pages (each numbered, "第 x 页 共 y 页"). Long lists are cut to the
`*_SHOWN` most recent, with a line saying how many more are on the online board (its
QR code is printed top right).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from sanxin.lib.pdf import (
    INK,
    MUTED,
    RULE,
    SEAL_RED,
    SHADE,
    a4_document,
    content_width,
    font_name,
    format_date,
    markup,
    numbered_canvas,
    page_footer,
    paragraph_style,
    pdf_qr,
)

HONOURS_SHOWN = 60
ACTIVITIES_SHOWN = 6
SUGGESTIONS_SHOWN = 10
SUGGESTION_CHARS = 80  # a suggestion's text is cut to this many characters
QR_PT = 24 * mm


@dataclass(frozen=True)
class PosterHonour:
    honour: str  # 美丽庭院
    year: int
    name: str  # masked: 王*山
    household_number: str


@dataclass(frozen=True)
class PosterActivity:
    title: str
    kind: str  # its label: 环境整治
    starts_at: datetime  # aware; printed in local time by the caller's choice
    place: str


@dataclass(frozen=True)
class PosterSuggestion:
    text: str
    author: str  # masked name, or "村民" when they chose not to be named
    reply: str
    adopted_on: date | None


@dataclass(frozen=True)
class PosterProject:
    name: str
    money: Decimal  # yuan
    households: int  # how many households gave
    labour_days: Decimal
    goods: list[str] = field(default_factory=list)  # "苹果 500斤"
    target: Decimal | None = None


@dataclass(frozen=True)
class PosterNotice:
    headline: str  # 2025年度农户信用等级评定结果公示
    starts_on: date | None
    ends_on: date | None


@dataclass(frozen=True)
class BoardPoster:
    """Everything printed on the poster, already in display order."""

    village_name: str
    town_name: str
    day: date
    url: str  # the online board, for the QR code
    honours: list[PosterHonour] = field(default_factory=list)
    activities: list[PosterActivity] = field(default_factory=list)
    suggestions: list[PosterSuggestion] = field(default_factory=list)
    projects: list[PosterProject] = field(default_factory=list)
    notices: list[PosterNotice] = field(default_factory=list)
    # Counts beyond what the lists hold (the builder also cuts to *_SHOWN).
    suggestions_total: int | None = None


def yuan(amount: Decimal) -> str:
    """12345.5 → "12,345.50 元"."""
    return _("%(amount)s 元") % {"amount": f"{amount:,.2f}"}


def days(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value else "0"
    return _("%(days)s 天") % {"days": text}


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "title": paragraph_style("p-title", 24, alignment=TA_CENTER, textColor=SEAL_RED),
        "subtitle": paragraph_style("p-sub", 11, alignment=TA_CENTER, textColor=MUTED),
        "h": paragraph_style("p-h", 14, leading=18, textColor=SEAL_RED, spaceBefore=3 * mm),
        "body": paragraph_style("p-body", 10.5),
        "small": paragraph_style("p-small", 9, textColor=MUTED),
        "cell": paragraph_style("p-cell", 9.5, leading=12),
        "cell_r": paragraph_style("p-cell-r", 9.5, leading=12, alignment=TA_RIGHT),
        "caption": paragraph_style("p-cap", 8, alignment=TA_CENTER, textColor=MUTED),
        "sign": paragraph_style("p-sign", 11, leading=18, alignment=TA_RIGHT),
    }


def _table(rows: list[list], widths: list[float], *, header: bool = True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("FONT", (0, 0), (-1, -1), font_name(), 9.5),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("BOX", (0, 0), (-1, -1), 0.8, INK),
    ]
    if header:
        style += [("BACKGROUND", (0, 0), (-1, 0), SHADE), ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK)]
    table.setStyle(TableStyle(style))
    return table


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(markup(text), style)


def _cut(text: str, chars: int) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _heading(board: BoardPoster, s: dict, width: float) -> Table:
    title = _("%(village)s村务公开栏") % {"village": board.village_name}
    left = [
        _p(title, s["title"]),
        Spacer(1, 2 * mm),
        _p(f"{board.town_name} {board.village_name}".strip(), s["subtitle"]),
        _p(_("更新日期：%(day)s") % {"day": format_date(board.day)}, s["subtitle"]),
    ]
    qr = [pdf_qr(board.url, QR_PT), _p(_("扫码查看网上公开栏"), s["caption"])]
    side = QR_PT + 4 * mm
    table = Table([[left, qr]], colWidths=[width - side, side])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font_name(), 10),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, 0), 1.5, SEAL_RED),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
            ]
        )
    )
    return table


def _notices(board: BoardPoster, s: dict) -> list:
    out: list = [_p(_("公示"), s["h"])]
    if not board.notices:
        return [*out, _p(_("目前没有正在公示的事项。"), s["body"])]
    for notice in board.notices:
        start, end = format_date(notice.starts_on), format_date(notice.ends_on)
        window = (
            _("公示期：%(start)s至%(end)s") % {"start": start, "end": end} if start and end else ""
        )
        out.append(_p(f"{notice.headline}　{window}".strip(), s["body"]))
    out.append(_p(_("如有异议，请在公示期内向村评信团提出。"), s["small"]))
    return out


def _honours(board: BoardPoster, s: dict, width: float) -> list:
    out: list = [_p(_("光荣榜"), s["h"])]
    if not board.honours:
        return [*out, _p(_("还没有授予的荣誉。"), s["body"])]
    shown = board.honours[:HONOURS_SHOWN]
    groups: dict[tuple[int, str], list[PosterHonour]] = {}
    for h in shown:
        groups.setdefault((h.year, h.honour), []).append(h)
    for (year, honour), rows in groups.items():
        names = "、".join(
            _("%(number)s号户%(name)s") % {"number": r.household_number, "name": r.name}
            for r in rows
        )
        line = _("%(year)d年度“%(honour)s”（%(count)d）：") % {
            "year": year,
            "honour": honour,
            "count": len(rows),
        }
        out.append(_p(line + names, s["body"]))
    if len(board.honours) > len(shown):
        out.append(_more(len(board.honours) - len(shown), s))
    out.append(_p(_("未同意公开全名的，姓名已作隐去处理。"), s["small"]))
    return out


def _more(count: int, s: dict) -> Paragraph:
    return _p(_("另有 %(count)d 条，请扫码查看网上公开栏。") % {"count": count}, s["small"])


def _activities(board: BoardPoster, s: dict, width: float) -> list:
    out: list = [_p(_("近期活动"), s["h"])]
    if not board.activities:
        return [*out, _p(_("近期没有安排活动。"), s["body"])]
    rows = [[_p(_("时间"), s["cell"]), _p(_("活动"), s["cell"]), _p(_("地点"), s["cell"])]]
    for a in board.activities[:ACTIVITIES_SHOWN]:
        when = f"{format_date(a.starts_at.date())} {a.starts_at:%H:%M}"
        rows.append(
            [_p(when, s["cell"]), _p(f"{a.title}（{a.kind}）", s["cell"]), _p(a.place, s["cell"])]
        )
    out.append(_table(rows, [width * 0.28, width * 0.47, width * 0.25]))
    if len(board.activities) > ACTIVITIES_SHOWN:
        out.append(_more(len(board.activities) - ACTIVITIES_SHOWN, s))
    return out


def _suggestions(board: BoardPoster, s: dict, width: float) -> list:
    out: list = [_p(_("建言献策·已采纳"), s["h"])]
    if not board.suggestions:
        return [*out, _p(_("还没有采纳的建议。"), s["body"])]
    rows = [[_p(_("建议"), s["cell"]), _p(_("提出人"), s["cell"]), _p(_("答复"), s["cell"])]]
    shown = board.suggestions[:SUGGESTIONS_SHOWN]
    for sug in shown:
        rows.append(
            [
                _p(_cut(sug.text, SUGGESTION_CHARS), s["cell"]),
                _p(sug.author, s["cell"]),
                _p(_cut(sug.reply, SUGGESTION_CHARS), s["cell"]),
            ]
        )
    out.append(_table(rows, [width * 0.5, width * 0.14, width * 0.36]))
    total = board.suggestions_total or len(board.suggestions)
    if total > len(shown):
        out.append(_more(total - len(shown), s))
    return out


def _projects(board: BoardPoster, s: dict, width: float) -> list:
    out: list = [_p(_("捐资捐物、义务投工"), s["h"])]
    if not board.projects:
        return [*out, _p(_("还没有捐赠记录。"), s["body"])]
    rows = [
        [
            _p(_("项目"), s["cell"]),
            _p(_("捐资"), s["cell_r"]),
            _p(_("户数"), s["cell_r"]),
            _p(_("投工"), s["cell_r"]),
            _p(_("捐物"), s["cell"]),
        ]
    ]
    for p in board.projects:
        name = p.name
        if p.target:
            name += _("（目标 %(target)s）") % {"target": yuan(p.target)}
        rows.append(
            [
                _p(name, s["cell"]),
                _p(yuan(p.money), s["cell_r"]),
                _p(str(p.households), s["cell_r"]),
                _p(days(p.labour_days), s["cell_r"]),
                _p(_cut("、".join(p.goods), 60), s["cell"]),
            ]
        )
    money = sum((p.money for p in board.projects), Decimal(0))
    labour = sum((p.labour_days for p in board.projects), Decimal(0))
    rows.append(
        [
            _p(_("合计"), s["cell"]),
            _p(yuan(money), s["cell_r"]),
            "",
            _p(days(labour), s["cell_r"]),
            "",
        ]
    )
    out.append(_table(rows, [width * 0.3, width * 0.2, width * 0.1, width * 0.12, width * 0.28]))
    return out


def board_poster_pdf(board: BoardPoster) -> bytes:
    """The board as an A4 portrait PDF: heading with the QR code of the online board,
    the notices, the honour roll, upcoming activities, adopted suggestions,
    contributions per project with their totals, the committee's signature."""
    buffer = io.BytesIO()
    title = _("%(village)s村务公开栏") % {"village": board.village_name}
    doc = a4_document(
        buffer,
        title=title,
        author=_("%(village)s村民委员会") % {"village": board.village_name},
        subject=f"{board.town_name} {board.village_name} {board.day:%Y-%m-%d}",
        margin=14 * mm,
    )
    s = _styles()
    width = content_width(doc)
    story: list = [_heading(board, s, width)]
    story += _notices(board, s)
    story += _honours(board, s, width)
    story += _activities(board, s, width)
    story += _suggestions(board, s, width)
    story += _projects(board, s, width)
    committee = _("%(village)s村民委员会") % {"village": board.village_name}
    story.append(
        KeepTogether(
            [
                Spacer(1, 6 * mm),
                _p(committee, s["sign"]),
                _p(format_date(board.day), s["sign"]),
            ]
        )
    )
    doc.build(story, canvasmaker=numbered_canvas(page_footer))
    return buffer.getvalue()
