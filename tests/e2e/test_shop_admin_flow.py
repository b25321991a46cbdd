"""Running a points supermarket in Chromium on a phone: the committee head opens the
village's shop, adds a funding source, records the money and a product; the clerk
receives goods (refused beyond the source's balance) and reports a loss; a committee
member confirms it; the month's report adds up; no shop page scrolls sideways at
320 CSS px."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sanxin.rewards.models import Product, Shop, StockAdjustment
from tests.e2e import test_elder_mode as elder

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
open_as = elder.open_as  # the logged-in page fixture


def test_a_shop_from_opening_to_its_monthly_report(world, live_server, open_as):
    today = f"{timezone.localdate():%Y-%m-%d}"
    head = open_as("committee_head")
    head.goto(f"{live_server.url}/shop/shops/")
    head.get_by_role("link", name="开设积分超市").click()
    head.get_by_label("所属村/镇").select_option(label="大贵口村")
    head.get_by_label("名称").fill("大贵口村积分超市")
    head.get_by_label("简码").fill("dgk")
    head.get_by_label("大贵口村", exact=True).check()
    head.get_by_role("button", name="保存").click()
    expect(head.get_by_role("heading", name="大贵口村积分超市")).to_be_visible()
    shop = Shop.objects.get()
    assert shop.code == "DGK"

    head.get_by_role("link", name="添加商品").click()
    head.get_by_label("名称").fill("毛巾")
    head.get_by_label("单位").fill("条")
    head.get_by_label("兑换积分").fill("10")
    head.get_by_role("button", name="保存").click()
    expect(head.get_by_text("商品已上架")).to_be_visible()

    head.get_by_role("link", name="资金", exact=True).click()
    head.get_by_label("类型").select_option(label="区级资金")
    head.get_by_label("名称").fill("区级积分超市专项资金")
    head.get_by_role("button", name="添加").click()
    expect(head.get_by_text("资金来源已添加")).to_be_visible()
    head.get_by_label("资金来源").select_option(label="区级积分超市专项资金")
    head.get_by_label("金额（元）").fill("500")
    head.get_by_label("到账日期").fill(today)
    head.get_by_role("button", name="登记").click()
    expect(head.get_by_text("到账资金已登记")).to_be_visible()

    clerk = open_as("shop_clerk")
    clerk.goto(f"{live_server.url}/shop/shops/{shop.pk}/stock/receive/")
    clerk.get_by_label("商品").select_option(label="毛巾")
    clerk.get_by_label("数量").fill("100")
    clerk.get_by_label("单价（元）").fill("8.50")
    clerk.get_by_label("供应商").fill("双塔山镇供销社")
    clerk.get_by_label("资金来源").select_option(label="区级积分超市专项资金")
    clerk.get_by_role("button", name="入库").click()
    expect(clerk.get_by_text("不够支付这批货款 850.00 元")).to_be_visible()
    clerk.get_by_label("数量").fill("40")
    clerk.get_by_role("button", name="入库").click()
    expect(clerk.get_by_text("货款 340.00 元")).to_be_visible()

    clerk.get_by_role("link", name="报损调整").click()
    clerk.get_by_label("商品").select_option(label="毛巾")
    clerk.get_by_label("数量（减少写负数）").fill("-2")
    clerk.get_by_label("原因").fill("受潮发霉")
    clerk.get_by_role("button", name="提交").click()
    expect(clerk.get_by_text("等待另一人确认。", exact=True)).to_be_visible()

    member = open_as("committee_member")
    member.goto(f"{live_server.url}/shop/shops/{shop.pk}/adjustments/")
    member.get_by_role("button", name="确认").click()
    expect(member.get_by_text("已确认，库存已调整")).to_be_visible()
    assert StockAdjustment.objects.get().state == "confirmed"
    assert Product.objects.get().stock_quantity == 38

    head.get_by_role("link", name="月报").click()
    expect(
        head.get_by_text("累计到账 500.00 元 − 累计进货支出 340.00 元 = 资金余额 160.00 元")
    ).to_be_visible()
    expect(head.locator(".shop-stock tfoot")).to_contain_text("323.00")  # 38 × 8.50

    phone = open_as("committee_head", viewport={"width": 320, "height": 700})
    for path in ("", "stock/", "adjustments/", "stocktake/", "funding/", "report/"):
        phone.goto(f"{live_server.url}/shop/shops/{shop.pk}/{path}")
        assert phone.evaluate(elder.OVERFLOW) <= 0, f"{path or 'shop'} scrolls sideways at 320 px"
    phone.goto(f"{live_server.url}/shop/shops/")
    assert phone.evaluate(elder.OVERFLOW) <= 0, "the shop list scrolls sideways at 320 px"
