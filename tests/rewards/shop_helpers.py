"""A shop in the test world (tests/conftest.py): 大贵口村's shop (village A1) with a
funding source, money received and a few products in stock, written through the
staff services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sanxin.rewards.services import funding, shops, stock

RECEIVED_ON = date(2025, 10, 8)


def make_shop(world, *, name="大贵口村积分超市", code="DGK"):
    return shops.shop_create(
        actor=world.users["committee_head"],
        region=world.village_a1,
        name=name,
        code=code,
        villages=[world.village_a1],
    )


def make_source(world, shop, *, name="区级积分超市专项资金", amount=Decimal("2000.00")):
    source = funding.funding_source_create(
        actor=world.users["committee_head"], shop=shop, kind="district_fund", name=name
    )
    if amount:
        funding.funding_receive(
            actor=world.users["committee_head"],
            source=source,
            amount=amount,
            received_on=date(2025, 10, 1),
        )
    return source


def make_product(world, shop, name="毛巾", *, price="10", unit="条", **extra):
    return shops.product_create(
        actor=world.users["committee_head"],
        shop=shop,
        name=name,
        unit=unit,
        price_points=Decimal(price),
        **extra,
    )


def receive(world, product, source, quantity=20, cost="8.50", on=RECEIVED_ON):
    return stock.stock_receive(
        actor=world.users["shop_clerk"],
        product=product,
        quantity=quantity,
        unit_cost=Decimal(cost),
        supplier="双塔山镇百货批发部",
        funding_source=source,
        received_on=on,
    )


def stocked_shop(world):
    """The shop, its source (2000 yuan received) and two products in stock."""
    shop = make_shop(world)
    source = make_source(world, shop)
    towel = make_product(world, shop, "毛巾", price="10")
    soap = make_product(world, shop, "香皂", price="5", unit="块")
    receive(world, towel, source, 40, "8.50")
    receive(world, soap, source, 100, "1.20")
    return shop, source, towel, soap
