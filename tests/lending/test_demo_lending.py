"""The demo's lines and loans (web/demo/lending.py): built small (24 households) as
the other demo tests do, once today and once as if built in June of the next year.
Whatever the day, the loans are those of the twelve months to yesterday (on the
previous cycle's lines, then on the demo cycle's), so the book has had time to be
repaid — and one loan to fall behind (tests/test_demo_data.py builds it on more days)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db.models import Sum
from django.utils import timezone

from sanxin.accounts.models import User
from sanxin.accounts.scope import scope_for
from sanxin.lending.models import CreditLine, CreditPolicy, Loan, LoanApplication, Repayment
from sanxin.lending.report_selectors import Period, validation_loans_for, worth_report_for
from sanxin.lending.validation import validation_report
from sanxin.regions.models import Region
from sanxin.web import demo
from sanxin.web.demo.calendar import VETO_DAY
from sanxin.web.demo.lending import PILOT_LOANS, _plan

SMALL = 24


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_plan_is_the_pilot_s_year_of_loans():
    plan = _plan()
    assert len(plan) == 28
    assert sum(p.amount for p in plan) == PILOT_LOANS == Decimal("4820000.00")
    grades = [p.grade for p in plan]
    assert (grades.count("5A"), grades.count("4A"), grades.count("3A")) == (20, 6, 2)
    assert plan[0].grade == "4A" and plan[0].method == "interest_monthly"
    assert {p.method for p in plan} == {"interest_monthly", "equal_instalments"}
    assert len({p.purpose for p in plan}) >= 3 and len({p.term_months for p in plan}) >= 4
    limits = {"5A": 200000, "4A": 150000, "3A": 30000}
    assert all(p.amount <= limits[p.grade] for p in plan)


def _book_is_consistent(cal):
    village = Region.objects.get(name="大贵口村")
    assert CreditPolicy.objects.filter(district=village.parent.parent).count() == 1
    lines = CreditLine.objects.filter(village=village).select_related("cycle")
    # The previous cycle's lines (a year earlier) and the demo cycle's, each granted
    # the day after the cycle's post-final veto day.
    grant_days = {
        year.cycle_period: year.as_of + timedelta(days=VETO_DAY + 1) for year in (cal, cal.previous)
    }
    assert {line.cycle.period for line in lines} == set(grant_days)
    assert all(
        timezone.localtime(line.granted_at).date() == grant_days[line.cycle.period]
        for line in lines
    )
    loans = Loan.objects.filter(credit_line__village=village).select_related("credit_line__cycle")
    assert loans.exists()
    for loan in loans:
        assert grant_days[loan.credit_line.cycle.period] < loan.disbursed_on < timezone.localdate()
        assert loan.principal <= loan.credit_line.granted_amount
        assert loan.annual_rate == loan.credit_line.granted_rate
        assert loan.instalments.aggregate(p=Sum("principal"))["p"] == loan.principal
        for r in loan.repayments.all():
            assert loan.disbursed_on <= r.paid_on < timezone.localdate()
    refused = LoanApplication.objects.get(household__village=village, status="refused")
    assert len(refused.refusal_reasons) == 2 and refused.decision_note
    return loans


def test_the_demo_lends_through_the_services(db):
    result = demo.build(households=SMALL)
    loans = _book_is_consistent(result.calendar)
    # built today: whatever has fallen due has been paid, except on the first loan
    first = loans.order_by("disbursed_on", "pk").first()
    assert not first.repayments.exists() and first.days_past_due >= 90
    officer = User.objects.get(username="xinyongshe")
    report = worth_report_for(scope_for(officer), None, Period.year_to(timezone.localdate()))
    assert report.total.loans == loans.count()
    assert report.total.loans_amount == loans.aggregate(p=Sum("principal"))["p"]
    assert report.total.interest_saved > 0
    # a second build adds nothing
    counts = (CreditLine.objects.count(), Loan.objects.count(), Repayment.objects.count())
    demo.build(households=SMALL)
    assert counts == (CreditLine.objects.count(), Loan.objects.count(), Repayment.objects.count())


def test_built_later_the_book_is_repaid_but_one_loan(db):
    later = datetime(timezone.localdate().year + 1, 6, 15, 3, 0, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=later):
        result = demo.build(households=SMALL)
        loans = _book_is_consistent(result.calendar)
        first = loans.order_by("disbursed_on", "pk").first()
        assert first.days_past_due >= 90
        others = loans.exclude(pk=first.pk)
        assert all(loan.days_past_due == 0 for loan in others)
        assert Repayment.objects.filter(loan__in=others).count() > others.count()
        officer = User.objects.get(username="xinyongshe")
        outcomes = validation_loans_for(scope_for(officer), None, later.date())
        report = validation_report(outcomes, min_loans=1)
        assert report.discrimination.bad == 1
        assert report.overall.overdue_30.count == 1  # the late payments stayed under 30 days
