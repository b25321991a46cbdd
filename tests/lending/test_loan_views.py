"""The loan pages as their users see them: the villager applies from the phone and sees
a refusal's reasons, the officer decides, disburses, records a repayment, sees the
overdue list and may propose the veto; lists in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from sanxin.lending.models import Loan, LoanApplication, Repayment
from sanxin.lending.services.repayments import overdue_refresh
from tests.lending.loan_world import applied, credit_line, disbursed, policy

D = Decimal


@pytest.fixture
def line(world):
    policy(world)
    return credit_line(world)


def test_villager_applies_and_reads_the_refusal(world, line, login):
    client = login(world.users["villager"])
    page = client.get(f"/lending/household/{world.household.pk}/")
    html = page.content.decode()
    assert "申请贷款" in html and "没有贷款" in html
    form = client.get(f"/lending/household/{world.household.pk}/apply/").content.decode()
    assert "现在最多可以申请 150,000.00 元" in form
    response = client.post(
        f"/lending/household/{world.household.pk}/apply/",
        {
            "amount": "200000",
            "purpose": "business",
            "term_months": "12",
            "method": "interest_monthly",
        },
    )
    assert "超出可用额度" in response.content.decode()
    response = client.post(
        f"/lending/household/{world.household.pk}/apply/",
        {
            "amount": "80000",
            "purpose": "business",
            "term_months": "12",
            "method": "interest_monthly",
        },
    )
    application = LoanApplication.objects.get()
    assert response.status_code == 302 and application.applied_by == world.users["villager"]
    # the villager sees no decision form
    detail = client.get(f"/lending/applications/{application.pk}/").content.decode()
    assert "撤回申请" in detail and "确认决定" not in detail

    officer = login(world.users["credit_officer"])
    detail = officer.get(f"/lending/applications/{application.pk}/").content.decode()
    assert "确认决定" in detail and "现可用额度" in detail
    refused = officer.post(
        f"/lending/applications/{application.pk}/decide/",
        {"decision": "refuse", "note": "请补充经营流水"},
    )
    assert "必须说明主要原因" in refused.content.decode()
    officer.post(
        f"/lending/applications/{application.pk}/decide/",
        {
            "decision": "refuse",
            "reasons": ["incomplete", "existing_debt"],
            "note": "请补充经营流水",
        },
    )

    client = login(world.users["villager"])
    html = client.get(f"/lending/household/{world.household.pk}/").content.decode()
    assert "未获批准" not in html  # the page names the status, the notification the title
    assert "未批准" in html
    assert (
        "现有负债过高" in html and "申请材料不完整或无法核实" in html and "请补充经营流水" in html
    )
    assert "申请贷款" in html  # may apply again


def test_officer_disburses_and_the_household_sees_its_schedule(world, line, login):
    application = applied(world, amount="36000", term=6, method="interest_monthly")
    officer = login(world.users["credit_officer"])
    officer.post(f"/lending/applications/{application.pk}/decide/", {"decision": "grant"})
    page = officer.get(f"/lending/applications/{application.pk}/").content.decode()
    assert "登记放款" in page
    response = officer.post(
        f"/lending/applications/{application.pk}/disburse/",
        {
            "disbursed_on": timezone.localdate().isoformat(),
            "amount": "36000",
            "bank_loan_number": "JJ-V1",
        },
    )
    loan = Loan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/lending/loans/{loan.pk}/"
    html = officer.get(f"/lending/loans/{loan.pk}/").content.decode()
    assert "4.75%" in html and "基准 7.5%" in html and "比基准利率少付" in html
    assert html.count('data-label="期数"') == 6
    villager = login(world.users["villager"])
    html = villager.get(f"/lending/household/{world.household.pk}/").content.decode()
    assert html.count('data-label="期数"') == 6 and "36,000.00" in html
    assert "登记还款" not in villager.get(f"/lending/loans/{loan.pk}/").content.decode()


def test_record_a_repayment_on_the_page(world, line, login):
    loan = disbursed(world, amount="12000", on=timezone.localdate() - timedelta(days=40))
    officer = login(world.users["credit_officer"])
    response = officer.post(
        f"/lending/loans/{loan.pk}/repay/",
        {"paid_on": timezone.localdate().isoformat(), "amount": "100", "bank_reference": "W1"},
    )
    assert response.status_code == 302
    again = officer.post(
        f"/lending/loans/{loan.pk}/repay/",
        {"paid_on": timezone.localdate().isoformat(), "amount": "100", "bank_reference": "W1"},
    )
    assert "已经登记过" in again.content.decode()
    assert Repayment.objects.count() == 1


def test_overdue_list_buckets_and_the_veto_proposal(world, scheme, line, login):
    today = timezone.localdate()
    disbursed(world, amount="12000", on=today - timedelta(days=130), number="OLD")
    credit_line(world, household=world.household_a1_2)
    disbursed(world, household=world.household_a1_2, amount="5000", number="NEW",
              on=today - timedelta(days=45))  # fmt: skip
    overdue_refresh()
    officer = login(world.users["credit_officer"])
    html = officer.get("/lending/loans/overdue/").content.decode()
    assert "OLD" in html and "NEW" in html
    assert "90 天及以上（1）" in html and "1–29 天（1）" in html
    only = officer.get("/lending/loans/overdue/?bucket=90%2B").content.decode()
    assert "OLD" in only and "NEW" not in only
    # the proposal opens the household's veto page prefilled, nothing is decided
    loan = Loan.objects.get(bank_loan_number="OLD")
    page = officer.get(f"/lending/loans/{loan.pk}/").content.decode()
    assert "提议认定“恶意拖欠信用社贷款”" in page
    link = next(
        part.split('"')[0]
        for part in page.split('href="')
        if part.startswith(f"/points/households/{world.household.pk}/vetoes/")
    )
    query = parse_qs(urlparse(link.replace("&amp;", "&")).query)
    assert query["rule"] == ["loan.malicious_default"]
    veto_page = officer.get(link.replace("&amp;", "&")).content.decode()
    assert 'value="loan.malicious_default" selected' in veto_page
    assert "已逾期" in veto_page
    from sanxin.ledger.models import VetoEvent

    assert not VetoEvent.objects.exists()


@pytest.mark.parametrize(
    "url",
    ["/lending/applications/?status=all", "/lending/loans/?status=all", "/lending/loans/overdue/"],
)
def test_lists_in_a_fixed_number_of_queries(world, line, login, django_assert_max_num_queries, url):
    today = timezone.localdate()
    households = [world.household, world.household_a1_2, world.household_a2]
    for n, household in enumerate(households):
        if household != world.household:
            credit_line(world, household=household)
        disbursed(world, household=household, amount="3000", number=f"Q{n}",
                  on=today - timedelta(days=100))  # fmt: skip
        applied(world, household=household, amount="1000")
    overdue_refresh()
    client = login(world.users["credit_officer"])
    client.get(url)  # warm the session and scope
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert all(h.head_name in html for h in households)


def test_household_page_queries_do_not_grow_with_loans(
    world, line, login, django_assert_max_num_queries
):
    today = timezone.localdate()
    for n in range(3):
        loan = disbursed(world, amount="3000", number=f"H{n}", on=today - timedelta(days=100))
        Loan.objects.filter(pk=loan.pk).update(status="repaid", closed_on=today)
    client = login(world.users["villager"])
    client.get(f"/lending/household/{world.household.pk}/")
    with django_assert_max_num_queries(16):
        response = client.get(f"/lending/household/{world.household.pk}/")
    assert response.content.decode().count("放款 3,000.00 元") == 3
