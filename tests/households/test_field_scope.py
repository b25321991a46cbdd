"""Each role is shown the household fields its job needs (the table in
docs/access.md, `accounts.scope.FIELDS`), and nothing else: checked on the rendered
household pages, per role."""

from __future__ import annotations

import pytest

from sanxin.accounts.scope import FIELDS, PERMISSIONS, Field, Perm
from sanxin.households.models import Household, Person

ALL = {"household", "address", "phone", "members", "sex_age", "masked_id", "political", "grade"}
ALL |= {"points"}
EXPECTED = {
    "district_admin": ALL,
    "town_admin": ALL,
    "committee_head": ALL,
    "committee_deputy": ALL,
    "committee_member": ALL - {"masked_id"},
    "subteam_member": ALL - {"masked_id", "phone"},
    "credit_officer": ALL - {"political"},
    "department_viewer": {"household", "grade", "points"},
    "shop_clerk": {"household", "grade"},
    "villager": ALL,
    # the big screen: totals only, never a household
    "display": set(),
}


@pytest.fixture
def page_world(world):
    Household.objects.filter(pk=world.household.pk).update(phone="13911112222")
    member = Person.objects.filter(household=world.household, is_head=False).first()
    Person.objects.filter(pk=member.pk).update(phone="13733334444", political_status="party_member")
    return world


def _markers(world) -> dict[str, list[str]]:
    head = Person.objects.get(household=world.household, is_head=True)
    member = Person.objects.filter(household=world.household, is_head=False).first()
    return {
        "household": ["001号户", "王大山", "第一村民小组"],
        "address": [world.household.address],
        "phone": ["13911112222", "13733334444", "联系电话"],
        "members": [member.name, "家庭成员"],
        "sex_age": ["出生年份", str(head.birth_date.year), str(member.birth_date.year)],
        "masked_id": [head.id_number_masked, member.id_number_masked],
        "political": ["政治面貌", "中共党员"],
        "grade": ["在用信用等级"],
        "points": ["暂定信用等级"],
    }


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_household_page_shows_each_role_its_fields_only(page_world, login, username):
    text = (
        login(page_world.users[username])
        .get(f"/households/{page_world.household.pk}/")
        .content.decode()
    )
    for field, markers in _markers(page_world).items():
        for marker in markers:
            assert (marker in text) is (field in EXPECTED[username]), (username, field, marker)
    head = Person.objects.get(household=page_world.household, is_head=True)
    assert head.reveal_id_number() not in text
    assert f"{head.birth_date:%Y-%m-%d}" not in text  # no role is shown the full birth date


@pytest.mark.parametrize("username", sorted(u for u, fields in EXPECTED.items() if fields))
def test_household_list_shows_the_address_only_to_roles_that_see_it(page_world, login, username):
    text = login(page_world.users[username]).get("/households/").content.decode()
    assert "王大山" in text
    assert (page_world.household.address in text) is ("address" in EXPECTED[username])
    assert "13911112222" not in text


def test_the_table_in_the_scope_is_the_tested_one():
    for role, fields in FIELDS.items():
        assert {str(f) for f in fields} == EXPECTED[role]
    # The full number is never a plain field: it follows the reveal permission (audited).
    assert all(Field.FULL_ID not in fields for fields in FIELDS.values())
    assert PERMISSIONS[Perm.REVEAL_ID] <= set(FIELDS)


def test_own_household_of_a_staff_account_shows_everything(page_world, login):
    """A shop clerk whose account belongs to a member of the household sees it as the
    villager would; other households stay minimal."""
    clerk = page_world.users["shop_clerk"]
    head = Person.objects.get(household=page_world.household, is_head=True)
    clerk.person = head
    clerk.save()
    client = login(clerk)
    own = client.get(f"/households/{page_world.household.pk}/").content.decode()
    assert "13911112222" in own and head.id_number_masked in own
    other = client.get(f"/households/{page_world.household_a1_2.pk}/").content.decode()
    assert "出生年份" not in other and "联系电话" not in other


def test_every_role_that_registers_people_may_reveal_numbers():
    """Registering people answers "this number is already registered at …", a
    look-up by another name: only roles whose reveals are audited may do it."""
    from sanxin.accounts.scope import PERMISSIONS, Perm

    assert PERMISSIONS[Perm.CHANGE_REGISTRY] <= PERMISSIONS[Perm.REVEAL_ID]
