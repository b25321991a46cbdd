"""Engine facts for many households at once, in a constant number of queries per
chunk (`facts_for_households`), and for one household (`household_facts`, the
household pages and appeals); both must give the same facts, tests/ratings checks
it. They sit above the ledger and credit, whose rows they bring together."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sanxin.credit.models import CreditAssessment
from sanxin.credit.selectors import latest_credit
from sanxin.households.models import Household, Person
from sanxin.ledger.models import Entry, VetoEvent
from sanxin.ledger.selectors import veto_facts
from sanxin.ledger.tiers import person_tier
from sanxin.regions.models import Region
from sanxin.rules import engine
from sanxin.rules.models import SchemeVersion
from sanxin.rules.selectors import district_of, scheme_for_village

CHUNK_SIZE = 2000


def facts_for_households(
    household_ids: Iterable[int], as_of: date
) -> dict[int, engine.HouseholdFacts]:
    """{household id: HouseholdFacts} in four queries (members, approved entries,
    credit, veto events). Callers pass at most a chunk (`CHUNK_SIZE`) of ids at a time."""
    ids = list(household_ids)
    if not ids:
        return {}
    members = members_of(ids)
    entries: dict[int, list[engine.Entry]] = defaultdict(list)
    rows = (
        Entry.objects.filter(household_id__in=ids, review__approved=True, occurred_on__lte=as_of)
        .order_by("household_id", "occurred_on", "id")
        .values_list(
            "household_id",
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
    for household_id, pk, code, on, points, qty, person_id, tier, rev in rows:
        entries[household_id].append(
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
        )
    credit = credit_of(ids, as_of)
    events = vetoes_of(ids, as_of)
    return {
        pk: engine.HouseholdFacts(
            members=tuple(members.get(pk, ())),
            entries=tuple(entries.get(pk, ())),
            credit=credit.get(pk),
            vetoes=events.get(pk, ()),
        )
        for pk in ids
    }


def members_of(ids: list[int]) -> dict[int, list[engine.Member]]:
    """{household id: its active members with their tiers}. One query."""
    members: dict[int, list[engine.Member]] = defaultdict(list)
    rows = (
        Person.objects.filter(household_id__in=ids, active=True)
        .order_by("id")
        .values_list("id", "household_id", "political_status", "cadre_post")
    )
    tiers: dict[tuple[str, str], str] = {}  # a model instance per distinct pair only
    for pk, household_id, political_status, cadre_post in rows:
        tier = tiers.get((political_status, cadre_post))
        if tier is None:
            tier = person_tier(Person(political_status=political_status, cadre_post=cadre_post))
            tiers[(political_status, cadre_post)] = tier
        members[household_id].append(engine.Member(person_id=pk, tier=tier))
    return members


def credit_of(
    ids: list[int], as_of: date, *, district_id: int | None = None
) -> dict[int, engine.CreditAssessment | None]:
    """{household id: the credit assessment in effect, if made by `as_of`}. One query
    (naming the households' district when given: docs/scaling.md)."""
    credit: dict[int, engine.CreditAssessment | None] = {}
    found = CreditAssessment.objects.filter(
        household_id__in=ids, superseded_by__isnull=True, assessed_on__lte=as_of
    )
    if district_id is not None:
        found = found.filter(district_id=district_id)
    rows = found.order_by("household_id", "-assessed_on", "-id").values_list(
        "household_id", "assessed_on", "area_scores"
    )
    for household_id, assessed_on, area_scores in rows:
        if household_id in credit:
            continue  # the newest one by `as_of` is in effect (credit.selectors.latest_credit)
        credit[household_id] = engine.CreditAssessment(
            assessed_on=assessed_on,
            area_scores={k: Decimal(str(v)) for k, v in area_scores.items()},
        )
    return credit


def vetoes_of(ids: list[int], as_of: date) -> dict[int, tuple[engine.VetoFact, ...]]:
    """{household id: its veto facts started by `as_of`}. One query."""
    events: dict[int, list[VetoEvent]] = defaultdict(list)
    for event in VetoEvent.objects.filter(household_id__in=ids, starts_on__lte=as_of).order_by(
        "household_id", "id"
    ):
        events[event.household_id].append(event)
    return {pk: veto_facts(found) for pk, found in events.items()}


def schemes_for_villages(villages: Iterable[Region], on: date) -> dict[int, SchemeVersion | None]:
    """{village id: version in force on `on`}, as `rules.selectors.scheme_for_village`
    decides it, in one query for all the villages."""
    villages = list(villages)
    district_ids = {district_of(v) for v in villages}
    village_ids = {v.pk for v in villages}
    district_version: dict[int, SchemeVersion] = {}
    village_version: dict[int, SchemeVersion] = {}
    in_force = SchemeVersion.objects.filter(
        effective_from__lte=on, district_id__in=district_ids
    ).order_by("-effective_from", "-id")
    for version in in_force:
        if version.village_id is None:
            district_version.setdefault(version.district_id, version)
        elif version.village_id in village_ids:
            village_version.setdefault(version.village_id, version)
    out: dict[int, SchemeVersion | None] = {}
    for v in villages:
        base = district_version.get(district_of(v))
        own = village_version.get(v.pk)
        out[v.pk] = own if own and (base is None or own.based_on_id == base.pk) else base
    return out


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
    credit_row = latest_credit(household, as_of=as_of)
    credit = (
        engine.CreditAssessment(
            assessed_on=credit_row.assessed_on,
            area_scores={k: Decimal(str(v)) for k, v in credit_row.area_scores.items()},
        )
        if credit_row
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
