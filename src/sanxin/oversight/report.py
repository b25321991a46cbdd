"""The period report for the leading group (领导小组): what it says, as plain data the
PDF (`report_pdf.py`), the Excel workbook (`report_xlsx`) and the page all lay out.

A report covers one region (the district, or one town for a town admin) over a period
of days. It holds:

* the pilot-style headline figures (households at 3A/4A/5A, loans granted, rewards
  given, candidates listed, courtyards chosen) for the region, and the same figures per
  child region (towns of the district, villages of a town);
* the grade distribution per child region (a table and a bar chart);
* the lending figures only for a reader holding `Perm.LENDING_TOTALS`; a town admin's
  report says they are reported for the district.

Every figure is an SQL aggregate grouped by village (its region path), rolled up by
the path's ids: a fixed number of queries whatever the number of households, and no
household is loaded into Python. docs/reports.md says what each figure counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm, Scope
from sanxin.engagement.models import Honour
from sanxin.households.choices import HouseholdStatus
from sanxin.lending.report_selectors import Period, worth_report
from sanxin.lib.export import Sheet, workbook_xlsx
from sanxin.ratings.standing import with_grade_in_force
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rewards.models import Candidate, CandidateStatus, Redemption
from sanxin.rules.choices import GRADE_LABELS, GRADES, Grade

ZERO_YUAN = Decimal("0.00")
ZERO_POINTS = Decimal("0")
HIGH_GRADES = (Grade.A3.value, Grade.A4.value, Grade.A5.value)
REPORT_LEVELS = (Level.DISTRICT, Level.TOWN)


@dataclass
class Pilot:
    """The pilot-style headline figures of one region (docs/reports.md)."""

    households: int = 0  # households on the register (active) today
    grades: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GRADES, 0))
    loans: int = 0  # loans disbursed in the period
    loans_amount: Decimal = ZERO_YUAN  # their principal, yuan
    redeemed_households: int = 0  # households with a redemption in the period (not voided)
    redeemed_points: Decimal = ZERO_POINTS  # the points of those redemptions
    candidates: int = 0  # reserve candidates listed (accepted) in the period
    courtyards: int = 0  # 美丽庭院 honours awarded in the period, not withdrawn

    def add(self, other: Pilot) -> None:
        for name in ("households", "loans", "loans_amount", "redeemed_points"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("redeemed_households", "candidates", "courtyards"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for grade, n in other.grades.items():
            self.grades[grade] += n

    @property
    def high(self) -> dict[str, int]:
        return {g: self.grades[g] for g in HIGH_GRADES}

    @property
    def rated(self) -> int:
        return sum(n for g, n in self.grades.items() if g != Grade.UNRATED)


@dataclass(frozen=True)
class Figure:
    """A headline figure: what it counts, the number and its unit."""

    label: str
    value: int | Decimal
    unit: str


@dataclass(frozen=True)
class Table:
    """A table of the report: the rows of the child regions, then a total row."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    widths: Sequence[int] = ()
    note: str = ""

    @property
    def labelled_rows(self) -> list[list[tuple[str, Any]]]:
        """Each row's cells with their header (the narrow screen shows them stacked)."""
        return [list(zip(self.headers, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class BarChart:
    """Grouped bars: one group per category (a region), one bar per series (a grade)."""

    title: str
    categories: Sequence[str]
    series: Sequence[tuple[str, Sequence[int]]]


@dataclass
class PeriodReport:
    region: Region
    period: Period
    made_on: date
    lending_shown: bool
    headline: list[Figure]
    tables: list[Table]
    charts: list[BarChart]
    notes: list[str]

    @property
    def title(self) -> str:
        return _("%(region)s“三信”工作报告") % {"region": self.region.name}

    @property
    def period_text(self) -> str:
        return f"{self.period.start.isoformat()} — {self.period.end.isoformat()}"

    @property
    def is_town(self) -> bool:
        return self.region.level == Level.TOWN


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


def children_of(region: Region) -> list[Region]:
    """The towns of a district, the villages of a town (one query)."""
    return list(Region.objects.filter(parent=region).order_by("sort_order", "name", "pk"))


# --- the figures -------------------------------------------------------------------


def _child_of(region: Region, path: str) -> int | None:
    """The id of `region`'s child on the way to `path` (None: `path` is not below it)."""
    ids = Region.ids_in_path(path)
    depth = len(region.ancestor_ids)
    return ids[depth] if len(ids) > depth else None


def pilot_figures(
    scope: Scope, region: Region, period: Period, perm: Perm = Perm.REPORT_VIEW
) -> dict[int | None, Pilot]:
    """The pilot figures of each child region of `region` (keyed by its id) and of
    `region` itself (key None), over the records the user reaches with `perm`. Six
    queries, whatever the number of households; the lending figures only for a reader
    holding `Perm.LENDING_TOTALS` over `region`."""
    under = region.path
    result: dict[int | None, Pilot] = defaultdict(Pilot)
    start, end = period.moments()

    def rows_into(queryset, key: str, apply) -> None:
        for row in queryset:
            child = _child_of(region, row[key])
            for target in (result[child], result[None]) if child is not None else ():
                apply(target, row)

    households = scope.households(perm).filter(
        villager_group__path__startswith=under, status=HouseholdStatus.ACTIVE
    )
    graded = (
        with_grade_in_force(households)
        .values("village__path", "grade_in_force")
        .annotate(n=Count("pk"))
        .order_by()
    )

    def add_grades(p: Pilot, row: dict) -> None:
        grade = row["grade_in_force"] or Grade.UNRATED.value
        p.grades[grade] += row["n"]
        p.households += row["n"]

    rows_into(graded, "village__path", add_grades)

    redemptions = (
        scope.filter(Redemption.objects, perm)
        .filter(household__villager_group__path__startswith=under)
        .filter(occurred_at__gte=start, occurred_at__lt=end, void__isnull=True)
        .values("household__village__path")
        .annotate(n=Count("household", distinct=True), points=Sum("total_points"))
        .order_by()
    )

    def add_redemptions(p: Pilot, row: dict) -> None:
        p.redeemed_households += row["n"]
        p.redeemed_points += row["points"] or ZERO_POINTS

    rows_into(redemptions, "household__village__path", add_redemptions)

    accepted = (
        scope.filter(Candidate.objects, perm)
        .filter(household__villager_group__path__startswith=under)
        .filter(
            status=CandidateStatus.ACCEPTED,
            events__to_status=CandidateStatus.ACCEPTED,
            events__at__gte=start,
            events__at__lt=end,
        )
        .values("village__path")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    rows_into(accepted, "village__path", lambda p, row: _inc(p, "candidates", row["n"]))

    courtyards = (
        scope.filter(Honour.objects, perm)
        .filter(household__villager_group__path__startswith=under)
        .filter(
            honour_type__for_household=True,
            awarded_on__gte=period.start,
            awarded_on__lte=period.end,
            withdrawal__isnull=True,
        )
        .values("household__village__path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows_into(
        courtyards, "household__village__path", lambda p, row: _inc(p, "courtyards", row["n"])
    )

    if scope.covers_region(region, Perm.LENDING_TOTALS):
        worth = worth_report(scope, region, period)
        for row in worth.rows:
            p = result[row.region.pk]
            p.loans, p.loans_amount = row.totals.loans, row.totals.loans_amount
        result[None].loans = worth.total.loans
        result[None].loans_amount = worth.total.loans_amount
    return result


def _inc(p: Pilot, name: str, n: int) -> None:
    setattr(p, name, getattr(p, name) + n)


# --- the report --------------------------------------------------------------------


def lending_shown(scope: Scope, region: Region) -> bool:
    """Whether the reader sees the lending totals of `region` (Perm.LENDING_TOTALS)."""
    return scope.covers_region(region, Perm.LENDING_TOTALS)


def headline(p: Pilot, *, with_lending: bool) -> list[Figure]:
    figures = [
        Figure(_("在册农户"), p.households, _("户")),
        Figure(_("已评定等级农户"), p.rated, _("户")),
        *(
            Figure(_("%(grade)s 级信用户") % {"grade": GRADE_LABELS[g]}, n, _("户"))
            for g, n in p.high.items()
        ),
    ]
    if with_lending:
        figures += [
            Figure(_("发放贷款"), p.loans, _("笔")),
            Figure(_("贷款金额"), p.loans_amount, _("元")),
        ]
    figures += [
        Figure(_("兑换积分奖励的农户"), p.redeemed_households, _("户")),
        Figure(_("兑换积分"), p.redeemed_points, _("分")),
        Figure(_("列入后备人选"), p.candidates, _("人")),
        Figure(_("评选美丽庭院"), p.courtyards, _("户")),
    ]
    return figures


def _pilot_table(
    children: Sequence[Region], figures: dict[int | None, Pilot], *, with_lending: bool, title: str
) -> Table:
    headers = [_("地区"), _("在册农户"), _("已评定"), "3A", "4A", "5A"]
    if with_lending:
        headers += [_("放款笔数"), _("放款金额（元）")]
    headers += [_("兑换农户"), _("兑换积分"), _("后备人选"), _("美丽庭院")]

    def cells(name: str, p: Pilot) -> list[Any]:
        row: list[Any] = [name, p.households, p.rated, *p.high.values()]
        if with_lending:
            row += [p.loans, p.loans_amount]
        return row + [p.redeemed_households, p.redeemed_points, p.candidates, p.courtyards]

    rows = [cells(c.name, figures.get(c.pk) or Pilot()) for c in children]
    rows.append(cells(_("合计"), figures.get(None) or Pilot()))
    widths = [14, 10, 10, 8, 8, 8] + ([10, 16] if with_lending else []) + [10, 12, 10, 10]
    return Table(title, headers, rows, widths)


def _grade_table(
    children: Sequence[Region], figures: dict[int | None, Pilot], *, title: str
) -> Table:
    headers = [_("地区"), *(GRADE_LABELS[g] for g in GRADES), _("合计")]

    def cells(name: str, p: Pilot) -> list[Any]:
        return [name, *(p.grades[g] for g in GRADES), p.households]

    rows = [cells(c.name, figures.get(c.pk) or Pilot()) for c in children]
    rows.append(cells(_("合计"), figures.get(None) or Pilot()))
    return Table(title, headers, rows, [14] + [9] * (len(GRADES) + 1))


def _grade_chart(children: Sequence[Region], figures: dict[int | None, Pilot]) -> BarChart:
    grades = [g for g in GRADES if g != Grade.UNRATED]
    return BarChart(
        title=_("各地区信用等级分布（户）"),
        categories=[c.name for c in children],
        series=[
            (GRADE_LABELS[g], [(figures.get(c.pk) or Pilot()).grades[g] for c in children])
            for g in grades
        ],
    )


def build_report(scope: Scope, region: Region, period: Period, made_on: date) -> PeriodReport:
    """The report of `region` (a district or town in reach) over `period`."""
    children = children_of(region)
    figures = pilot_figures(scope, region, period)
    with_lending = lending_shown(scope, region)
    level = _("镇（乡、街道）") if region.level == Level.DISTRICT else _("村（社区）")
    notes = []
    if not with_lending:
        notes.append(_("授信、贷款数据由信用联社按全区统计，见区级报告，本报告不含。"))
    return PeriodReport(
        region=region,
        period=period,
        made_on=made_on,
        lending_shown=with_lending,
        headline=headline(figures.get(None) or Pilot(), with_lending=with_lending),
        tables=[
            _pilot_table(
                children,
                figures,
                with_lending=with_lending,
                title=_("分%(level)s主要指标") % {"level": level},
            ),
            _grade_table(children, figures, title=_("分%(level)s信用等级分布") % {"level": level}),
        ],
        charts=[_grade_chart(children, figures)],
        notes=notes,
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
            [[f.label, f.value, f.unit] for f in report.headline],
            [24, 16, 8],
        ),
    ]
    sheets += [Sheet(t.title, t.headers, t.rows, t.widths) for t in report.tables]
    return workbook_xlsx(sheets)
