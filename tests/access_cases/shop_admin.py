"""The shop staff's pages (rewards/views/shop.py): 大贵口村's shop in village A1 with
a funding source, two products in stock (one with a photo) and money received.

Its books are for the staff holding Perm.SHOP_VIEW over its region (a villager's
own-household grant shows none: 403; staff of other regions: 404); shops, products and
money need Perm.SHOP_MANAGE, stock needs Perm.SHOP_STOCK."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.access_cases import COMMITTEE, Case
from tests.access_cases.effects import audited, succeeded
from tests.crafted_files import image_bytes

STAFF = COMMITTEE | {"district_admin", "department_viewer", "town_admin", "shop_clerk"}
MANAGERS = {"district_admin", "town_admin", "committee_head"}
STOCK = COMMITTEE | {"shop_clerk"}
# Staff holding SHOP_VIEW / SHOP_MANAGE over other regions: the list of shops and the
# new-shop form are open to them (they see their own region's, here none).
OTHER_VIEWERS = {"other_district_admin", "other_town_admin", "neighbour_committee_head"}


def _shop(w):
    from sanxin.accounts.choices import Role
    from sanxin.rewards.models import Shop
    from sanxin.rewards.services import funding, shops, stock
    from tests.factories import make_user

    if Shop.objects.exists():
        return
    head = w.users["committee_head"]
    w.shop = shops.shop_create(
        actor=head,
        region=w.village_a1,
        name="大贵口村积分超市",
        code="DGK",
        villages=[w.village_a1],
    )
    w.source = funding.funding_source_create(
        actor=head, shop=w.shop, kind="district_fund", name="区级积分超市专项资金"
    )
    funding.funding_receive(
        actor=head,
        source=w.source,
        amount=Decimal("2000"),
        received_on=date(2025, 10, 1),
        note="区财政拨付",
    )
    w.towel = shops.product_create(
        actor=head,
        shop=w.shop,
        name="毛巾",
        unit="条",
        price_points=Decimal("10"),
        photo=SimpleUploadedFile("t.jpg", image_bytes("JPEG", (20, 20)), "image/jpeg"),
    )
    w.soap = shops.product_create(
        actor=head, shop=w.shop, name="香皂", unit="块", price_points=Decimal("5")
    )
    # a second clerk: asks for adjustments, so every STOCK user may confirm one
    w.second_clerk = make_user("second_clerk", Role.SHOP_CLERK, region=w.village_a1)
    for product, quantity, cost in ((w.towel, 40, "8.50"), (w.soap, 100, "1.20")):
        stock.stock_receive(
            actor=w.second_clerk,
            product=product,
            quantity=quantity,
            unit_cost=Decimal(cost),
            supplier="双塔山镇百货批发部",
            funding_source=w.source,
            received_on=date(2025, 10, 8),
        )


def _adjustment(w):
    from sanxin.rewards.models import StockAdjustment
    from sanxin.rewards.services import stock

    _shop(w)
    if not StockAdjustment.objects.exists():
        stock.stock_adjust_request(
            actor=w.second_clerk, product=w.towel, quantity=-2, reason="受潮发霉"
        )


def _adjustment_pk(w) -> int:
    from sanxin.rewards.models import StockAdjustment

    return StockAdjustment.objects.get().pk


def _received(w, username):
    from sanxin.rewards.models import StockMovement

    succeeded(w, username)
    movement = StockMovement.objects.get(recorded_by=w.users[username], kind="receipt")
    assert (movement.product.name, movement.quantity, movement.amount) == (
        "香皂",
        10,
        Decimal("12.00"),
    )
    audited(w, username, "stock.receive")


def _asked(w, username):
    from sanxin.rewards.models import StockAdjustment

    succeeded(w, username)
    request = StockAdjustment.objects.get(requested_by=w.users[username])
    assert (request.quantity, request.state, request.reason) == (-1, "pending", "破损")
    audited(w, username, "stock.adjust_request")


def _confirmed(w, username):
    from sanxin.rewards.models import Product, StockAdjustment

    succeeded(w, username)
    adjustment = StockAdjustment.objects.get()
    assert (adjustment.state, adjustment.confirmed_by) == ("confirmed", w.users[username])
    assert Product.objects.get(name="毛巾").stock_quantity == 38
    audited(w, username, "stock.adjust_confirm")


def _counted(w, username):
    from sanxin.rewards.models import Product, Stocktake

    succeeded(w, username)
    assert Stocktake.objects.get().recorded_by == w.users[username]
    assert Product.objects.get(name="香皂").stock_quantity == 99
    audited(w, username, "stocktake.record")


def _source_added(w, username):
    from sanxin.rewards.models import FundingSource

    succeeded(w, username)
    assert FundingSource.objects.get(name="信用联社赞助").kind == "credit_union"
    audited(w, username, "funding.source_create", object_repr="信用联社赞助")


def _money_recorded(w, username):
    from sanxin.rewards.models import FundingReceipt

    succeeded(w, username)
    receipt = FundingReceipt.objects.get(recorded_by=w.users[username], note="")
    assert receipt.amount == Decimal("500.00")
    audited(w, username, "funding.receive", object_id=str(receipt.pk))


def _shop_url(path: str):
    def url(w) -> str:
        from sanxin.rewards.models import Shop

        return f"/shop/shops/{Shop.objects.get().pk}/{path}"

    return url


def _product_url(path: str):
    def url(w) -> str:
        from sanxin.rewards.models import Product

        return f"/shop/products/{Product.objects.get(name='毛巾').pk}/{path}"

    return url


def _receipt_data(w):
    from sanxin.rewards.models import FundingSource, Product

    return {
        "product": Product.objects.get(name="香皂").pk,
        "quantity": "10",
        "unit_cost": "1.20",
        "supplier": "供销社",
        "funding_source": FundingSource.objects.get().pk,
        "received_on": "2025-10-20",
    }


def _count_data(w):
    from sanxin.rewards.models import Product

    return {
        "counted_on": "2025-10-31",
        **{
            f"count_{p.pk}": str(p.stock_quantity - (p.name == "香皂"))
            for p in Product.objects.all()
        },
    }


def _money_data(w):
    from sanxin.rewards.models import FundingSource

    return {
        "money-source": FundingSource.objects.get().pk,
        "money-amount": "500",
        "money-received_on": "2025-10-15",
    }


def _adjust_data(w):
    from sanxin.rewards.models import Product

    return {"product": Product.objects.get(name="香皂").pk, "quantity": "-1", "reason": "破损"}


CASES = [
    Case("rewards:shops", lambda w: "/shop/shops/", STAFF | OTHER_VIEWERS, setup=_shop),
    Case("rewards:shop_new", lambda w: "/shop/shops/new/", MANAGERS | OTHER_VIEWERS),
    Case("rewards:shop", _shop_url(""), STAFF, setup=_shop),
    Case("rewards:shop_edit", _shop_url("edit/"), MANAGERS, setup=_shop),
    Case("rewards:product_new", _shop_url("products/new/"), MANAGERS, setup=_shop),
    Case("rewards:product_edit", _product_url("edit/"), MANAGERS, setup=_shop),
    # the households of the village the shop serves see its catalogue's photos
    Case(
        "rewards:product_photo",
        _product_url("photo/"),
        STAFF | {"villager", "other_villager"},
        setup=_shop,
    ),
    Case("rewards:stock", _shop_url("stock/"), STAFF, setup=_shop),
    Case("rewards:stock_receive", _shop_url("stock/receive/"), STOCK, setup=_shop),
    Case(
        "rewards:stock_receive",
        _shop_url("stock/receive/"),
        STOCK,
        method="post",
        data=_receipt_data,
        setup=_shop,
        effect=_received,
    ),
    Case("rewards:adjustments", _shop_url("adjustments/"), STAFF, setup=_shop),
    Case(
        "rewards:adjustments",
        _shop_url("adjustments/"),
        STOCK,
        method="post",
        data=_adjust_data,
        setup=_shop,
        effect=_asked,
    ),
    Case(
        "rewards:adjustment_decide",
        lambda w: f"/shop/adjustments/{_adjustment_pk(w)}/decide/",
        STOCK,
        method="post",
        data=lambda w: {"decision": "confirm"},
        setup=_adjustment,
        effect=_confirmed,
    ),
    Case("rewards:stocktake", _shop_url("stocktake/"), STAFF, setup=_shop),
    Case(
        "rewards:stocktake",
        _shop_url("stocktake/"),
        STOCK,
        method="post",
        data=_count_data,
        setup=_shop,
        effect=_counted,
    ),
    Case("rewards:funding", _shop_url("funding/"), STAFF, setup=_shop),
    Case(
        "rewards:funding_source_new",
        _shop_url("funding/sources/"),
        MANAGERS,
        method="post",
        data=lambda w: {"source-kind": "credit_union", "source-name": "信用联社赞助"},
        setup=_shop,
        effect=_source_added,
    ),
    Case(
        "rewards:funding_receive",
        _shop_url("funding/receive/"),
        MANAGERS,
        method="post",
        data=_money_data,
        setup=_shop,
        effect=_money_recorded,
    ),
    Case("rewards:report", _shop_url("report/?month=2025-10"), STAFF, setup=_shop),
    Case("rewards:report_export", _shop_url("report.xlsx?month=2025-10"), STAFF, setup=_shop),
    Case("rewards:movements_export", _shop_url("movements.xlsx?month=2025-10"), STAFF, setup=_shop),
    Case(
        "rewards:redemptions_export",
        _shop_url("redemptions.xlsx?month=2025-10"),
        STAFF,
        setup=_shop,
    ),
]
