"""The public notice (公示) of a rating cycle: households with masked head names and
their effective grades only — never identity numbers, points or financial data."""

from __future__ import annotations

from sanxin.households.models import Household
from sanxin.ratings import selectors
from sanxin.ratings.models import Cycle
from sanxin.rules.scheme import GRADE_LABELS


def mask_name(name: str) -> str:
    """Keep the first and last characters: 张三峰→张*峰, 张三→张*, 欧阳小明→欧**明."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def notice_rows(cycle: Cycle) -> list[tuple[str, str, str]]:
    """(household number, masked head name, grade label) for every household of the
    cycle's current run, ordered by household number. Four queries."""
    grades = selectors.effective_grades(cycle)
    households = (
        Household.objects.filter(pk__in=list(grades))
        .order_by("number", "pk")
        .values_list("pk", "number", "head_name")
    )
    return [
        (number, mask_name(head), GRADE_LABELS.get(grades[pk], grades[pk]))
        for pk, number, head in households
    ]
