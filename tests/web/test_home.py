"""The home page: each role's three most frequent jobs are one tap away as big
buttons; a villager finds the grade in force, the points, how to earn more and the
notifications on it, and the household's points in one tap."""

from __future__ import annotations

import re
from datetime import date

import pytest

from sanxin.ledger import services
from sanxin.ledger.services import EntryRequest

JOBS = re.compile(r'<nav class="home-jobs"[^>]*>(.*?)</nav>', re.S)
BUTTON = re.compile(r'<a class="btn home-job" href="([^"]+)">([^<]+)</a>')

EXPECTED = {
    "committee_member": [("/points/review/", "审核积分"), ("/points/record/", "记录积分"), ("/ratings/", "评定周期")],
    "committee_head": [("/points/review/", "审核积分"), ("/ratings/", "评定周期"), ("/households/", "农户")],
    "subteam_member": [("/points/record/", "记录积分"), ("/points/batch/", "批量记录"), ("/households/", "本组农户")],
    "credit_officer": [("/credit/", "信用评定"), ("/credit/import/", "导入评定表"), ("/households/", "农户")],
    "district_admin": [("/oversight/dashboard/", "数据看板"), ("/households/", "农户"), ("/ratings/", "评定周期")],
    "town_admin": [("/oversight/dashboard/", "数据看板"), ("/households/", "农户"), ("/ratings/", "评定周期")],
    "shop_clerk": [("/shop/counter/", "收银台"), ("/shop/counter/today/", "今日兑换"), ("/shop/counter/paper/", "补录纸质单据")],
    # The world's viewer belongs to 区委组织部: its department's jobs come first.
    "department_viewer": [("/oversight/departments/organisation/", "党员先锋积分"), ("/shop/candidates/", "后备人选"), ("/oversight/departments/organisation/members/", "党员名单")],
}  # fmt: skip


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_has_its_jobs_as_big_buttons_at_the_top(role, world, login):
    html = login(world.users[role]).get("/").content.decode()
    (nav,) = JOBS.findall(html)
    assert BUTTON.findall(nav) == EXPECTED[role]


def test_a_villager_home_has_no_job_buttons_and_no_jargon(world, scheme, credit_for, login):
    credit_for(world.household)
    entry = services.entry_record(
        actor=world.users["subteam_member"],
        request=EntryRequest(
            household=world.household, item_code="env.tidy", occurred_on=date(2025, 6, 1)
        ),
    )
    html = login(world.users["villager"]).get("/").content.decode()
    assert not JOBS.findall(html)
    # Points one tap away; the key figures; how to earn more; the notification.
    assert f'class="btn home-job" href="/points/households/{world.household.pk}/"' in html
    assert html.count('class="key-figure"') == 2
    assert "怎样多得分" in html and "加 " in html and "/rules/?village=" in html
    assert f"为您家记录了一条积分：{entry.item_name}" in html
    assert "暂定等级" in html and "<table" not in html
    for jargon in ("评定周期", "计算、审核", "一票否决与直接判级"):
        assert jargon not in html.split("<main>")[1], jargon
