"""The two balance primitives of the points supermarket. Every movement of a wallet or
of a product's stock goes through one of them, inside the caller's transaction:

- `_wallet_post`: one conditional UPDATE of `Wallet.balance`
  (`WHERE balance >= -points`), the row count checked, then the append-only
  `WalletEntry`. A debit that would take the balance below zero matches no row and is
  refused with a Chinese ValidationError naming the household and what is short.
- `_stock_post`: the same for `Product.stock_quantity` and `StockMovement`; a receipt
  also moves the product's moving-average unit cost (its row locked for that).
- `_stock_post_many`: the same for several products with one cause (a redemption's
  lines): one conditional UPDATE per product, the movements in one insert.
- `_wallet_credit_many`: credits for many households at once (the ledger sync, the
  grade allowance): bulk insert, then one UPDATE adding each wallet's new rows.

Two concurrent debits cannot both pass: the UPDATE's condition is evaluated on the
row as it is when the UPDATE takes its lock (PostgreSQL re-checks it after waiting
for the other transaction; SQLite's IMMEDIATE transactions run one writer at a time),
and the CHECK constraints (`wallet_balance_not_negative`,
`product_stock_not_negative`) are the last line. On SQLite a decimal column is a
floating-point number, so every new balance is ROUNDed to 2 places: sums of
two-decimal values then compare exactly as their decimal values do.

Underscored: they check no permission; the services that call them do."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    DecimalField,
    F,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Round
from django.utils import timezone

from sanxin.households.models import Household
from sanxin.rewards.choices import StockKind
from sanxin.rewards.models import Product, StockMovement, Wallet, WalletEntry

CENT = Decimal("0.01")
_POINTS = DecimalField(max_digits=12, decimal_places=2)


def points_text(points: Decimal) -> str:
    """12, 12.5 — points as people write them."""
    return format(Decimal(points).normalize(), "f")


def day_text(day: date) -> str:
    """2026年12月31日."""
    return f"{day.year}年{day.month}月{day.day}日"


def wallets_ensure(household_ids: Iterable[int]) -> None:
    """Create the missing wallets (balance 0) of these households, in one insert that
    skips those that exist (a concurrent creation waits, then skips)."""
    ids = sorted(set(household_ids))
    if ids:
        Wallet.objects.bulk_create(
            [Wallet(household_id=i) for i in ids], ignore_conflicts=True, batch_size=1000
        )


def _wallet_post(
    *,
    household: Household,
    kind: str,
    points: Decimal,
    occurred_at: datetime,
    actor=None,
    **cause,
) -> WalletEntry:
    """Move `household`'s wallet by `points` (signed) and write the row that says why
    (`cause`: entry, redemption, void, cycle, policy, earned_on, expires_on, note,
    shortfall). Refuses a debit beyond the balance."""
    points = Decimal(points).quantize(CENT, rounding=ROUND_HALF_UP)
    moved = Wallet.objects.filter(household_id=household.pk, balance__gte=-points).update(
        balance=Round(F("balance") + Value(points, output_field=_POINTS), 2),
        updated_at=timezone.now(),
    )
    if moved == 0:
        if not Wallet.objects.filter(household_id=household.pk).exists():
            wallets_ensure([household.pk])
            if points >= 0:
                return _wallet_post(
                    household=household,
                    kind=kind,
                    points=points,
                    occurred_at=occurred_at,
                    actor=actor,
                    **cause,
                )
        balance = (
            Wallet.objects.filter(household_id=household.pk)
            .values_list("balance", flat=True)
            .first()
        ) or Decimal(0)
        raise ValidationError(
            f"{household.number}号户积分余额不足：需要 {points_text(-points)} 分，"
            f"现有 {points_text(balance)} 分，还差 {points_text(-points - balance)} 分"
        )
    return WalletEntry.objects.create(
        wallet_id=household.pk,
        household_id=household.pk,
        district_id=household.district_id,
        kind=kind,
        points=points,
        occurred_at=occurred_at,
        actor=actor,
        **cause,
    )


def _wallet_credit_many(rows: list[WalletEntry]) -> list[WalletEntry]:
    """Write many credit rows (points ≥ 0) at once and add them to their wallets: a
    bulk insert and one UPDATE (each wallet gains the sum of its new rows). The rows
    need `household_id` and `district_id`; `wallet_id` is set here."""
    if not rows:
        return []
    if any(r.points < 0 for r in rows):
        raise ValueError("_wallet_credit_many writes credits only")
    for r in rows:
        r.wallet_id = r.household_id
        r.points = Decimal(r.points).quantize(CENT, rounding=ROUND_HALF_UP)
    wallets_ensure(r.household_id for r in rows)
    created = WalletEntry.objects.bulk_create(rows, batch_size=1000)
    ids = [r.pk for r in created]
    if None in ids:  # a backend that returns no ids (not SQLite ≥ 3.35, not PostgreSQL)
        raise RuntimeError("bulk insert returned no ids")
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        households = {r.household_id for r in created[start : start + 1000]}
        added = (
            WalletEntry.objects.filter(pk__in=chunk, household_id=OuterRef("household_id"))
            .order_by()
            .values("household_id")
            .annotate(s=Sum("points"))
            .values("s")
        )
        Wallet.objects.filter(household_id__in=households).update(
            balance=Round(
                F("balance")
                + Coalesce(Subquery(added, output_field=_POINTS), Value(0, output_field=_POINTS)),
                2,
            ),
            updated_at=timezone.now(),
        )
    return created


# A receipt locks the product row to average its cost: inside the caller's transaction
# (no savepoint), or in one of its own when called alone (a script, a test's set-up).
@transaction.atomic(savepoint=False)
def _stock_post(
    *,
    product: Product,
    kind: str,
    quantity: int,
    occurred_on: date,
    recorded_by=None,
    unit_cost: Decimal | None = None,
    **cause,
) -> StockMovement:
    """Move `product`'s stock by `quantity` (signed) and write the movement that says
    why (`cause`: supplier, funding_source, reason, redemption, void, adjustment,
    stocktake, confirmed_by). Refuses taking out more than is in stock. A receipt
    (`unit_cost` in yuan) also sets the moving-average unit cost:
    (stock × cost + quantity × unit cost) ÷ (stock + quantity), rounded to 分, and
    stores `amount` = quantity × unit cost rounded to 分."""
    now = timezone.now()
    if kind == StockKind.RECEIPT:
        if unit_cost is None or quantity <= 0:
            raise ValueError("a receipt needs a positive quantity and a unit cost")
        unit_cost = Decimal(unit_cost).quantize(CENT, rounding=ROUND_HALF_UP)
        stock, cost = (
            Product.objects.select_for_update()
            .filter(pk=product.pk)
            .values_list("stock_quantity", "unit_cost")
            .get()
        )
        average = ((stock * cost + quantity * unit_cost) / (stock + quantity)).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
        Product.objects.filter(pk=product.pk).update(
            stock_quantity=F("stock_quantity") + quantity, unit_cost=average, updated_at=now
        )
        product.stock_quantity, product.unit_cost = stock + quantity, average
        cause["amount"] = (quantity * unit_cost).quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        moved = Product.objects.filter(pk=product.pk, stock_quantity__gte=-quantity).update(
            stock_quantity=F("stock_quantity") + quantity, updated_at=now
        )
        if moved == 0:
            stock = (
                Product.objects.filter(pk=product.pk)
                .values_list("stock_quantity", flat=True)
                .first()
            ) or 0
            raise ValidationError(
                f"“{product.name}”库存不足：需要 {-quantity} {product.unit}，"
                f"库存 {stock} {product.unit}"
            )
    return StockMovement.objects.create(
        product=product,
        kind=kind,
        quantity=quantity,
        unit_cost=unit_cost,
        occurred_on=occurred_on,
        recorded_by=recorded_by,
        created_at=now,
        **cause,
    )


def _stock_post_many(
    moves: list[tuple[Product, int]],
    *,
    kind: str,
    occurred_on: date,
    recorded_by=None,
    **cause,
) -> list[StockMovement]:
    """`_stock_post` for several products with one cause (a redemption's issues, a
    void's returns; not receipts): each product's stock moved by its own conditional
    UPDATE, in the order given (callers sort by product id: no deadlocks), then the
    movements written in one insert. Refuses, naming the product, taking out more than
    is in stock."""
    if kind == StockKind.RECEIPT:
        raise ValueError("a receipt moves the unit cost: use _stock_post")
    now = timezone.now()
    for product, quantity in moves:
        moved = Product.objects.filter(pk=product.pk, stock_quantity__gte=-quantity).update(
            stock_quantity=F("stock_quantity") + quantity, updated_at=now
        )
        if moved == 0:
            stock = (
                Product.objects.filter(pk=product.pk)
                .values_list("stock_quantity", flat=True)
                .first()
            ) or 0
            raise ValidationError(
                f"“{product.name}”库存不足：需要 {-quantity} {product.unit}，"
                f"库存 {stock} {product.unit}"
            )
    return StockMovement.objects.bulk_create(
        StockMovement(
            product=product,
            kind=kind,
            quantity=quantity,
            occurred_on=occurred_on,
            recorded_by=recorded_by,
            created_at=now,
            **cause,
        )
        for product, quantity in moves
    )
