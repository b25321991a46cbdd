"""Reads behind the lending reports: what the credit reward is worth per village, town
and district (`worth_report`, `household_rows`), and whether the grade predicts
repayment (`validation_loans`). docs/credit-reports.md says what each figure counts.

Every count and sum is an SQL aggregate grouped by village (its region path), rolled
up to towns and the district in Python by the path's ids: a fixed number of queries
whatever the number of villages. The one figure SQL cannot give is the interest saved
(it needs the schedule at the standard rate), computed in Python from one query's rows
(`worth.interest_saved`).

Who may read them is the callers' business, stated in the interface: `worth_report` and
`validation_loans` take the regions whose rows they aggregate and the permission under
which the reader holds those regions, and refuse a permission that does not allow
aggregated lending figures (`AGGREGATE_PERMS`: Perm.LENDING_TOTALS, and the credit
union's own Perm.LENDING_MANAGE). A page passes the regions of the user's grants
(`report_roots(scope, perm)`); the dashboard, the big screen and the department views
pass the region they show, which their own permission check has put in the user's
reach with Perm.LENDING_TOTALS. Neither returns a row of a single loan or household
(`household_rows`, which does, reads through the user's scope with Perm.LENDING_VIEW)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils import timezone

from sanxin.accounts.scope import Perm, Scope
from sanxin.lending.choices import LineStatus, LoanStatus
from sanxin.lending.models import CreditLine, Instalment, Loan, Repayment
from sanxin.lending.schedule import Instalment as PlannedInstalment
from sanxin.lending.schedule import Payment, add_months, allocate
from sanxin.lending.validation import LoanOutcome, as_decimal, worst_days_past_due
from sanxin.lending.worth import LoanTerms, interest_saved
from sanxin.ratings import periods
from sanxin.regions.choices import Level
from sanxin.regions.models import Region

ZERO = Decimal("0.00")
# A line the officer declined, or the bank did not approve, was not granted.
NOT_GRANTED = (LineStatus.DECLINED.value, LineStatus.BANK_DECLINED.value)


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included."""

    start: date
    end: date

    @classmethod
    def year_to(cls, end: date) -> Period:
        """The twelve months ending on `end`."""
        return cls(add_months(end, -12) + timedelta(days=1), end)

    def moments(self) -> tuple[datetime, datetime]:
        """[start 00:00, the day after end 00:00) in the project's time zone."""
        tz = timezone.get_default_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )


@dataclass
class Totals:
    """The figures of one village, town, district or household (docs/credit-reports.md)."""

    lines: int = 0  # lines granted in the period
    lines_amount: Decimal = ZERO  # their granted amounts
    used: Decimal = ZERO  # principal disbursed on those lines, up to the period's end
    lines_used: int = 0  # those lines drawn on at least once
    loans: int = 0  # loans disbursed in the period
    loans_amount: Decimal = ZERO  # their principal
    outstanding: Decimal = ZERO  # principal owed at the period's end, on every loan
    interest_saved: Decimal = ZERO  # over the life of the loans disbursed in the period

    def add(self, other: Totals) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def usage(self) -> Fraction | None:
        """用信率: used ÷ the amount granted (None without a granted line)."""
        return Fraction(self.used) / Fraction(self.lines_amount) if self.lines_amount else None

    @property
    def usage_percent(self) -> Decimal | None:
        usage = self.usage
        return None if usage is None else as_decimal(usage * 100, 1)


@dataclass
class RegionRow:
    region: Region
    totals: Totals = field(default_factory=Totals)


@dataclass
class WorthReport:
    period: Period
    root: Region | None  # None: the user's several regions side by side
    trail: list[Region]  # the root's ancestors in reach, then the root (the drill-down path)
    rows: list[RegionRow]
    total: Totals


# The permissions that allow aggregated lending figures (counts and sums per region;
# the validation report's anonymous outcomes).
AGGREGATE_PERMS = frozenset({Perm.LENDING_TOTALS, Perm.LENDING_MANAGE})


def _check_aggregate(perm: Perm) -> None:
    if perm not in AGGREGATE_PERMS:
        raise ValueError(f"{perm} does not allow aggregated lending figures")


def _in_reach(queryset: QuerySet, scope: Scope, perm: Perm, path_field: str, under: str):
    return scope.filter(queryset, perm).filter(**{f"{path_field}__startswith": under})


def _in_regions(queryset: QuerySet, regions: Sequence[Region], path_field: str, under: str):
    """`queryset`'s rows under one of `regions` and under the path `under`."""
    if not regions:
        return queryset.none()
    inside = Q()
    for region in regions:
        inside |= Q(**{f"{path_field}__startswith": region.path})
    return queryset.filter(inside).filter(**{f"{path_field}__startswith": under})


def _village_totals(regions: Sequence[Region], under: str, period: Period) -> dict[str, Totals]:
    """Totals per village path, for the villages under `under` (a region path) in
    `regions`."""
    by_village: dict[str, Totals] = defaultdict(Totals)
    start, end = period.moments()

    lines = _in_regions(CreditLine.objects, regions, "village__path", under).filter(
        granted_at__gte=start, granted_at__lt=end
    )
    lines = lines.exclude(status__in=NOT_GRANTED)
    for row in lines.values("village__path").annotate(n=Count("id"), amount=Sum("granted_amount")):
        t = by_village[row["village__path"]]
        t.lines, t.lines_amount = row["n"], row["amount"] or ZERO

    loans = _in_regions(Loan.objects, regions, "credit_line__village__path", under)
    used = loans.filter(credit_line__in=lines.values("pk"), disbursed_on__lte=period.end)
    for row in used.values("credit_line__village__path").annotate(
        used=Sum("principal"), lines=Count("credit_line", distinct=True)
    ):
        t = by_village[row["credit_line__village__path"]]
        t.used, t.lines_used = row["used"] or ZERO, row["lines"]

    disbursed = loans.filter(disbursed_on__gte=period.start, disbursed_on__lte=period.end)
    for row in disbursed.values("credit_line__village__path").annotate(
        n=Count("id"), amount=Sum("principal")
    ):
        t = by_village[row["credit_line__village__path"]]
        t.loans, t.loans_amount = row["n"], row["amount"] or ZERO

    on_books = _on_books(loans, period.end)
    for row in on_books.values("credit_line__village__path").annotate(p=Sum("principal")):
        by_village[row["credit_line__village__path"]].outstanding += row["p"] or ZERO
    repaid = Repayment.objects.filter(loan__in=on_books.values("pk"), paid_on__lte=period.end)
    for row in repaid.values("loan__credit_line__village__path").annotate(p=Sum("principal_part")):
        by_village[row["loan__credit_line__village__path"]].outstanding -= row["p"] or ZERO

    for path, saved in _interest_saved(disbursed, "credit_line__village__path").items():
        by_village[path].interest_saved = saved
    return by_village


def _on_books(loans: QuerySet, on: date) -> QuerySet:
    """Loans disbursed by `on` and not written off by then."""
    return loans.filter(disbursed_on__lte=on).exclude(
        status=LoanStatus.WRITTEN_OFF, closed_on__lte=on
    )


def _interest_saved(loans: QuerySet, key: str) -> dict:
    """Interest saved per `key` value, over the loans below the standard rate (one query)."""
    saved: dict = defaultdict(lambda: ZERO)
    rows = loans.exclude(annual_rate=F("standard_rate")).values_list(
        key, "principal", "annual_rate", "standard_rate", "disbursed_on", "term_months", "method"
    )
    for k, principal, rate, standard, on, term, method in rows:
        terms = LoanTerms(principal, rate, on, term, method)
        saved[k] += interest_saved(terms, standard_rate=standard)
    return saved


def report_roots(scope: Scope, perm: Perm = Perm.LENDING_TOTALS) -> list[Region]:
    """The regions where the user's figures start: the regions of their grants of
    `perm`, none inside another (one query). The roles holding the aggregate
    permissions are all bound to regions, never to a household."""
    _check_aggregate(perm)
    grants = scope.grants_for(perm)
    paths = sorted({g.region_path for g in grants if g.region_path})
    tops = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    ids = [Region.ids_in_path(p)[-1] for p in tops]
    return list(Region.objects.filter(pk__in=ids).order_by("path"))


def worth_report(
    regions: Sequence[Region], root: Region | None, period: Period, *, perm: Perm
) -> WorthReport:
    """The figures of `root`'s children (towns of a district, villages of a town), or
    of `regions` side by side when `root` is None; for a village, its own figures only
    (its households: `household_rows`). `regions`: those over which the reader holds
    `perm`, which must allow aggregated figures (Perm.LENDING_TOTALS); only their rows
    are counted, and `root` should be one of them or inside one."""
    _check_aggregate(perm)
    by_path = {r.path: r for r in regions}
    roots = [  # none inside another, by path (as `report_roots` gives them)
        by_path[p] for p in sorted(by_path) if not any(p != q and p.startswith(q) for q in by_path)
    ]
    if root is None and len(roots) == 1:
        root = roots[0]
    if root is None:
        rows = [RegionRow(r) for r in roots]
        depth = None
    elif root.level == Level.VILLAGE:
        rows = [RegionRow(root)]
        depth = len(root.ancestor_ids) - 1
    else:
        rows = [
            RegionRow(r)
            for r in Region.objects.filter(parent=root).order_by("sort_order", "name", "pk")
        ]
        depth = len(root.ancestor_ids)
    index = {r.region.pk: r for r in rows}
    total = Totals()
    unders = [root.path] if root is not None else [r.path for r in roots]
    for under in unders:
        for path, totals in _village_totals(roots, under, period).items():
            ids = Region.ids_in_path(path)
            row = index.get(ids[depth]) if depth is not None else _row_of(rows, path)
            if row is not None:
                row.totals.add(totals)
            total.add(totals)
    trail = []
    if root is not None:
        reach = {r.path for r in roots}
        chain = {r.pk: r for r in Region.objects.filter(pk__in=root.ancestor_ids)}
        trail = [
            chain[i] for i in root.ancestor_ids if any(chain[i].path.startswith(p) for p in reach)
        ]
    return WorthReport(period=period, root=root, trail=trail, rows=rows, total=total)


def worth_report_for(scope: Scope, root: Region | None, period: Period) -> WorthReport:
    """`worth_report` over the regions of the user's grants of Perm.LENDING_TOTALS (the
    lending report's page; `root` in their reach or None)."""
    return worth_report(
        report_roots(scope, Perm.LENDING_TOTALS), root, period, perm=Perm.LENDING_TOTALS
    )


def _row_of(rows: Sequence[RegionRow], path: str) -> RegionRow | None:
    return next((r for r in rows if path.startswith(r.region.path)), None)


# --- the households behind a village (the credit officer) ------------------------------


@dataclass
class HouseholdRow:
    household_id: int
    number: str
    head_name: str
    grade: str = ""  # the grade of its latest line counted, or of its current line
    line_amount: Decimal | None = None
    line_rate: Decimal | None = None
    line_status: str = ""
    totals: Totals = field(default_factory=Totals)
    days_past_due: int = 0  # the most, over its active loans, as of the last daily count


def household_rows(scope: Scope, village: Region, period: Period) -> list[HouseholdRow]:
    """Per household of `village` with a line granted in the period or a loan: the same
    figures as `worth_report`, which its rows add up to. Only for users who see loans
    in detail (Perm.LENDING_VIEW over the village); a fixed number of queries."""
    perm = Perm.LENDING_VIEW
    under = village.path
    start, end = period.moments()
    rows: dict[int, HouseholdRow] = {}

    def row(household_id: int, number: str, head: str) -> HouseholdRow:
        if household_id not in rows:
            rows[household_id] = HouseholdRow(household_id, number, head)
        return rows[household_id]

    lines = (
        _in_reach(CreditLine.objects, scope, perm, "village__path", under)
        .filter(granted_at__gte=start, granted_at__lt=end)
        .exclude(status__in=NOT_GRANTED)
    )
    for line in lines.select_related("household").order_by("granted_at", "pk"):
        r = row(line.household_id, line.household.number, line.household.head_name)
        r.grade, r.line_amount, r.line_rate = line.grade, line.granted_amount, line.granted_rate
        r.line_status = line.get_status_display()
        r.totals.lines += 1
        r.totals.lines_amount += line.granted_amount or ZERO

    loans = _in_reach(Loan.objects, scope, perm, "credit_line__village__path", under)
    household_fields = ("household_id", "household__number", "household__head_name")
    used = loans.filter(credit_line__in=lines.values("pk"), disbursed_on__lte=period.end)
    for h, number, head, amount, n in used.values_list(*household_fields).annotate(
        used=Sum("principal"), lines=Count("credit_line", distinct=True)
    ):
        r = row(h, number, head)
        r.totals.used, r.totals.lines_used = amount or ZERO, n

    disbursed = loans.filter(disbursed_on__gte=period.start, disbursed_on__lte=period.end)
    for h, number, head, grade, n, amount in disbursed.values_list(
        *household_fields, "credit_line__grade"
    ).annotate(n=Count("id"), amount=Sum("principal")):
        r = row(h, number, head)
        r.grade = r.grade or grade  # a loan on a line granted before the period
        r.totals.loans += n
        r.totals.loans_amount += amount or ZERO

    on_books = _on_books(loans, period.end)
    for h, number, head, principal, late in on_books.values_list(*household_fields).annotate(
        principal=Sum("principal"),
        late=Max("days_past_due", filter=Q(status=LoanStatus.ACTIVE)),
    ):
        r = row(h, number, head)
        r.totals.outstanding += principal or ZERO
        r.days_past_due = late or 0
    repaid = Repayment.objects.filter(loan__in=on_books.values("pk"), paid_on__lte=period.end)
    for h, principal in repaid.values_list("loan__household_id").annotate(p=Sum("principal_part")):
        if h in rows:
            rows[h].totals.outstanding -= principal or ZERO

    for h, saved in _interest_saved(disbursed, "household_id").items():
        if h in rows:
            rows[h].totals.interest_saved = saved
    return sorted(rows.values(), key=lambda r: (r.number, r.household_id))


# --- the validation report ------------------------------------------------------------


def validation_loans(regions: Sequence[Region], as_of: date, *, perm: Perm) -> list[LoanOutcome]:
    """Every loan disbursed by `as_of` in `regions` (those over which the reader holds
    `perm`: the credit union's Perm.LENDING_MANAGE, or Perm.LENDING_TOTALS — an outcome
    names no loan or household, only the grade its line was granted on, the period of
    that line's cycle and its worst days past due). Three queries: loans, their
    instalments, their repayments."""
    _check_aggregate(perm)
    loans = (
        _in_regions(Loan.objects, regions, "credit_line__village__path", "")
        .filter(disbursed_on__lte=as_of)
        .values_list("pk", "credit_line__grade", "credit_line__cycle__period")
    )
    loans = list(loans)
    ids = [pk for pk, _g, _p in loans]
    planned: dict[int, list[PlannedInstalment]] = defaultdict(list)
    for loan_id, number, due, principal, interest in (
        Instalment.objects.filter(loan_id__in=ids)
        .order_by("loan_id", "number")
        .values_list("loan_id", "number", "due_on", "principal", "interest")
    ):
        planned[loan_id].append(PlannedInstalment(number, due, principal, interest))
    paid = _standing_payments(
        Repayment.objects.filter(loan_id__in=ids).values_list(
            "pk", "loan_id", "paid_on", "amount", "reverses_id"
        )
    )
    return [
        LoanOutcome(
            grade=grade,
            cycle=period,
            worst_days_past_due=worst_days_past_due(allocate(planned[pk], paid[pk], as_of)),
        )
        for pk, grade, period in loans
    ]


def validation_loans_for(scope: Scope, root: Region | None, as_of: date) -> list[LoanOutcome]:
    """`validation_loans` of the credit union's page: `root` (in the user's reach with
    Perm.LENDING_MANAGE) or, when None, every region of their grants of it."""
    regions = [root] if root is not None else report_roots(scope, Perm.LENDING_MANAGE)
    return validation_loans(regions, as_of, perm=Perm.LENDING_MANAGE)


def _standing_payments(rows: Iterable[tuple]) -> dict[int, list[Payment]]:
    """Per loan, the repayments that stand: neither a reversal nor reversed by one."""
    rows = list(rows)
    reversed_ids = {reverses for _pk, _l, _on, _a, reverses in rows if reverses is not None}
    paid: dict[int, list[Payment]] = defaultdict(list)
    for pk, loan_id, on, amount, reverses in rows:
        if reverses is None and pk not in reversed_ids:
            paid[loan_id].append(Payment(on, amount))
    return paid


def cycle_order(outcomes: Iterable[LoanOutcome]) -> list[str]:
    """The periods of the outcomes, oldest first."""
    return sorted({o.cycle for o in outcomes}, key=periods.order_key)
