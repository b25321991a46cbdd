"""Who may redeem what, on a day (the gate of the points supermarket): one read-only
rule that the counter shows and that `redemption_create` and `paper_batch_redeem`
apply again inside their transaction (`services.redemptions._basket_errors`: the same
rule and words, computed from the rows the service locks and reads with
`grade_on` and `used_quantities` below, for the basket's products only).

A household may use a shop when the shop is open and serves its village, and its
grade in force on that day (ratings.standing: the record in force among those that
took effect by then, and not past its validity) reaches the policy's gate (3A by
default). Each product may ask a higher grade (`Product.min_grade`) and limit the
quantity a household takes per calendar month, quarter or year (voided redemptions do
not count). The balance spendable is the wallet's balance less the points due to
expire (`selectors.due_expiry`), so a point whose last day was yesterday is not offered
even before the daily expiry run has written it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone

from sanxin.households.models import Household
from sanxin.ratings.models import GradeRecord
from sanxin.ratings.standing import in_force
from sanxin.rewards.choices import LimitPeriod
from sanxin.rewards.models import Product, RedemptionLine, RedemptionPolicy, Shop
from sanxin.rewards.selectors import (
    ZERO,
    district_id_of,
    due_expiry,
    policy_in_force,
    wallet_balance,
)
from sanxin.rules.choices import GRADE_LABELS, Grade, grade_rank


def period_bounds(period: str, on: date) -> tuple[date, date]:
    """The calendar period (month, quarter, year) containing `on`: [first, next first)."""
    if period == LimitPeriod.MONTH:
        first = on.replace(day=1)
        following = date(on.year + (on.month == 12), on.month % 12 + 1, 1)
    elif period == LimitPeriod.QUARTER:
        month = (on.month - 1) // 3 * 3 + 1
        first = date(on.year, month, 1)
        following = date(on.year + (month == 10), (month + 2) % 12 + 1, 1)
    else:
        first, following = date(on.year, 1, 1), date(on.year + 1, 1, 1)
    return first, following


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def grade_on(household_id: int, on: date) -> GradeRecord | None:
    """The household's grade record in force on `on` (None: not rated then, or its
    grade had run past its validity). One query."""
    record = in_force(
        GradeRecord.objects.filter(
            household_id=household_id, effective_from__lte=on
        ).select_related("cycle")
    )
    if record is None or record.valid_until < on:
        return None
    return record


def used_quantities(
    household_id: int, products: list[Product], on: date, *, exclude_redemption: int | None = None
) -> dict[int, int]:
    """{product id: quantity the household has taken in the product's limit period
    containing `on`} for the limited products (not voided redemptions). One query."""
    limited = [p for p in products if p.limit_period]
    if not limited:
        return {}
    starts = {p.pk: period_bounds(p.limit_period, on) for p in limited}
    earliest = min(s for s, _ in starts.values())
    latest = max(e for _, e in starts.values())
    lines = (
        RedemptionLine.objects.filter(
            redemption__household_id=household_id,
            product_id__in=list(starts),
            redemption__void__isnull=True,
            redemption__occurred_at__gte=local_midnight(earliest),
            redemption__occurred_at__lt=local_midnight(latest),
        )
        .exclude(redemption_id=exclude_redemption)
        .values_list("product_id", "redemption__occurred_at", "quantity")
    )
    used: dict[int, int] = defaultdict(int)
    for product_id, occurred_at, quantity in lines:
        start, end = starts[product_id]
        if start <= timezone.localdate(occurred_at) < end:
            used[product_id] += quantity
    return dict(used)


@dataclass(frozen=True)
class ProductCheck:
    """One product as the counter offers it to a household."""

    product: Product
    allowed: bool
    reason: str  # why not, in Chinese ('' when allowed)
    limit_left: int | None  # what the limit still allows this period (None: no limit)
    used: int  # taken in the limit's period


@dataclass
class Eligibility:
    """What the counter shows about a household at a shop on a day."""

    household_id: int
    shop_id: int
    on: date
    grade: str  # the grade in force ("unrated" without one)
    grade_label: str
    min_grade: str  # the policy's gate
    open: bool  # the household may use this shop at all
    reasons: list[str]  # why not, in Chinese
    balance: Decimal  # the wallet's balance
    expiring: Decimal  # part of it already past its last day (gone at the next run)
    products: list[ProductCheck] = field(default_factory=list)
    policy: RedemptionPolicy | None = None

    @property
    def spendable(self) -> Decimal:
        return max(self.balance - self.expiring, ZERO)

    def product(self, product_id: int) -> ProductCheck | None:
        return next((c for c in self.products if c.product.pk == product_id), None)


def _limit_text(product: Product) -> str:
    return f"{LimitPeriod(product.limit_period).label}限兑 {product.limit_quantity} {product.unit}"


def redemption_eligibility(
    household: Household, shop: Shop, on: date | None = None, *, exclude_redemption=None
) -> Eligibility:
    """The gate for `household` at `shop` on `on` (default today): the grade in
    force, the policy's gate, each active product's own grade, limit and stock, the
    balance. A plain dataclass for the counter."""
    on = on or timezone.localdate()
    policy = policy_in_force(district_id_of(household.village), on)
    record = grade_on(household.pk, on)
    grade = record.grade if record is not None else Grade.UNRATED.value
    reasons: list[str] = []
    if not shop.active:
        reasons.append(f"“{shop.name}”已停止营业")
    if not shop.villages.filter(pk=household.village_id).exists():
        reasons.append(f"“{shop.name}”不服务{household.village.name}的农户")
    if record is None:
        reasons.append("该户目前没有有效的信用等级，不能兑换")
    elif grade_rank(grade) < grade_rank(policy.min_grade):
        reasons.append(
            f"该户信用等级为{GRADE_LABELS[grade]}，{GRADE_LABELS[policy.min_grade]}及以上才能兑换"
        )
    balance = wallet_balance(household.pk)
    due = due_expiry([household.pk], on).get(household.pk)
    result = Eligibility(
        household_id=household.pk,
        shop_id=shop.pk,
        on=on,
        grade=grade,
        grade_label=GRADE_LABELS[grade],
        min_grade=policy.min_grade,
        open=not reasons,
        reasons=reasons,
        balance=balance,
        expiring=due.points if due else ZERO,
        policy=policy,
    )
    products = list(shop.products.filter(active=True).order_by("sort_order", "name"))
    used = used_quantities(household.pk, products, on, exclude_redemption=exclude_redemption)
    for p in products:
        taken = used.get(p.pk, 0)
        left = None if p.limit_quantity is None else max(p.limit_quantity - taken, 0)
        reason = ""
        if not result.open:
            reason = "该户不能在本店兑换"
        elif p.min_grade and grade_rank(grade) < grade_rank(p.min_grade):
            reason = f"限{GRADE_LABELS[p.min_grade]}及以上农户兑换"
        elif left == 0:
            reason = f"{_limit_text(p)}，已兑 {taken} {p.unit}"
        elif p.stock_quantity <= 0:
            reason = "暂时缺货"
        elif p.price_points > result.spendable:
            reason = "积分不足"
        result.products.append(
            ProductCheck(product=p, allowed=not reason, reason=reason, limit_left=left, used=taken)
        )
    return result
