"""Does the grade predict repayment? The validation report's arithmetic, pure Python.

Each loan enters as a `LoanOutcome`: the grade its line was granted on, the cycle that
grade came from, and the worst days past due the loan has reached by the report date.
From these the report gives, per grade, per cycle and overall:

- the **overdue rates**: the share of loans that have ever been 30 or more days past
  due (30+), and 90 or more (90+), each with the number of loans behind it;
- the grade's **discriminating power** against 90+ overdue: the AUC (the area under
  the ROC curve) computed exactly as the Mann–Whitney statistic — over every pair of
  one loan that went 90+ overdue ("bad") and one that did not ("good"), the share of
  pairs where the good loan holds the better grade, a pair with equal grades counting
  one half — and the Gini coefficient, 2·AUC − 1. The grade is an ordinal score
  (`rules.choices.grade_rank`: unrated < A < 2A < 3A < 4A < 5A), a better grade meaning
  lower risk. AUC 1 (Gini 1): every bad loan had a lower grade than every good one;
  0.5 (Gini 0): the grade sorts no risk; 0 (Gini −1): exactly the wrong way round.

The AUC is "not enough data" (None, with the reason) when no loan went 90+ overdue,
when every loan did, or when fewer than `MIN_LOANS` loans stand behind it. Every figure
is an exact `Fraction`; what pages show is a `Decimal` rounded half up (`as_decimal`,
`percent`), never a float.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sanxin.lending.schedule import Allocation
from sanxin.rules.choices import GRADES, grade_rank

OVERDUE_30 = 30
OVERDUE_90 = 90
# Below this many loans an AUC says more about chance than about the grade: the
# report shows "not enough data" instead (docs/credit-reports.md).
MIN_LOANS = 20

NO_BAD = "no_bad"  # no loan went 90+ overdue: nothing to discriminate
NO_GOOD = "no_good"  # every loan went 90+ overdue
TOO_FEW = "too_few"  # fewer than MIN_LOANS loans

REASON_LABELS = {
    NO_BAD: "没有逾期90天以上的贷款，无法计算",
    NO_GOOD: "全部贷款都逾期90天以上，无法计算",
    TOO_FEW: f"贷款少于{MIN_LOANS}笔，数据不足",
}


@dataclass(frozen=True)
class LoanOutcome:
    """One loan as the validation report sees it."""

    grade: str  # the grade its line was granted on
    cycle: str  # the cycle (its period's label) that grade came from
    worst_days_past_due: int  # the most days past due it has reached by the report date

    @property
    def overdue_30(self) -> bool:
        return self.worst_days_past_due >= OVERDUE_30

    @property
    def overdue_90(self) -> bool:
        return self.worst_days_past_due >= OVERDUE_90


def worst_days_past_due(allocation: Allocation) -> int:
    """The most days past due the loan has reached by `allocation.as_of`: for each
    instalment that fell due before that day, the days from its due date to the day
    before the repayment that completed it (a repayment counts on its own day, as in
    `schedule.days_past_due`), or to `as_of` while it is unpaid; the greatest of these.
    A loan that was 95 days late and has since caught up counts as 95."""
    worst = 0
    for state in allocation.states:
        due = state.instalment.due_date
        if due >= allocation.as_of:
            break
        if state.paid:
            if state.paid_off_on is None:  # an instalment of nothing
                continue
            late = (state.paid_off_on - due).days - 1
        else:
            late = (allocation.as_of - due).days
        worst = max(worst, late)
    return worst


def as_decimal(value: Fraction, places: int) -> Decimal:
    """`value` rounded half up (away from zero) to `places` decimal places, exactly."""
    scaled = abs(value) * 10**places
    rounded = (scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2)
    sign = -1 if value < 0 else 1
    return Decimal(sign * rounded).scaleb(-places)


@dataclass(frozen=True)
class Rate:
    """`count` of `total` loans; the share is None when there is no loan."""

    count: int
    total: int

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.count, self.total) if self.total else None

    def percent(self, places: int = 1) -> Decimal | None:
        share = self.share
        return None if share is None else as_decimal(share * 100, places)


@dataclass(frozen=True)
class Discrimination:
    """The AUC and Gini of grade against 90+ overdue, with the counts behind them."""

    bad: int  # loans that went 90+ overdue
    good: int  # the others
    auc: Fraction | None
    reason: str = ""  # why auc is None: NO_BAD, NO_GOOD or TOO_FEW

    @property
    def loans(self) -> int:
        return self.bad + self.good

    @property
    def gini(self) -> Fraction | None:
        return None if self.auc is None else 2 * self.auc - 1

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.reason, "")

    def auc_decimal(self, places: int = 3) -> Decimal | None:
        return None if self.auc is None else as_decimal(self.auc, places)

    def gini_decimal(self, places: int = 3) -> Decimal | None:
        gini = self.gini
        return None if gini is None else as_decimal(gini, places)


def mann_whitney_auc(scores: Iterable[tuple[int, bool]]) -> Fraction | None:
    """The exact AUC of `(score, bad)` pairs, a higher score meaning lower risk: the
    share of (good, bad) pairs where the good one scores higher, ties counting one
    half. None when either class is empty. Counts per score, so it takes
    O(n + k log k) for k distinct scores, whatever the number of pairs."""
    good: Counter[int] = Counter()
    bad: Counter[int] = Counter()
    for score, is_bad in scores:
        (bad if is_bad else good)[score] += 1
    n_good, n_bad = sum(good.values()), sum(bad.values())
    if not n_good or not n_bad:
        return None
    # Walk the scores from the lowest up; `good_below` counts good loans scoring lower.
    # Each bad loan at score s wins against the goods above s, ties half.
    twice_wins = 0
    good_below = 0
    for score in sorted(good.keys() | bad.keys()):
        good_above = n_good - good_below - good[score]
        twice_wins += bad[score] * (2 * good_above + good[score])
        good_below += good[score]
    return Fraction(twice_wins, 2 * n_good * n_bad)


def discrimination(
    outcomes: Sequence[LoanOutcome], *, min_loans: int = MIN_LOANS
) -> Discrimination:
    bad = sum(1 for o in outcomes if o.overdue_90)
    good = len(outcomes) - bad
    reason = ""
    if not bad:
        reason = NO_BAD
    elif not good:
        reason = NO_GOOD
    elif len(outcomes) < min_loans:
        reason = TOO_FEW
    auc = (
        None if reason else mann_whitney_auc((grade_rank(o.grade), o.overdue_90) for o in outcomes)
    )
    return Discrimination(bad=bad, good=good, auc=auc, reason=reason)


@dataclass(frozen=True)
class Row:
    """The overdue rates of one group of loans (a grade, a cycle, or all of them)."""

    key: str  # the grade, the cycle's label, or "" for all loans
    loans: int
    overdue_30: Rate
    overdue_90: Rate
    discrimination: Discrimination | None = None  # per cycle and overall, not per grade


def _row(key: str, outcomes: Sequence[LoanOutcome], *, with_auc: bool, min_loans: int) -> Row:
    n = len(outcomes)
    return Row(
        key=key,
        loans=n,
        overdue_30=Rate(sum(1 for o in outcomes if o.overdue_30), n),
        overdue_90=Rate(sum(1 for o in outcomes if o.overdue_90), n),
        discrimination=discrimination(outcomes, min_loans=min_loans) if with_auc else None,
    )


@dataclass(frozen=True)
class ValidationReport:
    by_grade: list[Row]  # best grade first; only grades with loans
    by_cycle: list[Row]  # in the order given (oldest first)
    overall: Row

    @property
    def discrimination(self) -> Discrimination:
        assert self.overall.discrimination is not None
        return self.overall.discrimination


def validation_report(
    outcomes: Iterable[LoanOutcome],
    *,
    cycle_order: Sequence[str] = (),
    min_loans: int = MIN_LOANS,
) -> ValidationReport:
    """The report over `outcomes`. Cycles are listed in `cycle_order`, then any other
    cycle by its label."""
    outcomes = list(outcomes)
    by_grade: dict[str, list[LoanOutcome]] = {}
    by_cycle: dict[str, list[LoanOutcome]] = {}
    for o in outcomes:
        by_grade.setdefault(o.grade, []).append(o)
        by_cycle.setdefault(o.cycle, []).append(o)
    position = {c: i for i, c in enumerate(cycle_order)}
    cycles = sorted(by_cycle, key=lambda c: (position.get(c, len(position)), c))
    return ValidationReport(
        by_grade=[
            _row(g, by_grade[g], with_auc=False, min_loans=min_loans)
            for g in reversed(GRADES)
            if g in by_grade
        ],
        by_cycle=[_row(c, by_cycle[c], with_auc=True, min_loans=min_loans) for c in cycles],
        overall=_row("", outcomes, with_auc=True, min_loans=min_loans),
    )
