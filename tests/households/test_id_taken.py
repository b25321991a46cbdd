"""A duplicate identity number is refused; where it is registered is told only to a
user who may see that household. Anyone else learns nothing about other villages."""

from __future__ import annotations

import pytest

from sanxin.households.models import Household, Person
from tests.factories import sheet_csv

NEUTRAL = "已在其他地方登记"


def _registered_id(world) -> str:
    """An identity number registered in 大贵口村 (household 002)."""
    return Person.objects.get(household=world.household_a1_2, is_head=True).reveal_id_number()


def _assert_neutral(page: str, world) -> None:
    assert NEUTRAL in page and "请与管理员核实" in page
    for revealing in ("大贵口村", "002 号户", "李二河", world.household_a1_2.villager_group.name):
        assert revealing not in page


def test_neighbour_adding_a_registered_person_learns_nothing_of_the_other_village(world, login):
    client = login(world.users["neighbour_committee_head"])
    number = _registered_id(world)
    response = client.post(
        f"/households/{world.household_a2.pk}/people/new/",
        {"name": "甲", "id_number": number, "relation": "子", "political_status": "masses"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    _assert_neutral(page, world)
    assert number not in page
    assert Person.objects.filter(household=world.household_a2).count() == 1


def test_neighbour_registering_a_household_with_a_registered_head_learns_nothing(world, login):
    client = login(world.users["neighbour_committee_head"])
    response = client.post(
        "/households/new/",
        {
            "village": world.village_a2.pk,
            "number": "090",
            "villager_group": world.group_a2_1.pk,
            "head_name": "甲",
            "head_id_number": _registered_id(world),
            "status": "active",
        },
    )
    assert response.status_code == 200
    _assert_neutral(response.content.decode(), world)
    assert not Household.objects.filter(village=world.village_a2, number="090").exists()


@pytest.mark.parametrize("user", ["committee_head", "town_admin", "district_admin"])
def test_a_user_who_sees_the_household_gets_the_precise_answer(world, login, user):
    client = login(world.users[user])
    response = client.post(
        f"/households/{world.household.pk}/people/new/",
        {
            "name": "甲",
            "id_number": _registered_id(world),
            "relation": "子",
            "political_status": "masses",
        },
    )
    page = response.content.decode()
    assert "已登记在 大贵口村 002 号户" in page and NEUTRAL not in page


def test_town_admin_of_the_other_town_gets_the_neutral_answer(world, login):
    client = login(world.users["other_town_admin"])
    response = client.post(
        f"/households/{world.household_b1.pk}/people/new/",
        {
            "name": "甲",
            "id_number": _registered_id(world),
            "relation": "子",
            "political_status": "masses",
        },
    )
    _assert_neutral(response.content.decode(), world)


def test_roster_import_from_a_neighbouring_village_names_no_other_village(world):
    from sanxin.households import importing

    content = sheet_csv(
        [["090", "第一村民小组", "甲", "户主", _registered_id(world)]],
        header=["户号", "村民小组", "姓名", "与户主关系", "身份证号"],
    )
    result = importing.import_roster(
        content,
        "roster.csv",
        world.village_a2,
        actor=world.users["neighbour_committee_head"],
        dry_run=True,
    )
    assert not result.ok
    text = " ".join(p.message for p in result.errors)
    assert "其他村" in text
    for revealing in ("大贵口村", "002", "李二河"):
        assert revealing not in text
