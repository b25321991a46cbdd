"""The department views walked in Chromium: the organisation department's viewer
logs in, lands on its page from the home page and opens the reserve candidates; the
political-legal committee's viewer lands on the governance page with its vetoes and
appeals, and is refused the organisation department's page."""

import re

import pytest
from playwright.sync_api import expect

from sanxin.accounts.choices import Department, Role
from tests.factories import PASSWORD, make_user
from tests.oversight.department_world import lay_down

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()


def test_each_department_lands_on_what_it_guides(world, scheme, live_server, page):
    lay_down(world, scheme)
    make_user(
        "zhengfawei",
        Role.DEPARTMENT_VIEWER,
        region=world.district,
        department=Department.POLITICAL_LEGAL,
    )

    _log_in(page, live_server, "department_viewer")
    page.get_by_role("link", name="党员先锋积分").first.click()
    expect(page.get_by_role("heading", name="区委组织部", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("党员先锋积分（各村）"))).to_be_visible()
    village_row = page.get_by_role("row").filter(has_text="大贵口村").first
    expect(village_row).to_be_visible()
    page.get_by_role("link", name="党员名单与先锋积分").click()
    expect(page.get_by_role("heading", name="党员名单与先锋积分")).to_be_visible()
    expect(page.get_by_text("王*山")).to_be_visible()  # masked for the department
    page.go_back()
    page.get_by_role("link", name="党员和村干部后备人选").click()
    expect(page.get_by_role("heading", name="党员和村干部后备人选")).to_be_visible()
    page.get_by_role("button", name="退出").click()

    _log_in(page, live_server, "zhengfawei")
    page.get_by_role("link", name="治理与否决、异议").first.click()
    expect(page.get_by_role("heading", name="区委政法委", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="一票否决和直接判级")).to_be_visible()
    rule = page.get_by_role("row").filter(has_text="醉酒驾驶")
    expect(rule).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("评定异议"))).to_be_visible()
    response = page.goto(f"{live_server.url}/oversight/departments/organisation/")
    assert response is not None and response.status == 403


def test_the_role_form_asks_for_the_department_of_a_department_viewer(world, live_server, page):
    from sanxin.accounts.models import RoleAssignment, User

    User.objects.filter(username="no_role").update(region=world.district)
    user = User.objects.get(username="no_role")
    _log_in(page, live_server, "district_admin")
    page.goto(f"{live_server.url}/accounts/users/{user.pk}/")
    department = page.locator("#id_department")
    page.locator("#id_role").select_option(label="镇管理员")
    expect(department).to_be_hidden()
    page.locator("#id_role").select_option(label="职能部门")
    expect(department).to_be_visible()
    page.locator("#id_region").select_option(label="双滦区")
    page.get_by_role("button", name="分配", exact=True).click()
    expect(page.get_by_text("职能部门角色请选择所属部门（如区委组织部）")).to_be_visible()
    page.locator("#id_department").select_option(label="区委政法委")
    page.get_by_role("button", name="分配", exact=True).click()
    expect(page.get_by_text("已为 no_role 分配角色")).to_be_visible()
    expect(page.get_by_role("cell", name="职能部门（区委政法委）")).to_be_visible()
    assert RoleAssignment.objects.get(user=user).department == "political_legal"
