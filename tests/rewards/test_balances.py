"""The two balance primitives: the cached balance and stock equal the sum of their
append-only rows, and neither goes below zero (refused in words naming what is short)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.db.models.functions import Round
from django.utils import timezone

from sanxin.rewards.choices import StockKind, WalletKind
from sanxin.rewards.models import Product, Shop, StockMovement, Wallet, WalletEntry
from sanxin.rewards.services.balances import _stock_post, _wallet_post


def _sum(household):
    # Round: on SQLite a decimal column is a float, and so is its SUM.
    return WalletEntry.objects.filter(household=household).aggregate(s=Round(Sum("points"), 2))["s"]


@pytest.fixture
def product(world):
    shop = Shop.objects.create(name="大贵口积分超市", code="DGK", region=world.village_a1)
    shop.villages.add(world.village_a1)
    return Product.objects.create(shop=shop, name="毛巾", unit="条", price_points=Decimal(10))


def test_wallet_debit_beyond_the_balance_is_refused_and_nothing_is_written(world):
    h, now = world.household, timezone.now()
    from sanxin.ratings.models import Cycle

    cycle = Cycle.objects.create(
        village=world.village_a1, period="2025", cut_off=date(2025, 12, 31)
    )
    _wallet_post(
        household=h, kind=WalletKind.ALLOWANCE, points=Decimal("0.3"), occurred_at=now, cycle=cycle
    )
    for _ in range(3):  # 0.3 − 0.1 × 3 is exactly 0, also where decimals are floats
        _wallet_post(
            household=h,
            kind=WalletKind.EXPIRY,
            points=Decimal("-0.1"),
            occurred_at=now,
            expires_on=date(2025, 12, 31),
        )
    assert Wallet.objects.get(household=h).balance == 0
    with (
        pytest.raises(ValidationError, match="001号户积分余额不足.*还差 0.01 分"),
        transaction.atomic(),
    ):
        _wallet_post(
            household=h,
            kind=WalletKind.EXPIRY,
            points=Decimal("-0.01"),
            occurred_at=now,
            expires_on=date(2025, 12, 31),
        )
    assert WalletEntry.objects.filter(household=h).count() == 4
    assert _sum(h) == Wallet.objects.get(household=h).balance == 0


def test_the_database_refuses_a_negative_balance_and_stock(world, product):
    Wallet.objects.create(household=world.household)
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(household=world.household).update(balance=Decimal("-1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(stock_quantity=-1)


def test_stock_moves_and_refuses_an_issue_beyond_stock(world, product):
    user = world.users["shop_clerk"]
    on = date(2026, 3, 1)
    _stock_post(
        product=product,
        kind=StockKind.RECEIPT,
        quantity=10,
        unit_cost=Decimal("5"),
        occurred_on=on,
        recorded_by=user,
    )
    _stock_post(
        product=product,
        kind=StockKind.RECEIPT,
        quantity=5,
        unit_cost=Decimal("6.1"),
        occurred_on=on,
        recorded_by=user,
    )
    product.refresh_from_db()
    # (10 × 5 + 5 × 6.10) ÷ 15 = 5.3666… → 5.37
    assert product.stock_quantity == 15 and product.unit_cost == Decimal("5.37")
    receipt = StockMovement.objects.filter(product=product).order_by("id").last()
    assert receipt.amount == Decimal("30.50")
    with (
        pytest.raises(ValidationError, match="“毛巾”库存不足：需要 16 条，库存 15 条"),
        transaction.atomic(),
    ):
        from sanxin.rewards.models import StockAdjustment

        adj = StockAdjustment.objects.create(
            product=product,
            quantity=-16,
            reason="破损",
            requested_by=user,
            requested_at=timezone.now(),
        )
        _stock_post(
            product=product,
            kind=StockKind.ADJUSTMENT,
            quantity=-16,
            occurred_on=on,
            recorded_by=user,
            adjustment=adj,
        )
    product.refresh_from_db()
    total = StockMovement.objects.filter(product=product).aggregate(s=Sum("quantity"))["s"]
    assert product.stock_quantity == total == 15
