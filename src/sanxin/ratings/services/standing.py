"""Writing grade records, by the one rule of ratings/standing.py: a final cycle's
record for each household (bulk), and the dynamic record when a veto event, an
approved veto item or an appeal's reversal changes a household's grade in force
between cycles (standing_refresh)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sanxin.audit.services import audit
from sanxin.households.models import Household
from sanxin.notifications.choices import Kind
from sanxin.notifications.services import notify
from sanxin.ratings import periods
from sanxin.ratings.choices import GradeSource
from sanxin.ratings.models import Cycle, GradeRecord, Rating
from sanxin.ratings.signals import grade_changed
from sanxin.ratings.standing import BATCH, active_caps, in_force, valid_until
from sanxin.regions.models import Region
from sanxin.rules.scheme import GRADE_LABELS, lower_grade

if TYPE_CHECKING:
    from sanxin.accounts.models import User


def _records_for_final_cycle(
    *, cycle: Cycle, grades: dict[int, str], actor: User | None, today: date, now: datetime
) -> int:
    """Write the final cycle's grade record for every household in `grades`
    (bulk inserts) and tell each household. Returns the number written. No permission
    check: `cycle_advance` calls it inside its own checked, locked transaction."""
    until = valid_until(today)
    user = actor if getattr(actor, "pk", None) else None
    district_id = Region.district_id_in_path(cycle.village.path)
    rows = [
        GradeRecord(
            household_id=household_id,
            district_id=district_id,
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
            district_id=district_id,
            household_id__in=Rating.objects.filter(
                district_id=district_id, cycle=cycle, run=cycle.current_run
            ).values("household_id"),
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
            district_id=district_id,
            kind=Kind.GRADE_FINAL,
            at=now,
            url=url,
            title=f"您家的信用等级已确定：{GRADE_LABELS.get(grade, grade)}",
            body=f"{cycle.village.name} {cycle.period_label}评定已于 {today:%Y-%m-%d} 最终确定，有效至 {until:%Y-%m-%d}（下一周期评定生效后以新等级为准）。",
        )
    return len(rows)


@transaction.atomic
def standing_refresh(
    *,
    household: Household,
    actor: User | None,
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
    if base is None:  # every record in force cites a final cycle with its own record
        return None
    vetoes = active_caps(household, today)
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
        district_id=household.district_id,
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
    grade_changed.send(
        sender=GradeRecord,
        household=household,
        record=record,
        before=current.grade,
        actor=actor,
        now=now,
    )
    return record
