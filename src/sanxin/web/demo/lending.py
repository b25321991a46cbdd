"""大贵口村's credit lines and loans (奖励用信): the lines of its previous cycle and of the
demo's finished cycle, and the year of loans on them.

The district's default credit policy (4A 150,000 and 5A 200,000 yuan at 4.75%, the
other rated grades the standard line at 7.5%) is in force from the day the previous
cycle (`previous_year`, a year before the demo's) became final. Each cycle's lines are
granted in bulk by the credit officer `xinyongshe` GRANT_DAY days after its cut-off
(the day after the demo cycle's post-final veto, so the vetoed household gets the line
of its lowered grade); the new lines end the old ones, the loans run on.

Over the twelve months up to yesterday (`loan_days`), 28 loans totalling 4,820,000
yuan (the pilot's year) — 20 to 5A households, 6 to 4A, 2 to 3A, a mix of purposes,
terms and both repayment methods — each applied for, granted and disbursed through the
loan services: those up to the demo's cut-off on the previous cycle's lines (before
that cycle is superseded, `build_loan_year`), the later ones on the demo cycle's
(`build_lending`). Every instalment due before today is repaid (on its due date, a few
some days late; interest and principal as two entries, as the credit union's
statement lists them) except the first loan's: nothing has been paid on it, so it is
the overdue loan, some 300+ days past due whatever day the demo is built. One
application is refused with its principal reasons. Days past due are then counted as
the daily task does. So the loan book has a history (repayments, an overdue loan, the
validation report's AUC) on any build day, and the lending report's default period
(the twelve months to today) holds all of it.

Every service is called with its moment in the story (`today`/`now`), as the ratings
part of the demo does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from django.utils import timezone

from sanxin.accounts.models import User
from sanxin.lending.schedule import add_months
from sanxin.regions.models import Region
from sanxin.web.demo.calendar import FINAL_DAY, VETO_DAY, Calendar
from sanxin.web.demo.fixtures import CREDIT_LOGIN
from sanxin.web.demo.regions import PILOT_VILLAGE, village_path

if TYPE_CHECKING:
    from sanxin.lending.models import CreditLine, Loan
    from sanxin.ratings.models import Cycle
    from sanxin.web.demo.result import BuildResult

logger = logging.getLogger(__name__)

PILOT_LOANS = Decimal("4820000.00")  # 4.82 million yuan in the pilot's year


@dataclass(frozen=True)
class PlannedLoan:
    grade: str
    amount: Decimal
    term_months: int
    method: str
    purpose: str
    detail: str


def _plan() -> list[PlannedLoan]:
    """The 28 loans, in the order they are disbursed. The first one is the overdue
    loan (a 4A household, interest monthly)."""
    y = Decimal
    industry = [
        "扩建蔬菜大棚", "购买肉牛", "建设食用菌大棚", "果园改造", "购买农机", "养殖场扩建",
        "种植中药材", "购买饲料和仔猪",
    ]  # fmt: skip
    business = ["农家乐装修", "开办农资店", "购进货物（小超市）", "运输车辆购置"]
    plan = [PlannedLoan("4A", y(150000), 12, "interest_monthly", "industry", "新建暖棚两座")]
    rest = {
        "5A": [y(200000)] * 17 + [y(180000), y(180000), y(100000)],
        "4A": [y(150000)] * 5,
        "3A": [y(30000), y(30000)],
    }
    # Spread each grade's loans evenly over the year: the k-th of n at (k + ½) / n.
    order = sorted(
        ((Fraction(2 * k + 1, 2 * len(amounts)), grade, amount)
         for grade, amounts in rest.items() for k, amount in enumerate(amounts)),
        key=lambda t: (t[0], t[1]),
    )  # fmt: skip
    terms = [(12, "interest_monthly"), (24, "equal_instalments"), (36, "equal_instalments"),
             (12, "interest_monthly"), (18, "equal_instalments"), (6, "interest_monthly")]  # fmt: skip
    for n, (_at_share, grade, amount) in enumerate(order, start=1):
        term, method = terms[n % len(terms)]
        if n % 5 == 4:
            purpose, detail = "business", business[n % len(business)]
        elif grade == "3A":
            purpose, detail = "education", "子女上大学学费"
        else:
            purpose, detail = "industry", industry[n % len(industry)]
        plan.append(PlannedLoan(grade, amount, term, method, purpose, detail))
    assert sum(p.amount for p in plan) == PILOT_LOANS
    return plan


_REFUSAL_NOTE = (
    "经入户核实，该户主要劳动力今年外出务工收入不稳定，另有他行贷款 5 万元尚未还清，"
    "按月还款压力过大。建议还清现有贷款后再申请。"
)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())


@dataclass
class LendingSummary:
    lines: int = 0
    lines_total: Decimal = Decimal("0.00")
    loans: int = 0
    loans_total: Decimal = Decimal("0.00")
    repayments: int = 0
    refused: int = 0
    overdue_days: int = 0


# Days after a cycle's cut-off on which the officer grants its lines: the day after
# the demo cycle's post-final veto (so the vetoed household gets its lowered line).
GRANT_DAY = VETO_DAY + 1

_POLICY_NOTE = "按照“三信”试点方案：4A 户授信 15 万元、5A 户 20 万元，年利率由 7.5% 降至 4.75%。"


def loan_days(cal: Calendar, today: date) -> list[date]:
    """The days the planned loans are disbursed on: spread evenly over the twelve months
    up to yesterday, none between the demo's cut-off and its lines (moved to the day
    after they are granted): the earlier ones on the previous cycle's lines, the later
    ones on the demo cycle's."""
    first = add_months(today, -12) + timedelta(days=1)
    span = (today - timedelta(days=1) - first).days
    count = len(_plan())
    granted = cal.as_of + timedelta(days=GRANT_DAY)
    days = [first + timedelta(days=span * n // count) for n in range(count)]
    return [granted + timedelta(days=1) if cal.as_of < d <= granted else d for d in days]


def build_loan_year(
    cal: Calendar, regions: dict[tuple[str, ...], Region], result: BuildResult
) -> LendingSummary:
    """The policy, the previous cycle's lines and the loans on them (those of the
    twelve months to yesterday up to the demo's cut-off), before the demo's cycle is
    final: when the previous cycle's lines are granted now."""
    from sanxin.lending.models import CreditLine, CreditPolicy
    from sanxin.lending.services.lines import credit_lines_grant_village
    from sanxin.lending.services.policy import credit_policy_publish, default_terms
    from sanxin.ratings.models import Cycle

    summary = LendingSummary()
    prev = cal.previous
    village = regions[village_path(PILOT_VILLAGE)]
    district = regions[village_path(PILOT_VILLAGE)[:1]]
    officer = User.objects.filter(username=CREDIT_LOGIN).select_related("person").first()
    cycle = Cycle.objects.filter(village=village, period=prev.cycle_period, state="final").first()
    if officer is None or cycle is None or CreditLine.objects.filter(cycle=cycle).exists():
        return summary  # no previous cycle (a smaller demo, or built before it existed)
    final_on = prev.as_of + timedelta(days=FINAL_DAY)
    if not CreditPolicy.objects.filter(district=district).exists():
        credit_policy_publish(
            actor=None,
            district=district,
            effective_from=final_on,
            grades=default_terms(),
            note=_POLICY_NOTE,
            today=final_on,
            now=prev.cycle_day(FINAL_DAY, 15, 0),
        )
    credit_lines_grant_village(
        actor=officer,
        village=village,
        today=prev.as_of + timedelta(days=GRANT_DAY),
        now=prev.cycle_day(GRANT_DAY, 9, 30),
    )
    _lend_phase(officer, cycle, summary, lambda day: day <= cal.as_of, cal)
    _log(prev, summary)
    return summary


def build_lending(
    cal: Calendar, regions: dict[tuple[str, ...], Region], result: BuildResult
) -> LendingSummary:
    """The lines of the demo's finished cycle, granted the day after its post-final
    veto, the loans on them (the rest of the twelve months to yesterday) when they are
    granted now, and the loans' days past due as of today."""
    from sanxin.lending.models import CreditLine, CreditPolicy, Loan
    from sanxin.lending.services.lines import credit_lines_grant_village
    from sanxin.lending.services.policy import credit_policy_publish, default_terms
    from sanxin.lending.services.repayments import overdue_refresh
    from sanxin.ratings.models import Cycle

    summary = LendingSummary()
    village = regions[village_path(PILOT_VILLAGE)]
    district = regions[village_path(PILOT_VILLAGE)[:1]]
    officer = User.objects.filter(username=CREDIT_LOGIN).select_related("person").first()
    cycle = Cycle.objects.filter(village=village, period=cal.cycle_period, state="final").first()
    if officer is None or cycle is None:
        return summary  # no finished cycle (a smaller demo): nothing to lend on
    final_on = cal.as_of + timedelta(days=FINAL_DAY)
    if not CreditPolicy.objects.filter(district=district).exists():  # no previous cycle
        credit_policy_publish(
            actor=None,
            district=district,
            effective_from=final_on,
            grades=default_terms(),
            note=_POLICY_NOTE,
            today=final_on,
            now=cal.cycle_day(FINAL_DAY, 15, 0),
        )
    if not CreditLine.objects.filter(cycle=cycle).exists():
        credit_lines_grant_village(
            actor=officer,
            village=village,
            today=cal.as_of + timedelta(days=GRANT_DAY),
            now=cal.cycle_day(GRANT_DAY, 9, 30),
        )
        _lend_phase(officer, cycle, summary, lambda day: day > cal.as_of, cal)
    overdue_refresh(today=timezone.localdate())
    first = Loan.objects.filter(credit_line__village=village).order_by("disbursed_on", "pk").first()
    summary.overdue_days = first.days_past_due if first is not None else 0
    _log(cal, summary)
    return summary


def _log(cal: Calendar, summary: LendingSummary) -> None:
    logger.info(
        "demo lending, %s: %d lines granted (%s yuan); this build lent %d loans (%s yuan), "
        "recorded %d repayments, refused %d application; the first loan %d days past due",
        cal.cycle_period, summary.lines, summary.lines_total, summary.loans, summary.loans_total,
        summary.repayments, summary.refused, summary.overdue_days,
    )  # fmt: skip


def _lend_phase(
    officer: User,
    cycle: Cycle,
    summary: LendingSummary,
    in_phase: Callable[[date], bool],
    cal: Calendar,
) -> None:
    """The planned loans whose day `in_phase` accepts, on the granted lines of `cycle`
    (one loan per household over the year), and the refusal if its day is one."""
    from sanxin.lending.models import CreditLine, Loan

    lines = list(
        CreditLine.objects.filter(cycle=cycle, status="granted").select_related(
            "household__villager_group", "household__village"
        )
    )
    summary.lines = len(lines)
    summary.lines_total = sum((line.granted_amount or 0 for line in lines), Decimal("0.00"))
    today = timezone.localdate()
    days = loan_days(cal, today)
    taken = set(
        Loan.objects.filter(credit_line__village=cycle.village).values_list(
            "household_id", flat=True
        )
    )
    _lend(officer, lines, days, in_phase, taken, summary)
    refusal = days[len(days) // 2] + timedelta(days=1)
    granted = cal.as_of + timedelta(days=GRANT_DAY)
    if cal.as_of < refusal <= granted:
        refusal = granted + timedelta(days=1)
    if in_phase(refusal) and refusal + timedelta(days=2) < today:
        threes = [ln for ln in lines if ln.grade == "3A"]
        _refuse(
            officer, sorted(threes, key=lambda ln: (ln.household.number, ln.pk)), taken, refusal
        )
        summary.refused = 1


def _lend(
    officer: User,
    lines: list[CreditLine],
    days: list[date],
    in_phase: Callable[[date], bool],
    taken: set[int],
    summary: LendingSummary,
) -> None:
    """The planned loans of the phase on `lines` by grade (the n-th on `days[n]`), each
    repaid as it falls due before today but the first of all: the overdue loan."""
    from sanxin.lending.services.loans import loan_apply, loan_decide, loan_disburse

    today = timezone.localdate()
    own = {officer.person.household_id} if officer.person is not None else set()
    by_grade: dict[str, list[CreditLine]] = {}
    for line in sorted(lines, key=lambda ln: (ln.household.number, ln.pk)):
        if line.household_id not in own:
            by_grade.setdefault(line.grade, []).append(line)
    for n, planned in enumerate(_plan()):
        day = days[n]
        if not in_phase(day) or day >= today:
            continue
        candidates = [ln for ln in by_grade.get(planned.grade, []) if ln.household_id not in taken]
        if not candidates:
            continue
        line = candidates[(n * 7) % len(candidates)]
        taken.add(line.household_id)
        application = loan_apply(
            actor=officer,
            household=line.household,
            amount=planned.amount,
            purpose=planned.purpose,
            term_months=planned.term_months,
            method=planned.method,
            purpose_detail=planned.detail,
            now=_at(day, 9, 10),
        )
        application = loan_decide(
            actor=officer, application=application, grant=True, now=_at(day, 10, 30)
        )
        loan = loan_disburse(
            actor=officer,
            application=application,
            disbursed_on=day,
            bank_loan_number=f"DGK{day:%Y%m%d}{n + 1:03d}",
            now=_at(day, 15, 0),
        )
        summary.loans += 1
        summary.loans_total += loan.principal
        if n > 0:  # nothing is ever paid on the first loan: the overdue one
            summary.repayments += _repay(officer, loan, today, late=(n % 6 == 3))


def _repay(officer: User, loan: Loan, today: date, *, late: bool) -> int:
    """Every instalment due before today paid on its due date (or, for a few loans,
    the second one six days late), as the credit union's statement lists it: the
    interest (还息) and the principal (还本) as two entries."""
    from sanxin.lending.services.repayments import repayment_record

    made = 0
    for i in loan.instalments.filter(due_on__lt=today).order_by("number"):
        paid_on = i.due_on
        if late and i.number == 2:
            paid_on = min(i.due_on + timedelta(days=6), today - timedelta(days=1))
        for part, amount in (("X", i.interest), ("B", i.principal)):
            if amount <= 0:
                continue
            repayment_record(
                actor=officer,
                loan=loan,
                paid_on=paid_on,
                amount=amount,
                bank_reference=f"{loan.bank_loan_number}-{i.number:03d}{part}",
                now=_at(paid_on, 16, 0),
            )
            made += 1
    return made


def _refuse(officer: User, threes: list[CreditLine], taken: set[int], day: date) -> None:
    from sanxin.lending.choices import RefusalReason
    from sanxin.lending.services.loans import loan_apply, loan_decide

    line = next((ln for ln in reversed(threes) if ln.household_id not in taken), None)
    if line is None:
        return
    application = loan_apply(
        actor=officer,
        household=line.household,
        amount=Decimal("30000"),
        purpose="consumption",
        term_months=12,
        method="equal_instalments",
        purpose_detail="购买小汽车",
        now=_at(day, 9, 40),
    )
    loan_decide(
        actor=officer,
        application=application,
        grant=False,
        reasons=[RefusalReason.REPAYMENT_CAPACITY, RefusalReason.EXISTING_DEBT],
        note=_REFUSAL_NOTE,
        now=_at(day + timedelta(days=2), 11, 0),
    )
