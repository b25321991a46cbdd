"""The credit officer walks the lending report down to a village and sees the interest
saved, household by household; the district admin sees the totals only."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.lending import books

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PERIOD = "start=2025-11-01&end=2026-10-31"


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()


def _book(world):
    line = books.line(world.household, grade="4A", granted_on=date(2025, 11, 4))
    books.loan(line, principal="100000.00", on=date(2026, 1, 15), term=12)
    other = books.line(world.household_a2, grade="3A", amount="30000", rate="7.5")
    books.loan(other, principal="20000", on=date(2026, 2, 1), term=6)


def test_the_officer_sees_the_interest_saved(world, live_server, page):
    _book(world)
    _log_in(page, live_server, "credit_officer")
    page.goto(f"{live_server.url}/lending/reports/?{PERIOD}")
    expect(page.get_by_role("heading", name="双塔山镇用信统计")).to_be_visible()
    total = page.locator("table.lending-totals tr.total")
    expect(total.get_by_text("2,788.17")).to_be_visible()
    page.get_by_role("link", name="大贵口村").click()
    expect(page.get_by_role("heading", name="大贵口村用信统计")).to_be_visible()
    row = page.locator("table.lending-households tbody tr").filter(has_text="王大山")
    expect(row.get_by_text("2,788.17")).to_be_visible()
    expect(row.get_by_text("150,000.00")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.get_by_role("link", name="等级与还款验证报告").click()
    expect(page.get_by_role("heading", name="等级能否预示还款？")).to_be_visible()
    expect(page.get_by_text("数据不足")).to_be_visible()


def test_the_district_admin_sees_totals_only(world, live_server, page):
    _book(world)
    _log_in(page, live_server, "district_admin")
    page.goto(f"{live_server.url}/lending/reports/?{PERIOD}")
    page.get_by_role("link", name="双塔山镇").click()
    page.get_by_role("link", name="大贵口村").click()
    expect(page.get_by_role("heading", name="大贵口村用信统计")).to_be_visible()
    expect(page.get_by_text("王大山")).to_have_count(0)
    expect(page.locator("table.lending-households")).to_have_count(0)
