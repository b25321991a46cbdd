"""The public notice (公示) of a rating cycle: households with masked head names and
their effective grades only — never identity numbers, points or financial data."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sanxin.households.models import Household
from sanxin.lib.text import mask_name
from sanxin.ratings import selectors
from sanxin.ratings.models import Cycle
from sanxin.rules.scheme import GRADE_LABELS, GRADES


@dataclass(frozen=True)
class NoticeRow:
    number: str
    head: str  # masked, as published
    grade: str  # the grade code
    grade_label: str
    # The real head name, for matching a search only; never rendered.
    head_name: str


def notice_entries(cycle: Cycle) -> list[NoticeRow]:
    """Every household of the cycle's current run with its effective grade, ordered
    by household number. Four queries."""
    grades = selectors.effective_grades(cycle)
    households = (
        Household.objects.filter(pk__in=list(grades))
        .order_by("number", "pk")
        .values_list("pk", "number", "head_name")
    )
    return [
        NoticeRow(
            number=number,
            head=mask_name(head),
            grade=grades[pk],
            grade_label=GRADE_LABELS.get(grades[pk], grades[pk]),
            head_name=head or "",
        )
        for pk, number, head in households
    ]


def notice_rows(cycle: Cycle) -> list[tuple[str, str, str]]:
    """(household number, masked head name, grade label) for every household of the
    cycle's current run, ordered by household number. Four queries."""
    return [(r.number, r.head, r.grade_label) for r in notice_entries(cycle)]


def notice_search(rows: list[NoticeRow], query: str) -> list[NoticeRow]:
    """The rows a villager's search finds: the household number exactly or as a
    prefix, or the head's name typed in full or as published (张*峰).

    Matching the full name against the real head name tells the searcher only that
    this name heads a household listed on the notice — which the notice, published
    to the village's own users, already shows in masked form. Only the masked name
    is ever displayed; partial names do not match, so the search cannot be used to
    unmask a name character by character.
    """
    query = "".join(query.split())
    if not query:
        return rows
    return [
        r
        for r in rows
        if r.number.startswith(query) or query == r.head_name.strip() or query == r.head
    ]


def grade_summary(rows: list[NoticeRow]) -> list[tuple[str, int]]:
    """(grade label, household count) from the highest grade down to unrated."""
    counts = Counter(r.grade for r in rows)
    return [(GRADE_LABELS[g], counts[g]) for g in reversed(GRADES) if counts[g]]
