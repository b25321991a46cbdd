"""Writes for rating cycles: open, compute (one cycle, or a whole district at once,
set-based) and advance through the states. Ratings are never updated: a re-run
writes a new run and then moves the cycle's `current_run` to it."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.households.choices import HouseholdStatus
from sanxin.households.models import Household
from sanxin.lib.bulk import bulk_insert
from sanxin.notifications.choices import Kind
from sanxin.notifications.services import notify
from sanxin.ratings import periods, selectors, standing
from sanxin.ratings.aggregates import aggregates_for_households
from sanxin.ratings.choices import Cadence, CycleState
from sanxin.ratings.facts import CHUNK_SIZE, schemes_for_villages
from sanxin.ratings.models import Appeal, Cycle, Rating, RatingPolicy, ReviewMeeting
from sanxin.ratings.services.standing import _records_for_final_cycle, standing_refresh
from sanxin.ratings.signals import cycle_final
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules import engine
from sanxin.rules.aggregates import grade_from_aggregates
from sanxin.rules.models import SchemeVersion
from sanxin.rules.selectors import scheme_for_village
from sanxin.rules.services import scheme_version_mark_in_use

if TYPE_CHECKING:
    from sanxin.accounts.models import User

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

COMPUTABLE = {CycleState.OPEN, CycleState.COMPUTED, CycleState.REVIEW}
BUSY = "另一项计算刚刚改变了该评定周期，本次计算未生效；请查看最新结果，需要时再计算"
# The public notice runs this many days, both ends included.
NOTICE_DAYS = 7
# The one step forward from each state, and the timestamp it sets.
NEXT_STATE: dict[str, tuple[CycleState, str]] = {
    CycleState.COMPUTED: (CycleState.REVIEW, "review_at"),
    CycleState.REVIEW: (CycleState.NOTICE, "notice_at"),
    CycleState.NOTICE: (CycleState.FINAL, "finalised_at"),
}


def _check_can_manage(actor: User | None, village: Region) -> None:
    """Committee head/deputy of the village, town or district admins over it
    (Perm.RUN_RATINGS)."""
    if actor is not None and not scope_for(actor).covers_region(village, Perm.RUN_RATINGS):
        raise PermissionDenied("只有本村评信团团长、副团长或镇、区管理员可以管理评定周期")


def district_of(region: Region) -> Region | None:
    """The district a region belongs to (from its materialised path). One query."""
    return Region.objects.filter(pk__in=region.ancestor_ids, level=Level.DISTRICT).first()


def cadence_for(region: Region) -> str:
    """The district's rating period: a year unless it chose quarters."""
    district = region if region.level == Level.DISTRICT else district_of(region)
    policy = RatingPolicy.objects.filter(district=district).first() if district else None
    return policy.cadence if policy else Cadence.YEAR


@transaction.atomic
def policy_set(*, actor: User | None, district: Region, cadence: str) -> RatingPolicy:
    """The district admin chooses yearly or quarterly cycles for the whole district."""
    if district.level != Level.DISTRICT or not scope_for(actor).covers_region(
        district, Perm.SET_RATING_CADENCE
    ):
        raise PermissionDenied("只有区管理员可以设置本区的评定周期")
    if cadence not in Cadence.values:
        raise ValidationError({"cadence": "请选择按年度或按季度评定"})
    policy, _ = RatingPolicy.objects.select_for_update().get_or_create(district=district)
    before = policy.cadence
    policy.cadence, policy.updated_by = cadence, actor
    policy.save()
    audit(
        actor=actor,
        action="rating.policy",
        obj=policy,
        region_path=district.path,
        before={"cadence": before},
        after={"cadence": cadence},
    )
    return policy


def period_problem(
    *, actor: User | None, village: Region, period: str, cadence: str, today: date, history: bool
) -> str:
    """Why a cycle of `period` may not be opened today ('' if it may). A cycle is for
    the current period or the next one; an earlier period only as an explicit
    re-run of history (`history`) by a district admin over the village (or the
    system, e.g. `compute-cycles --history`). Raises PermissionDenied for a re-run
    by anyone else."""
    this, following = periods.allowed_to_open(cadence, today)
    if period in (this, following):
        return ""
    if not periods.is_past(period, cadence, today):
        return (
            f"只能开启本期（{periods.label(this)}）或下一期（{periods.label(following)}）的评定周期"
        )
    if not history:
        return (
            f"{periods.label(period)}已经过去：只能开启本期（{periods.label(this)}）或下一期"
            f"（{periods.label(following)}）的评定周期；重算以往评定期须由区管理员选择“重算历史评定期”"
        )
    if actor is not None and not scope_for(actor).covers_region(village, Perm.OPEN_PAST_CYCLE):
        raise PermissionDenied("只有区管理员可以开启以往评定期的周期（重算历史）")
    return ""


@transaction.atomic
def cycle_open(
    *,
    actor: User | None,
    village: Region,
    period: str,
    cut_off: date,
    history: bool = False,
    today: date | None = None,
) -> Cycle:
    """Open a village's cycle for the current period or the next one. `history`:
    the district admin's explicit choice to re-run a past period (audited as
    such); its final grades are history and never override a later period's.
    `today` defaults to now (the demo builds its past calendar with it)."""
    _check_can_manage(actor, village)
    if village.level != Level.VILLAGE:
        raise ValidationError("评定周期属于一个村")
    cadence = cadence_for(village)
    period = periods.normalise(period, cadence)
    today = today or timezone.localdate()
    why = period_problem(
        actor=actor, village=village, period=period, cadence=cadence, today=today, history=history
    )
    if why:
        raise ValidationError({"period": why})
    if Cycle.objects.filter(village=village, period=period).exists():
        raise ValidationError({"period": f"{village.name}已有 {periods.label(period)}的评定周期"})
    past = periods.is_past(period, cadence, today)
    cycle = Cycle.objects.create(village=village, period=period, cut_off=cut_off, created_by=actor)
    audit(
        actor=actor,
        action="cycle.open_history" if past else "cycle.open",
        obj=cycle,
        region_path=village.path,
        after={"period": period, "cut_off": cut_off.isoformat(), "history": past},
    )
    return cycle


@dataclass
class ComputeReport:
    cycles: list[Cycle] = field(default_factory=list)
    households: int = 0
    grades: dict[int, Counter] = field(default_factory=dict)  # cycle id -> Counter(grade)
    skipped: list[Cycle] = field(default_factory=list)  # on notice or final: left alone


def _rating(
    cycle: Cycle,
    run: int,
    household_id: int,
    version: SchemeVersion,
    result: engine.GradeResult,
    now,
) -> Rating:
    return Rating(
        cycle=cycle,
        run=run,
        household_id=household_id,
        # The household's district is its village's (docs/scaling.md).
        district_id=Region.district_id_in_path(cycle.village.path),
        scheme_version=version,
        tier=result.tier,
        total=result.total,
        computed_grade=result.computed_grade,
        grade=result.grade,
        vetoed=bool(result.vetoes),
        components={
            c.code: (str(c.score) if c.score is not None else None) for c in result.components
        },
        reasons=list(result.reasons),
        result=result.to_dict(),
        computed_at=now,
    )


def _compute(
    *,
    actor: User | None,
    cycles: list[Cycle],
    versions: dict[int, SchemeVersion | None],
    progress: Progress | None,
) -> ComputeReport:
    """Grade every active household of the cycles' villages from aggregates
    (`ratings.aggregates`, `rules.aggregates`: the database sums the entries) and
    write the ratings by the database's bulk path (`lib.bulk`). Queries: a few per
    chunk of CHUNK_SIZE households, plus a few per cycle; none per household."""
    report = ComputeReport(cycles=cycles)
    if not cycles:
        return report
    started = time.perf_counter()
    missing = [c.village.name for c in cycles if versions.get(c.village_id) is None]
    if missing:
        raise ValidationError(f"截止日期时这些村还没有生效的评分方案：{'、'.join(missing)}")
    in_force = {village_id: v for village_id, v in versions.items() if v is not None}
    # One district at a time: every query below names it, so a database distributed
    # by district (docs/scaling.md) answers each from one node.
    districts = {Region.district_id_in_path(c.village.path) for c in cycles}
    if len(districts) != 1:
        raise ValueError("cycles of one district at a time")
    district_id = districts.pop()
    now = timezone.now()
    by_village = {c.village_id: c for c in cycles}
    last_runs = dict(
        Rating.objects.filter(district_id=district_id, cycle__in=cycles)
        .values("cycle")
        .annotate(m=Max("run"))
        .values_list("cycle", "m")
    )
    runs = {c.pk: max(c.current_run, last_runs.get(c.pk) or 0) + 1 for c in cycles}
    households = Household.objects.filter(
        district_id=district_id, village_id__in=list(by_village), status=HouseholdStatus.ACTIVE
    )
    total = households.count()
    report.grades = {c.pk: Counter() for c in cycles}
    done, last_pk = 0, 0
    while True:
        chunk = list(
            households.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "village_id")[:CHUNK_SIZE]
        )
        if not chunk:
            break
        last_pk = chunk[-1][0]
        # A cycle's households are graded as of its own cut-off (normally one date for
        # all) under its village's scheme version (normally one for the district).
        groups: dict[tuple[date, int], list[tuple[int, int]]] = {}
        for pk, village_id in chunk:
            key = (by_village[village_id].cut_off, in_force[village_id].pk)
            groups.setdefault(key, []).append((pk, village_id))
        rows = []
        for (as_of, _version), pairs in groups.items():
            scheme = in_force[pairs[0][1]].scheme
            aggregates = aggregates_for_households(
                [pk for pk, _ in pairs], as_of, scheme, district_id=district_id
            )
            for pk, village_id in pairs:
                cycle, version = by_village[village_id], in_force[village_id]
                result = grade_from_aggregates(version.scheme, aggregates[pk], as_of)
                rows.append(_rating(cycle, runs[cycle.pk], pk, version, result, now))
                report.grades[cycle.pk][result.grade] += 1
        try:
            with transaction.atomic():
                bulk_insert(Rating, rows)
        except IntegrityError:
            raise ValidationError(BUSY) from None
        done += len(chunk)
        if progress:
            progress(done, total)
    report.households = done
    with transaction.atomic():
        # Re-checked under the lock: a cycle changed meanwhile is not moved to this run.
        fresh = {
            pk: (state, run)
            for pk, state, run in Cycle.objects.select_for_update()
            .filter(pk__in=[c.pk for c in cycles])
            .values_list("pk", "state", "current_run")
        }
        if any(fresh[c.pk] != (c.state, c.current_run) for c in cycles):
            raise ValidationError(BUSY)
        for version in {v.pk: v for v in versions.values() if v is not None}.values():
            scheme_version_mark_in_use(version)
        for c in cycles:
            before = {"state": c.state, "run": c.current_run}
            c.current_run = runs[c.pk]
            c.computed_at = now
            if c.state == CycleState.OPEN:
                c.state = CycleState.COMPUTED
            grades = report.grades[c.pk]
            audit(
                actor=actor,
                action="cycle.compute",
                obj=c,
                region_path=c.village.path,
                at=now,
                before=before,
                after={
                    "state": c.state,
                    "run": c.current_run,
                    "households": sum(grades.values()),
                    "grades": dict(sorted(grades.items())),
                    "scheme_version": str(versions[c.village_id]),
                },
            )
        Cycle.objects.bulk_update(cycles, ["current_run", "computed_at", "state"])
    logger.info(
        "cycle computation: %d cycles (ids %s), %d households in %.2f s",
        len(cycles), ",".join(str(c.pk) for c in cycles[:20]), report.households,
        time.perf_counter() - started,
    )  # fmt: skip
    return report


def _check_computable(cycle: Cycle) -> None:
    if cycle.state not in COMPUTABLE:
        raise ValidationError(f"评定周期已{cycle.get_state_display()}，不能再计算")


def _check_not_stale(cycle: Cycle, seen: Cycle) -> None:
    """Refuse a click made on a page older than the cycle: someone (or a second
    click) changed it in the meantime."""
    if (seen.state, seen.current_run) != (cycle.state, cycle.current_run):
        raise ValidationError(
            f"评定周期刚刚已有变化（现为“{cycle.get_state_display()}”，"
            f"第 {cycle.current_run} 次计算），请勿重复提交；请查看最新结果后再操作"
        )


def _locked(cycle: Cycle) -> Cycle:
    """The cycle's row, locked until the end of the transaction (on SQLite the
    IMMEDIATE transaction already holds the write lock)."""
    return Cycle.objects.select_for_update().select_related("village").get(pk=cycle.pk)


@transaction.atomic
def cycle_compute(
    *, actor: User | None, cycle: Cycle, progress: Progress | None = None
) -> ComputeReport:
    """Compute (or re-compute) one cycle under the scheme in force on its cut-off.
    The cycle's row stays locked for the whole computation, and a request made on
    a stale view of the cycle (a second click) is refused with a message: the work
    is done once. The caller's `cycle` is brought up to date."""
    _check_can_manage(actor, cycle.village)
    locked = _locked(cycle)
    _check_computable(locked)
    _check_not_stale(locked, cycle)
    versions = {locked.village_id: scheme_for_village(locked.village, locked.cut_off)}
    report = _compute(actor=actor, cycles=[locked], versions=versions, progress=progress)
    cycle.state, cycle.current_run, cycle.computed_at = (
        locked.state,
        locked.current_run,
        locked.computed_at,
    )
    return report


@dataclass
class DistrictCycles:
    cycles: list[Cycle]  # computable (open, computed, under review)
    skipped: list[Cycle]  # on notice or final: left alone
    villages: int
    opened: int


def cycles_open_district(
    *,
    district: Region,
    period: str,
    cut_off: date,
    actor: User | None = None,
    villages: Iterable[Region] | None = None,
    history: bool = False,
    today: date | None = None,
) -> DistrictCycles:
    """Open the missing cycles of `period` for every village of the district that has
    households (one transaction) and return the district's cycles of that period.
    A past period's cycles are opened only with `history` (see `period_problem`)."""
    if district.level != Level.DISTRICT:
        raise ValidationError("请指定一个区")
    cadence = cadence_for(district)
    period = periods.normalise(period, cadence)
    qs = (
        Region.objects.filter(
            level=Level.VILLAGE,
            path__startswith=district.path,
            households__status=HouseholdStatus.ACTIVE,
        )
        .distinct()
        .order_by("path")
    )
    if villages is not None:
        qs = qs.filter(pk__in=[v.pk for v in villages])
    village_list = list(qs)
    if actor is not None:
        for v in village_list:
            _check_can_manage(actor, v)
    existing = {
        c.village_id: c
        for c in Cycle.objects.filter(village__in=village_list, period=period).select_related(
            "village"
        )
    }
    new = [
        Cycle(village=v, period=period, cut_off=cut_off, created_by=actor)
        for v in village_list
        if v.pk not in existing
    ]
    if new:
        why = period_problem(
            actor=actor,
            village=district,
            period=period,
            cadence=cadence,
            today=today or timezone.localdate(),
            history=history,
        )
        if why:
            raise ValidationError(why)
        with transaction.atomic():
            Cycle.objects.bulk_create(new)
            created = {
                c.village_id: c
                for c in Cycle.objects.filter(
                    village__in=[c.village for c in new], period=period
                ).select_related("village")
            }
            audit(
                actor=actor,
                action="cycle.open_district",
                obj=None,
                object_type="ratings.cycle",
                object_repr=f"{district.name} {period}",
                region_path=district.path,
                after={
                    "period": period,
                    "cut_off": cut_off.isoformat(),
                    "villages": len(created),
                    "history": periods.is_past(period, cadence, today or timezone.localdate()),
                },
            )
        existing.update(created)
    cycles = [existing[v.pk] for v in village_list]
    return DistrictCycles(
        cycles=[c for c in cycles if c.state in COMPUTABLE],
        skipped=[c for c in cycles if c.state not in COMPUTABLE],
        villages=len(village_list),
        opened=len(new),
    )


def cycles_compute_district(
    *,
    district: Region,
    period: str,
    cut_off: date,
    actor: User | None = None,
    villages: Iterable[Region] | None = None,
    progress: Progress | None = None,
    history: bool = False,
    today: date | None = None,
) -> ComputeReport:
    """Open the missing cycles of `period` for every village of the district that has
    households, then compute them all together. Cycles on notice or final are left
    alone (reported as skipped). Set-based: bulk facts per chunk across villages
    (`sanxin compute-cycles`; the pages compute village by village in a background
    job, ratings/jobs.py)."""
    found = cycles_open_district(
        district=district, period=period, cut_off=cut_off, actor=actor, villages=villages,
        history=history, today=today,
    )  # fmt: skip
    versions = schemes_for_villages([c.village for c in found.cycles], cut_off)
    report = _compute(actor=actor, cycles=found.cycles, versions=versions, progress=progress)
    report.skipped = found.skipped
    logger.info(
        "district compute of district %s, period %s: %d villages, %d cycles opened, "
        "%d computed, %d skipped, %d households",
        district.pk, period, found.villages, found.opened, len(found.cycles),
        len(found.skipped), report.households,
    )  # fmt: skip
    return report


@transaction.atomic
def cycle_advance(
    *,
    actor: User | None,
    cycle: Cycle,
    to_state: str,
    today: date | None = None,
    at: datetime | None = None,
) -> Cycle:
    """One step forward: computed → review → notice → final. Never back. Entering
    notice fixes its window (NOTICE_DAYS from `today`) and tells every household;
    final waits until the window has ended and every appeal is answered, then puts
    each household's grade in force (see `ratings.standing`). `today`/`at` default
    to now (the demo builds past cycles with them)."""
    _check_can_manage(actor, cycle.village)
    cycle = _locked(cycle)
    if cycle.state == to_state:
        # A second click (or a colleague) already did it: said plainly, done once.
        raise ValidationError(f"评定周期已进入“{cycle.get_state_display()}”，请勿重复提交")
    step = NEXT_STATE.get(cycle.state)
    if step is None or step[0] != to_state:
        allowed = (
            f"只能进入“{step[0].label}”"
            if step
            else ("已是最终状态" if cycle.state == CycleState.FINAL else "请先计算")
        )
        raise ValidationError(f"评定周期现为“{cycle.get_state_display()}”，{allowed}")
    if cycle.current_run == 0:
        raise ValidationError("评定周期还没有计算结果")
    if (
        cycle.state == CycleState.COMPUTED
        and timezone.localdate(cycle.computed_at) <= cycle.cut_off
    ):
        # Before the cut-off a computation is a preview: points may still come in.
        raise ValidationError(
            f"积分截止日期是 {cycle.cut_off:%Y-%m-%d}，请在截止日期之后重新计算，再提交评信团审核"
        )
    if cycle.state == CycleState.REVIEW and not ReviewMeeting.objects.filter(cycle=cycle).exists():
        raise ValidationError("请先记录评信团评审会议，才能进入公示")
    today = today or timezone.localdate()
    if cycle.state == CycleState.NOTICE and cycle.notice_ends_on and today <= cycle.notice_ends_on:
        raise ValidationError(f"公示期到 {cycle.notice_ends_on:%Y-%m-%d} 结束后才能定级")
    if cycle.state == CycleState.NOTICE:
        pending = Appeal.objects.filter(cycle=cycle, decision__isnull=True).count()
        if pending:
            raise ValidationError(f"还有 {pending} 项异议没有处理，全部答复后才能定级")
    before = cycle.state
    now = at or timezone.now()
    cycle.state, stamp = step
    setattr(cycle, stamp, now)
    fields = ["state", stamp, "updated_at"]
    if cycle.state == CycleState.NOTICE:
        cycle.notice_starts_on = today
        cycle.notice_ends_on = today + timedelta(days=NOTICE_DAYS - 1)
        fields += ["notice_starts_on", "notice_ends_on"]
    cycle.save(update_fields=fields)
    after: dict = {"state": cycle.state}
    if cycle.state == CycleState.NOTICE:
        after["households_notified"] = _notify_notice(cycle, now)
    elif cycle.state == CycleState.FINAL:
        after["grades_in_force"] = _put_in_force(cycle, actor, today, now)
        cycle_final.send(sender=Cycle, cycle=cycle, actor=actor, today=today, now=now)
    audit(
        actor=actor,
        action="cycle.advance",
        obj=cycle,
        region_path=cycle.village.path,
        at=now,
        before={"state": before},
        after=after,
    )
    return cycle


def _notify_notice(cycle: Cycle, now: datetime) -> int:
    district_id = Region.district_id_in_path(cycle.village.path)
    ids = (
        Rating.objects.filter(district_id=district_id, cycle=cycle, run=cycle.current_run)
        .values_list("household_id", flat=True)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    return notify(
        households=ids,
        district_id=district_id,
        kind=Kind.NOTICE_OPEN,
        at=now,
        url=reverse("ratings:notice", args=[cycle.pk]),
        title=f"{cycle.village.name} {cycle.period_label}信用等级评定结果开始公示",
        body=f"公示期 {cycle.notice_starts_on:%Y-%m-%d} 至 {cycle.notice_ends_on:%Y-%m-%d}。对本户等级或积分有异议的，请在公示期内提出。",
    )


def _put_in_force(cycle: Cycle, actor: User | None, today: date, now: datetime) -> int:
    """Each household's effective grade becomes its grade in force from today; a
    veto event or veto item still running today lowers it at once (the one rule of
    `ratings.standing`)."""
    written = _records_for_final_cycle(
        cycle=cycle, grades=selectors.effective_grades(cycle), actor=actor, today=today, now=now
    )
    # The one rule: every veto event and veto item running today caps the new grade.
    district_id = Region.district_id_in_path(cycle.village.path)
    vetoed = Household.objects.filter(
        standing.households_with_vetoes(today),
        district_id=district_id,
        pk__in=Rating.objects.filter(
            district_id=district_id, cycle=cycle, run=cycle.current_run
        ).values("household_id"),
    ).select_related("village", "villager_group")
    for household in vetoed:
        standing_refresh(household=household, actor=actor, today=today, now=now)
    return written
