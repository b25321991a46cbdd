"""Reads for the shop staff's pages: a shop's (or many shops') month in figures —
stock, funding, redemptions — summed in SQL, a fixed number of queries whatever the
number of shops, products or months, then folded by `rewards/reports.py`.

Months are calendar months in local time (Asia/Shanghai): a redemption counts in the
month of its `occurred_at`, a void in the month it was made, a stock movement in the
month of its `occurred_on`, money in the month it was received."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from sanxin.households.models import Household
from sanxin.ratings.standing import with_grade_in_force
from sanxin.rewards import reports
from sanxin.rewards.choices import StockKind
from sanxin.rewards.models import (
    FundingReceipt,
    Redemption,
    RedemptionLine,
    RedemptionVoid,
    Shop,
    StockMovement,
)
from sanxin.rewards.reports import Flow, FundingFlow, MonthFlow, MonthTotals, month_start, yuan
from sanxin.rewards.selectors import district_id_of, policy_in_force
from sanxin.rules.choices import GRADE_LABELS, GRADES, grade_rank

FLOWS = {
    StockKind.RECEIPT: Flow.RECEIPT,
    StockKind.ISSUE: Flow.REDEMPTION,
    StockKind.VOID_RETURN: Flow.REDEMPTION,
    StockKind.ADJUSTMENT: Flow.ADJUSTMENT,
    StockKind.STOCKTAKE: Flow.STOCKTAKE,
}
ZERO = Decimal(0)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first moment of the month and of the next, in local time."""
    tz = timezone.get_current_timezone()
    first = month_start(month)
    return (
        datetime.combine(first, time.min, tzinfo=tz),
        datetime.combine(reports.next_month(first), time.min, tzinfo=tz),
    )


def parse_month(text: str | None, default: date) -> date:
    """'2025-11' → 2025-11-01; anything else → the month of `default`."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return month_start(default)


def stock_flows(shop_ids: Iterable[int], until: date) -> dict[int, list[MonthFlow]]:
    """Every product's movements per month and flow, to the end of `until`'s month,
    by shop. One query."""
    end = reports.next_month(month_start(until))
    rows = (
        StockMovement.objects.filter(product__shop_id__in=list(shop_ids), occurred_on__lt=end)
        .annotate(month=TruncMonth("occurred_on"))
        .values("product__shop_id", "product_id", "month", "kind")
        .annotate(quantity=Sum("quantity"), amount=Sum("amount"))
        .order_by()
    )
    flows: dict[int, list[MonthFlow]] = defaultdict(list)
    for r in rows:
        flows[r["product__shop_id"]].append(
            MonthFlow(
                product_id=r["product_id"],
                month=_as_date(r["month"]),
                flow=FLOWS[r["kind"]],
                quantity=Decimal(r["quantity"]),
                cost=yuan(r["amount"] or 0) if r["kind"] == StockKind.RECEIPT else ZERO,
            )
        )
    return flows


def funding_flows(shop_ids: Iterable[int], until: date) -> dict[int, list[FundingFlow]]:
    """Every funding source's money in and goods cost per month, to the end of
    `until`'s month, by shop. Two queries."""
    shop_ids = list(shop_ids)
    end = reports.next_month(month_start(until))
    flows: dict[int, list[FundingFlow]] = defaultdict(list)
    money = (
        FundingReceipt.objects.filter(source__shop_id__in=shop_ids, received_on__lt=end)
        .annotate(month=TruncMonth("received_on"))
        .values("source__shop_id", "source_id", "month")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for r in money:
        flows[r["source__shop_id"]].append(
            FundingFlow(r["source_id"], _as_date(r["month"]), money_in=yuan(r["amount"]))
        )
    spent = (
        StockMovement.objects.filter(
            kind=StockKind.RECEIPT,
            funding_source__shop_id__in=shop_ids,
            occurred_on__lt=end,
        )
        .annotate(month=TruncMonth("occurred_on"))
        .values("funding_source__shop_id", "funding_source_id", "month")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for r in spent:
        flows[r["funding_source__shop_id"]].append(
            FundingFlow(r["funding_source_id"], _as_date(r["month"]), goods_cost=yuan(r["amount"]))
        )
    return flows


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


@dataclass
class Redemptions:
    """A shop's redemptions of one month."""

    count: int = 0  # redemptions made in the month (voided ones included)
    voided: int = 0  # voids made in the month
    points: Decimal = ZERO  # points of the month's redemptions
    points_back: Decimal = ZERO  # points given back by the month's voids
    households: int = 0  # households with a redemption of the month that stands

    @property
    def points_net(self) -> Decimal:
        return self.points - self.points_back


def redemptions_of_month(shop_ids: Iterable[int], month: date) -> dict[int, Redemptions]:
    """Per shop: the month's redemptions, voids and points. Two queries."""
    shop_ids = list(shop_ids)
    start, end = month_bounds(month)
    result: dict[int, Redemptions] = defaultdict(Redemptions)
    made = (
        Redemption.objects.filter(shop_id__in=shop_ids, occurred_at__gte=start, occurred_at__lt=end)
        .values("shop_id")
        .annotate(
            n=Count("id"),
            points=Sum("total_points"),
            households=Count("household_id", distinct=True, filter=Q(void__isnull=True)),
        )
        .order_by()
    )
    for r in made:
        entry = result[r["shop_id"]]
        entry.count, entry.points, entry.households = r["n"], yuan(r["points"]), r["households"]
    voids = (
        RedemptionVoid.objects.filter(
            redemption__shop_id__in=shop_ids, created_at__gte=start, created_at__lt=end
        )
        .values("redemption__shop_id")
        .annotate(n=Count("id"), points=Sum("redemption__total_points"))
        .order_by()
    )
    for r in voids:
        entry = result[r["redemption__shop_id"]]
        entry.voided, entry.points_back = r["n"], yuan(r["points"])
    return result


@dataclass
class ShopMonth:
    """One shop's month: the totals of reports.py and the redemptions."""

    shop: Shop
    totals: MonthTotals
    redemptions: Redemptions


def shops_month(shops: list[Shop], month: date) -> list[ShopMonth]:
    """The month's figures of each shop, side by side. Five queries in all."""
    ids = [s.pk for s in shops]
    stock = stock_flows(ids, month)
    funding = funding_flows(ids, month)
    redeemed = redemptions_of_month(ids, month)
    return [
        ShopMonth(
            shop=s,
            totals=reports.month_totals(
                month=month,
                stock=stock.get(s.pk, []),
                funding=funding.get(s.pk, []),
                points_redeemed=redeemed[s.pk].points_net,
            ),
            redemptions=redeemed[s.pk],
        )
        for s in shops
    ]


@dataclass
class TopProduct:
    product_id: int
    name: str
    unit: str
    quantity: int
    points: Decimal


def top_products(shop: Shop, month: date, limit: int = 10) -> list[TopProduct]:
    """The month's most redeemed products (voided redemptions left out), by
    quantity. One query."""
    start, end = month_bounds(month)
    rows = (
        RedemptionLine.objects.filter(
            redemption__shop=shop,
            redemption__occurred_at__gte=start,
            redemption__occurred_at__lt=end,
            redemption__void__isnull=True,
        )
        .values("product_id", "product__name", "product__unit")
        .annotate(quantity=Sum("quantity"), points=Sum("points"))
        .order_by("-quantity", "product__name")[:limit]
    )
    return [
        TopProduct(
            r["product_id"],
            r["product__name"],
            r["product__unit"],
            r["quantity"],
            yuan(r["points"]),
        )
        for r in rows
    ]


@dataclass
class Coverage:
    """Who of the villages served may use the shop, and who has: the households whose
    grade in force is at or above the gate, and those of them with a redemption of
    the year (to the end of the month) that stands."""

    gate: str
    eligible: int = 0
    served: int = 0
    by_grade: Counter[str] = field(default_factory=Counter)
    served_by_grade: Counter[str] = field(default_factory=Counter)

    @property
    def gate_label(self) -> str:
        return GRADE_LABELS[self.gate]

    @property
    def unserved(self) -> int:
        return self.eligible - self.served

    def rows(self) -> list[tuple[str, int, int]]:
        """(grade label, households, of them served), from the highest grade down."""
        return [
            (GRADE_LABELS[g], self.by_grade[g], self.served_by_grade[g])
            for g in reversed(GRADES)
            if self.by_grade[g]
        ]


def coverage(shop: Shop, month: date) -> Coverage:
    """The households of the shop's villages at or above the gate, and how many of
    them redeemed in the calendar year up to the end of `month` (`coverage_many`)."""
    return coverage_many([shop], month)[shop.pk]


def coverage_many(shops: list[Shop], month: date) -> dict[int, Coverage]:
    """For each shop: the households of the villages it serves whose grade in force
    is at or above the gate of its district's policy (in force at the end of the
    month, or today if sooner), by grade, and how many of them have a redemption at
    the shop in the calendar year up to the end of `month` that stands. Counted in
    SQL: two queries, and one per district for its policy."""
    last_day = reports.next_month(month_start(month)) - timedelta(days=1)
    on = min(last_day, timezone.localdate())
    gates: dict[int, str] = {}
    result: dict[int, Coverage] = {}
    for shop in shops:
        district = district_id_of(shop.region)
        if district not in gates:
            gates[district] = policy_in_force(district, on).min_grade
        result[shop.pk] = Coverage(gate=gates[district])
    if not shops:
        return result
    ids = [s.pk for s in shops]
    year_start, _ = month_bounds(date(month.year, 1, 1))
    _, end = month_bounds(month)
    graded = with_grade_in_force(Household.objects.all())
    by_grade = (
        graded.filter(village__served_by_shops__in=ids)
        .values("village__served_by_shops", "grade_in_force")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in by_grade:
        c, grade = result[row["village__served_by_shops"]], row["grade_in_force"]
        if grade and grade_rank(grade) >= grade_rank(c.gate):
            c.by_grade[grade] += row["n"]
    served = (
        graded.filter(
            redemptions__shop__in=ids,
            redemptions__occurred_at__gte=year_start,
            redemptions__occurred_at__lt=end,
            redemptions__void__isnull=True,
        )
        .values("redemptions__shop", "grade_in_force")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    for row in served:
        c, grade = result[row["redemptions__shop"]], row["grade_in_force"]
        if grade and grade_rank(grade) >= grade_rank(c.gate):
            c.served_by_grade[grade] += row["n"]
    for c in result.values():
        c.eligible = sum(c.by_grade.values())
        c.served = sum(c.served_by_grade.values())
    return result


def movements(shop: Shop, month: date) -> QuerySet[StockMovement]:
    """The month's stock movements of a shop, newest first."""
    first = month_start(month)
    return (
        StockMovement.objects.filter(
            product__shop=shop, occurred_on__gte=first, occurred_on__lt=reports.next_month(first)
        )
        .select_related("product", "funding_source", "recorded_by", "confirmed_by", "redemption")
        .order_by("-occurred_on", "-id")
    )


def redemptions(shop: Shop, month: date) -> QuerySet[Redemption]:
    """The month's redemptions of a shop, newest first, with household and void."""
    start, end = month_bounds(month)
    return (
        Redemption.objects.filter(shop=shop, occurred_at__gte=start, occurred_at__lt=end)
        .select_related("household__villager_group", "clerk", "void")
        .order_by("-occurred_at", "-id")
    )
