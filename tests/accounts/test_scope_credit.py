"""Who sees a household's 双基 indicator details: one rule, in the scope module."""

from __future__ import annotations

import pytest

from sanxin.accounts.scope import scope_for
from sanxin.credit import selectors, services, views
from sanxin.households.models import Person


def test_no_credit_visibility_helper_lives_outside_the_scope_module():
    for module in (services, selectors, views):
        assert not hasattr(module, "can_see_credit_details")


@pytest.mark.parametrize(
    ("username", "sees"),
    [
        ("credit_officer", True),  # the credit union over its town
        ("villager", True),  # the household itself
        ("other_villager", False),
        ("other_credit_officer", False),
        ("committee_head", False),
        ("department_viewer", False),
        ("district_admin", False),
        ("shop_clerk", False),
    ],
)
def test_who_sees_the_indicator_details(world, username, sees):
    assert scope_for(world.users[username]).sees_credit_details(world.household) is sees


def test_a_staff_member_sees_the_details_of_their_own_household_only(world):
    head = world.users["committee_head"]
    head.person = Person.objects.filter(household=world.household).first()
    head.save(update_fields=["person"])
    scope = scope_for(head)
    assert scope.sees_credit_details(world.household)
    assert not scope.sees_credit_details(world.household_a1_2)
