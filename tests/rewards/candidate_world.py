"""Grades in force and vanguard scores for the test world, written directly (a final
cycle, its ratings and grade records), for the candidate tests, the access cases and
the browser test."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from sanxin.households.models import Household, Person
from sanxin.ratings.choices import CycleState, GradeSource
from sanxin.ratings.models import Cycle, GradeRecord, Rating
from sanxin.ratings.standing import valid_until
from sanxin.rules.services import scheme_install_default


def final_cycle(village, *, today: date | None = None) -> Cycle:
    """A final cycle of `village` for last year, finalised a month before `today`."""
    today = today or timezone.localdate()
    period = str(today.year - 1)
    cycle = Cycle.objects.filter(village=village, period=period).first()
    if cycle is None:
        cycle = Cycle.objects.create(
            village=village,
            period=period,
            cut_off=date(today.year - 1, 10, 20),
            state=CycleState.FINAL,
            current_run=1,
            finalised_at=timezone.now(),
        )
    return cycle


def grade(
    household: Household,
    value: str,
    *,
    vanguard: dict[Person, str] | None = None,
    today: date | None = None,
) -> GradeRecord:
    """Give `household` the grade `value` in force from a month before `today`, from a
    final cycle of its village whose rating holds the party members' `vanguard` scores."""
    today = today or timezone.localdate()
    version = scheme_install_default(district=household.village.parent.parent)
    cycle = final_cycle(household.village, today=today)
    members = [
        {"person_id": p.pk, "tier": "party_member", "raw": score, "score": score}
        for p, score in (vanguard or {}).items()
    ]
    if not Rating.objects.filter(cycle=cycle, run=1, household=household).exists():
        Rating.objects.create(
            cycle=cycle,
            run=1,
            household=household,
            district_id=household.district_id,
            scheme_version=version,
            tier="party_member" if members else "masses",
            total="90",
            computed_grade=value,
            grade=value,
            components={},
            reasons=[],
            result={"vanguard_members": members},
            computed_at=timezone.now(),
        )
    effective = today - timedelta(days=30)
    return GradeRecord.objects.create(
        household=household,
        district_id=household.district_id,
        grade=value,
        source=GradeSource.CYCLE,
        cycle=cycle,
        effective_from=effective,
        valid_until=valid_until(effective),
        recorded_at=timezone.now(),
    )


def downgrade(household: Household, value: str, *, today: date | None = None) -> GradeRecord:
    """A dynamic record lowering the household's grade from today (动态调整)."""
    today = today or timezone.localdate()
    cycle = final_cycle(household.village, today=today)
    return GradeRecord.objects.create(
        household=household,
        district_id=household.district_id,
        grade=value,
        source=GradeSource.DYNAMIC,
        cycle=cycle,
        effective_from=today,
        valid_until=valid_until(today - timedelta(days=30)),
        reason="测试：动态调整",
        recorded_at=timezone.now(),
    )


def make_party_member(person: Person) -> Person:
    Person.objects.filter(pk=person.pk).update(political_status="party_member")
    person.refresh_from_db()
    return person
