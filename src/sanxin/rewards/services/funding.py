"""A shop's money (资金来源): its sources — the district fund, the village collective,
donations from businesses or people, the credit union's sponsorship — and the money
received from each (到账). Goods received into stock are paid from a source
(`stock_receive`), so a source's balance is money received − goods cost, and it never
goes below zero: a receipt the source cannot pay is refused until the money is
recorded (see docs/shop.md).

Permission: Perm.SHOP_MANAGE over the shop's region."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from sanxin.accounts.scope import Perm
from sanxin.audit.services import audit
from sanxin.lib.text import clean_line
from sanxin.rewards.choices import FundingKind, StockKind
from sanxin.rewards.models import FundingReceipt, FundingSource, Shop, StockMovement
from sanxin.rewards.services.shops import require_shop_perm

if TYPE_CHECKING:
    from sanxin.accounts.models import User

CENT = Decimal("0.01")


def funding_balance(source: FundingSource) -> Decimal:
    """Money received from the source − the goods cost it paid, to 分."""
    money_in = FundingReceipt.objects.filter(source=source).aggregate(s=Sum("amount"))["s"]
    spent = StockMovement.objects.filter(funding_source=source, kind=StockKind.RECEIPT).aggregate(
        s=Sum("amount")
    )["s"]
    return (Decimal(money_in or 0) - Decimal(spent or 0)).quantize(CENT)


@transaction.atomic
def funding_source_create(*, actor: User | None, shop: Shop, kind: str, name: str) -> FundingSource:
    """A new source of a shop's money. (A district fund given to several shops is a
    source at each shop, with what each received.)"""
    require_shop_perm(actor, shop, Perm.SHOP_MANAGE, "无权管理该积分超市的资金")
    if kind not in FundingKind.values:
        raise ValidationError({"kind": ["请选择资金来源类型"]})
    name = clean_line(name, "名称", field="name")
    if not name:
        raise ValidationError({"name": ["请填写资金来源的名称"]})
    if FundingSource.objects.filter(region=shop.region, name=name).exists():
        raise ValidationError({"name": [f"已有资金来源“{name}”"]})
    source = FundingSource(region=shop.region, shop=shop, kind=kind, name=name)
    source.full_clean()
    source.save()
    audit(
        actor=actor,
        action="funding.source_create",
        obj=source,
        region_path=shop.region.path,
        after={"shop": shop.name, "funding_kind": kind, "funding_source": name},
    )
    return source


@transaction.atomic
def funding_receive(
    *,
    actor: User,
    source: FundingSource,
    amount: Decimal,
    received_on: date,
    note: str = "",
    at: datetime | None = None,
) -> FundingReceipt:
    """Record money received from a source (到账): amount in yuan (to 分), the day it
    arrived (not in the future), a note (e.g. the transfer's reference)."""
    source = FundingSource.objects.select_related("shop__region").get(pk=source.pk)
    if source.shop is None:
        raise ValidationError("该资金来源不属于任何积分超市")
    require_shop_perm(actor, source.shop, Perm.SHOP_MANAGE, "无权管理该积分超市的资金")
    now = at or timezone.now()
    errors: dict[str, list[str]] = {}
    if amount is None or amount <= 0:
        errors["amount"] = ["金额必须大于 0"]
    elif amount != amount.quantize(CENT):
        errors["amount"] = ["金额精确到分（最多两位小数）"]
    if received_on > timezone.localdate(now):
        errors["received_on"] = [f"到账日期 {received_on:%Y-%m-%d} 在今天之后"]
    if not source.active:
        errors["source"] = [f"资金来源“{source.name}”已停用"]
    if errors:
        raise ValidationError(errors)
    receipt = FundingReceipt(
        source=source,
        amount=amount,
        received_on=received_on,
        note=clean_line(note, "说明", field="note"),
        recorded_by=actor,
        recorded_at=now,
    )
    receipt.full_clean()
    receipt.save()
    audit(
        actor=actor,
        action="funding.receive",
        obj=receipt,
        at=now,
        region_path=source.shop.region.path,
        after={
            "funding_source": source.name,
            "amount": str(amount),
            "received_on": str(received_on),
            "note": receipt.note,
        },
    )
    return receipt
