"""Issue 14's check in Chromium: every department viewer and a town admin open the
dashboards and the report; each department viewer lands on its own department's page;
the town admin sees only its town; an outsider is refused."""

import re

import pytest
from playwright.sync_api import expect

from sanxin.accounts.choices import Department, Role
from tests.factories import PASSWORD, make_user
from tests.oversight.dash_world import populate

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PERIOD = "start=2026-01-01&end=2026-06-30"


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()


def test_each_department_viewer_opens_its_page_the_dashboard_and_the_report(
    world, scheme, live_server, browser, browser_context_args
):
    populate(world, world.users)
    for department in Department:
        username = f"viewer_{department.value}"
        make_user(username, Role.DEPARTMENT_VIEWER, region=world.district, department=department)
        context = browser.new_context(**browser_context_args)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        _log_in(page, live_server, username)
        page.goto(f"{live_server.url}/oversight/departments/")
        expect(page.get_by_role("heading", name=department.label)).to_be_visible()
        page.goto(f"{live_server.url}/oversight/dashboard/?{PERIOD}")
        expect(page.get_by_role("heading", name="双滦区数据看板")).to_be_visible()
        expect(page.locator("#dash-coverage .dash-chart canvas")).to_have_count(1)
        page.goto(f"{live_server.url}/oversight/report/")
        expect(page.locator("h1")).to_contain_text("报告")
        assert not errors, (department, errors)
        context.close()


def test_a_town_admin_sees_its_town_only_and_an_outsider_is_refused(
    world, scheme, live_server, page
):
    populate(world, world.users)
    _log_in(page, live_server, "town_admin")
    page.goto(f"{live_server.url}/oversight/dashboard/?{PERIOD}")
    expect(page.get_by_role("heading", name="双塔山镇数据看板")).to_be_visible()
    expect(page.locator("#dash-coverage .dash-chart canvas")).to_have_count(1)
    expect(page.locator("#table-coverage")).not_to_contain_text("陈栅子乡")
    response = page.goto(f"{live_server.url}/oversight/dashboard/{world.town_b.pk}/")
    assert response is not None and response.status == 404
    page.goto(f"{live_server.url}/oversight/report/")
    expect(page.locator("main")).to_contain_text("双塔山镇")
    page.context.clear_cookies()
    _log_in(page, live_server, "other_district_admin")
    response = page.goto(f"{live_server.url}/oversight/dashboard/{world.district.pk}/")
    assert response is not None and response.status == 404
