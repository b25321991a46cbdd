"""The shop staff's pages: what they show, the forms, the exports, and a fixed number
of queries on the lists and reports whatever the number of shops, products and
movements."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from sanxin.accounts.choices import Role
from sanxin.audit.models import AuditEvent
from sanxin.rewards.models import FundingReceipt, Product, Shop, StockAdjustment
from sanxin.rewards.services import funding, shops, stock
from tests.crafted_files import image_bytes
from tests.factories import child, make_user
from tests.rewards.shop_helpers import make_product, receive, stocked_shop

pytestmark = pytest.mark.django_db


def _month() -> str:
    return f"{timezone.localdate():%Y-%m}"


def test_the_shop_list_shows_each_shop_month(world, login):
    shop, source, towel, soap = stocked_shop(world)
    client = login(world.users["town_admin"])
    page = client.get("/shop/shops/?month=2025-10").content.decode()
    assert "大贵口村积分超市" in page
    assert "2000.00" in page  # money in in October
    assert "460.00" in page  # goods cost: 340 + 120
    assert "1540.00" in page  # the funding balance


def test_a_villager_sees_no_shop_books(world, login):
    stocked_shop(world)
    client = login(world.users["villager"])
    assert client.get("/shop/shops/").status_code == 403


def test_shop_pages_render(world, login):
    shop, source, towel, soap = stocked_shop(world)
    client = login(world.users["committee_head"])
    for url in (
        f"/shop/shops/{shop.pk}/",
        f"/shop/shops/{shop.pk}/edit/",
        f"/shop/shops/{shop.pk}/products/new/",
        f"/shop/products/{towel.pk}/edit/",
        f"/shop/shops/{shop.pk}/stock/?month=2025-10",
        f"/shop/shops/{shop.pk}/stock/receive/",
        f"/shop/shops/{shop.pk}/adjustments/",
        f"/shop/shops/{shop.pk}/stocktake/",
        f"/shop/shops/{shop.pk}/funding/",
        f"/shop/shops/{shop.pk}/report/?month=2025-10",
        "/shop/shops/new/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url


def test_opening_a_shop_through_the_form(world, login):
    client = login(world.users["town_admin"])
    response = client.post(
        "/shop/shops/new/",
        {
            "region": world.town_a.pk,
            "name": "双塔山镇积分超市",
            "code": "sts",
            "villages": [world.village_a1.pk, world.village_a2.pk],
        },
    )
    shop = Shop.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/shop/shops/{shop.pk}/"
    assert shop.code == "STS"


def test_a_product_with_its_photo_through_the_form(world, login):
    shop, *_ = stocked_shop(world)
    client = login(world.users["committee_head"])
    response = client.post(
        f"/shop/shops/{shop.pk}/products/new/",
        {
            "name": "洗衣液",
            "unit": "瓶",
            "price_points": "20",
            "min_grade": "",
            "limit_quantity": "2",
            "limit_period": "month",
            "photo": SimpleUploadedFile("x.png", image_bytes("PNG", (30, 30)), "image/png"),
        },
    )
    assert response.status_code == 302
    product = Product.objects.get(name="洗衣液")
    assert (product.limit_quantity, product.limit_period) == (2, "month")
    photo = client.get(f"/shop/products/{product.pk}/photo/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    # the households of the village served see it in their catalogue; others do not
    assert (
        login(world.users["villager"]).get(f"/shop/products/{product.pk}/photo/").status_code == 200
    )
    other = login(world.users["neighbour_committee_head"])
    assert other.get(f"/shop/products/{product.pk}/photo/").status_code == 404


def test_a_receipt_beyond_the_balance_is_shown_on_the_form(world, login):
    shop, source, towel, soap = stocked_shop(world)
    client = login(world.users["shop_clerk"])
    response = client.post(
        f"/shop/shops/{shop.pk}/stock/receive/",
        {
            "product": towel.pk,
            "quantity": 1000,
            "unit_cost": "8.50",
            "supplier": "批发部",
            "funding_source": source.pk,
            "received_on": "2025-10-20",
        },
    )
    assert response.status_code == 200
    assert "不够支付这批货款 8500.00 元" in response.content.decode()


def test_adjustment_request_then_confirm_by_another(world, login):
    shop, source, towel, soap = stocked_shop(world)
    clerk = login(world.users["shop_clerk"])
    clerk.post(
        f"/shop/shops/{shop.pk}/adjustments/",
        {"product": towel.pk, "quantity": "-3", "reason": "受潮"},
    )
    adjustment = StockAdjustment.objects.get()
    page = clerk.get(f"/shop/shops/{shop.pk}/adjustments/").content.decode()
    assert "等待另一人确认" in page
    head = login(world.users["committee_head"])
    head.post(f"/shop/adjustments/{adjustment.pk}/decide/", {"decision": "confirm"})
    towel.refresh_from_db()
    assert towel.stock_quantity == 37


def test_stocktake_form(world, login):
    shop, source, towel, soap = stocked_shop(world)
    client = login(world.users["shop_clerk"])
    response = client.post(
        f"/shop/shops/{shop.pk}/stocktake/",
        {"counted_on": "2025-10-31", f"count_{towel.pk}": "40", f"count_{soap.pk}": "99"},
    )
    assert response.status_code == 302
    soap.refresh_from_db()
    assert soap.stock_quantity == 99


def test_funding_forms(world, login):
    shop, source, towel, soap = stocked_shop(world)
    client = login(world.users["committee_head"])
    client.post(
        f"/shop/shops/{shop.pk}/funding/sources/",
        {"source-kind": "business_donation", "source-name": "承德某商贸公司捐赠"},
    )
    donation = shop.funding_sources.get(name="承德某商贸公司捐赠")
    client.post(
        f"/shop/shops/{shop.pk}/funding/receive/",
        {
            "money-source": donation.pk,
            "money-amount": "3000",
            "money-received_on": "2025-10-09",
            "money-note": "转账",
        },
    )
    assert FundingReceipt.objects.get(source=donation).amount == Decimal("3000.00")
    page = client.get(f"/shop/shops/{shop.pk}/funding/").content.decode()
    assert "3000.00" in page and "1540.00" in page


def _sheet(content: bytes, name: str) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content), read_only=True)[name].values)


def test_the_report_export_adds_up(world, login):
    shop, source, towel, soap = stocked_shop(world)
    client = login(world.users["committee_head"])
    response = client.get(f"/shop/shops/{shop.pk}/report.xlsx?month=2025-10")
    assert response.status_code == 200
    summary = dict(_sheet(response.content, "汇总")[1:])
    assert summary["本月到账（元）"] == 2000
    assert summary["本月进货支出（元）"] == 460
    assert summary["期末资金余额（元）"] == 1540
    assert summary["期末库存金额（元）"] == 460
    stock_rows = _sheet(response.content, "库存")
    assert stock_rows[1][0] == "毛巾" and stock_rows[1][-1] == 340
    event = AuditEvent.objects.get(action="shop.export")
    assert event.after == {"file": "report", "period": "2025-10", "rows": 2}
    movements = client.get(f"/shop/shops/{shop.pk}/movements.xlsx?month=2025-10")
    rows = _sheet(movements.content, "库存流水")
    assert len(rows) == 3 and rows[1][2] == "入库"
    redemptions = client.get(f"/shop/shops/{shop.pk}/redemptions.xlsx?month=2025-10")
    assert _sheet(redemptions.content, "兑换记录")[0][0] == "小票编号"


def _more_shops(world, n: int):
    """n more village shops in the town, each with a source, products and receipts."""
    for i in range(n):
        village = child(world.town_a, f"新村{i}", kind="村")
        clerk = make_user(f"clerk{i}", Role.SHOP_CLERK, region=village)
        shop = shops.shop_create(
            actor=world.users["town_admin"],
            region=village,
            name=f"新村{i}积分超市",
            code=f"XC{i}",
            villages=[village],
        )
        source = funding.funding_source_create(
            actor=world.users["town_admin"], shop=shop, kind="district_fund", name=f"区级资金{i}"
        )
        funding.funding_receive(
            actor=world.users["town_admin"],
            source=source,
            amount=Decimal("1000"),
            received_on=date(2025, 10, 1),
        )
        for name in ("毛巾", "香皂", "大米"):
            product = shops.product_create(
                actor=world.users["town_admin"],
                shop=shop,
                name=name,
                unit="个",
                price_points=Decimal("10"),
            )
            stock.stock_receive(
                actor=clerk,
                product=product,
                quantity=10,
                unit_cost=Decimal("2.00"),
                supplier="批发部",
                funding_source=source,
                received_on=date(2025, 9, 5),
            )


def test_the_shop_list_has_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    stocked_shop(world)
    client = login(world.users["town_admin"])
    client.get("/shop/shops/?month=2025-10")  # warm caches (sessions, content types)
    with django_assert_max_num_queries(14) as few:
        client.get("/shop/shops/?month=2025-10")
    _more_shops(world, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/shop/shops/?month=2025-10")
    assert page.content.decode().count("积分超市</a>") >= 4


@pytest.mark.parametrize(
    "path",
    [
        "report/?month=2025-11",
        "",
        "stock/?month=2025-11",
        "funding/",
        "stocktake/",
        "stock/receive/",
    ],
)
def test_shop_pages_have_a_fixed_number_of_queries(
    world, login, django_assert_max_num_queries, path
):
    shop, source, towel, soap = stocked_shop(world)
    client = login(world.users["committee_head"])
    url = f"/shop/shops/{shop.pk}/{path}"
    client.get(url)
    with django_assert_max_num_queries(18) as few:
        client.get(url)
    for name in ("大米", "面粉", "食用油"):
        product = make_product(world, shop, name, price="30")
        receive(world, product, source, 5, "3.00", on=date(2025, 11, 2))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
