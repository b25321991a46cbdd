"""The shop clerk's day at the counter on a phone (360×740, one look at 320 px): the
QR card opens the household, refusals in plain words (a limit, the stock, a household
below the gate found by 户号), a redemption voided the same day, a redemption
confirmed and its receipt printed; then the villager sees the receipt and the new
balance on their own phone (their points page, then the receipt from their list)."""

import re

import pytest
from playwright.sync_api import expect

from sanxin.rewards.cards import token_for
from sanxin.rewards.models import Redemption, RedemptionVoid, Wallet
from sanxin.rewards.services.cards import card_issue
from tests.factories import PASSWORD
from tests.rewards.counter_shop import open_shop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()


def _log_out(page):
    page.get_by_role("button", name="退出").click()


def _fits(page, width: int) -> None:
    """Nothing scrolls sideways at this width."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _review(page, quantities: dict[str, int]):
    for name, quantity in quantities.items():
        page.get_by_label(re.compile(f"^{name}")).fill(str(quantity))
    page.get_by_role("button", name="下一步：核对").click()


def _redeem(page, quantities: dict[str, int]):
    _review(page, quantities)
    expect(page.get_by_role("heading", name="请核对")).to_be_visible()
    page.get_by_role("button", name="确认兑换").click()


def test_the_clerks_day_then_the_villager_sees_the_receipt(world, live_server, page):
    open_shop(world)
    card = card_issue(actor=world.users["committee_head"], household=world.household)
    page.set_viewport_size(PHONE)

    _log_in(page, live_server, "shop_clerk")
    # The counter is the clerk's first job on the home page.
    page.locator(".home-jobs").get_by_role("link", name="收银台").click()
    expect(page.get_by_role("heading", name="收银台")).to_be_visible()

    # Scanning the household's QR card opens its panel.
    page.goto(f"{live_server.url}/shop/c/{token_for(card)}/")
    expect(page.get_by_role("heading", name="001号户 · 户主 王*山")).to_be_visible()
    expect(page.locator(".counter-grade")).to_have_text("3A")
    expect(page.locator(".counter-balance")).to_have_text("100")
    expect(page.get_by_text("每月限兑 2 条，还可兑 2 条")).to_be_visible()
    _fits(page, PHONE["width"])

    # Beyond the limit, then beyond the stock: refused in words, nothing recorded.
    _review(page, {"毛巾": 3})
    expect(page.get_by_text("超过限兑：本期还可兑 2 条。")).to_be_visible()
    _review(page, {"毛巾": 0, "大米": 2})
    expect(page.get_by_text("库存不足：只有 1 袋。")).to_be_visible()
    assert not Redemption.objects.exists()

    # One towel, then a mistake: voided the same day with a reason.
    _redeem(page, {"大米": 0, "毛巾": 1})
    expect(page.get_by_text(re.compile("兑换成功"))).to_be_visible()
    page.get_by_text("作废这笔兑换").click()
    page.get_by_label("作废原因").fill("拿错了商品")
    page.get_by_role("button", name="确认作废").click()
    expect(page.get_by_text("已作废：积分已退回该户，商品已退回库存。")).to_be_visible()
    assert RedemptionVoid.objects.get().reason == "拿错了商品"
    assert Wallet.objects.get(household=world.household).balance == 100

    # The right basket, collected by the head: the receipt, printed.
    page.get_by_role("link", name="下一户").click()
    page.get_by_label("找农户：输入户号或户主姓名").fill("王*山")
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name=re.compile("001号户")).click()
    _redeem(page, {"毛巾": 2, "大米": 1})
    expect(page.get_by_text(re.compile("兑换成功"))).to_be_visible()
    receipt = Redemption.objects.exclude(void__isnull=False).get()
    expect(page.locator(".receipt-total")).to_contain_text("70")
    expect(page.locator(".receipt-balance")).to_contain_text("30")
    _fits(page, PHONE["width"])
    pdf = page.request.get(f"{live_server.url}/shop/receipts/{receipt.pk}/58mm.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF-")
    page.get_by_role("link", name="打印小票").click()
    expect(page.get_by_role("button", name="打印小票")).to_be_visible()
    expect(page.locator(".receipt-number")).to_have_text(receipt.number)

    # A household below the gate, found by its 户号: refused, with the reason.
    page.goto(f"{live_server.url}/shop/counter/")
    page.get_by_label("找农户：输入户号或户主姓名").fill("002")
    page.get_by_role("button", name="查找").click()
    expect(page.get_by_text("该户信用等级为2A，3A及以上才能兑换")).to_be_visible()
    expect(page.get_by_role("button", name="下一步：核对")).to_have_count(0)
    page.set_viewport_size({"width": 320, "height": 640})
    _fits(page, 320)

    # Today's list: both sales, one voided.
    page.goto(f"{live_server.url}/shop/counter/today/")
    expect(page.get_by_text("共 2 笔，有效兑换合计 70 分")).to_be_visible()
    _fits(page, 320)
    page.set_viewport_size(PHONE)
    _log_out(page)

    # The villager, on their phone: their points page shows the new balance, and the
    # receipt opens from their list of receipts.
    _log_in(page, live_server, "13800000001")
    page.get_by_role("link", name="积分超市：我家的积分").click()
    expect(page.locator(".key-figure")).to_contain_text("30")
    page.get_by_role("link", name="兑换小票").click()
    page.locator(".mine-receipt").filter(has_text=receipt.number).get_by_role(
        "link", name="看小票"
    ).click()
    expect(page.locator(".receipt-number")).to_have_text(receipt.number)
    expect(page.get_by_text("这笔兑换之后，您家的积分余额是 30 分。")).to_be_visible()
    expect(page.get_by_text("作废这笔兑换")).to_have_count(0)
    _fits(page, PHONE["width"])
