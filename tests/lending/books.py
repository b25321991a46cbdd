"""A small loan book written straight into the lending tables, for the report tests:
the reports read records, so the tests lay the records down directly (the services
that write them have their own tests). Schedules come from the pure schedule module,
as the disbursement service makes them."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from itertools import count

from django.utils import timezone

from sanxin.lending.models import (
    CreditLine,
    CreditPolicy,
    Instalment,
    Loan,
    LoanApplication,
    Repayment,
)
from sanxin.lending.schedule import Instalment as Planned
from sanxin.lending.schedule import build_schedule, split_payment
from sanxin.ratings.models import Cycle

_numbers = count(1)


def moment(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=timezone.get_default_timezone())


def policy(district, *, on: date = date(2020, 1, 1)) -> CreditPolicy:
    found = CreditPolicy.objects.filter(district=district).first()
    if found is not None:
        return found
    return CreditPolicy.objects.create(
        district=district, version=1, effective_from=on, published_at=moment(on)
    )


def cycle(village, period: str = "2025") -> Cycle:
    found = Cycle.objects.filter(village=village, period=period).first()
    if found is not None:
        return found
    return Cycle.objects.create(
        village=village,
        period=period,
        cut_off=date(int(period), 10, 20),
        state="final",
        finalised_at=moment(date(int(period), 11, 3)),
    )


def line(
    household,
    *,
    grade: str = "4A",
    amount: str = "150000",
    rate: str = "4.75",
    granted_on: date = date(2025, 11, 4),
    period: str = "2025",
    status: str = "granted",
) -> CreditLine:
    village = household.village
    district = village.parent.parent
    amount_d, rate_d = Decimal(amount), Decimal(rate)
    return CreditLine.objects.create(
        household=household,
        village=village,
        cycle=cycle(village, period),
        policy=policy(district),
        reference=f"SX{next(_numbers):06d}",
        grade=grade,
        policy_amount=amount_d,
        policy_rate=rate_d,
        granted_amount=amount_d,
        granted_rate=rate_d,
        current_grade=grade,
        amount=amount_d if status != "suspended" else Decimal("0"),
        annual_rate=rate_d,
        status=status,
        valid_until=date(granted_on.year + 1, 11, 3),
        granted_at=moment(granted_on),
    )


def loan(
    credit_line: CreditLine,
    *,
    principal: str,
    on: date,
    term: int = 12,
    method: str = "interest_monthly",
    rate: str | None = None,
    standard: str = "7.5",
    actor=None,
) -> Loan:
    rate_d = Decimal(rate) if rate is not None else credit_line.annual_rate
    household = credit_line.household
    actor = actor or _someone()
    application = LoanApplication.objects.create(
        household=household,
        credit_line=credit_line,
        amount=Decimal(principal),
        purpose="industry",
        term_months=term,
        method=method,
        status="granted",
        applied_by=actor,
        applied_at=moment(on),
        decided_by=actor,
        decided_at=moment(on),
    )
    plan = build_schedule(
        principal=Decimal(principal),
        annual_rate=rate_d,
        disbursed_on=on,
        term_months=term,
        method=method,
    )
    made = Loan.objects.create(
        application=application,
        household=household,
        credit_line=credit_line,
        policy=credit_line.policy,
        principal=Decimal(principal),
        disbursed_on=on,
        term_months=term,
        annual_rate=rate_d,
        standard_rate=Decimal(standard),
        method=method,
        maturity_on=plan.maturity,
        bank_loan_number=f"JJ{next(_numbers):08d}",
        disbursed_by=actor,
        recorded_at=moment(on),
    )
    Instalment.objects.bulk_create(
        Instalment(
            loan=made,
            number=i.number,
            due_on=i.due_date,
            principal=i.principal,
            interest=i.interest,
        )
        for i in plan.instalments
    )
    return made


def pay(made: Loan, *, on: date, amount: str) -> Repayment:
    planned = [
        Planned(i.number, i.due_on, i.principal, i.interest)
        for i in made.instalments.order_by("number")
    ]
    before = sum((r.amount for r in made.repayments.all()), Decimal("0"))
    interest, principal = split_payment(planned, before, Decimal(amount))
    return Repayment.objects.create(
        loan=made,
        paid_on=on,
        amount=Decimal(amount),
        principal_part=principal,
        interest_part=interest,
        source="manual",
        bank_reference=f"LS{next(_numbers):08d}",
        recorded_at=moment(on),
    )


def pay_due(made: Loan, *, until: date) -> None:
    """Every instalment due by `until`, paid on its due date."""
    for i in made.instalments.filter(due_on__lte=until).order_by("number"):
        pay(made, on=i.due_on, amount=str(i.principal + i.interest))


def _someone():
    from sanxin.accounts.models import User

    return User.objects.filter(username="credit_officer").first() or User.objects.first()
