"""Engine facts for many households at once, in a constant number of queries per
chunk: the set-based twin of `ledger.selectors.household_facts` (which reads one
household at a time). Both must give the same facts; tests/ratings checks it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sanxin.households.models import Person
from sanxin.ledger.models import CreditAssessment, Entry, VetoEvent
from sanxin.ledger.selectors import veto_facts
from sanxin.ledger.tiers import person_tier
from sanxin.regions.models import Region
from sanxin.rules import engine
from sanxin.rules.models import SchemeVersion
from sanxin.rules.selectors import district_of

CHUNK_SIZE = 2000


def facts_for_households(
    household_ids: Iterable[int], as_of: date
) -> dict[int, engine.HouseholdFacts]:
    """{household id: HouseholdFacts} in four queries (members, approved entries,
    credit, veto events). Callers pass at most a chunk (`CHUNK_SIZE`) of ids at a time."""
    ids = list(household_ids)
    if not ids:
        return {}
    members: dict[int, list[engine.Member]] = defaultdict(list)
    rows = (
        Person.objects.filter(household_id__in=ids, active=True)
        .order_by("id")
        .values_list("id", "household_id", "political_status", "cadre_post")
    )
    for pk, household_id, political_status, cadre_post in rows:
        tier = person_tier(Person(political_status=political_status, cadre_post=cadre_post))
        members[household_id].append(engine.Member(person_id=pk, tier=tier))

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

    credit: dict[int, engine.CreditAssessment | None] = {}
    rows = (
        CreditAssessment.objects.filter(household_id__in=ids, superseded_by__isnull=True)
        .order_by("household_id", "-assessed_on", "-id")
        .values_list("household_id", "assessed_on", "area_scores")
    )
    for household_id, assessed_on, area_scores in rows:
        if household_id in credit:
            continue  # the newest one is in effect (as in ledger.selectors.latest_credit)
        credit[household_id] = (
            engine.CreditAssessment(
                assessed_on=assessed_on,
                area_scores={k: Decimal(str(v)) for k, v in area_scores.items()},
            )
            if assessed_on <= as_of
            else None
        )

    events: dict[int, list[VetoEvent]] = defaultdict(list)
    for event in VetoEvent.objects.filter(household_id__in=ids, starts_on__lte=as_of).order_by(
        "household_id", "id"
    ):
        events[event.household_id].append(event)

    return {
        pk: engine.HouseholdFacts(
            members=tuple(members.get(pk, ())),
            entries=tuple(entries.get(pk, ())),
            credit=credit.get(pk),
            vetoes=veto_facts(events.get(pk, ())),
        )
        for pk in ids
    }


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
