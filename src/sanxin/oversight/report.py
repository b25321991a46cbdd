"""The period report for the leading group (领导小组): what it says, as plain data the
PDF (`report_pdf.py`), the Excel workbook (`report_xlsx`) and the page lay out.

A report covers one region (the district, or one town for a town admin) over a period
of days. Its figures are the dashboard's (`oversight/figures.py`, `dashboard`), for the
region and per child region (the towns of a district, the villages of a town), so the
report and the dashboard never disagree. Two pilot-style headline figures the dashboard
does not count are added here, in the same way (SQL aggregates grouped by region path):
the households that redeemed points, and the 美丽庭院 honours (courtyards chosen). The
lending figures appear only for a reader holding `Perm.LENDING_TOTALS` over the region;
a town admin's report says they are reported for the district. docs/reports.md says
what each figure counts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm, Scope
from sanxin.engagement.models import Honour
from sanxin.lib.export import Sheet, workbook_xlsx
from sanxin.oversight.assessment.selectors import Published, assessment_latest_published
from sanxin.oversight.figures import (
    AGE_BANDS,
    NOT_YET,
    Dashboard,
    Figures,
    Period,
    Row,
    dashboard,
)
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rewards.models import Redemption
from sanxin.rules.choices import GRADE_LABELS, GRADES, RATED_GRADES

HIGH_GRADES = ("3A", "4A", "5A")
REPORT_LEVELS = (Level.DISTRICT, Level.TOWN)
GROUP_PATH = "household__villager_group__path"
NONE = "—"  # a rate without a base (no household, no line granted)


@dataclass(frozen=True)
class Figure:
    """A headline figure: what it counts, the number (None: no base) and its unit."""

    label: str
    value: int | Decimal | None
    unit: str

    @property
    def text(self) -> str:
        return display(self.value)


@dataclass(frozen=True)
class Table:
    """A table of the report: the rows of the child regions, then a total row."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    widths: Sequence[int] = ()
    note: str = ""

    @property
    def text_rows(self) -> list[list[str]]:
        """The rows as the page shows them (`display`)."""
        return [[display(v) for v in row] for row in self.rows]


@dataclass(frozen=True)
class BarChart:
    """Grouped bars: one group per category, one bar per series."""

    title: str
    categories: Sequence[str]
    series: Sequence[tuple[str, Sequence[int]]]


@dataclass
class Extra:
    """The pilot figures the dashboard does not count, for one region."""

    redeemed_households: int = 0  # households with a redemption in the period that stands
    courtyards: int = 0  # 美丽庭院 (household honours) awarded in the period, not withdrawn


@dataclass
class PeriodReport:
    region: Region
    dashboard: Dashboard
    made_on: date
    headline: list[Figure]
    tables: list[Table]
    charts: list[BarChart]
    notes: list[str] = field(default_factory=list)

    @property
    def period(self) -> Period:
        return self.dashboard.period

    @property
    def lending_shown(self) -> bool:
        return self.dashboard.with_lending

    @property
    def title(self) -> str:
        return _("%(region)s“三信”工作报告") % {"region": self.region.name}

    @property
    def period_text(self) -> str:
        return f"{self.period.start.isoformat()} — {self.period.end.isoformat()}"


# --- the reach ---------------------------------------------------------------------


def report_regions(scope: Scope) -> list[Region]:
    """The regions a report may cover for this user: each district or town in reach
    with `Perm.REPORT_VIEW` (a district admin: the district and its towns; a town
    admin: its town). One query."""
    return list(
        scope.regions(Perm.REPORT_VIEW)
        .filter(level__in=REPORT_LEVELS)
        .select_related("parent")
        .order_by("path", "sort_order", "name")
    )


def lending_shown(scope: Scope, region: Region) -> bool:
    """Whether the reader sees the lending totals of `region` (Perm.LENDING_TOTALS)."""
    return scope.covers_region(region, Perm.LENDING_TOTALS)


# --- the two figures the dashboard does not count ----------------------------------------


def extras(board: Dashboard) -> tuple[dict[int | None, Extra], Extra]:
    """Per row of `board` (a child region's id; None for the region's own records) and
    in total: households that redeemed and courtyards chosen. Two queries."""
    region, period = board.region, board.period
    depth = len(region.ancestor_ids)
    children = {row.region.pk for row in board.rows if row.region is not None}
    by_row: dict[int | None, Extra] = {}
    total = Extra()
    start, end = period.moments()

    def key(path: str) -> int | None:
        ids = Region.ids_in_path(path)
        return ids[depth] if len(ids) > depth and ids[depth] in children else None

    def fold(rows, apply: Callable[[Extra, int], None]) -> None:
        for path, n in rows:
            apply(by_row.setdefault(key(path), Extra()), n)
            apply(total, n)

    redeemed = (
        Redemption.objects.filter(**{f"{GROUP_PATH}__startswith": region.path})
        .filter(occurred_at__gte=start, occurred_at__lt=end, void__isnull=True)
        .values_list(GROUP_PATH)
        .annotate(n=Count("household", distinct=True))
        .order_by()
    )
    fold(redeemed, lambda e, n: setattr(e, "redeemed_households", e.redeemed_households + n))
    courtyards = (
        Honour.objects.filter(**{f"{GROUP_PATH}__startswith": region.path})
        .filter(
            honour_type__for_household=True,
            awarded_on__gte=period.start,
            awarded_on__lte=period.end,
            withdrawal__isnull=True,
        )
        .values_list(GROUP_PATH)
        .annotate(n=Count("pk"))
        .order_by()
    )
    fold(courtyards, lambda e, n: setattr(e, "courtyards", e.courtyards + n))
    return by_row, total


# --- the report --------------------------------------------------------------------


def headline(f: Figures, extra: Extra, *, with_lending: bool) -> list[Figure]:
    """The pilot-style headline figures of a region."""
    figures = [
        Figure(_("登记农户"), f.households, _("户")),
        Figure(_("评定覆盖率"), f.coverage, "%"),
        *(
            Figure(
                _("%(grade)s 级信用户") % {"grade": GRADE_LABELS[g]}, f.grades.get(g, 0), _("户")
            )
            for g in HIGH_GRADES
        ),
    ]
    if with_lending and f.lending is not None:
        figures += [
            Figure(_("发放贷款"), f.lending.loans, _("笔")),
            Figure(_("贷款金额"), f.lending.loans_amount, _("元")),
            Figure(_("用信率"), f.lending.usage_percent, "%"),
        ]
    figures += [
        Figure(_("兑换积分奖励的农户"), extra.redeemed_households, _("户")),
        Figure(_("兑换积分"), points(f.redemption_points), _("分")),
        Figure(_("列入后备人选"), f.candidates_listed, _("人")),
        Figure(_("评选美丽庭院"), extra.courtyards, _("户")),
    ]
    return figures


def row_name(board: Dashboard, row: Row) -> str:
    """A row's region name; the region's own records (a town's shop) as 本级."""
    return (
        row.region.name
        if row.region is not None
        else _("%(name)s本级") % {"name": board.region.name}
    )


def _table(
    board: Dashboard,
    by_row: dict[int | None, Extra],
    total_extra: Extra,
    title: str,
    headers: Sequence[str],
    cells: Callable[[Figures, Extra], list[Any]],
    note: str = "",
) -> Table:
    rows = [
        [row_name(board, r), *cells(r.figures, by_row.get(_row_key(r)) or Extra())]
        for r in board.rows
    ]
    rows.append([_("合计"), *cells(board.total, total_extra)])
    return Table(title, [_("地区"), *headers], rows, [14] + [11] * len(headers), note)


def _row_key(row: Row) -> int | None:
    return row.region.pk if row.region is not None else None


def points(value: Decimal) -> Decimal:
    """Points as people write them: 99 rather than 99.00, 12.5 rather than 12.50."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def display(value: Any) -> str:
    """A figure as text: numbers with thousands separators, Decimals with the places
    they carry (yuan to the 分, rates to one decimal), "—" for a rate without a base."""
    if value is None:
        return NONE
    if isinstance(value, Decimal):
        return f"{value:,f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _or_none(value: Any) -> Any:
    return NONE if value is None else value


def _district_of(region: Region) -> Region:
    return (
        region if region.level == Level.DISTRICT else Region.objects.get(pk=region.ancestor_ids[0])
    )


def ranking_tables(region: Region, published: Published | None) -> tuple[list[Table], str]:
    """The ranking of the district's latest published assessment: for a district the
    towns and then the villages by their rank; for a town its own line and its
    villages by their rank in the town. With a note naming the year and version."""
    if published is None:
        return [], _("尚无已发布的考核结果。")
    year, number = published.year, published.version.number
    note = _("%(year)d年度考核，第 %(number)d 版（%(day)s发布），发布后冻结。") % {
        "year": year,
        "number": number,
        "day": timezone.localtime(published.version.published_at).date().isoformat(),
    }
    town_names = {r.region.pk: r.region.name for r in published.towns}
    if region.level == Level.DISTRICT:
        towns, villages = published.towns, published.villages
        rank_of = "rank"
    else:
        towns = [r for r in published.towns if r.region.pk == region.pk]
        villages = [r for r in published.villages if r.region.path.startswith(region.path)]
        villages.sort(key=lambda r: (r.town_rank or 0, r.region.path))
        rank_of = "town_rank"
    town_indicators = [i for i in published.indicators if i.get("level") in ("town", "both")]
    tables = []
    if towns:
        names = [i["name"] for i in town_indicators]
        ids = [i["id"] for i in town_indicators]
        tables.append(
            Table(
                _("%(year)d年度考核：镇排名") % {"year": year},
                [_("排名"), _("镇"), _("总分"), *names],
                [[r.rank, r.region.name, r.total, *(_score(r, i) for i in ids)] for r in towns],
                [8, 14, 10] + [12] * len(names),
                note,
            )
        )
    if villages:
        tables.append(
            Table(
                _("%(year)d年度考核：村排名") % {"year": year}
                if region.level == Level.DISTRICT
                else _("%(year)d年度考核：本镇各村排名") % {"year": year},
                [_("排名"), _("村"), _("所在镇"), _("总分"), _("镇内排名")],
                [
                    [
                        getattr(r, rank_of) or NONE,
                        r.region.name,
                        town_names.get(_town_id(r.region), NONE),
                        r.total,
                        r.town_rank or NONE,
                    ]
                    for r in villages
                ],
                [8, 16, 14, 10, 10],
                note,
            )
        )
    return tables, note


def _town_id(region: Region) -> int | None:
    ids = region.ancestor_ids
    return ids[1] if len(ids) > 1 else None


def _score(row, indicator_id: int) -> Any:
    found = row.score_of(indicator_id)
    return found.score if found is not None else NONE


def build_report(scope: Scope, region: Region, period: Period, made_on: date) -> PeriodReport:
    """The report of `region` (a district or town the caller checked is in the user's
    reach with Perm.REPORT_VIEW) over `period`. A fixed number of queries."""
    with_lending = lending_shown(scope, region)
    board = dashboard(region, period, with_lending=with_lending)
    by_row, total_extra = extras(board)
    level = _("镇") if region.level == Level.DISTRICT else _("村")

    def table(title: str, headers: Sequence[str], cells, note: str = "") -> Table:
        return _table(board, by_row, total_extra, title % {"level": level}, headers, cells, note)

    lending_headers = [_("放款笔数"), _("放款金额（元）")] if with_lending else []

    def pilot_cells(f: Figures, e: Extra) -> list[Any]:
        cells: list[Any] = [f.households, f.rated, _or_none(f.coverage)]
        cells += [f.grades.get(g, 0) for g in HIGH_GRADES]
        if with_lending:
            lending = f.lending
            cells += [lending.loans, lending.loans_amount] if lending else [0, Decimal("0.00")]
        return cells + [
            e.redeemed_households,
            points(f.redemption_points),
            f.candidates_listed,
            e.courtyards,
        ]

    grade_keys = [NOT_YET, *GRADES]
    grade_names = [_("尚未评定"), *(GRADE_LABELS[g] for g in GRADES)]
    tables = [
        table(
            _("分%(level)s主要指标"),
            [
                _("登记农户"),
                _("已评定"),
                _("覆盖率（%）"),
                "3A",
                "4A",
                "5A",
                *lending_headers,
                _("兑换农户"),
                _("兑换积分"),
                _("列入后备"),
                _("美丽庭院"),
            ],
            pilot_cells,
        ),
        table(
            _("分%(level)s在用信用等级"),
            [*grade_names, _("合计")],
            lambda f, e: [*(f.grades.get(g, 0) for g in grade_keys), f.households],
            _("在用等级：今天有效的等级（含动态调整）；“尚未评定”为还没有定级结果的农户。"),
        ),
        table(
            _("分%(level)s等级变化（最近一次评定与上一次相比，户）"),
            [GRADE_LABELS[g] for g in GRADES],
            lambda f, e: [_signed(f.grade_change[g]) for g in GRADES],
        ),
        table(
            _("分%(level)s积分记录、异议与否决"),
            [
                _("记录"),
                _("通过"),
                _("退回"),
                *(_("待审 %(band)s") % {"band": b[0]} for b in AGE_BANDS),
                _("异议"),
                _("异议成立"),
                _("平均答复天数"),
                _("否决"),
            ],
            lambda f, e: [
                f.entries_recorded,
                f.entries_approved,
                f.entries_rejected,
                *f.backlog,
                f.appeals_filed,
                f.appeals_upheld,
                _or_none(f.answer_days),
                f.vetoes,
            ],
            _("待审积分按今天计算（不受统计期限制），按记录至今的天数分组。"),
        ),
        table(
            _("分%(level)s积分超市与全民争信"),
            [
                _("兑换次数"),
                _("兑换积分"),
                _("库存金额（元）"),
                _("资金余额（元）"),
                _("荣誉"),
                _("活动参与率（%）"),
                _("建议"),
                _("已答复"),
                _("提名后备"),
                _("列入后备"),
            ],
            lambda f, e: [
                f.redemptions,
                points(f.redemption_points),
                f.stock_value,
                f.funding_balance,
                f.honours,
                _or_none(f.participation),
                f.suggestions,
                f.suggestions_answered,
                f.candidates,
                f.candidates_listed,
            ],
        ),
    ]
    if with_lending:
        tables.append(
            table(
                _("分%(level)s授信用信"),
                [
                    _("授信户数"),
                    _("授信总额（元）"),
                    _("用信金额（元）"),
                    _("用信率（%）"),
                    _("放款笔数"),
                    _("放款金额（元）"),
                    _("贷款余额（元）"),
                    _("节省利息（元）"),
                ],
                lambda f, e: _lending_cells(f),
                _("口径同“用信统计”：期内授出的授信、期内放款、截止日的贷款余额。"),
            )
        )
    ranking, ranking_note = ranking_tables(
        region, assessment_latest_published(_district_of(region))
    )
    tables[1:1] = ranking
    tables.append(
        Table(
            _("每月积分记录"),
            [_("月份"), _("记录"), _("通过"), _("退回")],
            [[f"{m.month:%Y-%m}", m.recorded, m.approved, m.rejected] for m in board.months],
            [12, 10, 10, 10],
        )
    )
    notes = [] if ranking else [ranking_note]
    if not with_lending:
        notes.append(_("授信、贷款数据由信用联社按全区统计，见区级报告，本报告不含。"))
    return PeriodReport(
        region=region,
        dashboard=board,
        made_on=made_on,
        headline=headline(board.total, total_extra, with_lending=with_lending),
        tables=tables,
        charts=[_grade_chart(board), _months_chart(board)],
        notes=notes,
    )


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def _lending_cells(f: Figures) -> list[Any]:
    t = f.lending
    if t is None:
        return [NONE] * 8
    return [
        t.lines,
        t.lines_amount,
        t.used,
        _or_none(t.usage_percent),
        t.loans,
        t.loans_amount,
        t.outstanding,
        t.interest_saved,
    ]


def _grade_chart(board: Dashboard) -> BarChart:
    rows = board.rows
    return BarChart(
        title=_("各地区在用信用等级（户）"),
        categories=[row_name(board, r) for r in rows],
        series=[
            (GRADE_LABELS[g], [r.figures.grades.get(g, 0) for r in rows]) for g in RATED_GRADES
        ],
    )


def _months_chart(board: Dashboard) -> BarChart:
    months = board.months
    return BarChart(
        title=_("每月积分记录（条）"),
        categories=[f"{m.month:%Y-%m}" for m in months],
        series=[
            (_("记录"), [m.recorded for m in months]),
            (_("通过"), [m.approved for m in months]),
            (_("退回"), [m.rejected for m in months]),
        ],
    )


def report_filename(report: PeriodReport, ext: str) -> str:
    """大双区三信工作报告_20250101-20251231.pdf"""
    return (
        f"{report.region.name}三信工作报告_"
        f"{report.period.start:%Y%m%d}-{report.period.end:%Y%m%d}.{ext}"
    )


def report_xlsx(report: PeriodReport) -> bytes:
    """The report's headline figures and tables as a workbook, one sheet each."""
    about = [
        [_("报告"), report.title],
        [_("统计期"), report.period_text],
        [_("生成日期"), report.made_on],
        *([_("说明"), note] for note in report.notes),
    ]
    sheets = [
        Sheet(_("概况"), [_("项目"), _("内容")], about, [16, 60]),
        Sheet(
            _("主要数据"),
            [_("指标"), _("数值"), _("单位")],
            [[f.label, _or_none(f.value), f.unit] for f in report.headline],
            [24, 16, 8],
        ),
    ]
    names = {s.name for s in sheets}
    for t in report.tables:
        name = _sheet_name(t.title, names)
        names.add(name)
        sheets.append(Sheet(name, t.headers, t.rows, t.widths))
    return workbook_xlsx(sheets)


def _sheet_name(title: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (at most 31 characters, none of []:*?/\\), unique."""
    base = "".join("_" if c in "[]:*?/\\" else c for c in title.split("（")[0])[:31]
    name, n = base, 2
    while name in taken:
        name, n = f"{base[:28]}{n}", n + 1
    return name
