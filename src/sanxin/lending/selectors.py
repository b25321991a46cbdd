"""Reads of lending: the policy in force, the terms a grade gets, a village's latest
final cycle and its eligible households, the lines that need the officer's attention,
a household's line and its history. Fixed numbers of queries whatever the size."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

from sanxin.households.choices import HouseholdStatus
from sanxin.households.models import Household
from sanxin.lending.choices import LINE_CURRENT, LINE_USABLE, BankDecision, LineStatus
from sanxin.lending.models import CreditLine, CreditLineEvent, CreditPolicy, CreditPolicyGrade
from sanxin.ratings import periods
from sanxin.ratings.choices import CycleState
from sanxin.ratings.models import Cycle, GradeRecord
from sanxin.ratings.standing import grades_in_force
from sanxin.regions.models import Region


@dataclass(frozen=True)
class Terms:
    """What a policy gives a grade: the line (yuan) and the annual rate (percent)."""

    line_amount: Decimal
    annual_rate: Decimal


def district_of(region: Region) -> int:
    """The id of the district a region lies in (the first id of its path)."""
    return Region.ids_in_path(region.path)[0]


def policies_of(district_id: int) -> QuerySet[CreditPolicy]:
    """A district's policy versions, the latest first, with their grades."""
    return (
        CreditPolicy.objects.filter(district_id=district_id)
        .select_related("published_by")
        .prefetch_related(Prefetch("grades", queryset=CreditPolicyGrade.objects.order_by("grade")))
        .order_by("-effective_from", "-version")
    )


def policy_in_force(district: Region | int, on: date) -> CreditPolicy | None:
    """The district's policy version in force on `on`: the latest effective on or
    before that day (of two effective the same day, the later version). Its grades
    prefetched. Two queries."""
    district_id: int = district.pk if isinstance(district, Region) else district
    return policies_of(district_id).filter(effective_from__lte=on).first()


def policy_terms(policy: CreditPolicy) -> dict[str, Terms]:
    """{grade: Terms} of a policy (grades without a line are absent). Uses the
    prefetched grades when there are."""
    return {g.grade: Terms(g.line_amount, g.annual_rate) for g in policy.grades.all()}


def terms_for(policy: CreditPolicy | None, grade: str | None) -> Terms | None:
    """The line and rate `policy` gives `grade`, or None: no policy, no grade, or a
    grade the policy gives no line (unrated, and any it leaves out)."""
    if policy is None or not grade:
        return None
    return policy_terms(policy).get(grade)


def latest_final_cycle(village: Region | int) -> Cycle | None:
    """The village's final cycle of the latest period (the cycle its grades in force
    come from). One query."""
    village_id = getattr(village, "pk", village)
    cycles = Cycle.objects.filter(village_id=village_id, state=CycleState.FINAL)
    return max(cycles, key=lambda c: (periods.order_key(c.period), c.pk), default=None)


def latest_final_cycles(village_ids: Iterable[int]) -> dict[int, Cycle]:
    """{village id: its latest final cycle} for many villages. One query."""
    latest: dict[int, Cycle] = {}
    for c in Cycle.objects.filter(village_id__in=list(village_ids), state=CycleState.FINAL):
        held = latest.get(c.village_id)
        if held is None or (periods.order_key(c.period), c.pk) > (
            periods.order_key(held.period),
            held.pk,
        ):
            latest[c.village_id] = c
    return latest


def current_line(household: Household | int) -> CreditLine | None:
    """The household's current line (granted, lowered or suspended), if any."""
    household_id: int = household.pk if isinstance(household, Household) else household
    return (
        CreditLine.objects.filter(household_id=household_id, status__in=LINE_CURRENT)
        .select_related("policy", "cycle")
        .first()
    )


def line_usable(line: CreditLine | None, today: date) -> bool:
    """Whether the household may draw on the line today: granted or lowered, within
    its validity, not declined by the bank, with something to draw."""
    return (
        line is not None
        and line.status in LINE_USABLE
        and line.bank_decision != BankDecision.DECLINED
        and today <= line.valid_until
        and bool(line.amount)
    )


@dataclass
class EligibleRow:
    """One household of a village's latest final cycle on the officer's lines page."""

    household: Household
    record: GradeRecord | None  # the grade in force
    terms: Terms | None  # what the policy gives that grade (None: no line)
    line: CreditLine | None  # the household's line from this cycle (the latest), if any
    old_line: CreditLine | None  # a current line from an earlier cycle, ended by a grant

    @property
    def grade(self) -> str | None:
        return self.record.grade if self.record else None

    @property
    def eligible(self) -> bool:
        return self.terms is not None

    @property
    def to_grant(self) -> bool:
        """Granted by a bulk grant: eligible, and nothing decided from this cycle yet
        (after the officer's or the bank's refusal only a grant one by one)."""
        return self.eligible and self.line is None

    @property
    def may_grant(self) -> bool:
        """May be granted one by one: eligible, with no current line from this cycle."""
        return self.eligible and (self.line is None or self.line.status not in LINE_CURRENT)

    @property
    def may_decline(self) -> bool:
        return self.eligible and (self.line is None or self.line.status == LineStatus.BANK_DECLINED)


def village_rows(village: Region, cycle: Cycle, policy: CreditPolicy | None) -> list[EligibleRow]:
    """The village's active households, each with its grade in force (if it comes
    from `cycle`), the policy's terms for it and its lines. Four queries."""
    households = list(
        Household.objects.filter(village=village, status=HouseholdStatus.ACTIVE)
        .select_related("villager_group")
        .order_by("number", "pk")
    )
    ids = [h.pk for h in households]
    records = grades_in_force(ids)
    lines: dict[int, CreditLine] = {}
    old: dict[int, CreditLine] = {}
    for line in (
        CreditLine.objects.filter(household_id__in=ids)
        .filter(Q(cycle=cycle) | Q(status__in=LINE_CURRENT))
        .order_by("granted_at", "pk")
    ):
        if line.cycle_id == cycle.pk:
            lines[line.household_id] = line  # the latest of this cycle wins
        else:
            old[line.household_id] = line
    rows = []
    for h in households:
        record = records.get(h.pk)
        if record is not None and record.cycle_id != cycle.pk:
            record = None  # graded in another period's cycle: not from this one
        rows.append(
            EligibleRow(
                household=h,
                record=record,
                terms=terms_for(policy, record.grade if record else None),
                line=lines.get(h.pk),
                old_line=old.get(h.pk),
            )
        )
    return rows


def attention_lines(lines: QuerySet[CreditLine]) -> QuerySet[CreditLine]:
    """Lines a grade change suspended, lowered or restored that the officer has not
    yet looked at, with their latest event."""
    return (
        lines.filter(needs_attention=True)
        .select_related("household", "village")
        .prefetch_related(
            Prefetch("events", queryset=CreditLineEvent.objects.order_by("-at", "-pk"))
        )
        .order_by("village__path", "household__number")
    )


@dataclass
class VillageSummary:
    village: Region
    cycle: Cycle | None
    decided: int  # lines granted or declined from the latest final cycle
    attention: int

    @property
    def ready(self) -> bool:
        """A final cycle from which no line was yet granted or declined."""
        return self.cycle is not None and self.decided == 0


def village_summaries(
    regions: QuerySet[Region], lines: QuerySet[CreditLine]
) -> list[VillageSummary]:
    """Per village in reach: its latest final cycle, the lines decided from it and the
    lines needing attention. Three queries."""
    villages = list(regions.select_related("parent").order_by("path"))
    cycles = latest_final_cycles(v.pk for v in villages)
    counts: dict[tuple[int, int], int] = {
        (row["village_id"], row["cycle_id"]): row["n"]
        for row in lines.filter(village_id__in=[v.pk for v in villages])
        .values("village_id", "cycle_id")
        .annotate(n=Count("pk"))
    }
    attention = {
        row["village_id"]: row["n"]
        for row in lines.filter(needs_attention=True).values("village_id").annotate(n=Count("pk"))
    }
    return [
        VillageSummary(
            village=v,
            cycle=cycles.get(v.pk),
            decided=counts.get((v.pk, cycles[v.pk].pk), 0) if v.pk in cycles else 0,
            attention=attention.get(v.pk, 0),
        )
        for v in villages
    ]


def household_lines(household: Household) -> list[CreditLine]:
    """Every line of the household, the newest first, with their events."""
    return list(
        CreditLine.objects.filter(household=household)
        .select_related("cycle", "policy")
        .prefetch_related(Prefetch("events", queryset=CreditLineEvent.objects.order_by("at", "pk")))
        .order_by("-granted_at", "-pk")
    )
