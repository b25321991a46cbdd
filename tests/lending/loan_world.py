"""What the loan tests stand on: a district credit policy and a household's credit line
of a final cycle, written directly (the lines' own services are tested with them), and
a loan disbursed through the loan services."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from sanxin.lending.choices import BankDecision, LineStatus
from sanxin.lending.models import DEFAULT_GRADE_LINES, CreditLine, CreditPolicy, CreditPolicyGrade
from sanxin.lending.services import loans
from sanxin.ratings.choices import CycleState
from sanxin.ratings.models import Cycle

D = Decimal


def policy(world, *, effective_from: date = date(2020, 1, 1), version: int = 1, rates=None):
    p = CreditPolicy.objects.create(
        district=world.district,
        version=version,
        effective_from=effective_from,
        published_at=timezone.now(),
    )
    for grade, (amount, rate) in DEFAULT_GRADE_LINES.items():
        CreditPolicyGrade.objects.create(
            policy=p, grade=grade, line_amount=amount, annual_rate=(rates or {}).get(grade, rate)
        )
    return p


def credit_line(
    world,
    household=None,
    *,
    grade: str = "4A",
    amount: Decimal | None = None,
    status: str = LineStatus.GRANTED,
    valid_until: date | None = None,
    pol=None,
):
    household = household or world.household
    pol = pol or CreditPolicy.objects.filter(district=world.district).first() or policy(world)
    cycle, _ = Cycle.objects.get_or_create(
        village=household.village,
        period="2024",
        defaults={"cut_off": date(2024, 12, 31), "state": CycleState.FINAL},
    )
    line_amount, rate = DEFAULT_GRADE_LINES[grade]
    amount = line_amount if amount is None else amount
    return CreditLine.objects.create(
        household=household,
        village=household.village,
        cycle=cycle,
        policy=pol,
        reference=f"SX{household.pk:06d}{CreditLine.objects.count():03d}",
        grade=grade,
        policy_amount=line_amount,
        policy_rate=rate,
        granted_amount=line_amount,
        granted_rate=rate,
        current_grade=grade,
        amount=D("0") if status == LineStatus.SUSPENDED else amount,
        annual_rate=rate,
        status=status,
        valid_until=valid_until or timezone.localdate() + timedelta(days=300),
        granted_at=timezone.now(),
        bank_decision=BankDecision.APPROVED,
        reason="" if amount == line_amount else "测试",
    )


def applied(
    world, *, actor=None, household=None, amount="50000", term=12, method="equal_instalments"
):
    return loans.loan_apply(
        actor=actor or world.users["credit_officer"],
        household=household or world.household,
        amount=D(amount),
        purpose="industry",
        term_months=term,
        method=method,
    )


def disbursed(
    world,
    *,
    household=None,
    amount="50000",
    term=12,
    method="equal_instalments",
    on: date | None = None,
    number: str = "JJ2025001",
):
    officer = world.users["credit_officer"]
    application = applied(world, household=household, amount=amount, term=term, method=method)
    loans.loan_decide(actor=officer, application=application, grant=True)
    application.refresh_from_db()
    if on is not None and on < timezone.localdate():
        # a loan of the past: decided before it was disbursed
        type(application).objects.filter(pk=application.pk).update(
            decided_at=timezone.now() - timedelta(days=(timezone.localdate() - on).days + 1),
            applied_at=timezone.now() - timedelta(days=(timezone.localdate() - on).days + 2),
        )
        application.refresh_from_db()
    return loans.loan_disburse(
        actor=officer,
        application=application,
        disbursed_on=on or timezone.localdate(),
        bank_loan_number=number,
    )
