"""A shop's stock, the staff side: receipts (入库) paid from a funding source,
adjustments for loss or damage (报损: one person asks with a reason, a second person
confirms), and stocktakes (盘点: counted against book, the variance posted). Every
movement goes through `balances._stock_post` (append-only row, stock never below
zero); redemptions and voids move stock from the counter's services.

Permission: Perm.SHOP_STOCK over the shop's region (its clerk, the village committee)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sanxin.accounts.scope import Perm
from sanxin.audit.services import audit
from sanxin.lib.text import clean_line
from sanxin.rewards.choices import RequestState, StockKind
from sanxin.rewards.models import (
    FundingSource,
    Product,
    Shop,
    StockAdjustment,
    StockMovement,
    Stocktake,
    StocktakeLine,
)
from sanxin.rewards.services.balances import _stock_post
from sanxin.rewards.services.funding import funding_balance
from sanxin.rewards.services.shops import require_shop_perm

if TYPE_CHECKING:
    from sanxin.accounts.models import User

CENT = Decimal("0.01")
MAX_QUANTITY = 100_000


def _not_future(day: date, now: datetime, field: str, label: str) -> dict[str, list[str]]:
    if day > timezone.localdate(now):
        return {field: [f"{label} {day:%Y-%m-%d} 在今天之后"]}
    return {}


@transaction.atomic
def stock_receive(
    *,
    actor: User,
    product: Product,
    quantity: int,
    unit_cost: Decimal,
    supplier: str,
    funding_source: FundingSource,
    received_on: date,
    note: str = "",
    at: datetime | None = None,
) -> StockMovement:
    """Goods received into stock (入库), paid from `funding_source`: quantity × unit
    cost (yuan, whole 分) is its goods cost. Refused when the source's balance cannot
    pay it (the source's row is locked, so two receipts cannot both spend the last
    of it): an auditor expects no shop to spend money it has not received."""
    product = Product.objects.select_related("shop__region").get(pk=product.pk)
    require_shop_perm(actor, product.shop, Perm.SHOP_STOCK, "无权为该积分超市入库")
    now = at or timezone.now()
    errors = _not_future(received_on, now, "received_on", "入库日期")
    if not isinstance(quantity, int) or not 0 < quantity <= MAX_QUANTITY:
        errors["quantity"] = [f"数量为 1 到 {MAX_QUANTITY} 之间的整数"]
    if unit_cost is None or unit_cost < 0:
        errors["unit_cost"] = ["单价不能为负"]
    elif unit_cost != unit_cost.quantize(CENT):
        errors["unit_cost"] = ["单价精确到分（最多两位小数）"]
    supplier = clean_line(supplier, "供应商", field="supplier")
    if not supplier:
        errors["supplier"] = ["请填写供应商"]
    source = (
        FundingSource.objects.select_for_update()
        .filter(pk=funding_source.pk, shop=product.shop)
        .first()
    )
    if source is None:
        errors["funding_source"] = ["请选择本超市的资金来源"]
    elif not source.active:
        errors["funding_source"] = [f"资金来源“{source.name}”已停用"]
    if errors or source is None:
        raise ValidationError(errors)
    cost = (quantity * unit_cost).quantize(CENT)
    balance = funding_balance(source)
    if cost > balance:
        raise ValidationError(
            {
                "funding_source": [
                    f"“{source.name}”余额 {balance} 元，不够支付这批货款 {cost} 元；"
                    "请先登记到账资金，或选择其他资金来源"
                ]
            }
        )
    movement = _stock_post(
        product=product,
        kind=StockKind.RECEIPT,
        quantity=quantity,
        occurred_on=received_on,
        recorded_by=actor,
        unit_cost=unit_cost,
        supplier=supplier,
        funding_source=source,
        reason=clean_line(note, "说明", field="note"),
    )
    audit(
        actor=actor,
        action="stock.receive",
        obj=movement,
        at=now,
        region_path=product.shop.region.path,
        after={
            "product": product.name,
            "quantity": quantity,
            "unit_cost": str(unit_cost),
            "amount": str(movement.amount),
            "supplier": supplier,
            "funding_source": source.name,
            "received_on": str(received_on),
        },
    )
    return movement


@transaction.atomic
def stock_adjust_request(
    *,
    actor: User,
    product: Product,
    quantity: int,
    reason: str,
    at: datetime | None = None,
) -> StockAdjustment:
    """Ask to adjust a product's stock (a loss is negative) with a reason; nothing
    moves until a second person confirms."""
    product = Product.objects.select_related("shop__region").get(pk=product.pk)
    require_shop_perm(actor, product.shop, Perm.SHOP_STOCK, "无权调整该积分超市的库存")
    errors: dict[str, list[str]] = {}
    if not isinstance(quantity, int) or quantity == 0 or abs(quantity) > MAX_QUANTITY:
        errors["quantity"] = ["数量不能为 0（减少写负数，如 -2）"]
    elif product.stock_quantity + quantity < 0:
        errors["quantity"] = [
            f"库存只有 {product.stock_quantity} {product.unit}，不能减少 {-quantity}"
        ]
    reason = clean_line(reason, "原因", field="reason")
    if not reason:
        errors["reason"] = ["请写明原因（如破损、过期、丢失）"]
    if errors:
        raise ValidationError(errors)
    now = at or timezone.now()
    adjustment = StockAdjustment(
        product=product, quantity=quantity, reason=reason, requested_by=actor, requested_at=now
    )
    adjustment.full_clean()
    adjustment.save()
    audit(
        actor=actor,
        action="stock.adjust_request",
        obj=adjustment,
        at=now,
        region_path=product.shop.region.path,
        after={"product": product.name, "quantity": quantity, "reason": reason},
    )
    return adjustment


def _pending(actor: User, adjustment: StockAdjustment) -> StockAdjustment:
    adjustment = (
        StockAdjustment.objects.select_for_update()
        .select_related("product__shop__region", "requested_by")
        .get(pk=adjustment.pk)
    )
    require_shop_perm(
        actor, adjustment.product.shop, Perm.SHOP_STOCK, "无权确认该积分超市的库存调整"
    )
    if adjustment.state != RequestState.PENDING:
        raise ValidationError(f"该调整已{adjustment.get_state_display()}")
    if adjustment.requested_by_id == actor.pk:
        raise ValidationError("库存调整要由申请人以外的另一个人确认")
    return adjustment


@transaction.atomic
def stock_adjust_confirm(
    *, actor: User, adjustment: StockAdjustment, at: datetime | None = None
) -> StockMovement:
    """A second person (not the requester) confirms: the stock moves (refused if a
    loss is now more than the stock)."""
    adjustment = _pending(actor, adjustment)
    now = at or timezone.now()
    movement = _stock_post(
        product=adjustment.product,
        kind=StockKind.ADJUSTMENT,
        quantity=adjustment.quantity,
        occurred_on=timezone.localdate(now),
        recorded_by=adjustment.requested_by,
        adjustment=adjustment,
        confirmed_by=actor,
        reason=adjustment.reason,
    )
    adjustment.state = RequestState.CONFIRMED
    adjustment.confirmed_by = actor
    adjustment.decided_at = now
    adjustment.save(update_fields=["state", "confirmed_by", "decided_at"])
    audit(
        actor=actor,
        action="stock.adjust_confirm",
        obj=adjustment,
        at=now,
        region_path=adjustment.product.shop.region.path,
        after={
            "product": adjustment.product.name,
            "quantity": adjustment.quantity,
            "reason": adjustment.reason,
        },
    )
    return movement


@transaction.atomic
def stock_adjust_reject(
    *, actor: User, adjustment: StockAdjustment, reason: str, at: datetime | None = None
) -> StockAdjustment:
    """A second person rejects the adjustment, with a reason; nothing moves."""
    adjustment = _pending(actor, adjustment)
    reason = clean_line(reason, "意见", field="reason")
    if not reason:
        raise ValidationError({"reason": ["驳回要写明理由"]})
    now = at or timezone.now()
    adjustment.state = RequestState.REJECTED
    adjustment.confirmed_by = actor
    adjustment.decided_at = now
    adjustment.decision_reason = reason
    adjustment.save(update_fields=["state", "confirmed_by", "decided_at", "decision_reason"])
    audit(
        actor=actor,
        action="stock.adjust_reject",
        obj=adjustment,
        at=now,
        region_path=adjustment.product.shop.region.path,
        after={"product": adjustment.product.name, "reason": reason},
    )
    return adjustment


@transaction.atomic
def stocktake_record(
    *,
    actor: User,
    shop: Shop,
    counted_on: date,
    counts: Mapping[int, int],
    note: str = "",
    at: datetime | None = None,
) -> Stocktake:
    """A stocktake (盘点): `counts` maps every product of the shop that is on the
    shelf or has stock to the quantity counted. The book quantities are read with
    the products locked; each variance (counted − book) is posted as a movement."""
    shop = Shop.objects.select_related("region").get(pk=shop.pk)
    require_shop_perm(actor, shop, Perm.SHOP_STOCK, "无权为该积分超市盘点")
    now = at or timezone.now()
    errors = _not_future(counted_on, now, "counted_on", "盘点日期")
    products = list(
        Product.objects.select_for_update().filter(shop=shop).order_by("sort_order", "name", "pk")
    )
    counted = [p for p in products if p.active or p.stock_quantity or p.pk in counts]
    unknown = set(counts) - {p.pk for p in products}
    if unknown:
        errors.setdefault("counts", []).append("盘点表里有不属于本超市的商品")
    for p in counted:
        value = counts.get(p.pk)
        if value is None:
            errors.setdefault("counts", []).append(f"“{p.name}”没有填写实盘数量")
        elif not isinstance(value, int) or value < 0 or value > MAX_QUANTITY:
            errors.setdefault("counts", []).append(f"“{p.name}”的实盘数量应为 0 或正整数")
    if not counted:
        errors.setdefault("counts", []).append("本超市还没有商品")
    if errors:
        raise ValidationError(errors)
    stocktake = Stocktake(
        shop=shop,
        counted_on=counted_on,
        note=clean_line(note, "说明", field="note"),
        recorded_by=actor,
        recorded_at=now,
    )
    stocktake.full_clean()
    stocktake.save()
    lines = [
        StocktakeLine(
            stocktake=stocktake,
            product=p,
            book_quantity=p.stock_quantity,
            counted_quantity=counts[p.pk],
            variance=counts[p.pk] - p.stock_quantity,
        )
        for p in counted
    ]
    StocktakeLine.objects.bulk_create(lines)
    variances = {}
    for line in lines:
        if line.variance:
            _stock_post(
                product=line.product,
                kind=StockKind.STOCKTAKE,
                quantity=line.variance,
                occurred_on=counted_on,
                recorded_by=actor,
                stocktake=stocktake,
                reason=stocktake.note,
            )
            variances[line.product.name] = line.variance
    audit(
        actor=actor,
        action="stocktake.record",
        obj=stocktake,
        at=now,
        region_path=shop.region.path,
        after={
            "counted_on": str(counted_on),
            "products": len(lines),
            "variances": variances,
        },
    )
    return stocktake
