"""The credit officer grants a final cycle's lines and exports them for the bank; a veto
suspends a line and the household sees it on its own page — in Chromium, with the
elder-mode sizes and no sideways scrolling at 320 px."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sanxin.lending.models import CreditLine
from tests.access_cases.lending_lines import _final
from tests.e2e.test_elder_mode import OVERFLOW, WIDE, _check_elder, _check_normal, _switch
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_as(browser, browser_context_args, live_server):
    contexts = []

    def _open(username, **options):
        context = browser.new_context(**{**browser_context_args, **options})
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("用户名或手机号").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
        return page

    yield _open
    for context in contexts:
        context.close()


def test_the_officer_grants_exports_and_the_household_sees_its_line(world, live_server, open_as):
    _final(world)
    base = live_server.url
    page = open_as("credit_officer")
    page.locator("details.menu > summary").click()
    page.get_by_role("link", name="授信", exact=True).click()
    expect(page.get_by_role("heading", name="可以授信的村")).to_be_visible()
    page.get_by_role("link", name=re.compile("大贵口村")).first.click()
    _check_normal(page, "lines page")
    page.get_by_role("button", name=re.compile("按政策为 2 户授信")).click()
    expect(page.get_by_text("已为大贵口村 2 户授信，合计 300,000.00 元。")).to_be_visible()
    assert CreditLine.objects.filter(status="granted").count() == 2
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("导出授信名单")).click()
    assert download.value.suggested_filename.endswith(".xlsx")

    from sanxin.ratings.services.vetoes import veto_record

    veto_record(
        actor=world.users["committee_member"],
        household=world.household,
        rule_code="loan.malicious_default",
        starts_on=timezone.localdate(),
        evidence_text="信用社催收通知书",
    )
    page.reload()
    expect(page.get_by_text("需要处理：授信因等级调整而变动")).to_be_visible()
    page.get_by_role("button", name="已知悉").click()
    expect(page.get_by_text("需要处理：授信因等级调整而变动")).to_have_count(0)

    url = f"/lending/household/{world.household.pk}/"
    villager = open_as("villager", viewport={"width": 320, "height": 640})
    villager.goto(base + url)
    expect(villager.get_by_text("授信已暂停").first).to_be_visible()
    _switch(villager, on=True)
    _check_elder(villager, url)
    overflow = villager.evaluate(OVERFLOW)
    assert overflow <= 0, f"{url} scrolls {overflow} px sideways: {villager.evaluate(WIDE)}"
