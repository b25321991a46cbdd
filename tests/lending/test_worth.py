"""Interest saved against the standard rate (lending/worth.py), by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanxin.lending.worth import (
    STANDARD_RATE,
    LoanTerms,
    interest_saved,
    interest_saved_total,
    interest_total,
    schedule_method,
)


def test_interest_monthly_a_year_by_hand():
    # 100,000 yuan from 15 January 2026 for 12 months, interest monthly (actual/360).
    # The periods: seven of 31 days, four of 30, one of 28 (15 Feb → 15 Mar).
    # At 4.75%: a day is 100000 × 4.75% ÷ 360 = 13.19444…
    #   31 days 409.03, 30 days 395.83, 28 days 369.44
    #   7 × 409.03 + 4 × 395.83 + 369.44 = 4,815.97
    # At 7.5%: a day is 20.8333…: 31 days 645.83, 30 days 625.00, 28 days 583.33
    #   7 × 645.83 + 4 × 625.00 + 583.33 = 7,604.14
    loan = LoanTerms(
        Decimal("100000.00"), Decimal("4.75"), date(2026, 1, 15), 12, "interest_monthly"
    )
    common = dict(principal=loan.principal, disbursed_on=loan.disbursed_on, term_months=12)
    assert interest_total(annual_rate=Decimal("4.75"), method="interest_monthly", **common) == (
        Decimal("4815.97")
    )
    assert interest_total(annual_rate=STANDARD_RATE, method="interest_monthly", **common) == (
        Decimal("7604.14")
    )
    assert interest_saved(loan) == Decimal("2788.17")


def test_equal_instalments_two_months_by_hand():
    # 10,000 yuan for 2 months, equal instalments, monthly rate = annual ÷ 12.
    # At 7.5%: r = 0.00625, A = P·r·(1+r)² ÷ ((1+r)² − 1) = 5,046.88 (rounded);
    #   month 1 interest 62.50, principal 4,984.38; month 2 interest
    #   5,015.62 × 0.00625 = 31.35 (31.3476…) → 93.85 in all.
    # At 4.75%: r = 0.0039583…, month 1 interest 39.58 (39.583…);
    #   A = 5,029.71 → principal 4,990.13; month 2 interest 5,009.87 × r = 19.83
    #   (19.8307…) → 59.41 in all. Saved: 93.85 − 59.41 = 34.44.
    def cent(x: Fraction) -> Fraction:  # to 分, half up
        return Fraction(int((x * 100 + Fraction(1, 2)) // 1), 100)

    def by_fractions(rate: Fraction) -> Decimal:
        r = rate / 100 / 12
        p = Fraction(10000)
        a = cent(p * r * (1 + r) ** 2 / ((1 + r) ** 2 - 1))
        i1 = cent(p * r)
        i2 = cent((p - (a - i1)) * r)
        return Decimal((i1 + i2).numerator) / Decimal((i1 + i2).denominator)

    assert by_fractions(Fraction(75, 10)) == Decimal("93.85")
    assert by_fractions(Fraction(475, 100)) == Decimal("59.41")
    loan = LoanTerms(Decimal("10000"), Decimal("4.75"), date(2026, 3, 31), 2, "equal_instalments")
    assert interest_saved(loan) == Decimal("34.44")


def test_standard_rate_saves_nothing_and_a_dearer_rate_costs():
    at_standard = LoanTerms(
        Decimal("50000"), Decimal("7.5"), date(2026, 5, 1), 6, "interest_monthly"
    )
    assert interest_saved(at_standard) == 0
    dearer = LoanTerms(Decimal("50000"), Decimal("7.5"), date(2026, 5, 1), 6, "interest_monthly")
    assert interest_saved(dearer, standard_rate=Decimal("4.75")) < 0


def test_the_standard_rate_is_the_policy_s():
    loan = LoanTerms(
        Decimal("100000.00"), Decimal("4.75"), date(2026, 1, 15), 12, "interest_monthly"
    )
    # at a standard of 6%: a day 16.6666…; 31 days 516.67, 30 days 500.00, 28 days 466.67
    # 7 × 516.67 + 4 × 500.00 + 466.67 = 6,083.36; − 4,815.97 = 1,267.39
    assert interest_saved(loan, standard_rate=Decimal("6")) == Decimal("1267.39")


def test_total_over_loans_and_the_interface():
    calls = []

    def flat(*, principal, annual_rate, disbursed_on, term_months, method):
        calls.append(method)
        return (principal * annual_rate * term_months / 1200).quantize(Decimal("0.01"))

    loans = [
        LoanTerms(Decimal("1200"), Decimal("4.75"), date(2026, 1, 1), 12, "equal_instalments"),
        LoanTerms(Decimal("2400"), Decimal("7.5"), date(2026, 1, 1), 6, "interest_monthly"),
    ]
    # 1200 × (7.5 − 4.75)% = 33.00; the second is at the standard rate
    assert interest_saved_total(loans, total=flat) == Decimal("33.00")
    assert calls == ["equal_instalments", "equal_instalments"]


def test_unknown_method_is_refused():
    with pytest.raises(ValueError):
        schedule_method("balloon")


@given(
    principal=st.integers(100, 300_000).map(lambda n: Decimal(n)),
    rate=st.sampled_from([Decimal("0"), Decimal("3.85"), Decimal("4.75"), Decimal("6.2")]),
    term=st.integers(1, 60),
    method=st.sampled_from(["interest_monthly", "equal_instalments"]),
    day=st.dates(date(2024, 1, 1), date(2028, 12, 31)),
)
def test_a_lower_rate_never_costs_more(principal, rate, term, method, day):
    saved = interest_saved(LoanTerms(principal, rate, day, term, method))
    assert saved >= 0
    assert saved == saved.quantize(Decimal("0.01"))
