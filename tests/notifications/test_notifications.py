"""The notifications page (站内通知) as the villager meets it: the notice opening,
the answer to their appeal and the final grade; the unread badge; nothing of
another household."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sanxin.accounts.scope import scope_for
from sanxin.notifications.choices import Kind
from sanxin.notifications.models import NotificationRead
from sanxin.notifications.selectors import unread_count
from sanxin.notifications.services import notify
from sanxin.ratings.choices import AppealKind
from sanxin.ratings.services import appeals
from tests.factories import cycle_final, cycle_on_notice

TODAY = timezone.localdate()
CUT_OFF = TODAY - timedelta(days=40)
NOTICE_DAY = TODAY - timedelta(days=30)
FINAL_DAY = NOTICE_DAY + timedelta(days=7)
BADGE = re.compile(r'title="未读通知">(\d+)</span>')


def _badge(page: str) -> int:
    m = BADGE.search(page)
    return int(m.group(1)) if m else 0


@pytest.fixture
def final_with_appeal(world, scheme, credit_for):
    """Village A1's cycle: on notice, the villager appeals, the committee answers, final."""
    credit_for(world.household)
    credit_for(world.household_a1_2)
    head = world.users["committee_head"]
    cycle = cycle_on_notice(world, cut_off=CUT_OFF, notice_day=NOTICE_DAY)
    appeal = appeals.appeal_file(
        actor=world.users["villager"],
        cycle=cycle,
        household=world.household,
        kind=AppealKind.GRADE,
        reason="评分漏记了献血",
        today=NOTICE_DAY + timedelta(days=1),
    )
    appeals.appeal_decide(actor=head, appeal=appeal, upheld=False, reason="经核实已计入")
    cycle_final(world, cycle, day=FINAL_DAY)
    return world


def test_villager_sees_notice_appeal_answer_and_final_grade_then_badge_drops(
    final_with_appeal, login
):
    world = final_with_appeal
    client = login(world.users["villager"])
    home = client.get("/").content.decode()
    assert "/notifications/" in home and _badge(home) == 3
    page = client.get("/notifications/").content.decode()
    assert "年度信用等级评定结果开始公示" in page and "公示期" in page
    assert "您提出的异议已答复：异议不成立" in page and "经核实已计入" in page
    assert "您家的信用等级已确定" in page
    main = page.split("<main", 1)[1]
    assert main.count("未读</span>") == 3  # marked as unread on this first view
    # Newest first: the final grade, then the answer, then the notice.
    assert main.index("您家的信用等级已确定") < main.index("异议已答复") < main.index("开始公示")
    assert _badge(page) == 0  # the badge already counts this visit
    again = client.get("/notifications/").content.decode()
    assert (
        "未读</span>" not in again.split("<main", 1)[1]
        and _badge(client.get("/").content.decode()) == 0
    )
    assert unread_count(scope_for(world.users["villager"])) == 0


def test_other_villager_sees_none_of_them(final_with_appeal, login):
    world = final_with_appeal
    page = login(world.users["other_villager"]).get("/notifications/").content.decode()
    assert "异议已答复" not in page and "经核实已计入" not in page
    # Their own household's notice and grade, unread: marking the villager's read changed nothing for them.
    assert "您家的信用等级已确定" in page and "开始公示" in page
    assert not NotificationRead.objects.filter(user=world.users["villager"]).exists()


def test_users_without_own_household_see_a_friendly_empty_page(final_with_appeal, login):
    world = final_with_appeal
    for user in ("committee_head", "no_role", "district_admin"):
        page = login(world.users[user]).get("/notifications/").content.decode()
        assert "您的账号没有关联本户" in page and "开始公示" not in page
        assert 'href="/notifications/"' not in page.split("<main", 1)[0]  # no 通知 link in the menu


def _queries(client, url="/notifications/"):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_page_query_count_is_fixed_and_pages(world, login):
    world_household = [world.household.pk]
    notify(households=world_household, kind=Kind.GRADE_CHANGED, title="通知 0")
    client = login(world.users["villager"])
    few = _queries(client)
    for i in range(1, 45):
        notify(households=world_household, kind=Kind.GRADE_CHANGED, title=f"通知 {i}")
    assert _queries(client) == few
    page = client.get("/notifications/?page=3").content.decode()
    assert "第 3 / 3 页" in page and "上一页" in page and "通知 0" in page
    # Only the shown notifications are marked read: the 20 newest and the 5 oldest.
    assert NotificationRead.objects.filter(user=world.users["villager"]).count() == 25
    assert _badge(page) == 20
    client.get("/notifications/?page=2")
    assert unread_count(scope_for(world.users["villager"])) == 0
