"""Reads for rating cycles, through the user's scope."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from sanxin.accounts.scope import Perm, Scope
from sanxin.households.models import Household
from sanxin.ratings.models import (
    Adjustment,
    AdjustmentDecision,
    Appeal,
    AppealDecision,
    Cycle,
    CycleState,
    GradeRecord,
    GradeSource,
    Rating,
)
from sanxin.regions.models import Level, Region
from sanxin.rules.scheme import GRADES, PARTY_TIERS


def visible_villages(scope: Scope) -> QuerySet[Region]:
    """Villages the user sees some households of: covered by a region grant, holding
    a grant's villager group, or holding a villager's own household."""
    condition = Q(pk__in=[])
    for g in scope.grants_for(Perm.VIEW_REGISTRY):
        if g.region_path:
            ancestors = [int(p) for p in g.region_path.strip("/").split("/") if p]
            condition |= Q(path__startswith=g.region_path) | Q(pk__in=ancestors)
        elif g.household_id:
            condition |= Q(pk__in=Household.objects.filter(pk=g.household_id).values("village_id"))
    return Region.objects.filter(condition, level=Level.VILLAGE)


def cycles_for(scope: Scope) -> QuerySet[Cycle]:
    return Cycle.objects.filter(village__in=visible_villages(scope)).select_related("village__parent")


def get_cycle(scope: Scope, pk) -> Cycle:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    cycle = cycles_for(scope).filter(pk=pk).first()
    if cycle is None:
        raise Http404
    return cycle


def current_ratings(cycle: Cycle, scope: Scope | None = None) -> QuerySet[Rating]:
    """The rows of the cycle's latest run (those in the user's scope when given)."""
    qs = Rating.objects.filter(cycle=cycle, run=cycle.current_run)
    if scope is not None:
        qs = qs.filter(household__in=scope.households(Perm.VIEW_REGISTRY))
    return qs


def filter_ratings(qs: QuerySet[Rating], *, grade: str = "", vetoed: str = "", party: str = "") -> QuerySet[Rating]:
    if grade in GRADES:
        qs = qs.filter(grade=grade)
    if vetoed == "1":
        qs = qs.filter(vetoed=True)
    if party == "1":
        qs = qs.filter(tier__in=list(PARTY_TIERS))
    return qs


def grade_distribution(qs: QuerySet[Rating]) -> list[tuple[str, int]]:
    """[(grade, count)] best grade first, every grade listed (one query)."""
    counts = dict(qs.order_by().values_list("grade").annotate(n=Count("id")))
    return [(g, counts.get(g, 0)) for g in reversed(GRADES)]


def adjusted_grades(cycle: Cycle) -> dict[int, str]:
    """{household id: grade} of the households whose grade a confirmed adjustment
    or an upheld appeal changed (the latest one wins). Two queries."""
    rows = (
        Adjustment.objects.filter(cycle=cycle, decision__confirmed=True)
        .order_by("proposed_at", "id").values_list("household_id", "to_grade")
    )
    grades = dict(rows)
    grades.update(upheld_appeal_grades(cycle))
    return grades


def upheld_appeal_grades(cycle: Cycle) -> dict[int, str]:
    """{household id: grade} set by upheld appeals (the latest wins). One query.
    Appeals come during the notice, after every adjustment, so they win over them."""
    rows = (
        AppealDecision.objects.filter(appeal__cycle=cycle, upheld=True).exclude(to_grade="")
        .order_by("decided_at", "id").values_list("appeal__household_id", "to_grade")
    )
    return dict(rows)


def effective_grades(cycle: Cycle) -> dict[int, str]:
    """{household id: effective grade} for every household of the cycle's current
    run: the latest upheld appeal, else the latest confirmed adjustment, else the
    snapshot's grade. Three queries."""
    grades = dict(current_ratings(cycle).values_list("household_id", "grade"))
    grades.update({h: g for h, g in adjusted_grades(cycle).items() if h in grades})
    return grades


def previous_cycle(cycle: Cycle) -> Cycle | None:
    """The same village's cycle of the latest earlier period (by period order)."""
    return (
        Cycle.objects.filter(village_id=cycle.village_id, period__lt=cycle.period, current_run__gt=0)
        .order_by("-period").first()
    )


def distributions_by_cycle(cycles: list[Cycle]) -> dict[int, Counter]:
    """{cycle id: Counter(grade → households)}. Final cycles count the grades they put
    in force; the others their effective grades (the current run's snapshot, with
    confirmed adjustments and upheld appeals applied, as `selectors.effective_grades`).
    Five queries whatever the number of cycles and households."""
    counts: dict[int, Counter] = {c.pk: Counter() for c in cycles}
    final = [c.pk for c in cycles if c.state == CycleState.FINAL]
    others = [c.pk for c in cycles if c.state != CycleState.FINAL]
    if final:
        rows = (
            GradeRecord.objects.filter(cycle_id__in=final, source=GradeSource.CYCLE)
            .order_by().values_list("cycle_id", "grade").annotate(n=Count("id"))
        )
        for cycle_id, grade, n in rows:
            counts[cycle_id][grade] += n
    if not others:
        return counts
    current = Rating.objects.filter(cycle_id__in=others, run=F("cycle__current_run"))
    for cycle_id, grade, n in current.order_by().values_list("cycle_id", "grade").annotate(n=Count("id")):
        counts[cycle_id][grade] += n
    # Households whose grade the committee or an appeal changed: the latest wins,
    # appeals (during the notice) over adjustments (during the review).
    changed: dict[tuple[int, int], str] = {}
    adjustments = (
        AdjustmentDecision.objects.filter(adjustment__cycle_id__in=others, confirmed=True)
        .order_by("adjustment__proposed_at", "adjustment_id")
        .values_list("adjustment__cycle_id", "adjustment__household_id", "adjustment__to_grade")
    )
    appeals = (
        AppealDecision.objects.filter(appeal__cycle_id__in=others, upheld=True).exclude(to_grade="")
        .order_by("decided_at", "id").values_list("appeal__cycle_id", "appeal__household_id", "to_grade")
    )
    for rows in (adjustments, appeals):
        for cycle_id, household_id, grade in rows:
            changed[cycle_id, household_id] = grade
    if changed:
        snapshot = current.filter(household_id__in={h for _, h in changed}).values_list("cycle_id", "household_id", "grade")
        for cycle_id, household_id, grade in snapshot:
            to_grade = changed.get((cycle_id, household_id))
            if to_grade is not None:
                counts[cycle_id][grade] -= 1
                counts[cycle_id][to_grade] += 1
    return counts


def open_appeals_by_cycle(scope: Scope) -> list[dict]:
    """[{cycle id, village name, period label, open}] for the cycles with unanswered
    appeals about households the user reviews (committee home page). Two queries."""
    rows = (
        Appeal.objects.filter(decision__isnull=True, household__in=scope.households(Perm.REVIEW_POINTS))
        .order_by().values("cycle_id").annotate(n=Count("id"))
    )
    counts = {r["cycle_id"]: r["n"] for r in rows}
    cycles = Cycle.objects.filter(pk__in=list(counts)).select_related("village").order_by("-period", "village__path")
    return [{"cycle": c, "open": counts[c.pk]} for c in cycles]
