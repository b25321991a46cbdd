"""Reads from the ledger, and the bridge from database rows to the pure engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sanxin.credit.selectors import latest_credit
from sanxin.households.models import Household
from sanxin.ledger.models import Entry
from sanxin.ledger.tiers import person_tier
from sanxin.rules import engine
from sanxin.rules.models import SchemeVersion
from sanxin.rules.selectors import scheme_for_village


def household_facts(household: Household, as_of: date) -> engine.HouseholdFacts:
    """What the engine needs, in four queries: members, approved entries, credit, vetoes."""
    members = tuple(
        engine.Member(person_id=p.pk, tier=person_tier(p))
        for p in household.members.filter(active=True).order_by("id")
    )
    rows = (
        Entry.objects.filter(household=household, review__approved=True, occurred_on__lte=as_of)
        .order_by("occurred_on", "id")
        .values_list(
            "pk",
            "item_code",
            "occurred_on",
            "points",
            "quantity",
            "person_id",
            "tier",
            "reversal_of_id",
        )
    )
    entries = tuple(
        engine.Entry(
            id=pk,
            item_code=code,
            occurred_on=on,
            points=Decimal(points),
            quantity=qty,
            person_id=person_id,
            tier=tier,
            reversal_of=rev,
        )
        for pk, code, on, points, qty, person_id, tier, rev in rows
    )
    credit_row = latest_credit(household)
    credit = (
        engine.CreditAssessment(
            assessed_on=credit_row.assessed_on,
            area_scores={k: Decimal(str(v)) for k, v in credit_row.area_scores.items()},
        )
        if credit_row and credit_row.assessed_on <= as_of
        else None
    )
    from sanxin.ledger.vetoes import veto_facts

    vetoes = veto_facts(household.veto_events.filter(starts_on__lte=as_of).order_by("id"))
    return engine.HouseholdFacts(members=members, entries=entries, credit=credit, vetoes=vetoes)


@dataclass
class HouseholdGrade:
    version: SchemeVersion | None
    result: engine.GradeResult | None


def household_grade(household: Household, as_of: date) -> HouseholdGrade:
    """The provisional grade as of a date under the scheme then in force."""
    version = scheme_for_village(household.village, as_of)
    if version is None:
        return HouseholdGrade(version=None, result=None)
    return HouseholdGrade(
        version=version,
        result=engine.grade_household(version.scheme, household_facts(household, as_of), as_of),
    )
