"""The leadership dashboards (docs/dashboards.md): a district's, town's or village's
figures for a period (oversight/figures.py), per child region with a drill-down
(district → town → village), each section a chart beside its data table, and every
table of the page as an Excel workbook. Each table is built once here (`Table`) and
serves the page, the chart data and the export, so the three show the same numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from sanxin.accounts import rates
from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm, Scope
from sanxin.lib.export import XLSX_TYPE, Sheet, workbook_xlsx
from sanxin.lib.forms import DateInput
from sanxin.oversight import figures
from sanxin.oversight.figures import AGE_BANDS, NOT_YET, Dashboard, Figures, Period, Row
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules.choices import GRADE_LABELS, GRADES

YEARS_BACK = 5
MAX_DAYS = 3 * 366
NOT_YET_FILTER = "none"  # the household list's grade filter for 尚未评定


class PeriodForm(forms.Form):
    """A year (default: the current one), or a date range, which wins when given."""

    year = forms.TypedChoiceField(
        label=gettext_lazy("年度"), required=False, coerce=int, empty_value=None
    )
    start = forms.DateField(label=gettext_lazy("或 起始日期"), required=False, widget=DateInput())
    end = forms.DateField(label=gettext_lazy("截止日期"), required=False, widget=DateInput())

    def __init__(self, data, *, today: date):
        super().__init__(data)
        self.today = today
        years = range(today.year, today.year - YEARS_BACK - 1, -1)
        self.fields["year"].choices = [(y, _("%(y)s 年") % {"y": y}) for y in years]
        self.fields["end"].widget.attrs["max"] = today.isoformat()

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start or end:
            end = min(end or self.today, self.today)
            start = start or date(end.year, 1, 1)
            if start > end:
                self.add_error("start", _("起始日期不能晚于截止日期。"))
            elif (end - start).days > MAX_DAYS:
                self.add_error("start", _("统计期最长三年。"))
            else:
                data["period"] = Period(start, end)
        else:
            data["period"] = Period.of_year(data.get("year") or self.today.year, self.today)
        return data

    def period(self) -> Period:
        """The chosen period, or the current year when the form is invalid."""
        if self.is_valid() and "period" in self.cleaned_data:
            return self.cleaned_data["period"]
        return Period.current(self.today)


@dataclass(frozen=True)
class Cell:
    value: Any
    url: str = ""
    money: bool = False  # yuan: shown with thousands separators, exported as a number

    @property
    def text(self) -> str:
        if self.value is None:
            return "—"
        if self.money:
            return f"{self.value:,.2f}"
        return str(self.value)


@dataclass
class Table:
    """One table of the page and its chart: `kind` bar, stacked, line or pie; the chart
    draws `series` (column indexes) over the rows' first cells (or, `by_column`, one
    series per row over the columns)."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    total: list[Cell] | None = None
    kind: str = "bar"
    series: tuple[int, ...] = ()
    unit: str = ""
    note: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)

    def chart(self) -> dict:
        categories = [str(r[0].value) for r in self.rows]
        return {
            "kind": self.kind,
            "unit": self.unit,
            "title": self.title,
            "categories": categories,
            "series": [
                {"name": self.headers[i], "data": [_number(r[i].value) for r in self.rows]}
                for i in self.series
            ],
        }

    @property
    def display_rows(self) -> list[list[tuple[str, Cell]]]:
        """The rows with each cell's column header (the label of a stacked cell)."""
        return [list(zip(self.headers, row, strict=True)) for row in self.rows]

    @property
    def display_total(self) -> list[tuple[str, Cell]] | None:
        return None if self.total is None else list(zip(self.headers, self.total, strict=True))

    def sheet(self) -> Sheet:
        body = [[c.value for c in row] for row in self.rows]
        if self.total is not None:
            body.append([c.value for c in self.total])
        return Sheet(self.title, self.headers, body, [16] + [12] * (len(self.headers) - 1))


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


class _Links:
    """The URLs a figure drills down to, where a page lists the same records."""

    def __init__(self, scope: Scope, board: Dashboard, query: str):
        self.scope = scope
        self.board = board
        self.query = query
        region = board.region
        reach = [g.region_path for g in scope.grants_for(Perm.VIEW_REGISTRY)]
        # The household list shows the whole of the user's reach, filtered by group only.
        self.whole_reach = reach == [region.path]
        self.reviews = scope.covers_region(region, Perm.REVIEW_POINTS) and (
            [g.region_path for g in scope.grants_for(Perm.REVIEW_POINTS)] == [region.path]
        )

    def dashboard(self, row: Row) -> str:
        if row.region is None or row.region.level == Level.GROUP:
            return ""
        url = reverse("oversight:dashboard_region", args=[row.region.pk])
        return f"{url}?{self.query}" if self.query else url

    def _filter(self, row: Row | None) -> dict | None:
        """The household-list style filter selecting the row: a villager group, or the
        whole reach for the total (None: no page lists exactly these)."""
        if row is None:
            return {} if self.whole_reach else None
        if row.region is not None and row.region.level == Level.GROUP:
            return (
                {"group": row.region.pk}
                if self.scope.covers_region(row.region, Perm.VIEW_REGISTRY)
                else None
            )
        return None

    def households(self, row: Row | None, grade: str | None = None) -> str:
        params = self._filter(row)
        if params is None:
            return ""
        if grade is not None:
            params["grade"] = grade or NOT_YET_FILTER
        url = reverse("households:list")
        return f"{url}?{urlencode(params)}" if params else url

    def review_queue(self, row: Row | None) -> str:
        if not self.reviews:
            return ""
        if row is None:
            return reverse("points:review")
        if row.region is not None and row.region.level == Level.GROUP:
            return f"{reverse('points:review')}?group={row.region.pk}"
        return ""

    def lending(self, row: Row | None) -> str:
        region = self.board.region if row is None else row.region
        if region is None or region.level == Level.GROUP:
            return ""
        if not self.scope.covers_region(region, Perm.LENDING_TOTALS):
            return ""
        p = self.board.period
        query = urlencode({"region": region.pk, "start": p.start, "end": p.end})
        return f"{reverse('lending:reports')}?{query}"


def _name(row: Row, board: Dashboard, links: _Links) -> Cell:
    if row.region is None:
        return Cell(_("本级（不属于下级的记录）"))
    return Cell(row.region.name, links.dashboard(row))


def _tables(board: Dashboard, links: _Links) -> list[Table]:
    """Every table of the page, in order."""
    level_name = {
        Level.TOWN: _("镇（乡）"),
        Level.VILLAGE: _("村"),
        Level.GROUP: _("村民小组"),
    }[board.child_level]
    total_label = Cell(_("合计"))
    tables: list[Table] = []

    def rows_and_total(cells) -> tuple[list[list[Cell]], list[Cell]]:
        rows = [[_name(r, board, links), *cells(r.figures, r)] for r in board.rows]
        return rows, [total_label, *cells(board.total, None)]

    # 1. coverage
    def coverage(f: Figures, row: Row | None) -> list[Cell]:
        return [
            Cell(f.households, links.households(row)),
            Cell(f.rated),
            Cell(f.households - f.rated, links.households(row, NOT_YET)),
            Cell(f.coverage),
        ]

    rows, total = rows_and_total(coverage)
    tables.append(
        Table(
            "coverage",
            _("农户登记与评定覆盖"),
            [level_name, _("登记户数"), _("已评定户数"), _("尚未评定户数"), _("覆盖率（%）")],
            rows,
            total,
            kind="bar",
            series=(4,),
            unit="%",
            note=_("已评定：持有在用等级的农户（含“未评级”）。覆盖率 = 已评定户数 ÷ 登记户数。"),
        )
    )

    # 2. grades in force
    grade_keys = [*reversed(GRADES), NOT_YET]
    grade_names = [GRADE_LABELS[g] for g in reversed(GRADES)] + [_("尚未评定")]

    def grades(f: Figures, row: Row | None) -> list[Cell]:
        return [Cell(f.grades.get(g, 0), links.households(row, g)) for g in grade_keys]

    rows, total = rows_and_total(grades)
    tables.append(
        Table(
            "grades",
            _("在用等级分布（户）"),
            [level_name, *grade_names],
            rows,
            total,
            kind="stacked",
            series=tuple(range(1, len(grade_keys) + 1)),
            note=_("今天的在用等级，与农户列表按等级筛选的结果一致。"),
        )
    )

    # 3. change from the previous cycle (the total)
    t = board.total
    tables.append(
        Table(
            "cycles",
            _("较上一评定周期的变化（户）"),
            [_("等级"), _("最近一次评定"), _("上一次评定"), _("变化")],
            [
                [
                    Cell(GRADE_LABELS[g]),
                    Cell(t.cycle_grades.get(g, 0)),
                    Cell(t.previous_grades.get(g, 0)),
                    Cell(t.grade_change[g]),
                ]
                for g in reversed(GRADES)
            ],
            kind="bar",
            series=(1, 2),
            links=[(_("评定周期"), reverse("ratings:list"))],
            note=_(
                "各村统计期结束前最终确定的最近一次评定周期和它之前的一次，"
                "按周期确定时写入的等级计。"
            ),
        )
    )

    # 3b. the change per region, at 3A and above
    def change(f: Figures, row: Row | None) -> list[Cell]:
        return [
            Cell(f.cycle_3a_up),
            Cell(f.previous_3a_up),
            Cell(f.cycle_3a_up - f.previous_3a_up),
        ]

    rows, total = rows_and_total(change)
    tables.append(
        Table(
            "cycles_by_region",
            _("3A 及以上户数的变化"),
            [level_name, _("最近一次评定"), _("上一次评定"), _("变化")],
            rows,
            total,
            kind="bar",
            series=(1, 2),
            note=_("同上，按地区统计 3A、4A、5A 户数之和。"),
        )
    )

    # 4. entries per month
    tables.append(
        Table(
            "months",
            _("积分记录（按月）"),
            [_("月份"), _("记录条数"), _("审核通过"), _("审核驳回")],
            [
                [
                    Cell(m.month.strftime("%Y-%m")),
                    Cell(m.recorded),
                    Cell(m.approved),
                    Cell(m.rejected),
                ]
                for m in board.months
            ],
            [
                total_label,
                Cell(sum(m.recorded for m in board.months)),
                Cell(sum(m.approved for m in board.months)),
                Cell(sum(m.rejected for m in board.months)),
            ],
            kind="line",
            series=(1, 2, 3),
            note=_("记录按记录时间、审核按审核时间计入月份。"),
        )
    )

    # 5. entries and the review backlog per region
    def entries(f: Figures, row: Row | None) -> list[Cell]:
        return [
            Cell(f.entries_recorded),
            Cell(f.entries_approved),
            Cell(f.entries_rejected),
            Cell(f.pending, links.review_queue(row)),
            *(Cell(n) for n in f.backlog),
        ]

    rows, total = rows_and_total(entries)
    tables.append(
        Table(
            "backlog",
            _("积分记录与待审核积压"),
            [
                level_name,
                _("记录条数"),
                _("审核通过"),
                _("审核驳回"),
                _("待审核（今天）"),
                *(_("积压 %(band)s") % {"band": label} for label, _a, _b in AGE_BANDS),
            ],
            rows,
            total,
            kind="stacked",
            series=tuple(range(5, 5 + len(AGE_BANDS))),
            note=_("待审核积压按记录至今的天数分段，不受统计期影响。"),
        )
    )

    # 6. appeals and vetoes
    def appeals(f: Figures, row: Row | None) -> list[Cell]:
        return [
            Cell(f.appeals_filed),
            Cell(f.appeals_answered),
            Cell(f.appeals_upheld),
            Cell(f.answer_days),
            Cell(f.vetoes),
        ]

    rows, total = rows_and_total(appeals)
    tables.append(
        Table(
            "appeals",
            _("异议与一票否决"),
            [
                level_name,
                _("提出异议"),
                _("已答复"),
                _("异议成立"),
                _("平均答复天数"),
                _("否决/直接判级"),
            ],
            rows,
            total,
            kind="bar",
            series=(1, 3, 5),
            links=[(_("评定周期与各周期的异议"), reverse("ratings:list"))],
            note=_("统计期内提出的异议；否决按起始日期计，已撤销的不计。"),
        )
    )

    # 7. the points supermarket
    def shop(f: Figures, row: Row | None) -> list[Cell]:
        return [
            Cell(f.redemptions),
            Cell(f.redemption_points),
            Cell(f.stock_value, money=True),
            Cell(f.funding_balance, money=True),
        ]

    rows, total = rows_and_total(shop)
    shop_links = []
    if links.scope.has(Perm.SHOP_VIEW):
        shop_links.append((_("积分超市与月报"), reverse("rewards:shops")))
    tables.append(
        Table(
            "shops",
            _("积分超市"),
            [level_name, _("兑换笔数"), _("兑换积分"), _("库存金额（元）"), _("资金余额（元）")],
            rows,
            total,
            kind="bar",
            series=(1,),
            note=_(
                "兑换按兑换时间计、已作废的不计，归入农户所在地区；库存金额和资金余额是各超市"
                "统计期最后一个月的月末数，归入超市所属的村或镇。"
            ),
            links=shop_links,
        )
    )

    # 8. lending
    if board.with_lending:

        def lending(f: Figures, row: Row | None) -> list[Cell]:
            lt = f.lending
            if lt is None:
                return [Cell(None)] * 8
            url = links.lending(row)
            return [
                Cell(lt.lines, url),
                Cell(lt.lines_amount, money=True),
                Cell(lt.used, money=True),
                Cell(f.usage),
                Cell(lt.loans),
                Cell(lt.loans_amount, money=True),
                Cell(lt.outstanding, money=True),
                Cell(lt.interest_saved, money=True),
            ]

        rows, total = rows_and_total(lending)
        tables.append(
            Table(
                "lending",
                _("授信用信"),
                [
                    level_name,
                    _("授信户数"),
                    _("授信总额（元）"),
                    _("用信金额（元）"),
                    _("用信率（%）"),
                    _("放款笔数"),
                    _("放款金额（元）"),
                    _("贷款余额（元）"),
                    _("节省利息（元）"),
                ],
                rows,
                total,
                kind="bar",
                series=(4,),
                unit="%",
                note=_(
                    "与“用信统计”页相同：用信率 = 期内授出的授信上已放款的本金 ÷ 这些授信的总额；"
                    "贷款余额为统计期末的本金余额；按村统计，村民小组一级没有授信数字。"
                ),
                links=[(_("用信统计"), links.lending(None))] if links.lending(None) else [],
            )
        )

    # 9. engagement
    def engagement(f: Figures, row: Row | None) -> list[Cell]:
        return [
            Cell(f.honours),
            Cell(f.participating),
            Cell(f.participation),
            Cell(f.suggestions),
            Cell(f.suggestions_answered),
            Cell(f.candidates),
            Cell(f.candidates_listed),
        ]

    rows, total = rows_and_total(engagement)
    engage_links = []
    if links.scope.has(Perm.ENGAGE_VIEW):
        engage_links += [
            (_("荣誉评选"), reverse("engagement:honours")),
            (_("村内活动"), reverse("engagement:activities")),
        ]
    if links.scope.has(Perm.CANDIDATES_VIEW):
        engage_links.append((_("后备人选"), reverse("rewards:candidates")))
    tables.append(
        Table(
            "engagement",
            _("全民争信"),
            [
                level_name,
                _("授予荣誉"),
                _("参加活动户数"),
                _("活动参与率（%）"),
                _("村民建议"),
                _("已答复建议"),
                _("后备人选提名"),
                _("已列入后备"),
            ],
            rows,
            total,
            kind="bar",
            series=(3,),
            unit="%",
            note=_(
                "活动参与率 = 统计期内有人签到的农户数 ÷ 登记户数；荣誉按授予日期计（已撤销的不计），"
                "后备人选按提名时间计（已撤回的不计）。"
            ),
            links=engage_links,
        )
    )
    return tables


def _region_or_404(scope: Scope, region_id) -> Region:
    region = (
        scope.regions(Perm.DASHBOARD_VIEW).filter(pk=region_id, level__in=figures.LEVELS).first()
    )
    if region is None:
        raise Http404
    return region


def _top(scope: Scope) -> list[Region]:
    """The user's top regions for the dashboard: their grants' regions, none inside
    another, from district to village."""
    paths = sorted(
        {
            g.region_path
            for g in scope.grants_for(Perm.DASHBOARD_VIEW)
            if g.region_path and g.region_level in figures.LEVELS
        }
    )
    tops = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    ids = [Region.ids_in_path(p)[-1] for p in tops]
    return list(Region.objects.filter(pk__in=ids).order_by("path"))


def _build(request, region: Region):
    scope = request.scope
    today = timezone.localdate()
    form = PeriodForm(request.GET or None, today=today)
    period = form.period()
    with_lending = scope.covers_region(region, Perm.LENDING_TOTALS) or scope.covers_region(
        region, Perm.LENDING_VIEW
    )
    board = figures.dashboard(region, period, with_lending=with_lending)
    query = urlencode({k: v for k, v in request.GET.items() if k in form.fields and v})
    links = _Links(scope, board, query)
    return form, board, _tables(board, links), query


def _trail(scope: Scope, region: Region) -> list[Region]:
    """The region's ancestors the user reaches with the dashboard, then the region."""
    chain = Region.objects.filter(pk__in=region.ancestor_ids)
    shown = [r for r in chain if scope.covers_region(r, Perm.DASHBOARD_VIEW)]
    return sorted(shown, key=lambda r: len(r.path))


def _page(request, region: Region, tops: list[Region]):
    form, board, tables, query = _build(request, region)
    return render(
        request,
        "oversight/dashboard.html",
        {
            "form": form,
            "board": board,
            "tables": tables,
            "charts": [(f"chart-{t.key}", t.chart()) for t in tables],
            "trail": _trail(request.scope, region),
            "tops": tops if len(tops) > 1 else [],
            "query": query,
            "lending_hidden": not board.with_lending,
        },
    )


@require_GET
@requires(Perm.DASHBOARD_VIEW)
def dashboard_home(request):
    """The dashboard of the user's top region (the first, when they have several)."""
    tops = _top(request.scope)
    if not tops:
        raise Http404
    return _page(request, tops[0], tops)


@require_GET
@requires(Perm.DASHBOARD_VIEW)
def dashboard_region(request, region_id: int):
    region = _region_or_404(request.scope, region_id)
    return _page(request, region, _top(request.scope))


@require_GET
@requires(Perm.DASHBOARD_VIEW)
@rates.limited(rates.EXPORT)
def dashboard_export(request, region_id: int):
    """Every table of the page as one workbook, a sheet per table."""
    region = _region_or_404(request.scope, region_id)
    _form, board, tables, _query = _build(request, region)
    content = workbook_xlsx([t.sheet() for t in tables])
    response = HttpResponse(content, content_type=XLSX_TYPE)
    name = _("%(region)s数据看板 %(period)s.xlsx") % {
        "region": region.name,
        "period": f"{board.period.start:%Y%m%d}-{board.period.end:%Y%m%d}",
    }
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response
