"""The credit officer's lending flow in the browser: grant the lines of a village's final
cycle and export them for the bank, record a household's application and refuse it
with its reasons, record another and grant and disburse it, import the bank's
repayment file (a bad one first, refused with its rows, then a good one), and the
household sees its schedule and repayments, and the refusal's reasons."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from sanxin.accounts.choices import Role
from sanxin.lending.models import CreditLine, Instalment, Loan, LoanApplication, Repayment
from tests.factories import PASSWORD, cycle_final, cycle_on_notice, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()


def _final_cycle_and_policy(world, credit_for):
    from sanxin.lending.services.policy import credit_policy_publish, default_terms

    today = timezone.localdate()
    officer = make_user("district_officer", Role.CREDIT_OFFICER, region=world.district)
    credit_policy_publish(
        actor=officer,
        district=world.district,
        effective_from=today - timedelta(days=60),
        grades=default_terms(),
        today=today - timedelta(days=60),
    )
    credit_for(world.household)
    credit_for(world.household_a1_2)
    notice_day = today - timedelta(days=30)
    cycle = cycle_on_notice(world, cut_off=today - timedelta(days=40), notice_day=notice_day)
    cycle_final(world, cycle, day=notice_day + timedelta(days=7))


def _csv(rows):
    lines = ["贷款编号,还款日期,金额,流水号", *(",".join(r) for r in rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_the_officers_lending_flow(world, scheme, credit_for, live_server, page, tmp_path):
    _final_cycle_and_policy(world, credit_for)
    today = timezone.localdate().isoformat()
    household = world.household
    _log_in(page, live_server, "credit_officer")

    # Grant the lines of the final cycle, then export them for the bank.
    page.goto(f"{live_server.url}/lending/")
    page.get_by_role("link", name=re.compile("大贵口村")).first.click()
    page.get_by_role("button", name=re.compile("按政策为 2 户授信")).click()
    expect(page.get_by_text("已授信").first).to_be_visible()
    assert CreditLine.objects.filter(village=world.village_a1).count() == 2
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("导出授信名单")).click()
    exported = tmp_path / "lines.xlsx"
    download.value.save_as(exported)
    sheet = load_workbook(exported).active
    assert "王大山" in repr([c.value for row in sheet.iter_rows() for c in row])

    # An application recorded on the household's behalf, refused with its reasons.
    page.goto(f"{live_server.url}/lending/household/{household.pk}/")
    page.get_by_role("link", name="代为录入用信申请").click()
    expect(page.get_by_text("现在最多可以申请 150,000.00 元")).to_be_visible()
    page.get_by_label("申请金额（元）").fill("180000")
    page.get_by_label("产业发展").check()
    page.get_by_label("期限").select_option("12")
    page.get_by_label("等额本息").check()
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text(re.compile("超出可用额度"))).to_be_visible()
    page.get_by_label("申请金额（元）").fill("120000")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", name="用信申请 120,000.00 元")).to_be_visible()
    page.get_by_label("不批准", exact=True).check()
    page.get_by_label("现有负债过高").check()
    page.get_by_label("收入不足以按期还款").check()
    page.get_by_label("说明（农户能看到）").fill("请先结清其他机构的借款")
    page.get_by_role("button", name="确认决定").click()
    expect(page.get_by_text("已记录不批准及其原因，并通知该户。")).to_be_visible()
    reasons = page.locator(".refusal-reasons")
    expect(reasons).to_contain_text("现有负债过高")
    expect(reasons).to_contain_text("收入不足以按期还款")

    # A second application, granted and disbursed.
    page.goto(f"{live_server.url}/lending/household/{household.pk}/")
    page.get_by_role("link", name="代为录入用信申请").click()
    page.get_by_label("申请金额（元）").fill("60000")
    page.get_by_label("生产经营").check()
    page.get_by_label("期限").select_option("6")
    page.get_by_label("按月付息、到期还本").check()
    page.get_by_role("button", name="提交申请").click()
    page.get_by_label("批准", exact=True).check()
    page.get_by_role("button", name="确认决定").click()
    expect(page.get_by_role("heading", name="登记放款")).to_be_visible()
    page.get_by_label("放款日期").fill(today)
    page.get_by_label("信用社贷款编号（借据号）").fill("JJ20260001")
    page.get_by_role("button", name="登记放款").click()
    expect(page.get_by_text(re.compile("已登记放款，年利率 4.75%"))).to_be_visible()
    loan = Loan.objects.get(bank_loan_number="JJ20260001")
    assert loan.instalments.count() == 6
    assert sum(i.principal for i in Instalment.objects.filter(loan=loan)) == loan.principal

    # The bank's repayment file: a bad one first, refused row by row.
    page.goto(f"{live_server.url}/lending/loans/")
    page.get_by_role("link", name="导入还款").click()
    bad = _csv([("JJ20260001", "2026-02-30", "100", "LS1"), ("JJ-NONE", today, "100", "LS2"),
                ("JJ20260001", today, "-5", "LS3")])  # fmt: skip
    page.get_by_label("信用社还款文件（.xlsx 或 .csv）").set_input_files(
        files=[{"name": "还款.csv", "mimeType": "text/csv", "buffer": bad}]
    )
    page.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_role("heading", name="发现 3 个问题")).to_be_visible()
    expect(page.get_by_text(re.compile("无法识别的日期"))).to_be_visible()
    expect(page.get_by_text(re.compile("没有贷款编号为“JJ-NONE”"))).to_be_visible()
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    assert not Repayment.objects.exists()

    page.get_by_role("link", name="重新上传").click()
    good = _csv([("JJ20260001", today, "237.50", "LS1")])
    page.get_by_label("信用社还款文件（.xlsx 或 .csv）").set_input_files(
        files=[{"name": "还款.csv", "mimeType": "text/csv", "buffer": good}]
    )
    page.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_text("1 笔，共 237.50 元")).to_be_visible()
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text(re.compile("还款已导入：登记 1 笔"))).to_be_visible()
    assert Repayment.objects.get().interest_part == Repayment.objects.get().amount

    # The household's side: the schedule, the repayment and the refusal's reasons.
    page.goto(f"{live_server.url}/lending/household/{household.pk}/")
    expect(page.locator(".loan-schedule tbody tr")).to_have_count(6)
    expect(page.get_by_text("60,000.00").first).to_be_visible()
    assert LoanApplication.objects.filter(status="refused").count() == 1


def test_the_villager_applies_from_the_phone(world, scheme, credit_for, live_server, page):
    _final_cycle_and_policy(world, credit_for)
    from sanxin.lending.services.lines import credit_lines_grant_village

    credit_lines_grant_village(actor=world.users["credit_officer"], village=world.village_a1)
    _log_in(page, live_server, "13800000001")
    page.goto(f"{live_server.url}/lending/household/{world.household.pk}/")
    page.get_by_role("link", name="申请贷款").click()
    page.get_by_label("申请金额（元）").fill("30000")
    page.get_by_label("教育").check()
    page.get_by_label("等额本息").check()
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text(re.compile("申请已提交"))).to_be_visible()
    expect(page.get_by_role("button", name="确认决定")).to_have_count(0)
    application = LoanApplication.objects.get()
    assert (application.on_behalf, application.applied_by) == (False, world.users["villager"])
    # elder mode: the apply form's tap targets are at least 60 px high
    page.get_by_role("button", name=re.compile("长辈模式")).first.click()
    page.goto(f"{live_server.url}/lending/applications/{application.pk}/")
    box = page.get_by_role("button", name="撤回申请").bounding_box()
    assert box is not None and box["height"] >= 60
    # and it reflows at 320 px: nothing wider than the screen
    page.set_viewport_size({"width": 320, "height": 640})
    for url in (
        f"/lending/household/{world.household.pk}/",
        f"/lending/applications/{application.pk}/",
    ):
        page.goto(f"{live_server.url}{url}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
