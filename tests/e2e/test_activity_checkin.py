"""An activity in Chromium on a phone: the committee head publishes it, a villager (in
elder mode) signs up and checks in by opening the rotating code's URL, a second scan
and a scan after the window are refused, the head records the points, another member
approves them in bulk."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sanxin.engagement import checkin_codes
from sanxin.engagement.models import Activity, CheckIn
from sanxin.ledger.models import Entry
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_as(browser, browser_context_args, live_server):
    contexts = []

    def _open(username):
        context = browser.new_context(**browser_context_args)
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


def test_publish_sign_up_scan_and_approve(world, scheme, live_server, open_as):
    local = timezone.localtime()
    if local.hour >= 22:
        pytest.skip("the activity of this test runs on one day; too close to midnight")
    start = (local + timedelta(minutes=6)).replace(second=0, microsecond=0)
    end = start + timedelta(hours=1)
    villager = world.users["villager"]
    villager.person = world.household.members.get(is_head=True)
    villager.save()

    # The committee head publishes the activity on their phone.
    head = open_as("committee_head")
    head.goto(f"{live_server.url}/village/activities/new/")
    head.get_by_label("活动类型").select_option(label="志愿服务")
    head.get_by_label("活动名称").fill("清理村口河道")
    head.get_by_label("日期").fill(start.date().isoformat())
    head.get_by_label("开始时间").fill(start.strftime("%H:%M"))
    head.get_by_label("结束时间").fill(end.strftime("%H:%M"))
    head.get_by_label("地点").fill("村口石桥")
    head.get_by_label("人数上限").fill("30")
    head.get_by_label("参加可得积分").select_option("public.volunteer")
    head.get_by_role("button", name="发布").click()
    expect(head.get_by_role("heading", name="清理村口河道")).to_be_visible()
    activity = Activity.objects.get(title="清理村口河道")

    # The villager, in elder mode, finds it and signs up.
    me = open_as("13800000001")
    me.get_by_role("button", name="长辈模式").click()
    me.goto(f"{live_server.url}/village/activities/")
    me.get_by_role("link", name="清理村口河道").click()
    me.get_by_role("button", name="我要报名").click()
    expect(me.get_by_text("王大山 报名成功。")).to_be_visible()
    box = me.get_by_role("button", name="取消报名").bounding_box()
    assert box and box["height"] >= 60  # elder mode: large tap targets

    # The head shows the rotating code; the villager "scans" it (opens its URL).
    head.goto(f"{live_server.url}/village/activities/{activity.pk}/code/")
    qr = head.locator(".checkin-qr")
    expect(qr.locator("svg")).to_be_visible()
    url = qr.get_attribute("data-code-url")
    assert url and f"/village/activities/{activity.pk}/checkin/" in url
    me.goto(url)
    expect(me.get_by_role("heading", name="签到成功")).to_be_visible()
    # A second scan of the same code records nothing.
    me.goto(url)
    expect(me.get_by_role("heading", name="已签到")).to_be_visible()
    expect(me.get_by_text("这次没有重复记录")).to_be_visible()
    assert CheckIn.objects.filter(activity=activity).count() == 1

    # A code from three minutes ago is refused as expired.
    stale = checkin_codes.code_for(activity, timezone.now() - timedelta(minutes=3))
    me.goto(f"{live_server.url}/village/activities/{activity.pk}/checkin/{stale}/")
    expect(me.get_by_role("heading", name="未能签到")).to_be_visible()
    expect(me.get_by_text(re.compile("签到码已过期"))).to_be_visible()

    # The head records the attendance as pending points.
    head.goto(f"{live_server.url}/village/activities/{activity.pk}/attendance/")
    head.get_by_role("button", name="为签到者记录积分").click()
    expect(head.get_by_text(re.compile("已记录 1 条待审核积分"))).to_be_visible()
    entry = Entry.objects.get(source="activity")
    assert entry.person == villager.person and entry.recorded_by == world.users["committee_head"]

    # After the window (the activity moved into the past) a fresh code is refused.
    past_end = timezone.now() - timedelta(minutes=1)
    Activity.objects.filter(pk=activity.pk).update(
        starts_at=past_end - timedelta(hours=1), ends_at=past_end
    )
    activity.refresh_from_db()
    late = checkin_codes.code_for(activity, timezone.now())
    me.goto(f"{live_server.url}/village/activities/{activity.pk}/checkin/{late}/")
    expect(me.get_by_text("活动已经结束，不能再签到")).to_be_visible()
    assert CheckIn.objects.filter(activity=activity).count() == 1

    # Another member approves the points in bulk on the ledger's review page.
    member = open_as("committee_member")
    member.goto(f"{live_server.url}/points/review/")
    member.get_by_role("button", name="全选本页").click()
    member.get_by_role("button", name="通过所选").click()
    expect(member.get_by_text("已通过 1 条记录")).to_be_visible()
    entry.refresh_from_db()
    assert entry.review.approved and entry.review.reviewer == world.users["committee_member"]

    # The villager sees the check-in and its approved points.
    me.goto(f"{live_server.url}/village/activities/")
    expect(me.get_by_text("积分已通过")).to_be_visible()
