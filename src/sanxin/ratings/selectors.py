"""Reads for rating cycles, through the user's scope."""

from __future__ import annotations

from collections import Counter

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from sanxin.accounts.choices import COMMITTEE_ROLES
from sanxin.accounts.models import RoleAssignment
from sanxin.accounts.scope import Perm, Scope
from sanxin.households.models import Household
from sanxin.ratings.choices import CycleState, GradeSource
from sanxin.ratings.models import (
    AdjustmentDecision,
    Appeal,
    AppealDecision,
    Cycle,
    GradeRecord,
    Rating,
)
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules.scheme import GRADES, PARTY_TIERS


def visible_villages(scope: Scope) -> QuerySet[Region]:
    """Villages the user sees some households of: covered by a region grant, holding
    a grant's villager group, or holding a villager's own household."""
    condition = Q(pk__in=[])
    for g in scope.grants_for(Perm.VIEW_REGISTRY):
        if g.region_path:
            ancestors = Region.ids_in_path(g.region_path)
            condition |= Q(path__startswith=g.region_path) | Q(pk__in=ancestors)
        elif g.household_id:
            condition |= Q(pk__in=Household.objects.filter(pk=g.household_id).values("village_id"))
    return Region.objects.filter(condition, level=Level.VILLAGE)


def cycles_for(scope: Scope) -> QuerySet[Cycle]:
    return Cycle.objects.filter(village__in=visible_villages(scope)).select_related(
        "village__parent"
    )


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


def filter_ratings(
    qs: QuerySet[Rating], *, grade: str = "", vetoed: str = "", party: str = ""
) -> QuerySet[Rating]:
    if grade in GRADES:
        qs = qs.filter(grade=grade)
    if vetoed == "1":
        qs = qs.filter(vetoed=True)
    if party == "1":
        qs = qs.filter(tier__in=list(PARTY_TIERS))
    return qs


def grade_changes(
    cycle_ids: list[int], household_ids: list[int] | None = None
) -> dict[tuple[int, int], str]:
    """{(cycle id, household id): grade} for the grades changed after the snapshot:
    confirmed adjustments (during the review), then upheld appeals (during the
    notice, so after every adjustment); the latest of each wins. Two queries."""
    adjustments = AdjustmentDecision.objects.filter(
        adjustment__cycle_id__in=cycle_ids, confirmed=True
    )
    appeals = AppealDecision.objects.filter(appeal__cycle_id__in=cycle_ids, upheld=True).exclude(
        to_grade=""
    )
    if household_ids is not None:
        adjustments = adjustments.filter(adjustment__household_id__in=household_ids)
        appeals = appeals.filter(appeal__household_id__in=household_ids)
    changes: dict[tuple[int, int], str] = {}
    rows = [
        adjustments.order_by("adjustment__proposed_at", "adjustment_id").values_list(
            "adjustment__cycle_id", "adjustment__household_id", "adjustment__to_grade"
        ),
        appeals.order_by("decided_at", "id").values_list(
            "appeal__cycle_id", "appeal__household_id", "to_grade"
        ),
    ]
    for query in rows:
        for cycle_id, household_id, grade in query:
            changes[cycle_id, household_id] = grade
    return changes


def adjusted_grades(cycle: Cycle) -> dict[int, str]:
    """{household id: grade} of the households whose grade a confirmed adjustment
    or an upheld appeal changed. Two queries."""
    return {h: g for (_c, h), g in grade_changes([cycle.pk]).items()}


def effective_grades_by_cycle(
    cycle_ids: list[int], household_ids: list[int] | None = None
) -> dict[int, dict[int, str]]:
    """{cycle id: {household id: effective grade}} for the households of each cycle's
    current run: the snapshot's grade unless `grade_changes` changed it. Three queries."""
    grades: dict[int, dict[int, str]] = {pk: {} for pk in cycle_ids}
    ratings = Rating.objects.filter(cycle_id__in=cycle_ids, run=F("cycle__current_run"))
    if household_ids is not None:
        ratings = ratings.filter(household_id__in=household_ids)
    for cycle_id, household_id, grade in ratings.values_list("cycle_id", "household_id", "grade"):
        grades[cycle_id][household_id] = grade
    for (cycle_id, household_id), grade in grade_changes(cycle_ids, household_ids).items():
        if household_id in grades[cycle_id]:
            grades[cycle_id][household_id] = grade
    return grades


def effective_grades(cycle: Cycle) -> dict[int, str]:
    """{household id: effective grade} for every household of the cycle's current
    run (see `effective_grades_by_cycle`). Three queries."""
    return effective_grades_by_cycle([cycle.pk])[cycle.pk]


def previous_cycle(cycle: Cycle) -> Cycle | None:
    """The same village's cycle of the latest earlier period (by period order)."""
    return (
        Cycle.objects.filter(
            village_id=cycle.village_id, period__lt=cycle.period, current_run__gt=0
        )
        .order_by("-period")
        .first()
    )


def distributions_by_cycle(cycles: list[Cycle]) -> dict[int, Counter]:
    """{cycle id: Counter(grade → households)}. Final cycles count the grades they put
    in force; the others their effective grades. Four queries whatever the number of
    cycles and households."""
    counts: dict[int, Counter] = {c.pk: Counter() for c in cycles}
    final = [c.pk for c in cycles if c.state == CycleState.FINAL]
    others = [c.pk for c in cycles if c.state != CycleState.FINAL]
    if final:
        rows = (
            GradeRecord.objects.filter(cycle_id__in=final, source=GradeSource.CYCLE)
            .order_by()
            .values_list("cycle_id", "grade")
            .annotate(n=Count("id"))
        )
        for cycle_id, grade, n in rows:
            counts[cycle_id][grade] += n
    if others:
        for cycle_id, grades in effective_grades_by_cycle(others).items():
            counts[cycle_id].update(grades.values())
    return counts


def open_appeals_by_cycle(scope: Scope) -> list[dict]:
    """[{cycle id, village name, period label, open}] for the cycles with unanswered
    appeals about households the user reviews (committee home page). Two queries."""
    rows = (
        Appeal.objects.filter(
            decision__isnull=True, household__in=scope.households(Perm.DECIDE_APPEALS)
        )
        .order_by()
        .values("cycle_id")
        .annotate(n=Count("id"))
    )
    counts = {r["cycle_id"]: r["n"] for r in rows}
    cycles = (
        Cycle.objects.filter(pk__in=list(counts))
        .select_related("village")
        .order_by("-period", "village__path")
    )
    return [{"cycle": c, "open": counts[c.pk]} for c in cycles]


def open_appeals(cycle: Cycle):
    return Appeal.objects.filter(cycle=cycle, decision__isnull=True)


def effective_grade(cycle: Cycle, household: Household, rating: Rating | None = None) -> str:
    """One household's grade in the cycle (see `selectors.grade_changes`): its latest
    upheld appeal, else its latest confirmed adjustment, else its snapshot."""
    changed = grade_changes([cycle.pk], [household.pk]).get((cycle.pk, household.pk))
    if changed:
        return changed
    if rating is None:
        rating = Rating.objects.filter(
            cycle=cycle, run=cycle.current_run, household=household
        ).first()
    return rating.grade if rating else ""


def committee_members(village) -> list:
    """Active users currently holding a committee role bound to the village, head first."""
    order: dict[str, int] = {r: i for i, r in enumerate(COMMITTEE_ROLES)}
    best: dict[int, tuple[int, str]] = {}
    rows = RoleAssignment.objects.filter(
        role__in=COMMITTEE_ROLES, region=village, user__is_active=True, ended_at__isnull=True
    ).values_list("user_id", "role")
    for user_id, role in rows:
        rank = order[role]
        if user_id not in best or rank < best[user_id][0]:
            best[user_id] = (rank, role)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=list(best))}
    members = sorted(users.values(), key=lambda u: (best[u.pk][0], u.pk))
    for u in members:
        u.committee_role = best[u.pk][1]  # type: ignore[attr-defined]  # shown beside the name
    return members
