"""我的信息 in Chromium on a phone: a villager (in elder mode) opens their data from
the menu, downloads the PDF and the JSON copy, and asks to correct a phone number;
the committee head answers and the register changes; the villager sees the answer."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from sanxin.households.models import Person
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_as(browser, browser_context_args, live_server):
    contexts = []

    def _open(username):
        context = browser.new_context(**browser_context_args, accept_downloads=True)
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


def test_see_copy_and_correct_my_data(world, live_server, open_as, tmp_path):
    head = Person.objects.get(household=world.household, is_head=True)
    me = open_as("13800000001")
    me.get_by_role("button", name="长辈模式").click()
    me.goto(f"{live_server.url}/my/")
    me.get_by_role("link", name=re.compile("001号户")).click()
    expect(me.get_by_role("heading", name=re.compile("001号户的全部信息"))).to_be_visible()
    expect(me.get_by_text("家庭成员").first).to_be_visible()

    with me.expect_download() as pdf:
        me.get_by_role("link", name=re.compile("下载 PDF")).click()
    assert pdf.value.path().read_bytes().startswith(b"%PDF")
    with me.expect_download() as copy:
        me.get_by_role("link", name=re.compile("下载 JSON")).click()
    data = json.loads(copy.value.path().read_text(encoding="utf-8"))
    assert any(s["title"] == "家庭成员" for s in data["sections"])

    me.get_by_role("link", name="申请更正").click()
    me.get_by_label("要更正的内容").select_option(label="联系电话")
    me.get_by_label("哪位成员").select_option(label=head.name)
    me.get_by_label("应更正为").fill("13912345678")
    me.get_by_role("button", name="提交申请").click()
    expect(me.get_by_text("更正申请已提交")).to_be_visible()
    expect(me.get_by_text(re.compile("13912345678 — 待答复"))).to_be_visible()

    committee = open_as("committee_head")
    committee.goto(f"{live_server.url}/my/corrections/")
    committee.get_by_role("link", name="答复").click()
    committee.get_by_label("同意更正").check()
    committee.get_by_role("button", name="提交答复").click()
    expect(committee.get_by_text("已答复，并已通知该户")).to_be_visible()
    head.refresh_from_db()
    assert head.phone == "13912345678"

    me.reload()
    expect(me.get_by_text(re.compile("13912345678 — 已更正"))).to_be_visible()
