"""A household's standing: the grade in force (在用等级) and its history.

A cycle becoming final writes one `GradeRecord` per household (source=cycle),
effective from that day until the next final cycle, at most a year. Between
cycles a serious event — a veto or direct-grading decision, or an approved veto
item — changes the grade at once (动态调整, source=dynamic), with a notification
to the household; when the event is revoked or has run out the grade returns to
the cycle's. Records are append-only: the grade in force is the latest record."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from sanxin.households.models import Household
from sanxin.ledger.selectors import household_facts
from sanxin.notifications.models import Kind
from sanxin.notifications.services import notify
from sanxin.oversight.services import audit
from sanxin.ratings.models import Cycle, GradeRecord, GradeSource
from sanxin.rules import engine
from sanxin.rules.scheme import GRADE_LABELS, lower_grade
from sanxin.rules.selectors import scheme_for_village

BATCH = 2000


def valid_until(effective_from: date) -> date:
    """A cycle's grade holds until the next cycle is final, and at most one year."""
    try:
        return effective_from.replace(year=effective_from.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return effective_from.replace(year=effective_from.year + 1, day=28)


def grade_in_force(household: Household | int) -> GradeRecord | None:
    """The latest grade record of the household (None before its first final cycle). One query."""
    household_id = getattr(household, "pk", household)
    return (
        GradeRecord.objects.filter(household_id=household_id)
        .select_related("cycle")
        .order_by("-id")
        .first()
    )


def grade_history(household: Household | int) -> QuerySet[GradeRecord]:
    """Every grade record of the household, newest first."""
    household_id = getattr(household, "pk", household)
    return (
        GradeRecord.objects.filter(household_id=household_id)
        .select_related("cycle", "recorded_by")
        .order_by("-id")
    )


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
    by_grade: dict[str, list[int]] = {}
    for household_id, grade in grades.items():
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


def standing_refresh(
    *,
    household: Household,
    actor,
    today: date | None = None,
    veto_event=None,
    entry=None,
    now: datetime | None = None,
) -> GradeRecord | None:
    """Re-check the household's grade in force against the vetoes active today and
    write a dynamic record when it changes: lowered by a new veto, or restored when
    one is revoked or has run out. Households without a final grade are left alone.
    Returns the new record, or None when nothing changed."""
    today = today or timezone.localdate()
    current = grade_in_force(household)
    if current is None:
        return None
    base = (
        GradeRecord.objects.filter(household=household, source=GradeSource.CYCLE)
        .order_by("-id")
        .first()
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
        effective_from=today,
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


def households_to_recheck(region_path: str = "") -> QuerySet[Household]:
    """Households whose grade in force is a dynamic adjustment (a veto may have run
    out since) — the only ones a daily re-check can change; events that start a veto
    refresh their household at once. Two queries whatever the size."""
    latest = (
        GradeRecord.objects.filter(household=OuterRef("pk")).order_by("-id").values("source")[:1]
    )
    qs = Household.objects.annotate(latest_source=Subquery(latest)).filter(
        latest_source=GradeSource.DYNAMIC
    )
    if region_path:
        qs = qs.filter(villager_group__path__startswith=region_path)
    return qs.select_related("village", "villager_group")


def standings_refresh(
    *, households: Iterable[Household], actor, today: date | None = None
) -> list[GradeRecord]:
    """`standing_refresh` for several households (the daily `sanxin refresh-grades`)."""
    return [
        r
        for h in households
        if (r := standing_refresh(household=h, actor=actor, today=today)) is not None
    ]
