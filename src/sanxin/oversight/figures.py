"""The leadership dashboards' figures (docs/dashboards.md): for a district, town or
village and a period, every figure per child region (the towns of a district, the
villages of a town, the villager groups of a village) and in total.

Pure reads, no HTTP and no scope: the caller has checked that the user reaches the
region (its whole subtree is then in reach). Every figure is an SQL aggregate grouped
by the region path of the record (a villager group's path for the records of a
household, the shop's region for stock and funding), folded into the child regions in
Python by the path's ids, so the number of queries is fixed whatever the number of
villages, households or records. Where a page of the product already computes a
figure its selector is reused, so a figure counts the same records as the page it
drills down to: the grade in force (`ratings.standing.with_grade_in_force`, the
household list), the grades a final cycle put in force (as
`ratings.selectors.distributions_by_cycle` counts them), the shop's stock and funding
accounts (`rewards.shop_figures`, `rewards.reports`, the shop report) and the lending
totals (`lending.report_selectors.worth_report`, the lending report).

A period runs from its first day to its last, never past today (`Period.of_year`).
Records count in the period by the day they happened: entries by when they were
recorded, reviews by when they were decided, appeals by when they were filed,
redemptions by when they were made, and so on (each field is named in the doc).
Figures "as of now" (the grade in force, the review backlog) ignore the period."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from sanxin.accounts.scope import Perm
from sanxin.engagement.models import CheckIn, Honour, Suggestion
from sanxin.households.models import Household
from sanxin.ledger.models import Entry, PendingEntry, Review, VetoEvent
from sanxin.lending import report_selectors
from sanxin.lending.report_selectors import Totals
from sanxin.ratings import periods
from sanxin.ratings.choices import CycleState, GradeSource
from sanxin.ratings.models import Appeal, Cycle, GradeRecord
from sanxin.ratings.standing import with_grade_in_force
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rewards import reports, shop_figures
from sanxin.rewards.models import Candidate, CandidateStatus, Redemption, Shop
from sanxin.rules.choices import GRADES, RATED_GRADES

ZERO = Decimal("0.00")
NOT_YET = ""  # the grade key of households without a grade in force yet (尚未评定)
LEVELS = (Level.DISTRICT, Level.TOWN, Level.VILLAGE)  # the regions with a dashboard

# The review backlog's age bands: (label, first day, last day or None), by the days
# since the pending entry was recorded.
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("7 天以内", 0, 7),
    ("8–30 天", 8, 30),
    ("30 天以上", 31, None),
)


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part ÷ whole in per cent to one decimal (ROUND_HALF_UP); None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included."""

    start: date
    end: date

    @classmethod
    def of_year(cls, year: int, today: date | None = None) -> Period:
        """The calendar year, to today at the latest."""
        today = today or timezone.localdate()
        return cls(date(year, 1, 1), min(date(year, 12, 31), max(today, date(year, 1, 1))))

    @classmethod
    def current(cls, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls.of_year(today.year, today)

    def moments(self) -> tuple[datetime, datetime]:
        """[start 00:00, the day after end 00:00) in the project's time zone."""
        tz = timezone.get_default_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )

    def months(self) -> list[date]:
        """The first day of every month the period touches."""
        month, last = reports.month_start(self.start), reports.month_start(self.end)
        result = []
        while month <= last:
            result.append(month)
            month = reports.next_month(month)
        return result

    @property
    def label(self) -> str:
        if self.start.month == 1 and self.start.day == 1 and self.end.year == self.start.year:
            if self.end == date(self.start.year, 12, 31):
                return f"{self.start.year} 年"
            return f"{self.start.year} 年（至 {self.end:%m-%d}）"
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"

    def for_lending(self) -> report_selectors.Period:
        return report_selectors.Period(self.start, self.end)


@dataclass
class Figures:
    """The figures of one region (a child row, the region's own records, or the total).
    docs/dashboards.md says what each one counts."""

    households: int = 0  # households registered (every status, as the household list)
    grades: Counter = field(default_factory=Counter)  # grade in force → households
    cycle_grades: Counter = field(default_factory=Counter)  # latest final cycle's grades
    previous_grades: Counter = field(default_factory=Counter)  # the cycle before it
    entries_recorded: int = 0
    entries_approved: int = 0
    entries_rejected: int = 0
    backlog: list[int] = field(default_factory=lambda: [0] * len(AGE_BANDS))  # pending by age
    appeals_filed: int = 0
    appeals_upheld: int = 0
    appeals_answered: int = 0
    answer_time: timedelta = timedelta(0)  # summed over the answered appeals
    vetoes: int = 0
    redemptions: int = 0
    redemption_points: Decimal = ZERO
    stock_value: Decimal = ZERO
    funding_balance: Decimal = ZERO
    lending: Totals | None = None  # None: not computed (the user sees no lending totals)
    honours: int = 0
    participating: int = 0  # households with a check-in at an activity in the period
    suggestions: int = 0
    suggestions_answered: int = 0
    candidates: int = 0  # nominated in the period, not withdrawn
    candidates_listed: int = 0  # of those, accepted (已列入后备)

    def add(self, other: Figures) -> None:
        for name in self.__dataclass_fields__:
            mine, theirs = getattr(self, name), getattr(other, name)
            if name == "backlog":
                self.backlog = [a + b for a, b in zip(mine, theirs, strict=True)]
            elif name == "lending":
                if theirs is not None:
                    if mine is None:
                        self.lending = mine = Totals()
                    mine.add(theirs)
            elif isinstance(mine, Counter):
                mine.update(theirs)
            else:
                setattr(self, name, mine + theirs)

    @property
    def rated(self) -> int:
        """Households holding a grade in force (未评级 included: it is a decision)."""
        return self.households - self.grades.get(NOT_YET, 0)

    @property
    def coverage(self) -> Decimal | None:
        return percent(self.rated, self.households)

    @property
    def rated_3a_up(self) -> int:
        return sum(self.grades.get(g, 0) for g in ("3A", "4A", "5A"))

    @property
    def grade_change(self) -> dict[str, int]:
        """Per grade: households at it in the latest final cycle minus in the one before."""
        return {g: self.cycle_grades.get(g, 0) - self.previous_grades.get(g, 0) for g in GRADES}

    @property
    def cycle_3a_up(self) -> int:
        """Households at 3A or above in the latest final cycle."""
        return sum(self.cycle_grades.get(g, 0) for g in ("3A", "4A", "5A"))

    @property
    def previous_3a_up(self) -> int:
        return sum(self.previous_grades.get(g, 0) for g in ("3A", "4A", "5A"))

    @property
    def pending(self) -> int:
        return sum(self.backlog)

    @property
    def answer_days(self) -> Decimal | None:
        """Average days from filing to answer, to one decimal."""
        if not self.appeals_answered:
            return None
        seconds = Decimal(self.answer_time.total_seconds()) / self.appeals_answered
        return (seconds / 86400).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def participation(self) -> Decimal | None:
        return percent(self.participating, self.households)

    @property
    def usage(self) -> Decimal | None:
        """用信率 (the lending report's): principal drawn on the lines granted in the
        period ÷ the amount granted, in per cent."""
        return None if self.lending is None else self.lending.usage_percent


@dataclass
class Row:
    """One row of a dashboard: a child region, or (region None) the records of the
    dashboard's region itself that belong to no child (e.g. a town's own shop)."""

    region: Region | None
    figures: Figures = field(default_factory=Figures)


@dataclass(frozen=True)
class MonthEntries:
    month: date
    recorded: int
    approved: int
    rejected: int


@dataclass
class Dashboard:
    region: Region
    period: Period
    rows: list[Row]  # the children in order, then the region's own row if it has records
    total: Figures
    months: list[MonthEntries]
    with_lending: bool

    @property
    def child_level(self) -> str:
        return {Level.DISTRICT: Level.TOWN, Level.TOWN: Level.VILLAGE}.get(
            self.region.level, Level.GROUP
        )


def children(region: Region) -> list[Region]:
    """The region's children in their order. One query."""
    return list(Region.objects.filter(parent=region).order_by("sort_order", "name", "pk"))


class _Fold:
    """Folds rows keyed by a region path into the dashboard's rows."""

    def __init__(self, region: Region, kids: list[Region]):
        self.depth = len(region.ancestor_ids)
        self.by_id = {r.pk: Row(r) for r in kids}
        self.own = Row(None)

    def row(self, path: str) -> Row:
        ids = Region.ids_in_path(path)
        if len(ids) > self.depth and ids[self.depth] in self.by_id:
            return self.by_id[ids[self.depth]]
        return self.own

    def each(self, rows: Iterable[dict], key: str, apply: Callable[[Figures, dict], None]):
        for r in rows:
            apply(self.row(r[key]).figures, r)


def _under(queryset: QuerySet, path_field: str, region: Region) -> QuerySet:
    return queryset.filter(**{f"{path_field}__startswith": region.path}).order_by()


GROUP_PATH = "household__villager_group__path"


def dashboard(region: Region, period: Period, *, with_lending: bool) -> Dashboard:
    """Every figure of `region` (a district, town or village) for `period`, per child
    and in total; the lending figures only `with_lending`. About thirty queries,
    whatever the number of regions and records."""
    kids = children(region)
    fold = _Fold(region, kids)
    start, end = period.moments()

    _households(fold, region)
    _cycles(fold, region, period)
    months = _entries(fold, region, period, start, end)
    _appeals(fold, region, start, end)
    _vetoes(fold, region, period)
    _shops(fold, region, period, start, end)
    _engagement(fold, region, period, start, end)
    if with_lending:
        # The caller shows lending figures only to a holder of Perm.LENDING_TOTALS
        # over `region` (the dashboard's and the big screen's views check it).
        report = report_selectors.worth_report(
            [region], region, period.for_lending(), perm=Perm.LENDING_TOTALS
        )
        lending_rows = {r.region.pk: r.totals for r in report.rows}
        if region.level == Level.VILLAGE:
            # Lending is counted per village: the report's one row is the village
            # itself, its groups have no lending figures of their own.
            fold.own.figures.lending = lending_rows.get(region.pk, Totals())
        else:
            for row in fold.by_id.values():
                row.figures.lending = lending_rows.get(row.region.pk, Totals())

    rows = [fold.by_id[r.pk] for r in kids]
    if fold.own.figures != Figures(lending=fold.own.figures.lending) or (
        region.level == Level.VILLAGE and with_lending
    ):
        rows.append(fold.own)
    total = Figures(lending=Totals() if with_lending else None)
    for row in rows:
        total.add(row.figures)
    return Dashboard(
        region=region,
        period=period,
        rows=rows,
        total=total,
        months=months,
        with_lending=with_lending,
    )


def _households(fold: _Fold, region: Region) -> None:
    """Households per villager group and grade in force (as the household list shows
    them). One query."""
    rows = (
        with_grade_in_force(_under(Household.objects, "villager_group__path", region))
        .values("villager_group__path", "grade_in_force")
        .annotate(n=Count("id"))
        .order_by()
    )

    def apply(f: Figures, r: dict) -> None:
        f.households += r["n"]
        f.grades[r["grade_in_force"] or NOT_YET] += r["n"]

    fold.each(rows, "villager_group__path", apply)


def _cycles(fold: _Fold, region: Region, period: Period) -> None:
    """Each village's latest final cycle (by period order) among those finalised by the
    period's end, and its final cycle before that: the grades they put in force (cycle grade records, as
    `distributions_by_cycle` counts a final cycle). Two queries."""
    cycles = Cycle.objects.filter(
        village__path__startswith=region.path,
        state=CycleState.FINAL,
        finalised_at__lt=period.moments()[1],
    ).values_list("pk", "village_id", "period")
    by_village: dict[int, list[tuple[tuple, int]]] = {}
    for pk, village_id, p in cycles:
        by_village.setdefault(village_id, []).append((periods.order_key(p), pk))
    latest, previous = set(), set()
    for found in by_village.values():
        found.sort(reverse=True)
        latest.add(found[0][1])
        if len(found) > 1:
            previous.add(found[1][1])
    if not latest:
        return
    rows = (
        GradeRecord.objects.filter(cycle_id__in=latest | previous, source=GradeSource.CYCLE)
        .values("cycle_id", GROUP_PATH, "grade")
        .annotate(n=Count("id"))
        .order_by()
    )

    def apply(f: Figures, r: dict) -> None:
        target = f.cycle_grades if r["cycle_id"] in latest else f.previous_grades
        target[r["grade"]] += r["n"]

    fold.each(rows, GROUP_PATH, apply)


def _entries(
    fold: _Fold, region: Region, period: Period, start: datetime, end: datetime
) -> list[MonthEntries]:
    """Entries recorded in the period, reviews decided in it (approved, rejected), per
    region and per month; the pending entries today by age. Five queries."""
    entries = _under(Entry.objects, GROUP_PATH, region)
    recorded = entries.filter(recorded_at__gte=start, recorded_at__lt=end)
    reviews = _under(Review.objects, f"entry__{GROUP_PATH}", region).filter(
        reviewed_at__gte=start, reviewed_at__lt=end
    )

    def on_recorded(f: Figures, r: dict) -> None:
        f.entries_recorded += r["n"]

    fold.each(recorded.values(GROUP_PATH).annotate(n=Count("id")), GROUP_PATH, on_recorded)

    def on_reviewed(f: Figures, r: dict) -> None:
        f.entries_approved += r["ok"]
        f.entries_rejected += r["no"]

    fold.each(
        reviews.values(f"entry__{GROUP_PATH}").annotate(
            ok=Count("id", filter=Q(approved=True)), no=Count("id", filter=Q(approved=False))
        ),
        f"entry__{GROUP_PATH}",
        on_reviewed,
    )

    now = timezone.now()
    whens = [
        When(entry__recorded_at__gt=now - timedelta(days=last + 1), then=Value(i))
        for i, (_label, _first, last) in enumerate(AGE_BANDS)
        if last is not None
    ]
    band = Case(*whens, default=Value(len(AGE_BANDS) - 1), output_field=IntegerField())
    # From the pending entries' own table (`ledger.pending`): the backlog costs what is
    # pending, not the region's years of reviewed entries.
    pending = (
        _under(PendingEntry.objects, GROUP_PATH, region)
        .annotate(band=band)
        .values(GROUP_PATH, "band")
        .annotate(n=Count("entry_id"))
        .order_by()
    )

    def on_pending(f: Figures, r: dict) -> None:
        f.backlog[r["band"]] += r["n"]

    fold.each(pending, GROUP_PATH, on_pending)

    per_month: dict[date, list[int]] = {m: [0, 0, 0] for m in period.months()}
    tz = timezone.get_default_timezone()
    for r in (
        recorded.annotate(m=TruncMonth("recorded_at", tzinfo=tz))
        .values("m")
        .annotate(n=Count("id"))
        .order_by()
    ):
        per_month[_month(r["m"])][0] += r["n"]
    for r in (
        reviews.annotate(m=TruncMonth("reviewed_at", tzinfo=tz))
        .values("m")
        .annotate(ok=Count("id", filter=Q(approved=True)), no=Count("id", filter=Q(approved=False)))
        .order_by()
    ):
        counts = per_month[_month(r["m"])]
        counts[1] += r["ok"]
        counts[2] += r["no"]
    return [MonthEntries(m, *counts) for m, counts in sorted(per_month.items())]


def _month(value: date | datetime) -> date:
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


def _appeals(fold: _Fold, region: Region, start: datetime, end: datetime) -> None:
    """Appeals filed in the period: upheld, answered, and the time to answer. One query."""
    waited = ExpressionWrapper(
        F("decision__decided_at") - F("filed_at"), output_field=DurationField()
    )
    rows = (
        _under(Appeal.objects, GROUP_PATH, region)
        .filter(filed_at__gte=start, filed_at__lt=end)
        .values(GROUP_PATH)
        .annotate(
            n=Count("id"),
            upheld=Count("id", filter=Q(decision__upheld=True)),
            answered=Count("decision"),
            waited=Sum(waited),
        )
    )

    def apply(f: Figures, r: dict) -> None:
        f.appeals_filed += r["n"]
        f.appeals_upheld += r["upheld"]
        f.appeals_answered += r["answered"]
        f.answer_time += r["waited"] or timedelta(0)

    fold.each(rows, GROUP_PATH, apply)


def _vetoes(fold: _Fold, region: Region, period: Period) -> None:
    """Veto and direct-grading decisions starting in the period and not revoked. One query."""
    rows = (
        _under(VetoEvent.objects, GROUP_PATH, region)
        .filter(
            revokes__isnull=True,
            revoked_by__isnull=True,
            starts_on__gte=period.start,
            starts_on__lte=period.end,
        )
        .values(GROUP_PATH)
        .annotate(n=Count("id"))
    )

    def apply(f: Figures, r: dict) -> None:
        f.vetoes += r["n"]

    fold.each(rows, GROUP_PATH, apply)


def _shops(fold: _Fold, region: Region, period: Period, start: datetime, end: datetime) -> None:
    """Redemptions made in the period that stand (not voided), by the household's
    region; each shop's stock value and funding balance at the end of the period's last
    month (the shop report's closing figures), by the shop's region. Five queries."""
    redeemed = (
        _under(Redemption.objects, GROUP_PATH, region)
        .filter(occurred_at__gte=start, occurred_at__lt=end, void__isnull=True)
        .values(GROUP_PATH)
        .annotate(n=Count("id"), points=Sum("total_points"))
    )

    def on_redeemed(f: Figures, r: dict) -> None:
        f.redemptions += r["n"]
        f.redemption_points += r["points"] or ZERO

    fold.each(redeemed, GROUP_PATH, on_redeemed)

    shops = list(_under(Shop.objects, "region__path", region).values_list("pk", "region__path"))
    ids = [pk for pk, _path in shops]
    if not ids:
        return
    stock = shop_figures.stock_flows(ids, period.end)
    funding = shop_figures.funding_flows(ids, period.end)
    for pk, path in shops:
        totals = reports.month_totals(
            month=period.end,
            stock=stock.get(pk, []),
            funding=funding.get(pk, []),
            points_redeemed=ZERO,
        )
        f = fold.row(path).figures
        f.stock_value += totals.stock_value
        f.funding_balance += totals.funding_balance


def _engagement(
    fold: _Fold, region: Region, period: Period, start: datetime, end: datetime
) -> None:
    """Honours awarded, households checked in, suggestions and their answers,
    candidates nominated. Four queries."""
    honours = (
        _under(Honour.objects, GROUP_PATH, region)
        .filter(awarded_on__gte=period.start, awarded_on__lte=period.end)
        .filter(withdrawal__isnull=True)
        .values(GROUP_PATH)
        .annotate(n=Count("id"))
    )

    def on_honour(f: Figures, r: dict) -> None:
        f.honours += r["n"]

    fold.each(honours, GROUP_PATH, on_honour)

    checkins = (
        _under(CheckIn.objects, GROUP_PATH, region)
        .filter(checked_in_at__gte=start, checked_in_at__lt=end)
        .values(GROUP_PATH)
        .annotate(n=Count("household_id", distinct=True))
    )

    def on_checkin(f: Figures, r: dict) -> None:
        f.participating += r["n"]

    fold.each(checkins, GROUP_PATH, on_checkin)

    suggestions = (
        _under(Suggestion.objects, GROUP_PATH, region)
        .filter(created_at__gte=start, created_at__lt=end)
        .values(GROUP_PATH)
        .annotate(n=Count("id"), answered=Count("id", filter=Q(replied_at__isnull=False)))
    )

    def on_suggestion(f: Figures, r: dict) -> None:
        f.suggestions += r["n"]
        f.suggestions_answered += r["answered"]

    fold.each(suggestions, GROUP_PATH, on_suggestion)

    candidates = (
        _under(Candidate.objects, GROUP_PATH, region)
        .filter(nominated_at__gte=start, nominated_at__lt=end)
        .exclude(status=CandidateStatus.WITHDRAWN)
        .values(GROUP_PATH)
        .annotate(n=Count("id"), listed=Count("id", filter=Q(status=CandidateStatus.ACCEPTED)))
    )

    def on_candidate(f: Figures, r: dict) -> None:
        f.candidates += r["n"]
        f.candidates_listed += r["listed"]

    fold.each(candidates, GROUP_PATH, on_candidate)


__all__ = [
    "AGE_BANDS",
    "GRADES",
    "LEVELS",
    "NOT_YET",
    "RATED_GRADES",
    "Dashboard",
    "Figures",
    "MonthEntries",
    "Period",
    "Row",
    "children",
    "dashboard",
    "percent",
]
