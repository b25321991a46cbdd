"""Repayment schedules against independent calculations: literal figures worked by
hand, and a second implementation in exact fractions (no Decimal contexts, its own
calendar) that the properties compare with."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sanxin.lending.schedule import (
    DAY_COUNT_BASIS,
    Instalment,
    Method,
    Payment,
    add_months,
    allocate,
    build_schedule,
    days_past_due,
)

D = Decimal
IO = Method.INTEREST_MONTHLY
EQ = Method.EQUAL_INSTALMENTS


# --- an independent implementation ---------------------------------------------------


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _month_length(year: int, month: int) -> int:
    if month == 2:
        return 29 if _leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _due(start: date, k: int) -> date:
    year, month = start.year, start.month
    for _ in range(k):
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return date(year, month, min(start.day, _month_length(year, month)))


def _cents(x: Fraction) -> int:
    """x yuan (≥ 0) in 分, half up, by integer arithmetic."""
    scaled = x * 100
    return (scaled.numerator * 2 + scaled.denominator) // (2 * scaled.denominator)


def _yuan(cents: int) -> Decimal:
    return D(cents) / 100


def expected(principal: Decimal, rate: Decimal, start: date, n: int, method: Method):
    """(due date, principal, interest) of each instalment, in exact fractions."""
    p = Fraction(principal)
    annual = Fraction(rate) / 100
    dues = [_due(start, k) for k in range(1, n + 1)]
    rows = []
    if method is IO:
        previous = start
        for k, due in enumerate(dues, start=1):
            interest = _cents(p * annual * (due - previous).days / DAY_COUNT_BASIS)
            rows.append((due, _yuan(_cents(p)) if k == n else D("0.00"), _yuan(interest)))
            previous = due
        return rows
    r = annual / 12
    if r == 0:
        a = _cents(p / n)
    else:
        g = (1 + r) ** n
        a = _cents(p * r * g / (g - 1))
    left = _cents(p)
    for k, due in enumerate(dues, start=1):
        interest = _cents(Fraction(left, 100) * r)
        part = left if k == n else max(0, min(a - interest, left))
        rows.append((due, _yuan(part), _yuan(interest)))
        left -= part
    return rows


def rows_of(schedule):
    return [(i.due_date, i.principal, i.interest) for i in schedule.instalments]


# --- fixed examples ------------------------------------------------------------------


def test_interest_monthly_leap_february_from_the_31st():
    s = build_schedule(
        principal=D("100000"),
        annual_rate=D("4.75"),
        disbursed_on=date(2024, 1, 31),
        term_months=3,
        method=IO,
    )
    # 100000 × 4.75% = 4750 a year; daily 4750/360:
    # 31 Jan → 29 Feb: 29 days, 4750 × 29 / 360 = 382.638… → 382.64
    # 29 Feb → 31 Mar: 31 days, 409.027… → 409.03; 31 Mar → 30 Apr: 30 days, 395.833… → 395.83
    assert rows_of(s) == [
        (date(2024, 2, 29), D("0.00"), D("382.64")),
        (date(2024, 3, 31), D("0.00"), D("409.03")),
        (date(2024, 4, 30), D("100000.00"), D("395.83")),
    ]
    assert s.total_interest == D("1187.50")
    assert s.maturity == date(2024, 4, 30)


def test_interest_monthly_common_year_february():
    s = build_schedule(
        principal=D("50000"),
        annual_rate=D("7.5"),
        disbursed_on=date(2023, 1, 31),
        term_months=2,
        method=IO,
    )
    # 50000 × 7.5% = 3750 a year: 28 days → 291.666… → 291.67; 31 days → 322.916… → 322.92
    assert rows_of(s) == [
        (date(2023, 2, 28), D("0.00"), D("291.67")),
        (date(2023, 3, 31), D("50000.00"), D("322.92")),
    ]


def test_one_month_terms():
    io = build_schedule(
        principal=D("36000"),
        annual_rate=D("4.75"),
        disbursed_on=date(2025, 6, 15),
        term_months=1,
        method=IO,
    )
    # 30 days: 36000 × 0.0475 × 30 / 360 = 142.50
    assert rows_of(io) == [(date(2025, 7, 15), D("36000.00"), D("142.50"))]
    eq = build_schedule(
        principal=D("36000"),
        annual_rate=D("4.75"),
        disbursed_on=date(2025, 6, 15),
        term_months=1,
        method=EQ,
    )
    # one instalment: the principal and one month at 4.75/12 %: 36000 × 0.0475 / 12 = 142.50
    assert rows_of(eq) == [(date(2025, 7, 15), D("36000.00"), D("142.50"))]


def test_equal_instalments_a_year_at_the_standard_rate():
    s = build_schedule(
        principal=D("120000"),
        annual_rate=D("7.5"),
        disbursed_on=date(2024, 1, 31),
        term_months=12,
        method=EQ,
    )
    # r = 0.075/12 = 0.00625; A = 120000·r·(1+r)^12 / ((1+r)^12 − 1) = 10410.885… → 10410.89
    # first month: interest 120000 × 0.00625 = 750.00, principal 10410.89 − 750 = 9660.89
    first = s.instalments[0]
    assert (first.due_date, first.principal, first.interest) == (
        date(2024, 2, 29),
        D("9660.89"),
        D("750.00"),
    )
    assert all(i.total == D("10410.89") for i in s.instalments[:-1])
    assert sum(i.principal for i in s.instalments) == D("120000.00")
    assert [i.due_date for i in s.instalments][:4] == [
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
    ]
    assert rows_of(s) == expected(D("120000"), D("7.5"), date(2024, 1, 31), 12, EQ)


@pytest.mark.parametrize("n", [7, 13])
@pytest.mark.parametrize("method", [IO, EQ])
def test_odd_terms_match_the_fraction_calculation(n, method):
    s = build_schedule(
        principal=D("150000"),
        annual_rate=D("4.75"),
        disbursed_on=date(2023, 8, 31),
        term_months=n,
        method=method,
    )
    assert len(s.instalments) == n
    assert rows_of(s) == expected(D("150000"), D("4.75"), date(2023, 8, 31), n, method)
    assert sum(i.principal for i in s.instalments) == D("150000.00")


def test_thirteen_months_of_equal_instalments_by_hand():
    s = build_schedule(
        principal=D("13000"),
        annual_rate=D("6"),
        disbursed_on=date(2023, 12, 31),
        term_months=13,
        method=EQ,
    )
    # r = 0.005; (1.005)^13 = 1.0669863…; A = 13000 × 0.005 × 1.0669863 / 0.0669863 = 1035.35
    assert s.instalments[0].total == D("1035.35")
    assert s.instalments[0].interest == D("65.00")  # 13000 × 0.005
    # due on the 31st where the month has one, else its last day; Feb 2024 is a leap month
    assert [i.due_date for i in s.instalments][:3] == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
    ]
    assert s.instalments[-1].due_date == date(2025, 1, 31)


def test_seven_months_interest_monthly_day_counts():
    s = build_schedule(
        principal=D("72000"),
        annual_rate=D("3.6"),
        disbursed_on=date(2024, 8, 31),
        term_months=7,
        method=IO,
    )
    # daily interest 72000 × 0.036 / 360 = 7.20 exactly; days 30, 31, 30, 31, 31, 28, 31
    assert [i.interest for i in s.instalments] == [
        D("216.00"),
        D("223.20"),
        D("216.00"),
        D("223.20"),
        D("223.20"),
        D("201.60"),
        D("223.20"),
    ]
    assert [i.due_date for i in s.instalments][-2:] == [date(2025, 2, 28), date(2025, 3, 31)]


def test_zero_rate_and_bad_inputs():
    s = build_schedule(
        principal=D("1000"),
        annual_rate=D("0"),
        disbursed_on=date(2025, 1, 1),
        term_months=3,
        method=EQ,
    )
    assert [i.total for i in s.instalments] == [D("333.33"), D("333.33"), D("333.34")]
    for kwargs in (
        {"principal": D("0")},
        {"principal": D("-5")},
        {"principal": D("1.001")},
        {"annual_rate": D("-1")},
        {"annual_rate": D("100")},
        {"term_months": 0},
        {"term_months": 361},
    ):
        args = {
            "principal": D("1000"),
            "annual_rate": D("5"),
            "disbursed_on": date(2025, 1, 1),
            "term_months": 12,
            "method": IO,
        } | kwargs
        with pytest.raises(ValueError):
            build_schedule(**args)


def test_add_months_clamps_from_the_original_day():
    start = date(2023, 1, 31)
    assert [add_months(start, k) for k in range(0, 5)] == [
        date(2023, 1, 31),
        date(2023, 2, 28),
        date(2023, 3, 31),
        date(2023, 4, 30),
        date(2023, 5, 31),
    ]
    assert add_months(date(2099, 12, 29), 2) == date(2100, 2, 28)  # 2100 is no leap year
    assert add_months(date(2099, 12, 29), 14) == date(2101, 2, 28)
    assert add_months(date(1999, 12, 29), 2) == date(2000, 2, 29)


# --- properties ----------------------------------------------------------------------

principals = st.integers(min_value=100_00, max_value=500_000_00).map(lambda c: D(c) / 100)
rates = st.integers(min_value=0, max_value=2400).map(lambda bp: D(bp) / 100)
starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
terms = st.integers(min_value=1, max_value=120)
methods = st.sampled_from(list(Method))


@settings(max_examples=150, deadline=None)
@given(principals, rates, starts, terms, methods)
def test_schedule_properties(principal, rate, start, n, method):
    s = build_schedule(
        principal=principal, annual_rate=rate, disbursed_on=start, term_months=n, method=method
    )
    parts = s.instalments
    assert len(parts) == n
    assert sum(i.principal for i in parts) == principal  # to the 分
    assert all(i.principal >= 0 and i.interest >= 0 for i in parts)
    assert all(i.principal == i.principal.quantize(D("0.01")) for i in parts)
    assert all(i.interest == i.interest.quantize(D("0.01")) for i in parts)
    dates = [start] + [i.due_date for i in parts]
    assert all(a < b for a, b in zip(dates, dates[1:], strict=False))
    assert all(i.due_date.day == min(start.day, _month_length(*_ym(i.due_date))) for i in parts)
    if method is EQ and n > 1:
        totals = {i.total for i in parts[:-1]}
        assert len(totals) == 1
        # the last differs from the others only by the instalment's rounding (at most
        # half a 分 a month) carried through the term with its interest
        r = Fraction(rate) / 1200
        growth = n if r == 0 else ((1 + r) ** n - 1) / r
        assert abs(Fraction(parts[-1].total - totals.pop())) <= Fraction(
            1, 200
        ) * growth + Fraction(1, 100)
    # interest: the same as an exact recomputation in fractions, instalment by instalment
    assert rows_of(s) == expected(principal, rate, start, n, method)
    assert s.total_interest == sum(
        (r[2] for r in expected(principal, rate, start, n, method)), D(0)
    )


def _ym(d: date) -> tuple[int, int]:
    return d.year, d.month


@settings(max_examples=60, deadline=None)
@given(principals, rates, starts, st.integers(min_value=1, max_value=36))
def test_interest_only_total_is_the_day_count_interest(principal, rate, start, n):
    s = build_schedule(
        principal=principal, annual_rate=rate, disbursed_on=start, term_months=n, method=IO
    )
    days = (s.maturity - start).days
    exact = Fraction(principal) * Fraction(rate) / 100 * days / DAY_COUNT_BASIS
    # each instalment is rounded once, so the total is within half a 分 per instalment
    assert abs(Fraction(s.total_interest) - exact) <= Fraction(n, 200)


# --- allocation and days past due -----------------------------------------------------


def _three():
    return [
        Instalment(1, date(2025, 1, 10), D("100.00"), D("10.00")),
        Instalment(2, date(2025, 2, 10), D("100.00"), D("8.00")),
        Instalment(3, date(2025, 3, 10), D("100.00"), D("6.00")),
    ]


def test_nothing_paid():
    sched = _three()
    assert days_past_due(sched, [], date(2025, 1, 10)) == 0  # due today is not overdue
    assert days_past_due(sched, [], date(2025, 1, 11)) == 1
    assert days_past_due(sched, [], date(2025, 3, 11)) == 60  # from the oldest, 10 Jan


def test_interest_first_then_principal_oldest_first():
    sched = _three()
    a = allocate(sched, [Payment(date(2025, 1, 10), D("50.00"))], date(2025, 1, 20))
    first = a.states[0]
    assert (first.interest_paid, first.principal_paid) == (D("10.00"), D("40.00"))
    assert a.days_past_due == 10
    assert a.overdue_amount == D("60.00")
    # paying the rest late clears it; the next instalment is not yet due
    a = allocate(
        sched,
        [Payment(date(2025, 1, 10), D("50.00")), Payment(date(2025, 1, 25), D("70.00"))],
        date(2025, 1, 26),
    )
    assert a.states[0].paid and a.states[0].paid_off_on == date(2025, 1, 25)
    assert a.states[1].interest_paid == D("8.00") and a.states[1].principal_paid == D("2.00")
    assert a.days_past_due == 0
    assert a.principal_outstanding == D("198.00")


def test_payments_after_the_day_do_not_count_and_order_is_by_date():
    sched = _three()
    pays = [Payment(date(2025, 2, 20), D("118.00")), Payment(date(2025, 1, 5), D("110.00"))]
    assert days_past_due(sched, pays, date(2025, 2, 15)) == 5  # only January's is paid
    assert days_past_due(sched, pays, date(2025, 2, 20)) == 0


def test_overpayment_is_surplus_and_settles():
    sched = _three()
    a = allocate(sched, [Payment(date(2025, 1, 1), D("400.00"))], date(2025, 1, 2))
    assert a.settled and a.surplus == D("76.00") and a.principal_outstanding == D("0.00")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 400), st.integers(0, 300_00)),
        max_size=12,
    ),
    st.integers(0, 500),
)
def test_allocation_properties(raw, day):
    s = build_schedule(
        principal=D("3000"),
        annual_rate=D("4.75"),
        disbursed_on=date(2025, 1, 31),
        term_months=12,
        method=EQ,
    )
    start = date(2025, 1, 31)
    pays = [Payment(start + timedelta(days=d), D(c) / 100) for d, c in raw]
    as_of = start + timedelta(days=day)
    a = allocate(s.instalments, pays, as_of)
    counted = sum((p.amount for p in pays if p.paid_on <= as_of), D(0))
    applied = sum((st_.interest_paid + st_.principal_paid for st_ in a.states), D(0))
    assert applied + a.surplus == counted  # nothing lost, nothing invented
    assert all(x.remaining >= 0 for x in a.states)
    # allocation is oldest first: no instalment is touched before the previous is paid
    for prev, nxt in zip(a.states, a.states[1:], strict=False):
        if nxt.interest_paid + nxt.principal_paid > 0:
            assert prev.paid
    dpd = a.days_past_due
    assert dpd >= 0
    if dpd:
        assert as_of - timedelta(days=dpd) == a.oldest_unpaid.instalment.due_date
    # paying more never makes a loan more overdue
    extra = allocate(s.instalments, [*pays, Payment(as_of, D("100.00"))], as_of)
    assert extra.days_past_due <= dpd


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(1, 150_00), min_size=1, max_size=10))
def test_split_agrees_with_the_allocation(raw):
    from sanxin.lending.schedule import split_payment

    sched = _three()
    amounts = [D(c) / 100 for c in raw]
    paid = D(0)
    interest = principal = D(0)
    for amount in amounts:
        i, p = split_payment(sched, paid, amount)
        assert i >= 0 and p >= 0 and i + p <= amount
        interest, principal, paid = interest + i, principal + p, paid + amount
    a = allocate(sched, [Payment(date(2025, 1, 1), x) for x in amounts], date(2025, 1, 1))
    assert interest == sum((s.interest_paid for s in a.states), D(0))
    assert principal == sum((s.principal_paid for s in a.states), D(0))
    assert paid - interest - principal == a.surplus
