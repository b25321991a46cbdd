"""Two-factor login in Chromium on a 320 px phone: a committee head logs in, is sent to
enrolment, confirms a code from the authenticator (computed here from the device's key),
writes down the recovery codes, logs out, and logs in again with a fresh code. No
second-factor page scrolls sideways, in ordinary or elder mode."""

import re

import pytest
from playwright.sync_api import expect

from sanxin.accounts.models import EncryptedTOTPDevice
from tests.accounts.test_two_factor import code_for
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def _log_in(page, url):
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill("committee_head")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_enrol_log_out_and_log_in_with_a_code(world, live_server, browser, settings):
    settings.SANXIN_REQUIRE_2FA = True
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="zh-CN")
    page = context.new_page()
    _log_in(page, live_server.url)
    expect(page.get_by_role("heading", name="绑定手机验证器")).to_be_visible()
    assert page.locator(".otp-qr svg").count() == 1
    assert page.evaluate(OVERFLOW) <= 0
    page.goto(f"{live_server.url}/households/")  # every other page leads back here
    expect(page.get_by_role("heading", name="绑定手机验证器")).to_be_visible()

    page.get_by_text("扫不了？手工输入密钥").click()
    device = EncryptedTOTPDevice.objects.get(user=world.users["committee_head"], confirmed=False)
    shown = page.locator("#otp-key").inner_text().replace(" ", "")
    assert shown and re.fullmatch(r"[A-Z2-7]+", shown)
    page.get_by_label("验证码").fill(code_for(device))
    page.get_by_role("button", name="确认绑定").click()
    expect(page.get_by_role("heading", name="绑定成功，请记下备用码")).to_be_visible()
    assert page.locator("#recovery-codes li").count() == 10
    assert page.evaluate(OVERFLOW) <= 0
    page.get_by_role("link", name="已记下，继续").click()  # on to the page first asked for
    expect(page.get_by_role("heading", name="农户", exact=True)).to_be_visible()

    page.get_by_role("button", name="退出").click()
    _log_in(page, live_server.url)
    expect(page.get_by_role("heading", name="输入验证码")).to_be_visible()
    page.evaluate("document.documentElement.classList.add('elder')")
    assert page.evaluate(OVERFLOW) <= 0
    device.refresh_from_db()
    page.get_by_label("验证码").fill(code_for(device, ahead=1))
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
    page.goto(f"{live_server.url}/households/")
    expect(page.get_by_role("heading", name="农户", exact=True)).to_be_visible()
    context.close()
