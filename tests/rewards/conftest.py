"""The points supermarket's test world: 大贵口村's shop (it serves village A1) with
three products in stock, grades given directly as grade records, points given as
allowances of old cycles, and a clock to move."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from sanxin.ratings.choices import GradeSource
from sanxin.ratings.models import Cycle, GradeRecord
from sanxin.ratings.standing import valid_until
from sanxin.rewards.choices import LimitPeriod, StockKind, WalletKind
from sanxin.rewards.models import Product, Shop
from sanxin.rewards.services.balances import _stock_post, _wallet_post

_periods = itertools.count(1)


def at(day: date, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute, second))


def give_grade(household, grade: str, *, on: date, source=GradeSource.CYCLE, period: str = "2026"):
    cycle, _ = Cycle.objects.get_or_create(
        village=household.village,
        period=period,
        defaults={"cut_off": on, "state": "final"},
    )
    return GradeRecord.objects.create(
        household=household,
        district_id=household.district_id,
        grade=grade,
        source=source,
        cycle=cycle,
        effective_from=on,
        valid_until=valid_until(on),
        recorded_at=timezone.now(),
    )


def give_points(household, points, *, expires_on: date | None = None, earned_on=None):
    """Points credited as an allowance of an old cycle of its own (not in force)."""
    cycle = Cycle.objects.create(
        village=household.village, period=f"19{next(_periods):02d}", cut_off=date(1990, 1, 1)
    )
    with transaction.atomic():  # the primitives run inside their caller's transaction
        return _wallet_post(
            household=household,
            kind=WalletKind.ALLOWANCE,
            points=Decimal(points),
            occurred_at=timezone.now(),
            cycle=cycle,
            earned_on=earned_on,
            expires_on=expires_on,
        )


@pytest.fixture
def committing(transactional_db):
    """For tests that commit for real (threads see each other's writes): Django then
    empties every table, so the append-only triggers are dropped for that flush (as
    tests/ledger/test_once_and_recusal.py does)."""
    from sanxin.lib.append_only import append_only_tables, create_triggers, drop_triggers
    from sanxin.rules.services import scheme_versions_unfreeze_for_erase

    create_triggers(append_only_tables())
    yield
    drop_triggers()
    scheme_versions_unfreeze_for_erase()


@pytest.fixture
def shop(world):
    shop = Shop.objects.create(name="大贵口积分超市", code="DGK", region=world.village_a1)
    shop.villages.add(world.village_a1)
    return shop


@pytest.fixture
def products(world, shop):
    clerk = world.users["shop_clerk"]
    made = {
        "towel": Product.objects.create(
            shop=shop,
            name="毛巾",
            unit="条",
            price_points=Decimal(10),
            limit_quantity=2,
            limit_period=LimitPeriod.MONTH,
        ),
        "oil": Product.objects.create(
            shop=shop, name="食用油", unit="桶", price_points=Decimal(50), min_grade="4A"
        ),
        "rice": Product.objects.create(shop=shop, name="大米", unit="袋", price_points=Decimal(30)),
    }
    for p in made.values():
        with transaction.atomic():
            _stock_post(
                product=p,
                kind=StockKind.RECEIPT,
                quantity=5,
                unit_cost=Decimal("12.50"),
                occurred_on=date(2026, 1, 5),
                recorded_by=clerk,
            )
        p.refresh_from_db()
    return made


@pytest.fixture
def graded(world):
    """The world's main household rated 3A from 1 January 2026."""
    give_grade(world.household, "3A", on=date(2026, 1, 1))
    return world.household


def head(household):
    return household.members.get(is_head=True)


def days(n: int) -> timedelta:
    return timedelta(days=n)
