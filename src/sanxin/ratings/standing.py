"""A household's standing: the grade in force (在用等级) and its history.

One rule decides the grade in force: the grade of the household's latest final
cycle — the cycle of the latest *period*, whatever the order cycles were finalised
in — capped by every veto event and veto item running on that day.

A cycle becoming final writes one `GradeRecord` per household (source=cycle),
effective from that day until the next final cycle, at most a year. Between
cycles a serious event — a veto or direct-grading decision, or an approved veto
item — changes the grade at once (动态调整, source=dynamic, citing the latest
period's cycle), with a notification to the household; when the event is revoked
or has run out the grade returns to the cycle's. Records are append-only: the
record in force is the one of the latest period with the latest effective date
(`in_force`), never simply the newest row. A re-run of a past period (opened by a
district admin) adds history lines but never overrides a later period's grade."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from sanxin.audit.services import audit
from sanxin.households.models import Household
from sanxin.ledger.models import Entry, VetoEvent
from sanxin.ledger.selectors import household_facts
from sanxin.notifications.models import Kind
from sanxin.notifications.services import notify
from sanxin.ratings import periods
from sanxin.ratings.models import Cycle, GradeRecord, GradeSource, Rating
from sanxin.rules import engine
from sanxin.rules.models import SchemeVersion
from sanxin.rules.scheme import GRADE_LABELS, lower_grade
from sanxin.rules.selectors import scheme_for_village

BATCH = 2000
# `refresh-grades` rechecks households whose veto ended within this many days (so a
# few days without the daily run lose nothing), besides those with one running.
RECHECK_DAYS = 31


def valid_until(effective_from: date) -> date:
    """A cycle's grade holds until the next cycle is final, and at most one year."""
    try:
        return effective_from.replace(year=effective_from.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return effective_from.replace(year=effective_from.year + 1, day=28)


def in_force_key(record: GradeRecord) -> tuple:
    """Orders a household's records: by the period of their cycle, then by the day
    they took effect, then by when they were written. The greatest is in force."""
    return (periods.order_key(record.cycle.period), record.effective_from, record.pk)


def in_force(records: Iterable[GradeRecord]) -> GradeRecord | None:
    """The record in force among one household's records (their `cycle` loaded). No query."""
    return max(records, key=in_force_key, default=None)


def grade_history(household: Household | int) -> list[GradeRecord]:
    """Every grade record of the household, the one in force first (then older
    periods and earlier changes). One query."""
    household_id = getattr(household, "pk", household)
    records = GradeRecord.objects.filter(household_id=household_id).select_related(
        "cycle", "recorded_by"
    )
    return sorted(records, key=in_force_key, reverse=True)


def grade_in_force(household: Household | int) -> GradeRecord | None:
    """The household's record in force (None before its first final cycle). One query."""
    household_id = getattr(household, "pk", household)
    return in_force(GradeRecord.objects.filter(household_id=household_id).select_related("cycle"))


def grades_in_force(household_ids: Iterable[int] | QuerySet) -> dict[int, GradeRecord]:
    """{household id: record in force} for many households. One query."""
    by_household: dict[int, list[GradeRecord]] = {}
    for record in GradeRecord.objects.filter(household_id__in=household_ids).select_related(
        "cycle"
    ):
        by_household.setdefault(record.household_id, []).append(record)
    return {pk: in_force(records) for pk, records in by_household.items()}


def is_expired(record: GradeRecord, today: date | None = None) -> bool:
    return (today or timezone.localdate()) > record.valid_until


def records_for_final_cycle(
    *, cycle: Cycle, grades: dict[int, str], actor, today: date, now: datetime
) -> int:
    """Write the final cycle's grade record for every household in `grades`
    (bulk inserts) and tell each household. Returns the number written."""
    until = valid_until(today)
    user = actor if getattr(actor, "pk", None) else None
    rows = [
        GradeRecord(
            household_id=household_id,
            grade=grade,
            source=GradeSource.CYCLE,
            cycle=cycle,
            effective_from=today,
            valid_until=until,
            reason=f"{cycle.period_label}评定结果",
            recorded_by=user,
            recorded_at=now,
        )
        for household_id, grade in grades.items()
    ]
    GradeRecord.objects.bulk_create(rows, batch_size=BATCH)
    # A household that already holds a later period's grade keeps it (a re-run of a
    # past period is history only): it is not told of a grade that is not in force.
    mine = periods.order_key(cycle.period)
    later = {
        household_id
        for household_id, period in GradeRecord.objects.filter(
            household_id__in=Rating.objects.filter(cycle=cycle, run=cycle.current_run).values(
                "household_id"
            ),
            source=GradeSource.CYCLE,
        )
        .exclude(cycle=cycle)
        .values_list("household_id", "cycle__period")
        .distinct()
        if periods.order_key(period) > mine
    }
    by_grade: dict[str, list[int]] = {}
    for household_id, grade in grades.items():
        if household_id not in later:
            by_grade.setdefault(grade, []).append(household_id)
    url = reverse("ratings:notice", args=[cycle.pk])
    for grade, ids in by_grade.items():
        notify(
            households=ids,
            kind=Kind.GRADE_FINAL,
            at=now,
            url=url,
            title=f"您家的信用等级已确定：{GRADE_LABELS.get(grade, grade)}",
            body=f"{cycle.village.name} {cycle.period_label}评定已于 {today:%Y-%m-%d} 最终确定，有效至 {until:%Y-%m-%d}（下一周期评定生效后以新等级为准）。",
        )
    return len(rows)


def _active_caps(household: Household, today: date) -> list[engine.AppliedVeto]:
    version = scheme_for_village(household.village, today)
    if version is None:
        return []
    result = engine.grade_household(version.scheme, household_facts(household, today), today)
    return list(result.vetoes)


@transaction.atomic
def standing_refresh(
    *,
    household: Household,
    actor,
    today: date | None = None,
    veto_event=None,
    entry=None,
    now: datetime | None = None,
) -> GradeRecord | None:
    """Apply the one rule (see the module) to the household today and write a
    dynamic record when its grade in force changes: lowered by a veto, or restored
    when one is revoked or has run out. Households without a final grade are left
    alone. Atomic, with the household's row locked, so two refreshes of one
    household never both write. Returns the new record, or None when nothing changed."""
    today = today or timezone.localdate()
    Household.objects.select_for_update().filter(pk=household.pk).first()
    records = list(GradeRecord.objects.filter(household=household).select_related("cycle"))
    current = in_force(records)
    if current is None:
        return None
    base = in_force(
        r for r in records if r.source == GradeSource.CYCLE and r.cycle_id == current.cycle_id
    )
    vetoes = _active_caps(household, today)
    grade = lower_grade(base.grade, *(v.cap_grade for v in vetoes))
    if grade == current.grade:
        return None
    now = now or timezone.now()
    if vetoes and grade != base.grade:
        names = "、".join(dict.fromkeys(v.name for v in vetoes))
        reason = f"因“{names}”，等级由{GRADE_LABELS[current.grade]}调整为{GRADE_LABELS[grade]}"
    else:
        reason = f"否决事项已撤销或期满，恢复{base.cycle.period_label}评定等级{GRADE_LABELS[grade]}"
    record = GradeRecord.objects.create(
        household=household,
        grade=grade,
        source=GradeSource.DYNAMIC,
        cycle=base.cycle,
        # Never before the record it follows, so the change is the one in force.
        effective_from=max(today, current.effective_from),
        valid_until=base.valid_until,
        reason=reason,
        veto_event=veto_event,
        entry=entry,
        recorded_by=actor if getattr(actor, "pk", None) else None,
        recorded_at=now,
    )
    audit(
        actor=actor,
        action="grade.dynamic",
        obj=record,
        region_path=household.villager_group.path,
        at=now,
        before={"grade": current.grade},
        after={"grade": grade, "reason": reason},
    )
    notify(
        households=[household.pk],
        kind=Kind.GRADE_CHANGED,
        at=now,
        url=reverse("ratings:household_grades", args=[household.pk]),
        title=f"您家的信用等级已调整为{GRADE_LABELS[grade]}",
        body=reason,
    )
    return record


def _veto_item_codes() -> tuple[set[str], int]:
    """The codes of the items that carry a veto in any scheme version, and the
    longest veto period among them (days). One query."""
    codes: set[str] = set()
    longest = 0
    for version in SchemeVersion.objects.all():
        for item in version.scheme.items:
            if item.veto is not None:
                codes.add(item.code)
                longest = max(longest, item.veto.days)
    return codes, longest


def households_with_vetoes(today: date, *, ended_within: int = 0) -> Q:
    """A condition on households: a veto event or an approved veto item running on
    `today`, or ended within the last `ended_within` days. Two queries' worth of
    subqueries, whatever the number of households."""
    since = today - timedelta(days=ended_within)
    events = VetoEvent.objects.filter(starts_on__lte=today).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=since)
    )
    condition = Q(pk__in=events.values("household_id"))
    codes, longest = _veto_item_codes()
    if codes:
        items = Entry.objects.filter(
            item_code__in=codes,
            review__approved=True,
            occurred_on__lte=today,
            occurred_on__gte=since - timedelta(days=longest),
        )
        condition |= Q(pk__in=items.values("household_id"))
    return condition


def households_to_recheck(
    region_path: str = "", today: date | None = None, days: int = RECHECK_DAYS
) -> QuerySet[Household]:
    """The households the daily re-check may change: those with a final grade and a
    veto event or veto item running today or ended within `days`, and those whose
    current period's grade was dynamically adjusted. A fixed number of queries
    whatever the size; events that start or end a veto refresh their household at once."""
    today = today or timezone.localdate()
    dynamic = GradeRecord.objects.filter(source=GradeSource.DYNAMIC, valid_until__gte=today)
    qs = Household.objects.filter(
        households_with_vetoes(today, ended_within=days) | Q(pk__in=dynamic.values("household_id")),
        pk__in=GradeRecord.objects.values("household_id"),
    )
    if region_path:
        qs = qs.filter(villager_group__path__startswith=region_path)
    return qs.select_related("village", "villager_group").order_by("pk")
