"""Applying, deciding and disbursing loans: who may, within what, with which rate and
schedule, and what the household is told."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sanxin.audit.models import AuditEvent
from sanxin.lending.choices import ApplicationStatus, LineStatus, RefusalReason
from sanxin.lending.models import Instalment
from sanxin.lending.schedule import build_schedule
from sanxin.lending.services import loans
from sanxin.notifications.models import Notification
from tests.lending.loan_world import applied, credit_line, disbursed, policy

D = Decimal


@pytest.fixture
def line(world):
    policy(world)
    return credit_line(world)


def test_villager_applies_for_own_household_and_officer_on_behalf(world, line):
    mine = applied(world, actor=world.users["villager"], amount="30000")
    assert (mine.status, mine.on_behalf, mine.credit_line) == ("applied", False, line)
    assert AuditEvent.objects.filter(action="loan.apply", object_id=str(mine.pk)).exists()
    loans.loan_withdraw(actor=world.users["villager"], application=mine)
    theirs = applied(world, amount="20000")
    assert theirs.on_behalf is True


@pytest.mark.parametrize(
    "who", ["other_villager", "committee_head", "other_credit_officer", "district_admin"]
)
def test_others_may_not_apply(world, line, who):
    with pytest.raises(PermissionDenied):
        applied(world, actor=world.users[who])


def test_one_open_application_and_within_the_line(world, line):
    with pytest.raises(ValidationError, match="超出可用额度"):
        applied(world, amount="150000.01")
    applied(world, amount="150000")
    with pytest.raises(ValidationError, match="正在办理"):
        applied(world, amount="1000")


def test_available_is_the_line_less_principal_owed(world, line):
    disbursed(world, amount="100000")
    assert loans.available(line) == D("50000.00")
    with pytest.raises(ValidationError, match="50,000.00"):
        applied(world, amount="60000")


@pytest.mark.parametrize("status", [LineStatus.SUSPENDED])
def test_no_application_on_a_suspended_or_missing_line(world, status):
    policy(world)
    credit_line(world, status=status)
    with pytest.raises(ValidationError, match="暂停"):
        applied(world)
    with pytest.raises(ValidationError, match="没有授信"):
        applied(world, household=world.household_a1_2)


def test_refusal_states_reasons_and_tells_the_household(world, line):
    officer = world.users["credit_officer"]
    application = applied(world)
    with pytest.raises(ValidationError, match="主要原因"):
        loans.loan_decide(actor=officer, application=application, grant=False)
    with pytest.raises(ValidationError, match="其他原因"):
        loans.loan_decide(
            actor=officer, application=application, grant=False, reasons=[RefusalReason.OTHER]
        )
    loans.loan_decide(
        actor=officer,
        application=application,
        grant=False,
        reasons=[RefusalReason.OVERDUE_HISTORY, RefusalReason.REPAYMENT_CAPACITY],
        note="请先结清旧贷款",
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REFUSED
    # kept in the fixed order of the list
    assert application.refusal_reasons == ["repayment_capacity", "overdue_history"]
    note = Notification.objects.get(household=world.household, kind=loans.NOTIFY_KIND)
    assert "未获批准" in note.title
    assert "收入不足以按期还款" in note.body and "请先结清旧贷款" in note.body
    assert AuditEvent.objects.filter(action="loan.refuse").count() == 1
    with pytest.raises(ValidationError, match="已经处理"):
        loans.loan_decide(actor=officer, application=application, grant=True)


def test_officer_recuses_from_own_household(world, line):
    from sanxin.households.models import Person

    officer = world.users["credit_officer"]
    officer.person = Person.objects.filter(household=world.household).first()
    officer.save()
    officer = type(officer).objects.get(pk=officer.pk)
    with pytest.raises(ValidationError, match="回避"):
        applied(world, actor=officer)


def test_disbursement_takes_the_policy_rate_of_the_day_and_stores_the_schedule(world):
    old = policy(world, effective_from=date(2020, 1, 1))
    credit_line(world, pol=old)
    today = timezone.localdate()
    # a newer version cuts the 4A rate from today on
    policy(world, effective_from=today, version=2, rates={"4A": D("4.3500")})
    loan = disbursed(world, amount="60000", term=7, method="interest_monthly")
    assert loan.annual_rate == D("4.3500")
    assert loan.standard_rate == D("7.5000")
    assert loan.policy.version == 2
    expected = build_schedule(
        principal=D("60000"),
        annual_rate=D("4.35"),
        disbursed_on=today,
        term_months=7,
        method="interest_monthly",
    )
    stored = list(Instalment.objects.filter(loan=loan).order_by("number"))
    assert [(i.due_on, i.principal, i.interest) for i in stored] == [
        (e.due_date, e.principal, e.interest) for e in expected.instalments
    ]
    assert sum(i.principal for i in stored) == D("60000.00")
    assert loan.maturity_on == expected.maturity
    assert AuditEvent.objects.filter(action="loan.disburse", object_id=str(loan.pk)).exists()


def test_a_past_disbursement_uses_the_policy_then_in_force(world):
    today = timezone.localdate()
    first = policy(world, effective_from=today - timedelta(days=400))
    credit_line(world, pol=first)
    policy(world, effective_from=today - timedelta(days=10), version=2, rates={"4A": D("4.0")})
    loan = disbursed(world, on=today - timedelta(days=30), number="JJ-OLD")
    assert loan.annual_rate == D("4.7500")


def test_disbursement_checks(world, line):
    officer = world.users["credit_officer"]
    application = applied(world, amount="50000")
    with pytest.raises(ValidationError, match="已批准"):
        loans.loan_disburse(
            actor=officer,
            application=application,
            disbursed_on=timezone.localdate(),
            bank_loan_number="A1",
        )
    loans.loan_decide(actor=officer, application=application, grant=True)
    application.refresh_from_db()
    for kwargs, message in (
        ({"amount": D("50000.01")}, "不能超过"),
        ({"bank_loan_number": " "}, "贷款编号"),
        ({"disbursed_on": timezone.localdate() + timedelta(days=1)}, "晚于今天"),
    ):
        args = {"disbursed_on": timezone.localdate(), "bank_loan_number": "A1"} | kwargs
        with pytest.raises(ValidationError, match=message):
            loans.loan_disburse(actor=officer, application=application, **args)
    loan = loans.loan_disburse(
        actor=officer,
        application=application,
        disbursed_on=timezone.localdate(),
        bank_loan_number="A1",
        amount=D("40000"),
    )
    assert loan.principal == D("40000.00")
    with pytest.raises(ValidationError, match="已经登记过放款"):
        loans.loan_disburse(
            actor=officer,
            application=application,
            disbursed_on=timezone.localdate(),
            bank_loan_number="A2",
        )
    # the bank's loan number is unique
    other = credit_line(world, household=world.household_a1_2)
    second = applied(world, household=other.household, amount="1000")
    loans.loan_decide(actor=officer, application=second, grant=True)
    second.refresh_from_db()
    with pytest.raises(ValidationError, match="另一笔贷款"):
        loans.loan_disburse(
            actor=officer,
            application=second,
            disbursed_on=timezone.localdate(),
            bank_loan_number="A1",
        )


def test_a_suspended_line_stops_a_granted_application_from_disbursing(world, line):
    officer = world.users["credit_officer"]
    application = applied(world)
    loans.loan_decide(actor=officer, application=application, grant=True)
    type(line).objects.filter(pk=line.pk).update(status=LineStatus.SUSPENDED, amount=0)
    application.refresh_from_db()
    with pytest.raises(ValidationError, match="暂停"):
        loans.loan_disburse(
            actor=officer,
            application=application,
            disbursed_on=timezone.localdate(),
            bank_loan_number="B1",
        )


def test_services_take_the_moment_of_a_story(world, line):
    """The demo tells a year of loans: each call may give its own `now`."""
    officer = world.users["credit_officer"]
    then = timezone.now() - timedelta(days=100)
    day = timezone.localtime(then).date()
    application = loans.loan_apply(
        actor=officer, household=world.household, amount=D("10000"), purpose="industry",
        term_months=3, method="equal_instalments", now=then,
    )  # fmt: skip
    loans.loan_decide(actor=officer, application=application, grant=True, now=then)
    application.refresh_from_db()
    loan = loans.loan_disburse(
        actor=officer, application=application, disbursed_on=day, bank_loan_number="T1", now=then
    )
    assert (application.applied_at, loan.recorded_at, loan.days_past_due_on) == (then, then, day)
    with pytest.raises(ValidationError, match="晚于今天"):
        other = applied(
            world, household=credit_line(world, household=world.household_a1_2).household
        )
        loans.loan_decide(actor=officer, application=other, grant=True, now=then)
        other.refresh_from_db()
        loans.loan_disburse(
            actor=officer, application=other, disbursed_on=day + timedelta(days=1),
            bank_loan_number="T2", now=then,
        )  # fmt: skip
