"""A full rating cycle walked through in the browser, as its users would: the
committee head opens and computes the cycle, a member proposes an adjustment that
only another member may confirm, the meeting closes the review, the notice starts,
the villager appeals one of the household's entries, a late appeal and a final
with an open appeal are refused, the deputy upholds the appeal, the head finalises,
and the villager finds the answer, the grade in force and a certificate whose
public verification page says it holds."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sanxin.ledger import services as ledger
from sanxin.ledger.services import EntryRequest
from sanxin.ratings import certificates
from sanxin.ratings.choices import CycleState
from sanxin.ratings.models import Appeal, Certificate, Cycle, GradeRecord, Rating
from sanxin.rules.scheme import GRADE_LABELS
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DISPUTED_ITEM = "env.dumping"


@pytest.fixture
def open_as(browser, browser_context_args, live_server):
    """open_as(username) → a page in a browser context of its own, logged in as
    `username` (None: not logged in). The contexts are closed after the test."""
    contexts = []

    def _open(username):
        context = browser.new_context(**browser_context_args)
        contexts.append(context)
        page = context.new_page()
        if username is None:
            return page
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("用户名或手机号").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
        return page

    yield _open
    for context in contexts:
        context.close()


def _click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


def test_a_full_cycle_in_the_browser(world, scheme, credit_for, live_server, open_as):
    today = timezone.localdate()
    cut_off = today - timedelta(days=10)
    credit_for(world.household, on=cut_off - timedelta(days=60))
    credit_for(world.household_a1_2, on=cut_off - timedelta(days=60))
    # The entry the villager will dispute: recorded by a committee member, approved by the head.
    entry = ledger.entry_record(
        actor=world.users["committee_member"],
        request=EntryRequest(household=world.household, item_code=DISPUTED_ITEM, occurred_on=cut_off - timedelta(days=20), evidence_text="村口沟边发现该户倾倒的建筑垃圾"),
        today=cut_off - timedelta(days=19),
    )  # fmt: skip
    ledger.entry_review(actor=world.users["committee_head"], entry=entry, approve=True)
    url = live_server.url

    # The committee head opens the cycle for 大贵口村 on the cycles page and computes it.
    head = open_as("committee_head")
    head.goto(f"{url}/ratings/")
    head.get_by_label("评定期").select_option(str(cut_off.year))
    head.get_by_label("截止日期").fill(cut_off.isoformat())
    _click_and_wait(head, head.get_by_role("button", name="开启"))
    expect(head.get_by_text("已开启评定周期")).to_be_visible()
    expect(head.get_by_role("heading", name=re.compile("大贵口村"))).to_be_visible()
    cycle = Cycle.objects.get(village=world.village_a1)
    cycle_url = f"{url}/ratings/{cycle.pk}/"
    _click_and_wait(head, head.get_by_role("button", name="计算等级"))
    expect(head.get_by_text("已计算 2 户")).to_be_visible()
    _click_and_wait(head, head.get_by_role("button", name="进入“委员会审核”"))
    expect(head.get_by_text("评定周期已进入“委员会审核”")).to_be_visible()

    # A committee member proposes an adjustment with a reason ...
    rating = Rating.objects.get(cycle=cycle, household=world.household_a1_2)
    to_grade = "3A" if rating.grade != "3A" else "4A"
    member = open_as("committee_member")
    member.goto(f"{cycle_url}review/")
    row = member.get_by_role("row").filter(has_text="李二河")
    _click_and_wait(member, row.get_by_role("link", name="调整"))
    member.get_by_label("调整为").select_option(to_grade)
    member.get_by_label("调整理由（必填）").fill("户主今年汛期参加巡堤三天，签到表漏记，经核实上调")
    _click_and_wait(member, member.get_by_role("button", name="提出调整"))
    expect(member.get_by_text("已提出调整，待另一名评信团成员确认")).to_be_visible()
    # ... and may not confirm it: the page says why, with no button to do it.
    row = member.get_by_role("row").filter(has_text="李二河")
    expect(row.get_by_text("不能确认本人提出的调整，需另一名评信团成员确认")).to_be_visible()
    expect(row.get_by_role("button", name="确认")).to_have_count(0)

    # The deputy confirms it.
    deputy = open_as("committee_deputy")
    deputy.goto(f"{cycle_url}adjustments/")
    row = deputy.get_by_role("row").filter(has_text="李二河")
    _click_and_wait(deputy, row.get_by_role("button", name="确认", exact=True))
    expect(deputy.get_by_text("已确认调整")).to_be_visible()
    expect(deputy.get_by_text("没有待确认的调整。")).to_be_visible()

    # The head records the review meeting and starts the notice from the cycle page.
    head.goto(cycle_url)
    _click_and_wait(head, head.get_by_role("link", name="评审会议"))
    head.get_by_label(re.compile("committee_deputy")).check()
    head.get_by_label("会议决定").fill("同意本年度评定结果及一项等级调整，进入公示")
    _click_and_wait(head, head.get_by_role("button", name="记录会议，结束审核"))
    expect(head.get_by_text("已记录评审会议，评定周期可以进入公示")).to_be_visible()
    _click_and_wait(head, head.get_by_role("button", name="进入“公示”"))
    expect(head.get_by_text("评定周期已进入“公示”")).to_be_visible()
    cycle.refresh_from_db()
    assert cycle.state == CycleState.NOTICE and cycle.notice_starts_on == today

    # The villager is told, opens the notice (masked names only) and appeals the entry.
    villager = open_as("villager")
    villager.locator("details.menu > summary").click()  # the header's menu
    villager.get_by_role("link", name=re.compile("^通知")).first.click()
    _click_and_wait(villager, villager.get_by_role("link", name=re.compile("开始公示")))
    expect(villager.get_by_role("heading", name=re.compile("评定结果公示"))).to_be_visible()
    table = villager.locator("table")
    expect(table.get_by_text("王*山")).to_be_visible()
    expect(table.get_by_text("李*河")).to_be_visible()
    expect(table.get_by_text("王大山")).to_have_count(0)
    expect(table.get_by_text("李二河")).to_have_count(0)
    _click_and_wait(villager, villager.get_by_role("link", name="对本户等级提出异议"))
    villager.get_by_label("对某条积分记录").check()
    villager.get_by_label(entry.item_name).check()
    villager.get_by_label("异议理由").fill("那天我在承德打工，不在村里，倒垃圾的不是我家")
    villager.get_by_label("证据说明").fill("工地出勤记录")
    _click_and_wait(villager, villager.get_by_role("button", name="提出异议"))
    expect(villager.get_by_text("已提出异议，评信团将在公示期内答复")).to_be_visible()
    expect(villager.get_by_text("待处理").first).to_be_visible()
    appeal = Appeal.objects.get(cycle=cycle)
    assert appeal.entry == entry and not appeal.on_behalf

    # A second appeal, submitted once the window has passed, is refused.
    villager.goto(f"{cycle_url}households/{world.household.pk}/appeal/")
    villager.get_by_label("对评定等级").check()
    villager.get_by_label("异议理由").fill("等级评低了")
    Cycle.objects.filter(pk=cycle.pk).update(
        notice_starts_on=today - timedelta(days=10), notice_ends_on=today - timedelta(days=4)
    )
    ended = today - timedelta(days=4)
    villager.get_by_role("button", name="提出异议").click()
    expect(
        villager.get_by_text(f"公示期已于 {ended:%Y-%m-%d} 结束，不能再提出异议")
    ).to_be_visible()
    assert Appeal.objects.filter(cycle=cycle).count() == 1

    # Final is refused while the appeal is open.
    head.goto(cycle_url)
    _click_and_wait(head, head.get_by_role("button", name="进入“最终”"))
    expect(head.get_by_text("还有 1 项异议没有处理")).to_be_visible()
    cycle.refresh_from_db()
    assert cycle.state == CycleState.NOTICE

    # The deputy (not the entry's recorder) upholds it on the appeal page.
    deputy.goto(f"{cycle_url}appeals/")
    _click_and_wait(deputy, deputy.get_by_role("link", name=re.compile("001 号户")))
    deputy.get_by_label("异议成立", exact=True).check()
    deputy.get_by_label("处理意见和依据").fill(
        "经分团长向工地核实，当日户主在承德务工，扣分属误记，予以冲正"
    )
    _click_and_wait(deputy, deputy.get_by_role("button", name="提交答复"))
    expect(deputy.get_by_text("已答复异议：异议成立")).to_be_visible()
    expect(deputy.get_by_text("冲正记录")).to_be_visible()
    decision = Appeal.objects.get(pk=appeal.pk).decision
    assert decision.upheld and decision.decided_by == world.users["committee_deputy"]
    assert decision.reversal.reversal_of == entry and decision.reversal.review.approved

    # The head finalises.
    head.goto(cycle_url)
    _click_and_wait(head, head.get_by_role("button", name="进入“最终”"))
    expect(head.get_by_text("评定周期已进入“最终”")).to_be_visible()
    record = GradeRecord.objects.get(cycle=cycle, household=world.household)
    label = GRADE_LABELS[record.grade]

    # The villager sees the answers, the grade in force, and prints a certificate.
    villager.goto(f"{url}/notifications/")
    expect(villager.get_by_text("您提出的异议已答复：异议成立").first).to_be_visible()
    expect(villager.get_by_text(f"您家的信用等级已确定：{label}")).to_be_visible()
    villager.goto(f"{url}/")
    _click_and_wait(villager, villager.get_by_role("link", name="等级记录与信用等级证书").first)
    expect(villager.get_by_text("在用信用等级")).to_be_visible()
    expect(villager.locator(".points-grade")).to_have_text(label)
    _click_and_wait(villager, villager.get_by_role("button", name="出具信用等级证书"))
    expect(villager.get_by_text(re.compile("已出具信用等级证书"))).to_be_visible()
    certificate = Certificate.objects.get(household=world.household)
    pdf_link = villager.get_by_role("link", name="查看 PDF").first
    response = villager.request.get(url + pdf_link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    # Anyone holding the certificate checks it on the public page, without logging in.
    stranger = open_as(None)
    stranger.goto(f"{url}/v/{certificates.token_for(certificate)}/")
    expect(stranger.get_by_role("status")).to_contain_text("有效")
    expect(stranger.get_by_text("王*山")).to_be_visible()
    expect(stranger.get_by_text("王大山")).to_have_count(0)

    # Wrong role: the villager may not open the committee's review page.
    response = villager.goto(f"{cycle_url}review/")
    assert response.status in (403, 404)
