"""The reserve candidates walked in Chromium: the committee nominates from the
suggestions with a reason, the town confirms and forwards, the organisation
department (the department viewer) sees the list, read only."""

import re

import pytest
from playwright.sync_api import expect

from sanxin.households.models import Person
from sanxin.rewards.models import Candidate
from tests.e2e import test_elder_mode as elder
from tests.factories import PASSWORD
from tests.rewards.candidate_world import grade

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
open_as = elder.open_as  # the logged-in page fixture


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()


def _log_out(page):
    page.get_by_role("button", name="退出").click()


def test_nominate_confirm_forward_and_the_department_sees_it(world, live_server, page):
    grade(world.household, "5A")
    child = Person.objects.get(household=world.household, name="王大山家2")

    _log_in(page, live_server, "committee_head")
    page.goto(f"{live_server.url}/shop/candidates/")
    page.get_by_role("link", name="大贵口村").click()
    expect(page.get_by_role("heading", name="大贵口村的后备人选")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="王大山家2")
    row.get_by_text("提名", exact=True).click()
    row.get_by_label("提名理由").fill("热心公益，带头参加环境整治")
    row.get_by_role("button", name="确认提名").click()
    expect(page.get_by_text("已提名 王大山家2 为发展党员后备人选，待镇里确认。")).to_be_visible()
    expect(page.get_by_role("link", name="王大山家2")).to_be_visible()
    candidate = Candidate.objects.get(person=child)
    assert (candidate.status, candidate.source) == ("nominated", "suggested")
    _log_out(page)

    _log_in(page, live_server, "town_admin")
    page.goto(f"{live_server.url}/shop/candidates/")
    page.get_by_role("link", name="王大山家2").click()
    expect(page.get_by_text("热心公益，带头参加环境整治").first).to_be_visible()
    page.get_by_role("button", name="确认", exact=True).click()
    expect(page.get_by_text("已确认。")).to_be_visible()
    page.get_by_role("button", name="报送区委组织部").click()
    expect(page.get_by_text("已报送区委组织部。")).to_be_visible()
    candidate.refresh_from_db()
    assert candidate.status == "forwarded"
    _log_out(page)

    _log_in(page, live_server, "department_viewer")
    page.goto(f"{live_server.url}/shop/candidates/")
    row = page.get_by_role("row").filter(has_text="王大山家2")
    expect(row.get_by_text("已报区委组织部")).to_be_visible()
    expect(row.get_by_text("5A")).to_be_visible()
    row.get_by_role("link", name="王大山家2").click()
    expect(page.get_by_text("热心公益，带头参加环境整治").first).to_be_visible()
    # read only: no step to take
    for name in ("确认", "报送区委组织部", "列入后备", "撤回", "已告知本户"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)


def test_the_told_household_sees_it_in_elder_mode_and_the_pages_fit_a_phone(
    world, live_server, open_as
):
    from sanxin.rewards.services import candidates as services

    grade(world.household, "4A")
    child = Person.objects.get(household=world.household, name="王大山家2")
    candidate = services.candidate_nominate(
        actor=world.users["committee_head"],
        person=child,
        kind="party",
        reason="热心公益",
        from_suggestion=True,
    )
    phone = {"viewport": {"width": 320, "height": 640}}
    villager = open_as("villager", **phone)
    elder._switch(villager, on=True)
    villager.goto(f"{live_server.url}/shop/candidates/mine/")
    expect(villager.get_by_text("本户目前没有需要告知的事项。")).to_be_visible()
    services.candidate_mark_told(actor=world.users["committee_member"], candidate=candidate)
    villager.reload()
    expect(villager.get_by_text("王大山家2已被列为发展党员后备人选。")).to_be_visible()
    elder._check_elder(villager, "/shop/candidates/mine/")
    assert villager.evaluate(elder.OVERFLOW) <= 0, villager.evaluate(elder.WIDE)

    member = open_as("committee_member", **phone)
    for url in (
        "/shop/candidates/",
        f"/shop/candidates/villages/{world.village_a1.pk}/",
        f"/shop/candidates/{candidate.pk}/",
    ):
        member.goto(live_server.url + url)
        elder._check_normal(member, url)
        assert member.evaluate(elder.OVERFLOW) <= 0, f"{url}: {member.evaluate(elder.WIDE)}"
