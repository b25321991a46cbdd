"""The validation report's arithmetic (lending/validation.py), against hand-computed
examples and brute force."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from sanxin.lending.validation import (
    MIN_LOANS,
    NO_BAD,
    NO_GOOD,
    TOO_FEW,
    LoanOutcome,
    Rate,
    as_decimal,
    discrimination,
    mann_whitney_auc,
    validation_report,
    worst_days_past_due,
)
from sanxin.rules.choices import GRADES, grade_rank


def loans(grade: str, n: int, *, days: int = 0, cycle: str = "2025年度") -> list[LoanOutcome]:
    return [LoanOutcome(grade=grade, cycle=cycle, worst_days_past_due=days)] * n


def test_ties_count_one_half():
    # good: 5A ×3, 4A ×2, 3A ×1; bad (90+): 4A ×1, 3A ×2. 6 × 3 = 18 pairs.
    # The 4A bad loan: beaten by the three 5A goods, tied with two 4A goods → 3 + 1.
    # Each 3A bad loan: beaten by five goods, tied with one → 5.5, twice → 11.
    # AUC = 15/18 = 5/6; Gini = 2/3.
    outcomes = [
        *loans("5A", 3),
        *loans("4A", 2),
        *loans("4A", 1, days=95),
        *loans("3A", 1, days=12),
        *loans("3A", 2, days=90),
    ]
    d = discrimination(outcomes, min_loans=1)
    assert (d.bad, d.good, d.loans) == (3, 6, 9)
    assert d.auc == Fraction(5, 6)
    assert d.gini == Fraction(2, 3)
    assert d.auc_decimal() == Decimal("0.833")
    assert d.gini_decimal() == Decimal("0.667")


def test_one_grade_for_all_sorts_nothing():
    outcomes = [*loans("4A", 5), *loans("4A", 2, days=120)]
    assert discrimination(outcomes, min_loans=1).auc == Fraction(1, 2)
    assert discrimination(outcomes, min_loans=1).gini == 0


def test_perfect_separation_and_its_reverse():
    right = [*loans("5A", 4), *loans("4A", 3), *loans("A", 2, days=100), *loans("2A", 1, days=91)]
    d = discrimination(right, min_loans=1)
    assert (d.auc, d.gini) == (1, 1)
    wrong = [*loans("A", 4), *loans("2A", 3), *loans("5A", 2, days=100), *loans("4A", 1, days=91)]
    d = discrimination(wrong, min_loans=1)
    assert (d.auc, d.gini) == (0, -1)
    assert d.gini_decimal() == Decimal("-1.000")


def test_not_enough_data():
    all_good = loans("4A", 30, days=29)
    d = discrimination(all_good)
    assert (d.auc, d.gini, d.reason) == (None, None, NO_BAD)
    assert d.reason_label
    all_bad = loans("3A", 30, days=90)
    assert discrimination(all_bad).reason == NO_GOOD
    few = [*loans("5A", MIN_LOANS - 2), *loans("3A", 1, days=200)]
    d = discrimination(few)
    assert (d.auc, d.reason, d.loans) == (None, TOO_FEW, MIN_LOANS - 1)
    enough = [*few, *loans("5A", 1)]
    assert discrimination(enough).auc == 1
    assert discrimination([]).reason == NO_BAD


def test_overdue_thresholds_are_inclusive():
    assert not LoanOutcome("4A", "c", 29).overdue_30
    assert LoanOutcome("4A", "c", 30).overdue_30
    assert not LoanOutcome("4A", "c", 89).overdue_90
    assert LoanOutcome("4A", "c", 90).overdue_90


def test_report_per_grade_per_cycle_and_overall():
    outcomes = [
        *loans("5A", 8, cycle="2024年度"),
        *loans("5A", 6, cycle="2025年度"),
        *loans("4A", 5, cycle="2025年度"),
        *loans("4A", 1, days=45, cycle="2025年度"),
        *loans("3A", 2, days=3, cycle="2024年度"),
        *loans("3A", 1, days=130, cycle="2025年度"),
    ]
    report = validation_report(outcomes, cycle_order=["2024年度", "2025年度"])
    assert [(r.key, r.loans) for r in report.by_grade] == [("5A", 14), ("4A", 6), ("3A", 3)]
    four_a = report.by_grade[1]
    assert (four_a.overdue_30.count, four_a.overdue_30.total) == (1, 6)
    assert four_a.overdue_30.percent() == Decimal("16.7")
    assert four_a.overdue_90.percent() == Decimal("0.0")
    assert four_a.discrimination is None
    three_a = report.by_grade[2]
    assert (three_a.overdue_30.count, three_a.overdue_90.count) == (1, 1)
    assert three_a.overdue_90.percent() == Decimal("33.3")
    # per cycle, oldest first; the 2024 cycle has no 90+ loan
    assert [(r.key, r.loans) for r in report.by_cycle] == [("2024年度", 10), ("2025年度", 13)]
    assert report.by_cycle[0].discrimination.reason == NO_BAD
    assert report.by_cycle[1].discrimination.reason == TOO_FEW
    # overall: 23 loans, one bad at 3A, the lowest grade; two 3A goods tie with it
    assert report.overall.loans == 23
    d = report.discrimination
    assert (d.bad, d.good) == (1, 22)
    assert d.auc == Fraction(20 * 2 + 2, 2 * 22)


def test_rates_and_rounding():
    assert Rate(0, 0).share is None and Rate(0, 0).percent() is None
    assert Rate(1, 3).percent() == Decimal("33.3")
    assert Rate(2, 3).percent(2) == Decimal("66.67")
    assert as_decimal(Fraction(1, 2), 0) == Decimal("1")
    assert as_decimal(Fraction(-1, 2), 0) == Decimal("-1")
    assert as_decimal(Fraction(-1, 3), 3) == Decimal("-0.333")
    assert as_decimal(Fraction(1, 8), 2) == Decimal("0.13")
    assert str(as_decimal(Fraction(0), 3)) == "0.000"


outcome = st.builds(
    LoanOutcome,
    grade=st.sampled_from(GRADES),
    cycle=st.sampled_from(["2024年度", "2025年度"]),
    worst_days_past_due=st.sampled_from([0, 5, 30, 89, 90, 400]),
)


def brute_force(outcomes: list[LoanOutcome]) -> Fraction | None:
    bad = [grade_rank(o.grade) for o in outcomes if o.overdue_90]
    good = [grade_rank(o.grade) for o in outcomes if not o.overdue_90]
    if not bad or not good:
        return None
    wins = sum(Fraction(1) if g > b else Fraction(1, 2) if g == b else 0 for g in good for b in bad)
    return wins / (len(good) * len(bad))


@given(st.lists(outcome, max_size=40))
def test_auc_is_the_pairwise_share_and_lies_in_0_1(outcomes):
    auc = discrimination(outcomes, min_loans=0).auc
    assert auc == brute_force(outcomes)
    if auc is not None:
        assert 0 <= auc <= 1
        assert -1 <= 2 * auc - 1 <= 1


@given(st.lists(st.tuples(st.integers(0, 5), st.booleans()), max_size=40))
def test_auc_is_symmetric_under_relabelling(pairs):
    auc = mann_whitney_auc(pairs)
    swapped = mann_whitney_auc((s, not b) for s, b in pairs)  # good and bad exchanged
    reversed_scores = mann_whitney_auc((-s, b) for s, b in pairs)  # grade order reversed
    shifted = mann_whitney_auc((3 * s + 7, b) for s, b in pairs)  # any increasing relabel
    if auc is None:
        assert swapped is None and reversed_scores is None
    else:
        assert swapped == 1 - auc
        assert reversed_scores == 1 - auc
        assert shifted == auc


@given(st.lists(outcome, max_size=40))
def test_report_counts_every_loan_once(outcomes):
    report = validation_report(outcomes)
    assert sum(r.loans for r in report.by_grade) == len(outcomes)
    assert sum(r.loans for r in report.by_cycle) == len(outcomes)
    assert sum(r.overdue_90.count for r in report.by_grade) == report.overall.overdue_90.count
    assert all(r.overdue_90.count <= r.overdue_30.count for r in report.by_grade)


def _schedule():
    from datetime import date

    from sanxin.lending.schedule import build_schedule

    return build_schedule(
        principal=Decimal("12000.00"),
        annual_rate=Decimal("4.75"),
        disbursed_on=date(2026, 1, 31),
        term_months=6,
        method="equal_instalments",
    )


def test_worst_days_past_due_by_hand():
    from datetime import date

    from sanxin.lending.schedule import Payment, allocate

    s = _schedule()
    first, second = s.instalments[0], s.instalments[1]
    assert (first.due_date, second.due_date) == (date(2026, 2, 28), date(2026, 3, 31))
    third = s.instalments[2]
    # The first instalment (due 28 February) paid on 9 April: on 8 April it was
    # 39 days past due. On 10 May the second (due 31 March) is unpaid: 40 days.
    paid = [Payment(date(2026, 4, 9), first.total)]
    state = allocate(s.instalments, paid, date(2026, 5, 10))
    assert (state.days_past_due, worst_days_past_due(state)) == (40, 40)
    # Caught up on 10 May (second and third, due 30 April): on 9 May it was 39 days,
    # so seen on 20 May the loan is current and its worst is 39.
    paid.append(Payment(date(2026, 5, 10), second.total + third.total))
    state = allocate(s.instalments, paid, date(2026, 5, 20))
    assert (state.days_past_due, worst_days_past_due(state)) == (0, 39)
    # paid on the due date, or before it: never past due
    on_time = [Payment(i.due_date, i.total) for i in s.instalments]
    assert worst_days_past_due(allocate(s.instalments, on_time, date(2027, 1, 1))) == 0


@given(
    st.lists(
        st.tuples(st.integers(0, 260), st.integers(1, 4000)).map(lambda t: (t[0], Decimal(t[1]))),
        max_size=8,
    ),
    st.integers(0, 260),
)
def test_worst_days_past_due_is_the_max_over_every_day(payments, as_of_day):
    from datetime import timedelta

    from sanxin.lending.schedule import Payment, allocate, days_past_due

    s = _schedule()
    start = s.disbursed_on
    paid = [Payment(start + timedelta(days=d), amount) for d, amount in payments]
    as_of = start + timedelta(days=as_of_day)
    every_day = max(
        days_past_due(s.instalments, paid, start + timedelta(days=d)) for d in range(as_of_day + 1)
    )
    assert worst_days_past_due(allocate(s.instalments, paid, as_of)) == every_day
