"""The period report as an A4 PDF: a title page, the headline figures, the charts
(vector, drawn with reportlab.graphics) and the tables, "第 x 页 共 y 页" on every page.

`report_pdf(PeriodReport)` is a pure builder: the report's plain data in, PDF bytes
out. Every string is drawn in the document font (`sanxin.lib.pdf`), which is embedded
as a subset, so the report reads the same on a machine without Chinese fonts; chart
labels are set to that font too (a Drawing would otherwise name Helvetica).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from sanxin.lib.pdf import (
    INK,
    MUTED,
    RULE,
    SHADE,
    a4_document,
    content_width,
    font_name,
    format_date,
    markup,
    numbered_canvas,
    page_footer,
    paragraph_style,
    printable,
)
from sanxin.oversight.report import BarChart, Figure, PeriodReport, display
from sanxin.oversight.report import Table as ReportTable

# One colour per grade, A to 5A, light to dark: the bars differ in lightness as well as
# hue, so a grey-scale print still tells them apart (and the legend names them).
BAR_COLOURS = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c", "#08306b"]
HEADLINE_COLUMNS = 3
CHART_HEIGHT = 80 * mm
CELL_SIZE = 8.5  # table text, points


def report_pdf(report: PeriodReport) -> bytes:
    buffer = io.BytesIO()
    doc = a4_document(
        buffer,
        title=report.title,
        author=report.region.name,
        subject=_("统计期 %(period)s") % {"period": report.period_text},
    )
    width = content_width(doc)
    styles = _styles()
    story: list = [*_title_page(report, styles), PageBreak()]
    story.append(Paragraph(markup(_("一、主要数据")), styles["h1"]))
    story.append(_headline_table(report.headline, width, styles))
    for note in report.notes:
        story.append(Spacer(1, 2 * mm))
        story.append(Paragraph(markup(note), styles["note"]))
    story.append(Spacer(1, 6 * mm))
    number = 2
    for chart in report.charts:
        story.append(CondPageBreak(CHART_HEIGHT + 20 * mm))
        story.append(Paragraph(markup(_numbered(number, chart.title)), styles["h1"]))
        story.append(bar_chart(chart, width))
        story.append(Spacer(1, 6 * mm))
        number += 1
    for table in report.tables:
        story.append(CondPageBreak(40 * mm))
        story.append(Paragraph(markup(_numbered(number, table.title)), styles["h1"]))
        story.append(data_table(table, width, styles))
        if table.note:
            story.append(Spacer(1, 2 * mm))
            story.append(Paragraph(markup(table.note), styles["note"]))
        story.append(Spacer(1, 6 * mm))
        number += 1
    doc.build(story, canvasmaker=numbered_canvas(page_footer))
    return buffer.getvalue()


_CHINESE_NUMBERS = "一二三四五六七八九十"


def _numbered(n: int, title: str) -> str:
    prefix = _CHINESE_NUMBERS[n - 1] if n <= len(_CHINESE_NUMBERS) else str(n)
    return f"{prefix}、{title}"


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "title": paragraph_style("title", 26, alignment=TA_CENTER, leading=38),
        "subtitle": paragraph_style("subtitle", 14, alignment=TA_CENTER, textColor=MUTED),
        "meta": paragraph_style("meta", 13, alignment=TA_CENTER, leading=24),
        "h1": paragraph_style("h1", 14, spaceBefore=2 * mm, spaceAfter=3 * mm),
        "note": paragraph_style("note", 9.5, textColor=MUTED, alignment=TA_LEFT),
        "label": paragraph_style("label", 10, textColor=MUTED, alignment=TA_CENTER),
        "value": paragraph_style("value", 18, alignment=TA_CENTER, leading=24),
        "head": paragraph_style("head", CELL_SIZE, leading=10.5, alignment=TA_CENTER),
        "cell": paragraph_style("cell", CELL_SIZE, leading=10.5, alignment=TA_CENTER),
    }


def _title_page(report: PeriodReport, styles: dict[str, ParagraphStyle]) -> list:
    lines = [
        _("统计期：%(start)s至%(end)s")
        % {"start": format_date(report.period.start), "end": format_date(report.period.end)},
        _("生成日期：%(day)s") % {"day": format_date(report.made_on)},
    ]
    return [
        Spacer(1, 60 * mm),
        Paragraph(markup(report.title), styles["title"]),
        Spacer(1, 6 * mm),
        Paragraph(markup(_("报送：“三信”工作领导小组")), styles["subtitle"]),
        Spacer(1, 40 * mm),
        *(Paragraph(markup(line), styles["meta"]) for line in lines),
    ]


def figure_text(f: Figure) -> str:
    """A headline figure with its unit ("—" alone when it has no base)."""
    return "—" if f.value is None else f"{display(f.value)} {f.unit}"


def _headline_table(
    figures: Sequence[Figure], width: float, styles: dict[str, ParagraphStyle]
) -> Table:
    cells = [
        [
            Paragraph(markup(figure_text(f)), styles["value"]),
            Paragraph(markup(f.label), styles["label"]),
        ]
        for f in figures
    ]
    rows = []
    for i in range(0, len(cells), HEADLINE_COLUMNS):
        chunk = cells[i : i + HEADLINE_COLUMNS]
        chunk += [["", ""]] * (HEADLINE_COLUMNS - len(chunk))
        rows.append([c[0] for c in chunk])
        rows.append([c[1] for c in chunk])
    table = Table(rows, colWidths=[width / HEADLINE_COLUMNS] * HEADLINE_COLUMNS)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), font_name()),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for r in range(0, len(rows), 2):
        style.append(("BOX", (0, r), (-1, r + 1), 0.5, RULE))
        style.append(("LINEAFTER", (0, r), (-2, r + 1), 0.5, RULE))
        style.append(("BACKGROUND", (0, r), (-1, r), SHADE))
    table.setStyle(TableStyle(style))
    return table


def data_table(table: ReportTable, width: float, styles: dict[str, ParagraphStyle]) -> Table:
    """A table with a header row repeated on each page; the last row (the total) shaded.
    Columns are as wide as their longest cell, so numbers stay on one line; headers wrap."""
    header = [Paragraph(markup(h), styles["head"]) for h in table.headers]
    texts = [[printable(display(v)) for v in row] for row in table.rows]
    body = [[Paragraph(markup(t), styles["cell"]) for t in row] for row in texts]
    widths = column_widths(table.headers, texts, width)
    flowable = Table([header, *body], colWidths=widths, repeatRows=1)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), font_name()),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if body:
        style.append(("BACKGROUND", (0, len(body)), (-1, len(body)), SHADE))
    flowable.setStyle(TableStyle(style))
    return flowable


def column_widths(
    headers: Sequence[str], rows: Sequence[Sequence[str]], width: float
) -> list[float]:
    """Each column's width: its longest cell (or two characters of its header, which
    may wrap), plus padding; the spare width shared out, or all scaled down to fit."""
    font, size = font_name(), CELL_SIZE
    needed = []
    for i, head in enumerate(headers):
        cells = [stringWidth(r[i], font, size) for r in rows if i < len(r)]
        head_min = stringWidth(printable(head)[:4], font, size)
        needed.append(max([head_min, *cells]) + 8)
    total = sum(needed)
    if total <= width:
        spare = (width - total) / len(needed)
        return [w + spare for w in needed]
    return [w * width / total for w in needed]


def bar_chart(chart: BarChart, width: float) -> Drawing:
    """Grouped vertical bars with a legend, every label in the document font."""
    font = font_name()
    drawing = Drawing(width, CHART_HEIGHT)
    drawing.initialFontName = font  # else the drawing's state names Helvetica
    if not chart.categories:
        empty = String(width / 2, CHART_HEIGHT / 2, printable(_("无数据")), fontName=font)
        empty.fontSize, empty.textAnchor, empty.fillColor = 11, "middle", MUTED
        drawing.add(empty)
        return drawing
    bars = VerticalBarChart()
    bars.x, bars.y = 14 * mm, 16 * mm
    bars.width, bars.height = width - 20 * mm, CHART_HEIGHT - 30 * mm
    bars.data = [list(values) for _label, values in chart.series]
    bars.categoryAxis.categoryNames = [printable(c) for c in chart.categories]
    bars.categoryAxis.labels.fontName = font
    bars.categoryAxis.labels.fontSize = 8 if len(chart.categories) > 8 else 9
    bars.categoryAxis.labels.angle = 30 if len(chart.categories) > 8 else 0
    bars.categoryAxis.labels.boxAnchor = "ne" if len(chart.categories) > 8 else "n"
    bars.valueAxis.labels.fontName = font
    bars.valueAxis.labels.fontSize = 8
    bars.valueAxis.valueMin = 0
    top = max((max(values, default=0) for _label, values in chart.series), default=0)
    bars.valueAxis.valueMax = max(5, int(top * 1.15) + 1)
    bars.valueAxis.labelTextFormat = "%d"
    bars.valueAxis.strokeColor = RULE
    bars.categoryAxis.strokeColor = RULE
    bars.groupSpacing = 6
    bars.barSpacing = 0.5
    for i in range(len(chart.series)):
        bars.bars[i].fillColor = colors.HexColor(BAR_COLOURS[i % len(BAR_COLOURS)])
        bars.bars[i].strokeColor = None
    drawing.add(bars)
    legend = Legend()
    legend.fontName = font
    legend.fontSize = 9
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.dx = legend.dy = 7
    legend.deltax = 40
    legend.x, legend.y = bars.x, CHART_HEIGHT - 4 * mm
    legend.colorNamePairs = [
        (colors.HexColor(BAR_COLOURS[i % len(BAR_COLOURS)]), printable(label))
        for i, (label, _values) in enumerate(chart.series)
    ]
    legend.strokeColor = INK
    drawing.add(legend)
    return drawing
