"""The big screen and the period report in Chromium: the display account logs in,
lands on the big screen and sees its charts drawn, at 1920×1080 and at 1280×720, with
nothing cut off and no menu; the district admin has the report made as a PDF (a
background job) and downloads it from the job's page."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.oversight.dash_world import add_villages, populate

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def _fits(page, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(300)  # the resize handler redraws the charts
    boxes = page.locator(".screen-chart, .screen-figure")
    for i in range(boxes.count()):
        box = boxes.nth(i).bounding_box()
        assert box is not None and box["width"] > 100
        assert box["y"] + box["height"] <= height + 1, f"cut off at {width}×{height}"
    assert page.evaluate("document.scrollingElement.scrollHeight") <= height + 1
    # The figures are large: at least 22 px however small the window.
    size = page.locator(".screen-value").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert size >= 22


def test_the_display_account_sees_the_big_screen(world, scheme, live_server, page):
    add_villages(world, towns=2, villages=2, households=4)
    populate(world, world.users)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 1920, "height": 1080})
    _log_in(page, live_server, "display")
    expect(page).to_have_url(re.compile(r"/oversight/screen/$"))
    expect(page.get_by_role("heading", name="双滦区“三信”工作大屏")).to_be_visible()
    charts = page.locator("[data-chart]")
    expect(charts).to_have_count(5)
    for i in range(5):
        expect(charts.nth(i)).to_have_attribute("data-drawn", "true")
        expect(charts.nth(i).locator("canvas")).to_have_count(1)
    expect(page.get_by_text("登记农户")).to_be_visible()
    expect(page.get_by_text("菜单")).to_have_count(0)
    expect(page.get_by_text("退出")).to_have_count(0)
    _fits(page, 1920, 1080)
    _fits(page, 1280, 720)
    assert errors == []


def test_the_district_admin_downloads_the_pdf(world, scheme, live_server, page):
    populate(world, world.users)
    _log_in(page, live_server, "district_admin")
    page.goto(f"{live_server.url}/oversight/report/?start=2026-01-01&end=2026-06-30")
    expect(page.get_by_role("heading", name="双滦区“三信”工作报告")).to_be_visible()
    expect(page.get_by_role("heading", name="分镇主要指标")).to_be_visible()
    # Made by a background job (run at once in tests): its page offers the file.
    with page.expect_navigation():
        page.get_by_role("button", name="生成 PDF（后台）").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    with page.expect_download() as download:
        page.locator("a.job-download").click()
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(path, "rb") as f:
        assert f.read(5) == b"%PDF-"
