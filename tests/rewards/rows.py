"""Two rows in every append-only table of the points supermarket, written through the
balance primitives on top of the demo village (tests/test_append_only.py asks for them:
its generic row builder cannot satisfy these tables' CHECK constraints, which tie each
row's sign to its kind and cause)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from sanxin.accounts.models import User
from sanxin.households.models import Household, Person
from sanxin.ledger.models import Entry
from sanxin.ratings.models import Cycle
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rewards.choices import FundingKind, StockKind, WalletKind
from sanxin.rewards.models import (
    ExpiryNotice,
    FundingReceipt,
    FundingSource,
    Product,
    ProductPhoto,
    Redemption,
    RedemptionAllowance,
    RedemptionLine,
    RedemptionPolicy,
    RedemptionVoid,
    Shop,
    Stocktake,
    StocktakeLine,
)
from sanxin.rewards.services.balances import _stock_post, _wallet_post


def append_only_rows() -> None:
    now, today = timezone.now(), timezone.localdate()
    user = User.objects.order_by("pk").first()
    household = Household.objects.order_by("pk").first()
    person = Person.objects.filter(household=household).first()
    village = household.village
    district = Region.objects.get(level=Level.DISTRICT, pk=village.ancestor_ids[0])
    for days in (0, 1):
        policy = RedemptionPolicy.objects.create(
            district=district, effective_from=today + timedelta(days=days), published_at=now
        )
        RedemptionAllowance.objects.create(policy=policy, grade="4A", points=Decimal(20))
        RedemptionAllowance.objects.create(policy=policy, grade="5A", points=Decimal(30))
    shop = Shop.objects.create(name="测试超市", code="TST", region=village)
    shop.villages.add(village)
    source = FundingSource.objects.create(
        region=village, shop=shop, kind=FundingKind.VILLAGE_COLLECTIVE, name="村集体"
    )
    for amount in (500, 300):
        FundingReceipt.objects.create(
            source=source,
            amount=Decimal(amount),
            received_on=today,
            recorded_by=user,
            recorded_at=now,
        )
    products = [
        Product.objects.create(shop=shop, name=name, unit="条", price_points=Decimal(5))
        for name in ("毛巾", "肥皂")
    ]
    for p in products:
        ProductPhoto.objects.create(product=p, image="products/test.png", sha256="0" * 64)
        _stock_post(
            product=p,
            kind=StockKind.RECEIPT,
            quantity=10,
            unit_cost=Decimal("3.5"),
            supplier="供销社",
            funding_source=source,
            occurred_on=today,
            recorded_by=user,
        )
    entries = Entry.objects.filter(review__approved=True, points__gt=0, household=household)[:2]
    for e in entries:
        _wallet_post(
            household=household,
            kind=WalletKind.ENTRY_CREDIT,
            points=e.points,
            occurred_at=now,
            entry=e,
            earned_on=today,
            expires_on=today,
        )
    cycle = Cycle.objects.order_by("pk").first()
    _wallet_post(
        household=household,
        kind=WalletKind.ALLOWANCE,
        points=Decimal(50),
        occurred_at=now,
        cycle=cycle,
        earned_on=today,
        expires_on=today,
    )
    for i in (1, 2):
        r = Redemption.objects.create(
            shop=shop,
            household=household,
            number=f"TST-{i}",
            clerk=user,
            collected_by=person,
            total_points=Decimal(5),
            occurred_at=now,
            idempotency_key=f"k{i}",
            fingerprint="f",
            created_at=now,
        )
        RedemptionLine.objects.create(
            redemption=r,
            product=products[0],
            quantity=1,
            price_points=Decimal(5),
            points=Decimal(5),
        )
        RedemptionLine.objects.create(
            redemption=r,
            product=products[1],
            quantity=1,
            price_points=Decimal(5),
            points=Decimal(5),
        )
        _wallet_post(
            household=household,
            kind=WalletKind.REDEMPTION,
            points=Decimal(-10),
            occurred_at=now,
            redemption=r,
        )
        for p in products:
            _stock_post(
                product=p,
                kind=StockKind.ISSUE,
                quantity=-1,
                occurred_on=today,
                recorded_by=user,
                redemption=r,
            )
        void = RedemptionVoid.objects.create(
            redemption=r, reason="误操作", requested_by=user, created_at=now
        )
        _wallet_post(
            household=household,
            kind=WalletKind.VOID,
            points=Decimal(10),
            occurred_at=now,
            void=void,
        )
    for days in (0, 1):
        _wallet_post(
            household=household,
            kind=WalletKind.EXPIRY,
            points=Decimal(-1),
            occurred_at=now,
            expires_on=today - timedelta(days=days),
        )
        ExpiryNotice.objects.create(
            household=household,
            expires_on=today + timedelta(days),
            points=Decimal(1),
            notified_at=now,
        )
        take = Stocktake.objects.create(
            shop=shop, counted_on=today, recorded_by=user, recorded_at=now
        )
        for p in products:
            line = StocktakeLine.objects.create(
                stocktake=take, product=p, book_quantity=9, counted_quantity=8, variance=-1
            )
            _stock_post(
                product=p,
                kind=StockKind.STOCKTAKE,
                quantity=line.variance,
                occurred_on=today,
                recorded_by=user,
                stocktake=take,
            )
