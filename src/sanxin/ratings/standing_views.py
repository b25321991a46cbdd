"""A household's standing (its grade in force, history and certificates) and a
village's results over the years. Reads only; a fixed number of queries each."""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.db.models import Count, F
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.ratings import certificates, selectors, standing
from sanxin.ratings.models import (
    AdjustmentDecision,
    AppealDecision,
    Certificate,
    Cycle,
    CycleState,
    GradeRecord,
    GradeSource,
    Rating,
)
from sanxin.rules.scheme import GRADE_LABELS, GRADES, grade_rank

# Best grade first, "unrated" last: the order of every table of grades.
GRADE_ORDER = tuple(reversed(GRADES[1:])) + (GRADES[0],)


def certificate_status(certificate: Certificate, history: list[GradeRecord], today: date) -> str:
    """The rule of `certificates.verify`, applied to the household's already loaded
    history (newest first) so that a page listing many certificates needs no query
    per certificate. tests/ratings/test_standing_views.py keeps the two equal."""
    record = certificate.grade_record
    current = history[0] if history else None
    if current is not None and current.pk != record.pk:
        later = sorted((r for r in history if r.pk > record.pk), key=lambda r: r.pk)
        downgraded = next((r for r in later if r.source == GradeSource.DYNAMIC and r.cycle_id == record.cycle_id), None)
        if downgraded is not None and grade_rank(downgraded.grade) < grade_rank(record.grade):
            return certificates.Status.REVOKED
        return certificates.Status.SUPERSEDED
    if today > record.valid_until:
        return certificates.Status.EXPIRED
    return certificates.Status.VALID


@requires(Perm.VIEW_REGISTRY)
def household_grades(request, household):
    household = request.scope.get_household(household)
    today = timezone.localdate()
    history = list(standing.grade_history(household))
    for record in history:
        record.grade_label = GRADE_LABELS.get(record.grade, record.grade)
    current = history[0] if history else None
    certs = list(Certificate.objects.filter(household=household).select_related("grade_record").order_by("-issued_at", "-id"))
    for cert in certs:
        cert.status = certificate_status(cert, history, today)
        cert.status_label = certificates.STATUS_LABELS[cert.status]
        cert.grade_label = GRADE_LABELS.get(cert.grade_record.grade, cert.grade_record.grade)
    return render(request, "ratings/household_grades.html", {
        "household": household,
        "current": current,
        "expired": current is not None and standing.is_expired(current, today),
        "history": history,
        "certificates": certs,
        "can_issue": certificates.can_issue(request.user, household),
    })


def _distributions(cycles: list[Cycle]) -> dict[int, Counter]:
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


@requires(Perm.VIEW_REGISTRY)
def village_results(request, village):
    try:
        village_id = int(village)
    except (TypeError, ValueError):
        raise Http404 from None
    village = selectors.visible_villages(request.scope).select_related("parent").filter(pk=village_id).first()
    if village is None:
        raise Http404
    cycles = list(Cycle.objects.filter(village=village, current_run__gt=0).order_by("period", "pk"))
    counts = _distributions(cycles)
    rows = []
    for cycle in cycles:
        count = counts[cycle.pk]
        total = sum(count.values())
        cells = [
            {"grade": g, "label": GRADE_LABELS[g], "n": count.get(g, 0), "pct": round(100 * count.get(g, 0) / total, 1) if total else 0}
            for g in GRADE_ORDER
        ]
        rows.append({"cycle": cycle, "cells": cells, "total": total, "is_final": cycle.state == CycleState.FINAL})
    return render(request, "ratings/village_results.html", {
        "village": village,
        "rows": rows,
        "grades": [(g, GRADE_LABELS[g]) for g in GRADE_ORDER],
    })
