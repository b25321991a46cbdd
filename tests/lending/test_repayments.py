"""Repayments recorded by the officer: the split, the refusals, settling, reversals,
and the days past due (stored daily by `sanxin loans-overdue`, at once on a repayment)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from sanxin.audit.models import AuditEvent
from sanxin.lending.choices import LoanStatus
from sanxin.lending.models import Loan, Repayment
from sanxin.lending.services.repayments import overdue_refresh, repayment_record, repayment_reverse
from tests.lending.loan_world import credit_line, disbursed, policy

D = Decimal


@pytest.fixture
def loan(world):
    """A 12-month equal-instalment loan of 12,000 yuan disbursed 70 days ago: two
    instalments have fallen due, none paid."""
    policy(world)
    credit_line(world)
    return disbursed(world, amount="12000", term=12, on=timezone.localdate() - timedelta(days=70))


def _pay(world, loan, amount, ref, *, days_ago=0, who="credit_officer"):
    return repayment_record(
        actor=world.users[who],
        loan=loan,
        paid_on=timezone.localdate() - timedelta(days=days_ago),
        amount=D(amount),
        bank_reference=ref,
    )


def test_split_interest_first_and_dpd_updated(world, loan):
    first = loan.instalments.order_by("number").first()
    overdue_refresh()
    loan.refresh_from_db()
    assert loan.days_past_due == (timezone.localdate() - first.due_on).days > 0
    r = _pay(world, loan, str(first.interest + D("100")), "LS001")
    assert (r.interest_part, r.principal_part) == (first.interest, D("100.00"))
    assert AuditEvent.objects.filter(action="repayment.record", object_id=str(r.pk)).exists()
    # the first instalment is paid in full: the second is now the oldest unpaid
    _pay(world, loan, str(first.principal - D("100")), "LS002")
    loan.refresh_from_db()
    second = loan.instalments.get(number=2)
    assert loan.days_past_due == max(0, (timezone.localdate() - second.due_on).days)
    assert loan.days_past_due_on == timezone.localdate()


def test_refusals(world, loan):
    _pay(world, loan, "10", "LS001")
    with pytest.raises(ValidationError, match="已经登记过"):
        _pay(world, loan, "10", "LS001")
    with pytest.raises(ValidationError, match="尚未还清的本息"):
        _pay(world, loan, "20000", "LS002")
    with pytest.raises(ValidationError, match="晚于今天"):
        _pay(world, loan, "10", "LS003", days_ago=-1)
    with pytest.raises(ValidationError, match="早于放款日期"):
        _pay(world, loan, "10", "LS004", days_ago=71)
    with pytest.raises(ValidationError, match="大于零"):
        _pay(world, loan, "-5", "LS005")
    with pytest.raises(ValidationError, match="流水号"):
        _pay(world, loan, "5", "  ")
    with pytest.raises(PermissionDenied):
        _pay(world, loan, "10", "LS006", who="other_credit_officer")
    with pytest.raises(PermissionDenied):
        _pay(world, loan, "10", "LS006", who="villager")
    assert Repayment.objects.filter(loan=loan).count() == 1


def test_paying_everything_settles_and_a_reversal_reopens(world, loan):
    total = sum(i.principal + i.interest for i in loan.instalments.all())
    last = _pay(world, loan, str(total), "LS-ALL", days_ago=1)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.REPAID
    assert loan.closed_on == timezone.localdate() - timedelta(days=1)
    assert last.principal_part == D("12000.00")
    with pytest.raises(ValidationError, match="已结清"):
        _pay(world, loan, "1", "LS-MORE")
    reversal = repayment_reverse(actor=world.users["credit_officer"], repayment=last, reason="录错")
    assert reversal.amount == -total and reversal.reverses == last
    loan.refresh_from_db()
    assert (loan.status, loan.closed_on) == (LoanStatus.ACTIVE, None)
    assert loan.days_past_due > 0
    with pytest.raises(ValidationError, match="已经冲正"):
        repayment_reverse(actor=world.users["credit_officer"], repayment=last, reason="再来")
    # the same money recorded again under its right number
    _pay(world, loan, "500", "LS-ALL-2")


def test_the_command_stores_dpd_for_every_active_loan(world, loan, capsys):
    Loan.objects.filter(pk=loan.pk).update(days_past_due=0, days_past_due_on=None)
    call_command("loans_overdue")
    loan.refresh_from_db()
    first = loan.instalments.get(number=1)
    assert loan.days_past_due == (timezone.localdate() - first.due_on).days
    assert "逾期 1 笔" in capsys.readouterr().out
    # as of an earlier day, before anything fell due
    call_command("loans_overdue", "--date", (first.due_on).isoformat())
    loan.refresh_from_db()
    assert loan.days_past_due == 0


def test_refresh_runs_in_a_fixed_number_of_queries(world, loan, django_assert_max_num_queries):
    # one chunk: its loans, their instalments and repayments, the update (in its
    # savepoint), and the query that finds no further chunk, whatever the number of loans
    for n, household in enumerate((world.household_a2, world.household_a1_2), start=2):
        credit_line(world, household=household)
        disbursed(world, household=household, amount="1000", number=f"JJ{n}",
                  on=timezone.localdate() - timedelta(days=40))  # fmt: skip
    with django_assert_max_num_queries(8):
        checked, overdue = overdue_refresh()
    assert (checked, overdue) == (3, 3)


@pytest.mark.parametrize(
    ("amount", "principal", "interest"),
    [("117381.15", "117064.30", "316.85"), ("0.30", "0.10", "0.20"), ("1000.03", "999.96", "0.07")],
)
def test_parts_that_add_up_to_the_fen_are_stored(world, loan, amount, principal, interest):
    """SQLite keeps decimal columns as floating point, where 117064.30 + 316.85 is not
    117381.15: the database's check allows half a 分 (equality for two decimals)."""
    row = Repayment(
        loan=loan,
        paid_on=timezone.localdate(),
        amount=D(amount),
        principal_part=D(principal),
        interest_part=D(interest),
        source="manual",
        bank_reference=f"T-{amount}",
        recorded_by=world.users["credit_officer"],
        recorded_at=timezone.now(),
    )
    row.full_clean()
    row.save()
    assert Repayment.objects.filter(pk=row.pk, amount=D(amount)).exists()


def test_parts_that_do_not_add_up_are_refused(world, loan):
    row = Repayment(
        loan=loan,
        paid_on=timezone.localdate(),
        amount=D("100.01"),
        principal_part=D("90.00"),
        interest_part=D("10.00"),
        source="manual",
        bank_reference="T-bad",
        recorded_by=world.users["credit_officer"],
        recorded_at=timezone.now(),
    )
    with pytest.raises(ValidationError):
        row.full_clean()
