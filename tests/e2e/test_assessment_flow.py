"""The district admin scores the last hand-scored village, computes and publishes the
year's assessment; the town admin then sees its own town and villages only."""

import re

import pytest
from playwright.sync_api import expect

from sanxin.oversight.assessment import services
from sanxin.oversight.models import Indicator
from tests.factories import PASSWORD
from tests.oversight import assessment_data as data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()


def test_the_district_publishes_and_the_town_sees_its_own(world, live_server, page):
    admin = world.users["district_admin"]
    data.graded(world.household, "3A")
    scheme = services.assessment_default_create(actor=admin, district=world.district, year=2025)
    manual = Indicator.objects.get(scheme=scheme, kind="manual")
    for region in (world.town_a, world.town_b, world.village_a1, world.village_a2):
        services.manual_score_set(
            actor=admin, indicator=manual, region=region, score="8", note="会议记录齐全"
        )

    _log_in(page, live_server, "district_admin")
    page.goto(f"{live_server.url}/oversight/assessment/")
    page.get_by_role("link", name="指标与评分").click()
    expect(page.get_by_role("heading", name=re.compile("2025 年度三信工作考核"))).to_be_visible()
    page.get_by_role("link", name="评分", exact=True).click()
    expect(page.get_by_text("还有 1 个单位没有评分")).to_be_visible()
    page.get_by_label("镇或村").select_option(label="陈栅子乡 外乡村")
    page.get_by_label("得分").fill("6")
    page.get_by_label("评分说明").fill("宣传材料基本齐全，台账有缺项")
    page.get_by_role("button", name="保存评分").click()
    expect(page.get_by_text("已为外乡村评分 6 分")).to_be_visible()
    page.get_by_role("link", name="2025 年度三信工作考核").click()
    page.get_by_role("link", name="计算（预览结果）").click()
    expect(page.get_by_role("heading", name="预览考核结果")).to_be_visible()
    page.get_by_role("button", name="发布考核结果").click()
    expect(page.get_by_text("已发布第 1 版考核结果")).to_be_visible()
    expect(page.get_by_role("link", name="外乡村")).to_be_visible()
    page.get_by_role("link", name="大贵口村").click()
    expect(page.get_by_text("已评定 1 户 / 在册 2 户 = 50%")).to_be_visible()

    page.context.clear_cookies()
    _log_in(page, live_server, "town_admin")
    page.locator("summary", has_text="菜单").click()
    page.get_by_role("link", name="考核").click()
    page.get_by_role("link", name="第 1 版").click()
    expect(page.get_by_role("link", name="双塔山镇")).to_be_visible()
    expect(page.get_by_role("link", name="大贵口村")).to_be_visible()
    expect(page.get_by_role("link", name="邻村")).to_be_visible()
    expect(page.get_by_text("外乡村")).to_have_count(0)
    expect(page.get_by_text("陈栅子乡")).to_have_count(0)
    expect(page.get_by_role("link", name="指标与评分")).to_have_count(0)
