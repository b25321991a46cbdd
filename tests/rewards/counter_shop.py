"""A shop open for the counter's tests, on top of the test world (tests/conftest.py):
大贵口村's shop serving village A1, a few products with stock and limits, the main
household rated 3A with 100 points, its neighbour in group 2 rated 2A (below the
gate) with 40 points. Built with rw-core's balance primitives, as a real shop's
receipts and credits would be."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from sanxin.households.models import Person
from sanxin.ratings.choices import GradeSource
from sanxin.ratings.models import Cycle, GradeRecord
from sanxin.ratings.standing import valid_until
from sanxin.rewards.choices import LimitPeriod, StockKind, WalletKind
from sanxin.rewards.models import Product, RedemptionPolicy, Shop
from sanxin.rewards.services.balances import _stock_post, _wallet_post, wallets_ensure


@dataclass
class OpenShop:
    shop: Shop
    towel: Product  # 毛巾 10 分/条, limit 2 a month, 20 in stock
    rice: Product  # 大米 50 分/袋, 1 in stock
    oil: Product  # 食用油 30 分/桶, for 4A and above
    cycle: Cycle


def grade(household, value: str, cycle: Cycle, on: date) -> GradeRecord:
    return GradeRecord.objects.create(
        household=household,
        district_id=household.district_id,
        grade=value,
        source=GradeSource.CYCLE,
        cycle=cycle,
        effective_from=on,
        valid_until=valid_until(on),
        recorded_at=timezone.now(),
    )


def credit(household, points: str, cycle: Cycle) -> None:
    wallets_ensure([household.pk])
    _wallet_post(
        household=household,
        kind=WalletKind.ALLOWANCE,
        points=Decimal(points),
        occurred_at=timezone.now(),
        cycle=cycle,
        earned_on=timezone.localdate(),
    )


def open_shop(world) -> OpenShop:
    today = timezone.localdate()
    start = today.replace(month=1, day=1)
    RedemptionPolicy.objects.create(
        district=world.district,
        effective_from=start.replace(year=start.year - 1),
        published_at=timezone.now(),
    )
    shop = Shop.objects.create(name="大贵口村积分超市", code="DGK", region=world.village_a1)
    shop.villages.add(world.village_a1)
    towel = Product.objects.create(
        shop=shop,
        name="毛巾",
        unit="条",
        price_points=Decimal(10),
        limit_quantity=2,
        limit_period=LimitPeriod.MONTH,
        sort_order=1,
    )
    rice = Product.objects.create(
        shop=shop, name="大米", unit="袋", price_points=Decimal(50), sort_order=2
    )
    oil = Product.objects.create(
        shop=shop, name="食用油", unit="桶", price_points=Decimal(30), min_grade="4A", sort_order=3
    )
    clerk = world.users["shop_clerk"]
    for product, quantity in ((towel, 20), (rice, 1), (oil, 5)):
        _stock_post(
            product=product,
            kind=StockKind.RECEIPT,
            quantity=quantity,
            unit_cost=Decimal("4.50"),
            supplier="供销社",
            occurred_on=today,
            recorded_by=clerk,
        )
    cycle = Cycle.objects.create(
        village=world.village_a1, period=str(today.year - 1), cut_off=date(today.year - 1, 12, 31)
    )
    grade(world.household, "3A", cycle, start)
    grade(world.household_a1_2, "2A", cycle, start)
    credit(world.household, "100", cycle)
    credit(world.household_a1_2, "40", cycle)
    return OpenShop(shop=shop, towel=towel, rice=rice, oil=oil, cycle=cycle)


def head_of(household) -> Person:
    return Person.objects.get(household=household, is_head=True)
