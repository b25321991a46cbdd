"""Repayment schedules and days past due: pure Python (no Django), Decimal yuan.

Two repayment methods (`Method`):

- **按月付息、到期还本** (interest monthly, principal at maturity): each period's interest
  is the principal × the annual rate × the period's *actual* number of days ÷
  `DAY_COUNT_BASIS` (360: the daily rate is the annual rate ÷ 360, the convention of
  Chinese banks' 日利率); the whole principal falls due with the last instalment.
- **等额本息** (equal instalments): the monthly rate is the annual rate ÷ 12 whatever
  the length of the month (the bank's convention for annuities); the instalment is
  A = P·r·(1+r)^n ÷ ((1+r)^n − 1), rounded to 分. Each period's interest is the
  outstanding principal × r, rounded to 分, its principal part A − interest; the last
  instalment takes the whole remaining principal (it absorbs the rounding residue, so
  the principal parts add up to the principal exactly) with its own interest.

Due dates fall on the disbursement's day of the month, k months after it, clamped to
the end of shorter months (disbursed 31 January: 28 or 29 February, 31 March,
30 April…) — always counted from the disbursement date, never from the previous
(clamped) due date. Every rounding is to 分 with ROUND_HALF_UP, once per amount.

Allocation of repayments (`allocate`): repayments in date order (then in the order
given), each split over the instalments oldest first, and within an instalment its
interest before its principal; an amount beyond the whole schedule is kept as
`surplus`. Days past due on a day D: D − the due date of the oldest instalment not
fully paid by repayments made on or before D, when that date is before D; otherwise
0 (an instalment due today is not yet overdue). Penalty interest (罚息) is the
bank's business and is not computed here.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum

DAY_COUNT_BASIS = 360  # days in the year for the daily rate of 按月付息 (actual/360)
MONTHS_IN_YEAR = 12  # the monthly rate of 等额本息 is the annual rate ÷ 12
MAX_TERM_MONTHS = 360
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class Method(StrEnum):
    INTEREST_MONTHLY = "interest_monthly"  # 按月付息、到期还本
    EQUAL_INSTALMENTS = "equal_instalments"  # 等额本息


def to_cent(value: Decimal) -> Decimal:
    """Rounded to 分, ROUND_HALF_UP (the one rounding rule of schedules)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Instalment:
    number: int  # 1-based
    due_date: date
    principal: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


@dataclass(frozen=True)
class Schedule:
    principal: Decimal
    annual_rate: Decimal  # percent, e.g. 4.75
    disbursed_on: date
    term_months: int
    method: Method
    instalments: tuple[Instalment, ...]

    @property
    def total_interest(self) -> Decimal:
        return sum((i.interest for i in self.instalments), ZERO)

    @property
    def total(self) -> Decimal:
        return self.principal + self.total_interest

    @property
    def maturity(self) -> date:
        return self.instalments[-1].due_date


def add_months(start: date, months: int) -> date:
    """`start` moved by `months` calendar months, its day clamped to the month's end."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due_dates(disbursed_on: date, term_months: int) -> list[date]:
    return [add_months(disbursed_on, k) for k in range(1, term_months + 1)]


def build_schedule(
    *,
    principal: Decimal,
    annual_rate: Decimal,
    disbursed_on: date,
    term_months: int,
    method: Method | str,
) -> Schedule:
    """The exact schedule of a loan. `principal` in yuan (at most 分), `annual_rate` in
    percent (0 ≤ rate < 100), `term_months` from 1 to MAX_TERM_MONTHS."""
    method = Method(method)
    principal = Decimal(principal)
    annual_rate = Decimal(annual_rate)
    if principal <= 0 or principal != principal.quantize(CENT):
        raise ValueError("principal must be a positive amount in 分")
    if not (0 <= annual_rate < 100):
        raise ValueError("annual rate must be a percentage from 0 to below 100")
    if not (1 <= term_months <= MAX_TERM_MONTHS):
        raise ValueError(f"term must be 1 to {MAX_TERM_MONTHS} months")
    principal = principal.quantize(CENT)
    dates = due_dates(disbursed_on, term_months)
    if method is Method.INTEREST_MONTHLY:
        rows = _interest_only(principal, annual_rate, disbursed_on, dates)
    else:
        rows = _equal_instalments(principal, annual_rate, dates)
    return Schedule(
        principal=principal,
        annual_rate=annual_rate,
        disbursed_on=disbursed_on,
        term_months=term_months,
        method=method,
        instalments=tuple(rows),
    )


def _interest_only(
    principal: Decimal, annual_rate: Decimal, start: date, dates: Sequence[date]
) -> list[Instalment]:
    rows = []
    previous = start
    for number, due in enumerate(dates, start=1):
        days = (due - previous).days
        with localcontext() as ctx:
            ctx.prec = 40
            interest = to_cent(principal * annual_rate * days / (100 * DAY_COUNT_BASIS))
        last = number == len(dates)
        rows.append(Instalment(number, due, principal if last else ZERO, interest))
        previous = due
    return rows


def annuity_payment(principal: Decimal, annual_rate: Decimal, term_months: int) -> Decimal:
    """The 等额本息 instalment, rounded to 分."""
    with localcontext() as ctx:
        ctx.prec = 50
        rate = annual_rate / (100 * MONTHS_IN_YEAR)
        if rate == 0:
            return to_cent(principal / term_months)
        growth = (1 + rate) ** term_months
        return to_cent(principal * rate * growth / (growth - 1))


def _equal_instalments(
    principal: Decimal, annual_rate: Decimal, dates: Sequence[date]
) -> list[Instalment]:
    payment = annuity_payment(principal, annual_rate, len(dates))
    rows = []
    outstanding = principal
    for number, due in enumerate(dates, start=1):
        with localcontext() as ctx:
            ctx.prec = 40
            interest = to_cent(outstanding * annual_rate / (100 * MONTHS_IN_YEAR))
        if number == len(dates):
            part = outstanding
        else:
            # never below nothing nor beyond what is left (only tiny loans get near)
            part = max(ZERO, min(payment - interest, outstanding))
        rows.append(Instalment(number, due, part, interest))
        outstanding -= part
    return rows


# --- repayments and days past due -------------------------------------------------


@dataclass(frozen=True)
class Payment:
    paid_on: date
    amount: Decimal


@dataclass(frozen=True)
class InstalmentState:
    instalment: Instalment
    interest_paid: Decimal
    principal_paid: Decimal
    paid_off_on: date | None  # the date of the repayment that completed it

    @property
    def interest_due(self) -> Decimal:
        return self.instalment.interest - self.interest_paid

    @property
    def principal_due(self) -> Decimal:
        return self.instalment.principal - self.principal_paid

    @property
    def remaining(self) -> Decimal:
        return self.interest_due + self.principal_due

    @property
    def paid(self) -> bool:
        return self.remaining == 0


@dataclass(frozen=True)
class Allocation:
    as_of: date
    states: tuple[InstalmentState, ...]
    surplus: Decimal  # paid beyond the whole schedule

    @property
    def principal_outstanding(self) -> Decimal:
        return sum((s.principal_due for s in self.states), ZERO)

    @property
    def oldest_unpaid(self) -> InstalmentState | None:
        return next((s for s in self.states if not s.paid), None)

    @property
    def overdue_amount(self) -> Decimal:
        """What fell due before `as_of` and is still unpaid (interest and principal)."""
        return sum((s.remaining for s in self.states if s.instalment.due_date < self.as_of), ZERO)

    @property
    def days_past_due(self) -> int:
        oldest = self.oldest_unpaid
        if oldest is None or oldest.instalment.due_date >= self.as_of:
            return 0
        return (self.as_of - oldest.instalment.due_date).days

    @property
    def settled(self) -> bool:
        return self.oldest_unpaid is None


def allocate(
    instalments: Sequence[Instalment], payments: Iterable[Payment], as_of: date
) -> Allocation:
    """The schedule's state on `as_of`, counting the payments made on or before it,
    allocated oldest instalment first, interest before principal."""
    interest_paid = [ZERO] * len(instalments)
    principal_paid = [ZERO] * len(instalments)
    paid_off: list[date | None] = [None] * len(instalments)
    surplus = ZERO
    index = 0
    counted = sorted((p for p in payments if p.paid_on <= as_of), key=lambda p: p.paid_on)
    for payment in counted:
        if payment.amount < 0:
            raise ValueError("a repayment is never negative")
        left = payment.amount
        while left > 0 and index < len(instalments):
            inst = instalments[index]
            take = min(left, inst.interest - interest_paid[index])
            interest_paid[index] += take
            left -= take
            take = min(left, inst.principal - principal_paid[index])
            principal_paid[index] += take
            left -= take
            if interest_paid[index] == inst.interest and principal_paid[index] == inst.principal:
                paid_off[index] = payment.paid_on
                index += 1
        surplus += left
    # an instalment of nothing (0% interest before maturity) counts as paid: `paid`
    # looks at what remains, not at paid_off_on
    states = tuple(
        InstalmentState(inst, interest_paid[i], principal_paid[i], paid_off[i])
        for i, inst in enumerate(instalments)
    )
    return Allocation(as_of=as_of, states=states, surplus=surplus)


def days_past_due(
    instalments: Sequence[Instalment], payments: Iterable[Payment], as_of: date
) -> int:
    """Days since the oldest instalment not fully paid on `as_of` fell due (0 if none)."""
    return allocate(instalments, payments, as_of).days_past_due


def paid_parts(instalments: Sequence[Instalment], total: Decimal) -> tuple[Decimal, Decimal]:
    """(interest, principal) that `total` paid so far covers, allocated as above. The
    allocation is sequential, so it depends on the total only, not on the dates."""
    interest = principal = ZERO
    left = total
    for inst in instalments:
        take = min(left, inst.interest)
        interest += take
        left -= take
        take = min(left, inst.principal)
        principal += take
        left -= take
        if left <= 0:
            break
    return interest, principal


def split_payment(
    instalments: Sequence[Instalment], paid_before: Decimal, amount: Decimal
) -> tuple[Decimal, Decimal]:
    """(interest part, principal part) of a payment of `amount` made after
    `paid_before` had been paid; what lies beyond the schedule is in neither."""
    before = paid_parts(instalments, paid_before)
    after = paid_parts(instalments, paid_before + amount)
    return after[0] - before[0], after[1] - before[1]
