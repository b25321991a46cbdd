"""What the credit reward is worth: the interest a household saves over a loan's life
compared with the standard rate, pure Python.

Interest saved = the interest of the loan's schedule at the standard rate − the
interest of its schedule at the rate it was granted at, both schedules built by
`schedule.build_schedule` for the same principal, disbursement date, term and
repayment method. It is the *contractual* saving (the schedules as agreed, whether or
not the loan is repaid yet, early or late), exact to 分 because each schedule's interest
is a sum of amounts already rounded to 分 (ROUND_HALF_UP, once per instalment) — no
further rounding. The standard rate is the policy's `standard_rate` (7.5% by default);
a loan at the standard rate saves 0, one above it a negative amount (shown as it is).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from sanxin.lending.schedule import ZERO, Method, build_schedule

STANDARD_RATE = Decimal("7.5")  # percent a year: the credit union's standard rate


def schedule_method(method: str) -> Method:
    """The schedule's method for a stored repayment method (the same names)."""
    try:
        return Method(str(method))
    except ValueError:
        raise ValueError(f"{method!r} is not a repayment method") from None


class InterestTotal(Protocol):
    def __call__(
        self,
        *,
        principal: Decimal,
        annual_rate: Decimal,
        disbursed_on: date,
        term_months: int,
        method: str,
    ) -> Decimal: ...


def interest_total(
    *, principal: Decimal, annual_rate: Decimal, disbursed_on: date, term_months: int, method: str
) -> Decimal:
    """The total interest of the loan's schedule (annual_rate in percent)."""
    return build_schedule(
        principal=principal,
        annual_rate=annual_rate,
        disbursed_on=disbursed_on,
        term_months=term_months,
        method=schedule_method(method),
    ).total_interest


@dataclass(frozen=True)
class LoanTerms:
    """What decides a loan's interest."""

    principal: Decimal
    annual_rate: Decimal  # percent
    disbursed_on: date
    term_months: int
    method: str


def interest_saved(
    loan: LoanTerms,
    *,
    standard_rate: Decimal = STANDARD_RATE,
    total: InterestTotal = interest_total,
) -> Decimal:
    """The interest saved over the loan's life against `standard_rate`, in yuan to 分."""
    if Decimal(loan.annual_rate) == Decimal(standard_rate):
        return ZERO
    terms = {
        "principal": loan.principal,
        "disbursed_on": loan.disbursed_on,
        "term_months": loan.term_months,
        "method": loan.method,
    }
    return total(annual_rate=standard_rate, **terms) - total(annual_rate=loan.annual_rate, **terms)


def interest_saved_total(
    loans: Iterable[LoanTerms],
    *,
    standard_rate: Decimal = STANDARD_RATE,
    total: InterestTotal = interest_total,
) -> Decimal:
    return sum((interest_saved(x, standard_rate=standard_rate, total=total) for x in loans), ZERO)
