"""The lending test world: the test world with the default scheme, both households of
village A1 assessed, their cycle final, and the seed's credit policy published for
the district by a credit officer bound to it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sanxin.accounts.choices import Role
from tests.factories import cycle_final, cycle_on_notice, make_user

TODAY = timezone.localdate()
CUT_OFF = TODAY - timedelta(days=40)
NOTICE_DAY = TODAY - timedelta(days=30)
FINAL_DAY = NOTICE_DAY + timedelta(days=7)


@pytest.fixture
def district_officer(world):
    """A credit officer of the district's credit union (发布授信政策)."""
    user = make_user("district_officer", Role.CREDIT_OFFICER, region=world.district)
    world.users["district_officer"] = user
    return user


@pytest.fixture
def policy(world, scheme, district_officer):
    from sanxin.lending.services.policy import credit_policy_publish, default_terms

    return credit_policy_publish(
        actor=district_officer,
        district=world.district,
        effective_from=TODAY - timedelta(days=60),
        grades=default_terms(),
        today=TODAY - timedelta(days=60),
    )


@pytest.fixture
def final(world, scheme, credit_for, policy):
    """Village A1's cycle final (both its households graded), the policy in force."""
    credit_for(world.household)
    credit_for(world.household_a1_2)
    cycle = cycle_on_notice(world, cut_off=CUT_OFF, notice_day=NOTICE_DAY)
    return cycle_final(world, cycle, day=FINAL_DAY)
