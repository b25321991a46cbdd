"""The villager's side of the points supermarket and a QR card's public page, in
Chromium: from the home page to the household's points, history, catalogue and
receipts, sized for elder mode (text ≥ 18 px, tap targets ≥ 60 px), without sideways
scrolling at 320 CSS px; and the scanned card's page for someone not logged in."""

from __future__ import annotations

import os
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.test_elder_mode import (
    OVERFLOW,
    WIDE,
    _check_elder,
    _check_normal,
    _switch,
    open_as,  # noqa: F401 (a fixture)
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SANXIN_E2E_SCREENSHOTS")


@pytest.fixture
def shop_story(world):
    """The household rated 3A, with points (some ending in ten days), a village shop
    with three products, one redemption and a card."""
    from sanxin.rewards.choices import StockKind
    from sanxin.rewards.models import Product, Shop
    from sanxin.rewards.services.balances import _stock_post
    from sanxin.rewards.services.cards import card_issue
    from sanxin.rewards.services.redemptions import Line, redemption_create
    from tests.rewards.conftest import give_grade, give_points, head

    today = timezone.localdate()
    give_grade(world.household, "3A", on=today - timedelta(days=20))
    give_points(world.household, 40, expires_on=today + timedelta(days=10))
    give_points(world.household, 120, expires_on=date(today.year + 1, 12, 31))
    shop = Shop.objects.create(
        name="大贵口村积分超市", code="DGK", region=world.village_a1, address="村委会东侧"
    )
    shop.villages.add(world.village_a1)
    products = [
        Product.objects.create(shop=shop, name=n, unit=u, price_points=Decimal(p), min_grade=g)
        for n, u, p, g in [
            ("毛巾", "条", 10, ""),
            ("食用油", "桶", 50, "4A"),
            ("大米", "袋", 30, ""),
        ]
    ]
    for p in products:
        _stock_post(
            product=p,
            kind=StockKind.RECEIPT,
            quantity=10,
            unit_cost=Decimal("9.90"),
            occurred_on=today,
            recorded_by=world.users["shop_clerk"],
        )
    redemption_create(
        actor=world.users["shop_clerk"],
        shop=shop,
        household=world.household,
        lines=[Line(products[0], 2)],
        collected_by=head(world.household),
        idempotency_key="e2e-1",
    )
    return card_issue(actor=world.users["shop_clerk"], household=world.household)


def _mine_pages(world) -> list[str]:
    base = f"/shop/mine/{world.household.pk}/"
    return [base, base + "history/", base + "catalogue/", base + "receipts/"]


def test_the_villager_finds_their_points_from_home_in_elder_mode(
    world,
    shop_story,
    live_server,
    open_as,  # noqa: F811
):
    page = open_as("villager")
    base = live_server.url
    page.get_by_role("link", name="积分超市：我家的积分").click()
    expect(page.locator("main .key-figure")).to_have_text("140分")
    expect(page.locator("main")).to_contain_text("20 分要在")
    expect(page.locator("main")).to_contain_text("您家可以到“大贵口村积分超市”兑换")
    for url in _mine_pages(world):
        page.goto(base + url)
        _check_normal(page, url)
    _switch(page, on=True)
    for url in _mine_pages(world):
        page.goto(base + url)
        _check_elder(page, url)
        if SHOTS:
            name = url.strip("/").replace("/", "-")
            page.screenshot(path=os.path.join(SHOTS, f"elder-{name}.png"), full_page=True)
    page.get_by_role("link", name="能换什么").click()
    expect(page.locator("main")).to_contain_text("限4A及以上农户兑换")


@pytest.mark.parametrize("elder", [False, True])
def test_no_sideways_scrolling_at_320px(world, shop_story, live_server, open_as, elder):  # noqa: F811
    page = open_as("villager", viewport={"width": 320, "height": 640})
    base = live_server.url
    if elder:
        _switch(page, on=True)
    for url in _mine_pages(world):
        page.goto(base + url)
        overflow = page.evaluate(OVERFLOW)
        assert overflow <= 0, f"{url} scrolls {overflow} px sideways: {page.evaluate(WIDE)}"


def test_a_scanned_card_shows_the_public_verification(world, shop_story, live_server, page):
    from sanxin.rewards.cards import token_for

    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server.url}/shop/c/{token_for(shop_story)}/")
    expect(page.get_by_role("heading", name="农户信用等级查验")).to_be_visible()
    expect(page.locator("main .key-figure")).to_have_text("3A")
    expect(page.locator("main")).to_contain_text("王*山")
    assert page.evaluate(OVERFLOW) <= 0
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "card-public.png"), full_page=True)
