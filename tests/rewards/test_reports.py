"""The demo shop's books (web/demo/shop.py, built small) add up: in every month,
money in − goods cost = the funding balance, the stock value is the book stock ×
the unit cost, and the stock account ends where the products' stock stands; every
household rated 3A or above redeemed in the month after the cycle."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from sanxin.accounts.models import User
from sanxin.rewards import reports, shop_figures
from sanxin.rewards.models import (
    FundingReceipt,
    Product,
    Redemption,
    RedemptionVoid,
    Shop,
    StockMovement,
    Stocktake,
)
from sanxin.web import demo
from sanxin.web.demo.shop import SHOP_CODE, month_of_redemptions

SMALL = 24


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def shop(db):
    demo.build(households=SMALL)
    return Shop.objects.get(code=SHOP_CODE)


def _months(first: date, last: date):
    month = reports.month_start(first)
    while month <= last:
        yield month
        month = reports.next_month(month)


def test_the_demo_shop_monthly_reports_add_up(shop):
    cal = demo.Calendar.on()
    today = timezone.localdate()
    first = FundingReceipt.objects.filter(source__shop=shop).order_by("received_on").first()
    assert first is not None
    for month in _months(first.received_on, today):
        (figures,) = shop_figures.shops_month([shop], month)
        t = figures.totals
        assert t.problems() == [], month
        # money in − goods cost = funding balance, to the end of the month
        end = reports.next_month(month)
        money_in = FundingReceipt.objects.filter(source__shop=shop, received_on__lt=end).aggregate(
            s=Sum("amount")
        )["s"]
        goods_cost = StockMovement.objects.filter(
            product__shop=shop, kind="receipt", occurred_on__lt=end
        ).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        assert t.funding_balance == reports.yuan(money_in - goods_cost) == t.total_in - t.total_cost
        assert t.funding_balance >= 0
        # stock value = book stock × unit cost, product by product
        assert t.stock_value == sum(
            (reports.yuan(p.closing_quantity * p.unit_cost) for p in t.products), Decimal(0)
        )
        book = dict(
            StockMovement.objects.filter(product__shop=shop, occurred_on__lt=end)
            .values_list("product_id")
            .annotate(q=Sum("quantity"))
        )
        assert {p.product_id: p.closing_quantity for p in t.products} == book
    # the account of this month ends where the shelves stand
    (now,) = shop_figures.shops_month([shop], today)
    assert {p.product_id: p.closing_quantity for p in now.totals.products} == dict(
        Product.objects.filter(shop=shop).values_list("pk", "stock_quantity")
    )
    assert cal.as_of < month_of_redemptions(cal).replace(day=28)


def test_every_rated_household_received_its_reward(shop, client):
    cal = demo.Calendar.on()
    month = month_of_redemptions(cal)
    client.force_login(User.objects.get(username="zhenadmin"))
    page = client.get(f"/shop/shops/?month={month:%Y-%m}").content.decode()
    assert "全部兑换" in page
    report = client.get(f"/shop/shops/{shop.pk}/report/?month={month:%Y-%m}").content.decode()
    assert "全部兑换" in report and "账目对不上" not in report
    coverage = shop_figures.coverage(shop, month)
    assert coverage.eligible > 0
    assert coverage.served == coverage.eligible
    (figures,) = shop_figures.shops_month([shop], month)
    assert figures.redemptions.households == coverage.eligible
    t = figures.totals
    assert t.points_redeemed > 0 and t.redeemed_cost > 0
    assert t.cost_per_point == reports.yuan(t.redeemed_cost / t.points_redeemed)
    # the month's loss and stocktake variance are in the account
    assert t.adjusted_value < 0 and t.variance_value < 0
    assert Stocktake.objects.filter(shop=shop).count() == 1


def test_the_demo_has_one_void_and_funding_from_four_sources(shop):
    assert RedemptionVoid.objects.filter(redemption__shop=shop).count() == 1
    assert set(shop.funding_sources.values_list("kind", flat=True)) == {
        "district_fund",
        "village_collective",
        "business_donation",
        "credit_union",
    }
    assert shop.products.count() >= 15
    assert Redemption.objects.filter(shop=shop, clerk__username="chaoshi").count() > 1


def test_building_again_changes_nothing_in_the_shop(shop):
    before = (
        Redemption.objects.count(),
        StockMovement.objects.count(),
        FundingReceipt.objects.count(),
    )
    demo.build(households=SMALL)
    assert (
        Redemption.objects.count(),
        StockMovement.objects.count(),
        FundingReceipt.objects.count(),
    ) == before
