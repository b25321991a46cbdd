"""The 双基 credit-union assessments of 大贵口村: answers chosen, among plausible
ones, so that the engine gives each household its target grade; written through
`assessment_record`, one per household."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sanxin.accounts.models import User
from sanxin.credit.services import assessment_record
from sanxin.ledger.tiers import person_tier
from sanxin.rules import engine
from sanxin.rules.scheme import Scheme, grade_rank
from sanxin.web.demo.calendar import CREDIT_DAYS, Calendar
from sanxin.web.demo.drafts import Draft, HouseholdLedger
from sanxin.web.demo.fixtures import PILOT_SHAPE, VETO
from sanxin.web.demo.people import age

if TYPE_CHECKING:
    from sanxin.web.demo.result import BuildResult


_APPRAISAL_WEIGHTS = {"5A": (6, 3, 0.2, 0), "4A": (3, 6, 1, 0), "3A": (1, 6, 2, 0.05), "2A": (0.3, 4, 4, 0.3), "A": (0, 1.5, 5, 1.5), VETO: (0, 0.3, 3, 4)}  # fmt: skip
_WEALTH_WEIGHTS = {"5A": (3, 5, 2, 0.5), "4A": (2, 5, 3, 0.7), "3A": (1, 4, 4, 1), "2A": (0.5, 3, 5, 2), "A": (0.3, 2, 5, 3), VETO: (0.5, 2, 4, 3)}  # fmt: skip
_REPAYMENT_WEIGHTS = {"5A": (10, 0.3, 0), "4A": (10, 0.8, 0.05), "3A": (10, 1.5, 0.2), "2A": (8, 2, 0.5), "A": (5, 3, 1.5), VETO: (4, 3, 3)}  # fmt: skip
_FREE_INDICATORS = (
    "village_appraisal",
    "total_assets",
    "net_assets",
    "net_income",
    "deposits",
    "repayment",
)


class CreditAnswers:
    """The credit-union half of the ledger planner (`ledger_year.LedgerPlanner`), which
    sets these attributes."""

    cal: Calendar
    scheme: Scheme
    rng: random.Random
    ledgers: list[HouseholdLedger]
    answers: dict[int, dict[str, str]]  # household id -> the credit union's answers
    assessed_on: dict[int, date]
    final_grades: dict[int, str]

    # The credit union's answers -------------------------------------------------------
    def _facts(
        self,
        ledger: HouseholdLedger,
        credit: engine.CreditAssessment | None,
        without: Draft | None = None,
    ) -> engine.HouseholdFacts:
        ids = {id(d): i for i, d in enumerate(ledger.drafts, start=1)}
        entries = tuple(
            engine.Entry(
                id=ids[id(d)], item_code=d.item.code, occurred_on=d.occurred_on, points=d.points, quantity=d.quantity,
                person_id=d.person.pk if d.person is not None else None, tier=d.tier,
                reversal_of=ids[id(d.reversal_of)] if d.reversal_of is not None else None,
            )
            for d in ledger.drafts
            if d.decision == "approve" and not d.dropped and d.occurred_on <= self.cal.as_of and d is not without
        )  # fmt: skip
        members = tuple(engine.Member(person_id=p.pk, tier=person_tier(p)) for p in ledger.members)
        return engine.HouseholdFacts(members=members, entries=entries, credit=credit)

    def _grade(
        self, ledger: HouseholdLedger, total: int, on: date, without: Draft | None = None
    ) -> str:
        areas, left = {}, Decimal(total)
        for area in self.scheme.credit_areas:
            areas[area.code] = min(left, area.max_points)
            left -= areas[area.code]
        credit = engine.CreditAssessment(assessed_on=on, area_scores=areas)
        facts = self._facts(ledger, credit, without)
        return engine.grade_household(self.scheme, facts, self.cal.as_of).grade

    def _first_total(
        self,
        ledger: HouseholdLedger,
        totals: list[int],
        on: date,
        rank: int,
        without: Draft | None = None,
    ) -> int:
        """The index of the lowest credit total in `totals` (ascending) that grades the
        household at `rank` or above (the grade never falls as the credit score rises),
        leaving `without` out of its entries when given."""
        lo, hi = 0, len(totals)
        while lo < hi:
            mid = (lo + hi) // 2
            if grade_rank(self._grade(ledger, totals[mid], on, without)) >= rank:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def _combos(self) -> list[tuple[dict[str, str], int, dict[str, float]]]:
        """Plausible answers to the free indicators: (answers, points, weight by target)."""
        indicators = [self.scheme.credit_indicator(code) for code in _FREE_INDICATORS]
        combos = []
        for levels in itertools.product(*(range(len(ind.options)) for ind in indicators)):
            appraisal, total, net, income, deposits, repayment = levels
            # Net assets no better than total assets; income and deposits near them.
            if net < total or abs(income - total) > 1 or abs(deposits - income) > 1:
                continue
            answers = {
                ind.code: ind.options[level].code
                for ind, level in zip(indicators, levels, strict=True)
            }
            points = int(
                sum(
                    ind.options[level].points for ind, level in zip(indicators, levels, strict=True)
                )
            )
            weights = {}
            for target in (*(g for g, _ in PILOT_SHAPE), VETO):
                w = _APPRAISAL_WEIGHTS[target][appraisal] * _REPAYMENT_WEIGHTS[target][repayment]
                for level in (total, net, income, deposits):
                    w *= _WEALTH_WEIGHTS[target][level]
                weights[target] = w
            combos.append((answers, points, weights))
        return combos

    def _credit(self) -> None:
        rng = self.rng
        combos = self._combos()
        size = self.scheme.credit_indicator("household_size")
        workers = self.scheme.credit_indicator("workers")
        n = len(self.ledgers)
        for index, ledger in enumerate(self.ledgers):
            on = self.cal.credit_from + timedelta(days=index * CREDIT_DAYS // max(n, 1))
            people = len(ledger.members)
            working = sum(1 for p in ledger.members if 18 <= age(p) <= 60)
            fixed = {
                "household_size": "3plus" if people >= 3 else str(max(people, 1)),
                "workers": "3plus" if working >= 3 else str(working),
            }
            fixed_points = int(
                next(o.points for o in size.options if o.code == fixed["household_size"])
                + next(o.points for o in workers.options if o.code == fixed["workers"])
            )
            target = ledger.target
            totals = sorted({fixed_points + c[1] for c in combos})
            if target == VETO:
                allowed = set(totals)
            else:
                rank = grade_rank(target)
                first = self._first_total(ledger, totals, on, rank)
                # The disputed deduction's household keeps its grade once the
                # deduction is reversed: the bound comes from the grade without it.
                beyond = self._first_total(ledger, totals, on, rank + 1, ledger.disputed)
                if first < beyond:
                    allowed = set(totals[first:beyond])
                elif first >= len(totals):
                    allowed = {totals[-1]}  # out of reach: the best the household can get
                else:
                    allowed = {totals[max(beyond - 1, 0)]} if beyond > 0 else {totals[0]}
            fitting = [c for c in combos if fixed_points + c[1] in allowed]
            weights = [c[2][target] for c in fitting]
            if not any(weights):
                weights = [1.0] * len(fitting)
            answers = rng.choices(fitting, weights)[0][0]
            self.answers[ledger.household.pk] = {**fixed, **answers}
            self.assessed_on[ledger.household.pk] = on
            scores = engine.credit_area_scores(self.scheme, self.answers[ledger.household.pk])
            credit = engine.CreditAssessment(assessed_on=on, area_scores=scores)
            self.final_grades[ledger.household.pk] = engine.grade_household(
                self.scheme, self._facts(ledger, credit), self.cal.as_of
            ).grade


def write_credit(
    ledger: CreditAnswers, officer: User, assessed: set[int], result: BuildResult
) -> None:
    """One 双基 assessment per household, through the service, as the credit officer."""
    for lg in ledger.ledgers:
        household = lg.household
        if household.pk in assessed:
            continue
        assessment_record(
            actor=officer, household=household, period=ledger.cal.credit_period, assessed_on=ledger.assessed_on[household.pk],
            answers=ledger.answers[household.pk],
        )  # fmt: skip
        result.assessments += 1
