"""Reads from the ledger, and the bridge from database rows to the pure engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sanxin.households.models import Household
from sanxin.ledger.models import CreditAssessment, Entry
from sanxin.ledger.tiers import person_tier
from sanxin.rules import engine
from sanxin.rules.models import SchemeVersion
from sanxin.rules.selectors import scheme_for_village


def latest_credit(household: Household) -> CreditAssessment | None:
    """The assessment in effect: the newest one not superseded by a correction."""
    return (
        household.credit_assessments.filter(superseded_by__isnull=True)
        .order_by("-assessed_on", "-id")
        .first()
    )


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


def veto_facts(events) -> tuple[engine.VetoFact, ...]:
    """Engine facts from a household's events: revoked ones and revocations drop out."""
    events = list(events)
    revoked = {e.revokes_id for e in events if e.revokes_id}
    return tuple(
        engine.VetoFact(
            id=f"veto-{e.pk}",
            name=e.name,
            cap_grade=e.cap_grade,
            starts_on=e.starts_on,
            ends_on=e.ends_on,
            kind=e.kind,
            code=e.rule_code,
        )
        for e in events
        if e.revokes_id is None and e.pk not in revoked
    )
