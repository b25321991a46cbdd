import os

import pytest
from playwright.sync_api import expect

from sanxin.accounts.models import User
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SANXIN_E2E_SCREENSHOTS")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_a_town_admin_creates_a_user_and_makes_him_a_committee_member(world, live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill("town_admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="用户管理").first.click()
    expect(page.get_by_role("heading", name="用户管理")).to_be_visible()
    _shot(page, "users")
    page.get_by_role("link", name="新建用户").click()
    page.locator("#id_username").fill("li_xiaosi")
    page.locator("#id_display_name").fill("李小四")
    page.locator("#id_region").select_option(label="双滦区 / 双塔山镇 / 大贵口村")
    _shot(page, "user_new")
    page.get_by_role("button", name="创建").click()
    password = page.locator("#password").inner_text().strip()
    assert User.objects.get(username="li_xiaosi").check_password(password)
    _shot(page, "password")
    page.get_by_role("link", name="已记下，继续").click()
    page.locator("#id_role").select_option(label="评信团成员")
    page.locator("#id_region").select_option(label="双滦区 / 双塔山镇 / 大贵口村")
    page.get_by_role("button", name="分配", exact=True).click()
    expect(page.get_by_text("已为 李小四 分配角色")).to_be_visible()
    _shot(page, "user_detail")
    page.get_by_role("button", name="结束该角色").click()
    expect(page.get_by_text("已结束的角色")).to_be_visible()
    assert not User.objects.get(username="li_xiaosi").assignments.filter(ended_at=None).exists()
