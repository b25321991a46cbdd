"""大贵口村's previous cycle: the year before the demo's (`Calendar.previous`), finished,
so that the credit lines it granted carry the loans of the twelve months to the build
day that come before the demo's cut-off (`lending.build_loan_year`): whatever day the
demo is built, its loan book is up to a year old, not just the weeks since the demo
cycle's final.

Lighter than the demo's own year (`ledger_year`), and planned by the same planner:
- each household aims at the grade its demo year aims at (a household vetoed in the
  demo's year at 2A: the veto came later);
- its base points of that year are the village's “美在我家”示范户 of the quarters (the
  5A households in all three, the 4A in the last two, the 3A in the last one; a
  5A household's adults also commended at the village's annual commendation in
  January), written
  set-based like the demo's ledger, recorded by the group's sub-team the next morning
  and approved by a committee member;
- the credit union's 双基 assessment of that year (its own period) is chosen so that
  the engine gives the aimed grade, or the best within reach;
- the cycle is opened the day after its cut-off, computed, reviewed at a meeting,
  noticed for seven days and made final through the rating services, each step on
  its day in the story (no adjustments, appeals or vetoes that year).

Built only together with the demo's year of points (a fresh build), after that year
is planned and before it is written (`ledger_year.build_ledger_year(before_writing=)`):
the previous cycle is graded on the previous year's 双基 assessments, which the
ratings read only while no newer one exists, and it must be final before the demo's
cycle is.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING

from sanxin.accounts.models import User
from sanxin.credit.models import CreditAssessment
from sanxin.households.models import Household
from sanxin.regions.models import Region
from sanxin.rules.selectors import scheme_for_village
from sanxin.web.demo.accounts import DEMO_LOGINS
from sanxin.web.demo.calendar import (
    FINAL_DAY,
    MEETING_DAY,
    NOTICE_DAY,
    Calendar,
)
from sanxin.web.demo.credit import write_credit
from sanxin.web.demo.cycle_story import open_for_review
from sanxin.web.demo.fixtures import COMMITTEE_LOGINS, CREDIT_LOGIN, SEED, VETO
from sanxin.web.demo.ledger_year import LedgerPlanner, write_entries
from sanxin.web.demo.regions import PILOT_VILLAGE, village_path
from sanxin.web.demo.result import BuildResult

if TYPE_CHECKING:
    from sanxin.ratings.models import Cycle
    from sanxin.web.demo.plan import DemoPlan

logger = logging.getLogger(__name__)

# The quarters of “美在我家”示范户 a household aiming at each grade was named in.
_QUARTERS = {"5A": 3, "4A": 2, "3A": 1}
_FULL_BASE = 20  # base points above the start that a 5A household's year aims at
_MEETING_DECISION = (
    "同意本年度评定结果，自 {day.year}年{day.month}月{day.day}日起在村务公开栏和平台上公示 7 天。"
)


class PreviousYear(LedgerPlanner):
    """The previous year's plan: aims, the model-household entries (all approved),
    their frozen points and the 双基 answers that land each household on its aim."""

    def __init__(self, aims: dict[int, str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.aims = aims

    def plan(self) -> PreviousYear:
        rng, end = self.rng, self.cal.ledger_end()
        for ledger in self.ledgers:
            aim = self.aims.get(ledger.household.pk, "A")
            ledger.target = "2A" if aim == VETO else aim
            quarters = _QUARTERS.get(ledger.target, 0)
            if not ledger.members or not quarters:
                continue
            for on, label in self.cal.model_household[-quarters:]:
                ledger.drafts.append(
                    self._draft(
                        ledger,
                        "env.model_household",
                        on,
                        quantity=len(ledger.members),
                        evidence=f"评为{label}“美在我家”示范户（村务公开栏公示）",
                    )
                )
            if ledger.target == "5A":
                # Commended at the village's annual commendation in January, so that
                # the base points come near full marks (a cadre's household reaches 5A
                # only so: its thresholds are higher).
                short = max(0, _FULL_BASE - 3 * len(ledger.members))
                for person in ledger.adults[: -(-short // 5)]:
                    ledger.drafts.append(
                        self._draft(
                            ledger,
                            "honour.village",
                            self.cal.d(2025, 1, 10),
                            person=person,
                            evidence="获村“两委”年度表彰（表彰决定在村务公开栏公示）",
                        )
                    )
        self.drafts = [d for ledger in self.ledgers for d in ledger.drafts]
        self._record_times()
        for d in sorted(self.drafts, key=lambda d: (d.recorded_at, d.household.number)):
            d.reviewer = self._reviewer(d, recorder=d.recorder)
            at = d.recorded_at + timedelta(days=rng.randrange(1, 6), minutes=rng.randrange(0, 300))
            d.reviewed_at = max(min(at, end), d.recorded_at + timedelta(minutes=10))
        for ledger in self.ledgers:
            self._freeze(ledger)
        self._credit()
        return self


def build_previous_year(
    plan: DemoPlan, cal: Calendar, regions: dict[tuple[str, ...], Region], result: BuildResult
) -> Cycle | None:
    """The previous year's points, 双基 assessments and finished cycle of 大贵口村, when
    this build has planned the demo's year (not yet written) and no cycle of the
    village exists yet."""
    from sanxin.ratings.models import Cycle

    prev = cal.previous
    village = regions[village_path(PILOT_VILLAGE)]
    if not result.targets or Cycle.objects.filter(village=village).exists():
        return None
    version = scheme_for_village(village, prev.as_of)
    first_on = prev.model_household[0][0]
    if version is None or scheme_for_village(village, first_on) != version:
        return None  # the scheme was not in force a year earlier
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[d.username for d in DEMO_LOGINS]).select_related(
            "person"
        )
    }
    if any(name not in users for name in (*COMMITTEE_LOGINS, CREDIT_LOGIN)):
        return None
    households = list(
        Household.objects.filter(village=village)
        .select_related("village", "villager_group")
        .order_by("number")
    )
    planner = PreviousYear(
        result.targets, plan, prev, version, village, households, users, random.Random(SEED + 2)
    ).plan()
    assessed = set(
        CreditAssessment.objects.filter(
            household__village=village, period=prev.credit_period
        ).values_list("household_id", flat=True)
    )
    write_credit(planner, users[CREDIT_LOGIN], assessed, result)
    written = BuildResult(plan=plan, calendar=prev)  # the previous year's own counts
    write_entries(planner, version, village, users, written)
    cycle = _finish(prev, village, users)
    result.cycles += 1
    logger.info(
        "demo previous year %s: %d entries, grades %s",
        prev.cycle_period, written.entries, dict(Counter(planner.final_grades.values())),
    )  # fmt: skip
    return cycle


def _finish(prev: Calendar, village: Region, users: dict[str, User]) -> Cycle:
    from sanxin.ratings.choices import CycleState
    from sanxin.ratings.services import review
    from sanxin.ratings.services.cycles import cycle_advance

    head = users["tuanzhang"]
    cycle = open_for_review(prev, village, head)
    notice_on = prev.as_of + timedelta(days=NOTICE_DAY)
    present = [users[name].pk for name in ("tuanzhang", "futuanzhang", "chengyuan1", "chengyuan3")]
    review.review_close(
        actor=head,
        cycle=cycle,
        held_on=prev.as_of + timedelta(days=MEETING_DAY),
        present_user_ids=present,
        decision=_MEETING_DECISION.format(day=notice_on),
        at=prev.cycle_day(MEETING_DAY, 17, 0),
    )
    cycle = cycle_advance(
        actor=head,
        cycle=cycle,
        to_state=CycleState.NOTICE,
        today=notice_on,
        at=prev.cycle_day(NOTICE_DAY, 8, 30),
    )
    return cycle_advance(
        actor=head,
        cycle=cycle,
        to_state=CycleState.FINAL,
        today=prev.as_of + timedelta(days=FINAL_DAY),
        at=prev.cycle_day(FINAL_DAY, 9, 0),
    )
