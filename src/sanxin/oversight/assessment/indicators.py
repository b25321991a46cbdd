"""The computed indicators: each a pure fold over a few SQL aggregates of one district
and year, grouped by village (a fixed number of queries per indicator, whatever the
number of regions), giving every town and village its raw value and the working
("已评定 120 户 / 在册 130 户 = 92.31%").

A town's value is computed over the town's records — the sums of its villages'
numerators and denominators, and for the shops every shop serving one of its
villages — never as an average of its villages' values. docs/assessment.md says
what each counts; `REGISTRY` is the list an indicator chooses from."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from sanxin.engagement.models import CheckIn, Suggestion
from sanxin.households.choices import HouseholdStatus
from sanxin.households.models import Household
from sanxin.ledger.models import Entry
from sanxin.lending.models import CreditLine, Loan
from sanxin.lending.report_selectors import NOT_GRANTED
from sanxin.oversight.assessment.scoring import num
from sanxin.ratings.choices import GradeSource
from sanxin.ratings.models import Appeal, Cycle, GradeRecord
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rewards.models import Shop
from sanxin.rewards.shop_figures import funding_flows
from sanxin.rules.choices import Grade

REVIEW_DAYS = 7
HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class Measure:
    """A region's raw value (None: nothing to measure) and how it was worked out."""

    value: Decimal | None
    working: str


class Context:
    """One computation run: the district, the year and its towns and villages, with
    the figures several indicators share (each loaded once)."""

    def __init__(self, district: Region, year: int, today: date | None = None):
        self.district = district
        self.year = year
        self.today = today or timezone.localdate()
        self.start = date(year, 1, 1)
        self.end = date(year, 12, 31)
        tz = timezone.get_default_timezone()
        self.start_at = datetime.combine(self.start, time.min, tzinfo=tz)
        self.end_at = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz)
        self.period_prefix = str(year)

    @cached_property
    def regions(self) -> list[Region]:
        """The district's towns and villages (one query)."""
        return list(
            Region.objects.filter(
                path__startswith=self.district.path, level__in=(Level.TOWN, Level.VILLAGE)
            ).order_by("path")
        )

    @cached_property
    def households(self) -> Tally:
        """Active (在册) households per town and village (one query)."""
        tally = Tally()
        rows = (
            Household.objects.filter(
                status=HouseholdStatus.ACTIVE, village__path__startswith=self.district.path
            )
            .values("village__path")
            .annotate(n=Count("id"))
            .order_by()
        )
        for r in rows:
            tally.add(r["village__path"], r["n"])
        return tally


class Tally:
    """Sums per town and village id, from rows keyed by a path at or below a
    village ("/district/town/village/..."): a row counts for its village and its town."""

    def __init__(self) -> None:
        self.sums: dict[int, Decimal] = defaultdict(Decimal)

    def add(self, path: str, value) -> None:
        for region_id in Region.ids_in_path(path)[1:3]:
            self.sums[region_id] += Decimal(value or 0)

    def __getitem__(self, region_id: int) -> Decimal:
        return self.sums.get(region_id, Decimal(0))


def percent(numerator: Decimal, denominator: Decimal) -> Decimal:
    return (numerator * 100 / denominator).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def ratio(
    numerator: Decimal, denominator: Decimal, *, top: str, bottom: str, unit: str = "户"
) -> Measure:
    """ "已评定 120 户 / 在册 130 户 = 92.31%" (None when the denominator is 0)."""
    if not denominator:
        return Measure(None, f"{bottom} 0 {unit}，无法计算")
    value = percent(numerator, denominator)
    return Measure(
        value, f"{top} {num(numerator)} {unit} / {bottom} {num(denominator)} {unit} = {num(value)}%"
    )


def _grouped(queryset, key: str, **aggregates) -> Iterable[dict]:
    return queryset.values(key).annotate(**aggregates).order_by()


# --- the computations -----------------------------------------------------------


def rating_coverage(ctx: Context) -> dict[int, Measure]:
    """Households holding a grade (A to 5A) from a cycle of the year, of the active
    households."""
    rated = Tally()
    records = GradeRecord.objects.filter(
        source=GradeSource.CYCLE,
        cycle__period__startswith=ctx.period_prefix,
        household__status=HouseholdStatus.ACTIVE,
        household__village__path__startswith=ctx.district.path,
    ).exclude(grade=Grade.UNRATED)
    key = "household__village__path"
    for r in _grouped(records, key, n=Count("household", distinct=True)):
        rated.add(r[key], r["n"])
    return {
        region.pk: ratio(rated[region.pk], ctx.households[region.pk], top="已评定", bottom="在册")
        for region in ctx.regions
    }


def review_timely(ctx: Context) -> dict[int, Measure]:
    """Point entries recorded in the year and reviewed (approved or rejected) within
    7 days of recording, of all entries recorded in the year."""
    recorded, timely = Tally(), Tally()
    entries = Entry.objects.filter(
        household__village__path__startswith=ctx.district.path,
        recorded_at__gte=ctx.start_at,
        recorded_at__lt=ctx.end_at,
    )
    key = "household__village__path"
    in_time = Q(review__reviewed_at__lte=F("recorded_at") + timedelta(days=REVIEW_DAYS))
    for r in _grouped(entries, key, n=Count("id"), ok=Count("id", filter=in_time)):
        recorded.add(r[key], r["n"])
        timely.add(r[key], r["ok"])
    return {
        region.pk: ratio(
            timely[region.pk],
            recorded[region.pk],
            top=f"{REVIEW_DAYS} 日内审核",
            bottom="记录",
            unit="条",
        )
        for region in ctx.regions
    }


def appeals_timely(ctx: Context) -> dict[int, Measure]:
    """Appeals of the year's cycles answered by the last day of the notice, of all
    appeals filed. A region whose cycles went to notice with no appeal scores 100%;
    one with no cycle in notice has nothing to measure."""
    filed, answered, noticed = Tally(), Tally(), Tally()
    appeals = Appeal.objects.filter(
        cycle__village__path__startswith=ctx.district.path,
        cycle__period__startswith=ctx.period_prefix,
    )
    key = "cycle__village__path"
    in_time = Q(decision__decided_at__date__lte=F("cycle__notice_ends_on"))
    for r in _grouped(appeals, key, n=Count("id"), ok=Count("id", filter=in_time)):
        filed.add(r[key], r["n"])
        answered.add(r[key], r["ok"])
    cycles = Cycle.objects.filter(
        village__path__startswith=ctx.district.path,
        period__startswith=ctx.period_prefix,
        notice_starts_on__isnull=False,
    )
    for r in _grouped(cycles, "village__path", n=Count("id")):
        noticed.add(r["village__path"], r["n"])
    out: dict[int, Measure] = {}
    for region in ctx.regions:
        if filed[region.pk]:
            out[region.pk] = ratio(
                answered[region.pk], filed[region.pk], top="公示期内答复", bottom="异议", unit="件"
            )
        elif noticed[region.pk]:
            out[region.pk] = Measure(
                Decimal("100.00"),
                f"{num(noticed[region.pk])} 个评定周期经过公示，无人提出异议，按 100% 计",
            )
        else:
            out[region.pk] = Measure(None, "本年度没有经过公示的评定周期")
    return out


def activity_participation(ctx: Context) -> dict[int, Measure]:
    """Active households with at least one member checked in at a village activity
    (not cancelled) of the year, of the active households."""
    took_part = Tally()
    checkins = CheckIn.objects.filter(
        household__status=HouseholdStatus.ACTIVE,
        household__village__path__startswith=ctx.district.path,
        activity__starts_at__gte=ctx.start_at,
        activity__starts_at__lt=ctx.end_at,
        activity__cancelled_at__isnull=True,
    )
    key = "household__village__path"
    for r in _grouped(checkins, key, n=Count("household", distinct=True)):
        took_part.add(r[key], r["n"])
    return {
        region.pk: ratio(
            took_part[region.pk], ctx.households[region.pk], top="参加活动", bottom="在册"
        )
        for region in ctx.regions
    }


def credit_usage(ctx: Context) -> dict[int, Measure]:
    """用信率 as the lending reports count it (docs/credit-reports.md): principal
    disbursed by the end of the year on the lines granted in the year, of those
    lines' granted amount."""
    granted, used = Tally(), Tally()
    lines = CreditLine.objects.filter(
        village__path__startswith=ctx.district.path,
        granted_at__gte=ctx.start_at,
        granted_at__lt=ctx.end_at,
    ).exclude(status__in=NOT_GRANTED)
    for r in _grouped(lines, "village__path", amount=Sum("granted_amount")):
        granted.add(r["village__path"], r["amount"])
    loans = Loan.objects.filter(credit_line__in=lines.values("pk"), disbursed_on__lte=ctx.end)
    key = "credit_line__village__path"
    for r in _grouped(loans, key, amount=Sum("principal")):
        used.add(r[key], r["amount"])
    out: dict[int, Measure] = {}
    for region in ctx.regions:
        lent, line = used[region.pk], granted[region.pk]
        if not line:
            out[region.pk] = Measure(None, "本年度没有授信")
            continue
        value = percent(lent, line)
        out[region.pk] = Measure(
            value, f"用信 {lent:,.2f} 元 / 授信 {line:,.2f} 元 = {num(value)}%"
        )
    return out


def shop_funding(ctx: Context) -> dict[int, Measure]:
    """Months of the year (to the current month) at whose end every points
    supermarket serving the region had a funding balance (money received − goods
    bought) above zero."""
    through = Shop.villages.through
    pairs = list(
        through.objects.filter(region__path__startswith=ctx.district.path).values_list(
            "shop_id", "region__path"
        )
    )
    shops_of: dict[int, set[int]] = defaultdict(set)
    for shop_id, path in pairs:
        for region_id in Region.ids_in_path(path)[1:3]:
            shops_of[region_id].add(shop_id)
    shop_ids = {shop_id for shop_id, _path in pairs}
    flows = funding_flows(shop_ids, ctx.end) if shop_ids else {}
    months = [date(ctx.year, m, 1) for m in range(1, 13) if date(ctx.year, m, 1) <= ctx.today]
    positive: dict[int, set[date]] = {}
    for shop_id in shop_ids:
        balance, ok = Decimal(0), set()
        shop_flows = sorted(flows.get(shop_id, []), key=lambda f: f.month)
        i = 0
        for month in months:
            while i < len(shop_flows) and shop_flows[i].month <= month:
                balance += shop_flows[i].money_in - shop_flows[i].goods_cost
                i += 1
            if balance > 0:
                ok.add(month)
        positive[shop_id] = ok
    out: dict[int, Measure] = {}
    for region in ctx.regions:
        shops = shops_of.get(region.pk)
        if not shops:
            out[region.pk] = Measure(None, "没有服务本地的积分超市")
            continue
        if not months:
            out[region.pk] = Measure(None, "本年度尚未开始")
            continue
        good = [m for m in months if all(m in positive[s] for s in shops)]
        short = [f"{m:%Y-%m}" for m in months if m not in good]
        working = f"{len(months)} 个月中 {len(good)} 个月月末资金余额为正（{len(shops)} 家超市）"
        if short:
            working += f"；未达到的月份：{'、'.join(short[:6])}{'等' if len(short) > 6 else ''}"
        out[region.pk] = Measure(Decimal(len(good)), working)
    return out


def suggestions_answered(ctx: Context) -> dict[int, Measure]:
    """Villagers' suggestions of the year that have an answer, of all of them."""
    made, answered = Tally(), Tally()
    rows = Suggestion.objects.filter(
        village__path__startswith=ctx.district.path,
        created_at__gte=ctx.start_at,
        created_at__lt=ctx.end_at,
    )
    key = "village__path"
    for r in _grouped(rows, key, n=Count("id"), ok=Count("id", filter=Q(replied_at__isnull=False))):
        made.add(r[key], r["n"])
        answered.add(r[key], r["ok"])
    return {
        region.pk: ratio(
            answered[region.pk], made[region.pk], top="已答复", bottom="建议", unit="条"
        )
        for region in ctx.regions
    }


@dataclass(frozen=True)
class Computation:
    key: str
    label: str
    unit: str  # of the raw value: "%" or "个月"
    counts: str  # what it counts, in a sentence (shown in the editor)
    compute: Callable[[Context], dict[int, Measure]]


REGISTRY: dict[str, Computation] = {
    c.key: c
    for c in (
        Computation(
            "rating_coverage",
            "评定覆盖率",
            "%",
            "本年度评定周期中评为 A 至 5A 的在册户 ÷ 在册户数",
            rating_coverage,
        ),
        Computation(
            "review_timely",
            "积分记录 7 日内审核率",
            "%",
            "本年度记录的积分中，记录后 7 日内审核（通过或驳回）的条数 ÷ 记录条数",
            review_timely,
        ),
        Computation(
            "appeals_timely",
            "异议按期答复率",
            "%",
            "本年度评定周期的异议中，在公示期最后一天前答复的件数 ÷ 异议件数（经过公示而无异议按 100%）",
            appeals_timely,
        ),
        Computation(
            "activity_participation",
            "村内活动参与率",
            "%",
            "本年度至少有一名成员在村内活动签到的在册户 ÷ 在册户数",
            activity_participation,
        ),
        Computation(
            "credit_usage",
            "用信率",
            "%",
            "本年度授信额度上到年底已发放的贷款本金 ÷ 本年度授信额度（与用信统计口径相同）",
            credit_usage,
        ),
        Computation(
            "shop_funding",
            "积分超市资金月末余额为正的月数",
            "个月",
            "本年度（到本月）各月月末，服务本地的每家积分超市资金余额都大于 0 的月数",
            shop_funding,
        ),
        Computation(
            "suggestions_answered",
            "村民建议答复率",
            "%",
            "本年度村民提出的建议中已答复的条数 ÷ 建议条数",
            suggestions_answered,
        ),
    )
}


def computation_choices() -> list[tuple[str, str]]:
    return [(c.key, c.label) for c in REGISTRY.values()]
