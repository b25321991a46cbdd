"""The one generic scope filter: any model that declares where it hangs in the
region tree (SCOPE_PATH, SCOPE_HOUSEHOLD) is scoped by `Scope.filter`, and a model
that declares nothing is refused rather than shown whole."""

from __future__ import annotations

import pytest
from django.http import Http404

from sanxin.accounts.models import RoleAssignment
from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.models import AuditEvent
from sanxin.audit.services import audit
from sanxin.households.models import Household, Person


def test_a_region_grant_reaches_its_subtree_only(world):
    scope = scope_for(world.users["town_admin"])
    assert set(scope.filter(Household.objects)) == {
        world.household,
        world.household_a1_2,
        world.household_a2,
    }
    assert set(scope.filter(Person.objects).values_list("household_id", flat=True)) == {
        world.household.pk,
        world.household_a1_2.pk,
        world.household_a2.pk,
    }
    assert scope.households().count() == 3


def test_a_villager_reaches_their_own_household_and_no_audit_row(world):
    scope = scope_for(world.users["villager"])
    assert list(scope.filter(Household.objects)) == [world.household]
    assert set(scope.filter(Person.objects)) == set(world.household.members.all())
    audit(actor=None, action="test.event", region_path=world.household.villager_group.path)
    # The audit log declares no household lookup: villagers reach none of it.
    assert not scope.filter(AuditEvent.objects, Perm.VIEW_AUDIT).exists()
    assert set(scope.regions()) == {world.village_a1, world.group_a1_1}


def test_the_audit_log_is_scoped_by_its_region_path(world):
    audit(actor=None, action="test.inside", region_path=world.household.villager_group.path)
    audit(
        actor=None,
        action="test.outside",
        region_path=world.household_other_district.villager_group.path,
    )
    actions = set(
        scope_for(world.users["district_admin"])
        .filter(AuditEvent.objects, Perm.VIEW_AUDIT)
        .filter(action__startswith="test.")
        .values_list("action", flat=True)
    )
    assert actions == {"test.inside"}


def test_no_grant_for_the_permission_reaches_nothing(world):
    scope = scope_for(world.users["shop_clerk"])
    assert not scope.filter(Household.objects, Perm.CHANGE_REGISTRY).exists()
    with pytest.raises(Http404):
        scope.get(Household.objects, world.household.pk, Perm.CHANGE_REGISTRY)
    assert scope.get(Household.objects, world.household.pk) == world.household


def test_a_model_without_a_scope_path_is_refused(world):
    with pytest.raises(TypeError, match="RoleAssignment declares no SCOPE_PATH"):
        scope_for(world.users["district_admin"]).filter(RoleAssignment.objects)
