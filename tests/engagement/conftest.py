"""Builders for the engagement tests: grades in force, representatives with logins,
an open selection of the home village."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from sanxin.accounts.choices import Role
from sanxin.engagement.choices import VoterBody
from sanxin.engagement.models import HonourType
from sanxin.engagement.services import honours as svc
from sanxin.households.models import Person
from sanxin.ratings import standing
from sanxin.ratings.models import Cycle, CycleState, GradeRecord, GradeSource
from tests.factories import make_household, make_user

TODAY = date(2026, 6, 10)


def give_grade(household, grade: str, day: date = date(2026, 1, 5)) -> None:
    cycle, _ = Cycle.objects.get_or_create(
        village=household.village,
        period="2025",
        defaults={"cut_off": date(2025, 12, 31), "state": CycleState.FINAL},
    )
    GradeRecord.objects.create(
        household=household,
        district_id=household.district_id,
        grade=grade,
        source=GradeSource.CYCLE,
        cycle=cycle,
        effective_from=day,
        valid_until=standing.valid_until(day),
        recorded_at=timezone.now(),
    )


def head_of(household) -> Person:
    return household.members.get(is_head=True)


def representative_user(world, household, name: str):
    """A villager login for the head of `household`, on the representatives' list."""
    user = make_user(name, Role.VILLAGER, household=household)
    user.person = head_of(household)
    user.save()
    svc.representative_add(
        actor=world.users["committee_head"], person=user.person, since=date(2026, 1, 1)
    )
    return user


@pytest.fixture
def types(world, scheme):
    svc.honour_types_install_default(district=world.district)
    return {t.name: t for t in HonourType.objects.filter(district=world.district)}


@pytest.fixture
def reps(world):
    """Three representatives of village A1, each with a login (households 011-013)."""
    out = []
    for i in range(3):
        h = make_household(
            world.village_a1, world.group_a1_1, f"01{i + 1}", head=f"代表{i + 1}", head_seq=700 + i
        )
        out.append(representative_user(world, h, f"rep{i + 1}"))
    return out


def open_selection(world, honour_type, *, voters=VoterBody.REPRESENTATIVES, quota=2, **kw):
    values = {
        "nominate_from": TODAY - timedelta(days=5),
        "nominate_until": TODAY + timedelta(days=5),
        "vote_from": TODAY + timedelta(days=7),
        "vote_until": TODAY + timedelta(days=9),
        "notice_days": 7,
    } | kw
    return svc.selection_open(
        actor=world.users["committee_head"],
        honour_type=honour_type,
        region=world.village_a1,
        year=2026,
        quota=quota,
        voters=voters,
        **values,
    )
