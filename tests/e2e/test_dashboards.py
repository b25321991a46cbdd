"""The district admin opens the district dashboard, drills into a town and a village,
and sees the charts drawn (ECharts canvases) beside their tables, on a desktop and on a
320 px wide phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.oversight.dash_world import populate

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PERIOD = "start=2026-01-01&end=2026-06-30"


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()


def test_the_district_admin_drills_down_to_a_village(world, scheme, live_server, page):
    populate(world, world.users)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _log_in(page, live_server, "district_admin")
    page.get_by_role("link", name="数据看板").first.click()
    expect(page.get_by_role("heading", name="双滦区数据看板")).to_be_visible()
    page.goto(f"{live_server.url}/oversight/dashboard/?{PERIOD}")
    expect(page.locator("#dash-coverage .dash-chart canvas")).to_have_count(1)
    page.locator("#table-coverage").get_by_role("link", name="双塔山镇").click()
    expect(page.get_by_role("heading", name="双塔山镇数据看板")).to_be_visible()
    page.locator("#table-coverage").get_by_role("link", name="大贵口村").click()
    expect(page.get_by_role("heading", name="大贵口村数据看板")).to_be_visible()
    expect(page.locator("#table-coverage").get_by_text("第一村民小组")).to_be_visible()
    for key in ("coverage", "grades", "months", "backlog", "lending", "engagement"):
        canvas = page.locator(f"#dash-{key} .dash-chart canvas").first
        expect(canvas).to_be_visible()
        box = canvas.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100, key
    # the breadcrumb leads back up
    page.get_by_role("navigation", name="层级").get_by_role("link", name="双滦区").click()
    expect(page.get_by_role("heading", name="双滦区数据看板")).to_be_visible()
    assert not errors


def test_the_dashboard_reads_at_320_px(world, scheme, live_server, page):
    populate(world, world.users)
    page.set_viewport_size({"width": 320, "height": 640})
    _log_in(page, live_server, "district_admin")
    page.goto(f"{live_server.url}/oversight/dashboard/{world.town_a.pk}/?{PERIOD}")
    canvas = page.locator("#dash-grades .dash-chart canvas").first
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    assert box is not None and box["width"] <= 320
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 320
