"""A household's standing (its grade in force, history and certificates) and a
village's results over the years. Reads only; a fixed number of queries each."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.ratings import certificates, selectors, standing
from sanxin.ratings.choices import CycleState
from sanxin.ratings.models import Certificate, Cycle
from sanxin.rules.scheme import GRADE_LABELS, GRADES

# Best grade first, "unrated" last: the order of every table of grades.
GRADE_ORDER = tuple(reversed(GRADES[1:])) + (GRADES[0],)


@requires(Perm.VIEW_REGISTRY)
def household_grades(request, household):
    household = request.scope.get_household(household)
    today = timezone.localdate()
    history = standing.grade_history(household)
    for record in history:
        record.grade_label = GRADE_LABELS.get(record.grade, record.grade)
    current = history[0] if history else None
    certs = list(
        Certificate.objects.filter(household=household)
        .select_related("grade_record")
        .order_by("-issued_at", "-id")
    )
    for cert in certs:
        cert.status, _changed = certificates.status_of(cert.grade_record, history, today)
        cert.status_label = certificates.STATUS_LABELS[cert.status]
        cert.grade_label = GRADE_LABELS.get(cert.grade_record.grade, cert.grade_record.grade)
    return render(
        request,
        "ratings/household_grades.html",
        {
            "household": household,
            "current": current,
            "expired": current is not None and standing.is_expired(current, today),
            "history": history,
            "certificates": certs,
            "can_issue": request.scope.may_issue_certificate(household),
        },
    )


@requires(Perm.VIEW_REGISTRY)
def village_results(request, village):
    try:
        village_id = int(village)
    except (TypeError, ValueError):
        raise Http404 from None
    village = (
        selectors.visible_villages(request.scope)
        .select_related("parent")
        .filter(pk=village_id)
        .first()
    )
    if village is None:
        raise Http404
    cycles = list(Cycle.objects.filter(village=village, current_run__gt=0).order_by("period", "pk"))
    counts = selectors.distributions_by_cycle(cycles)
    rows = []
    for cycle in cycles:
        count = counts[cycle.pk]
        total = sum(count.values())
        cells, x = [], 0
        for g in GRADE_ORDER:  # x: where the grade's part of the bar starts (households)
            cells.append({"grade": g, "label": GRADE_LABELS[g], "n": count.get(g, 0), "x": x})
            x += count.get(g, 0)
        rows.append(
            {
                "cycle": cycle,
                "cells": cells,
                "total": total,
                "is_final": cycle.state == CycleState.FINAL,
            }
        )
    return render(
        request,
        "ratings/village_results.html",
        {
            "village": village,
            "rows": rows,
            "grades": [(g, GRADE_LABELS[g]) for g in GRADE_ORDER],
            "can_print": request.scope.covers_region(village, Perm.ISSUE_CERTIFICATES),
            "print_grades": [(g, GRADE_LABELS[g]) for g in GRADE_ORDER if g != "unrated"],
        },
    )
