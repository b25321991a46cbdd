"""A token of one village reads nothing of another: for every read operation, a
token of the neighbouring village's committee head (and of a villager of another
household) gets 404 for village A1's objects and none of them in lists; masking is
exactly the role's field groups."""

from __future__ import annotations

import pytest

from tests.api.data import final_cycle


def _a1_paths(world) -> list[str]:
    cycle = final_cycle(world)
    return [
        f"/api/v1/regions/{world.village_a1.pk}",
        f"/api/v1/regions/{world.group_a1_1.pk}",
        f"/api/v1/households/{world.household.pk}",
        f"/api/v1/households/{world.household.pk}/grades",
        f"/api/v1/cycles/{cycle.pk}",
        f"/api/v1/cycles/{cycle.pk}/results",
        f"/api/v1/households?region={world.village_a1.pk}",
        f"/api/v1/grades?region={world.village_a1.pk}",
    ]


def _ids(items, key="id") -> set[int]:
    return {item[key] for item in items}


@pytest.mark.parametrize("username", ["neighbour_committee_head", "other_town_admin"])
def test_another_villages_token_reads_nothing_of_village_a1(world, api_as, username):
    api = api_as(username)
    for path in _a1_paths(world):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    a1_households = {world.household.pk, world.household_a1_2.pk}
    a1_regions = {world.village_a1.pk, world.group_a1_1.pk, world.group_a1_2.pk}
    assert not _ids(api.json("/api/v1/regions")["items"]) & a1_regions
    assert not _ids(api.json("/api/v1/households")["items"]) & a1_households
    grades = api.json("/api/v1/grades")["items"]
    assert not _ids(grades, "household_id") & a1_households
    cycles = api.json("/api/v1/cycles")["items"]
    assert world.village_a1.pk not in {c["village"]["id"] for c in cycles}


def test_the_neighbour_reads_their_own_village(world, api_as):
    api = api_as("neighbour_committee_head")
    assert _ids(api.json("/api/v1/households")["items"]) == {world.household_a2.pk}
    api.json(f"/api/v1/households/{world.household_a2.pk}")


def test_a_villager_reads_only_the_own_household(world, api_as):
    cycle = final_cycle(world)
    api = api_as("other_villager")  # household A1-2, same village
    assert api.get(f"/api/v1/households/{world.household.pk}").status_code == 404
    assert api.get(f"/api/v1/households/{world.household.pk}/grades").status_code == 404
    results = api.json(f"/api/v1/cycles/{cycle.pk}/results")["items"]
    assert _ids(results, "household_id") == {world.household_a1_2.pk}
    assert _ids(api.json("/api/v1/grades")["items"], "household_id") == {world.household_a1_2.pk}


@pytest.mark.parametrize("username", ["display", "no_role"])
def test_users_without_the_registry_permission_get_403(world, api_as, username):
    api = api_as(username)
    for path in ["/api/v1/regions", "/api/v1/households", "/api/v1/grades", "/api/v1/cycles"]:
        response = api.get(path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "forbidden"


# --- masking ---------------------------------------------------------------------------


def _detail(api_as, world, username) -> dict:
    return api_as(username).json(f"/api/v1/households/{world.household.pk}")


def test_the_shop_clerk_sees_the_household_and_its_grade_only(world, api_as):
    final_cycle(world)
    h = _detail(api_as, world, "shop_clerk")
    assert h["fields"] == ["grade", "household"]
    assert h["address"] is None and h["phone"] is None and h["members"] is None
    assert h["grade"]["grade"]
    results = api_as("shop_clerk").json(f"/api/v1/cycles/{final_cycle(world).pk}/results")
    row = next(r for r in results["items"] if r["household_id"] == world.household.pk)
    assert row["total"] is None and row["vetoed"] is None and row["tier"] is None
    assert row["grade"] is not None


def test_committee_members_see_no_masked_id_and_subteams_no_phone(world, api_as):
    member = _detail(api_as, world, "committee_member")
    assert "masked_id" not in member["fields"]
    assert all(m["id_number_masked"] is None for m in member["members"])
    assert all(m["sex"] for m in member["members"])
    subteam = _detail(api_as, world, "subteam_member")
    assert subteam["phone"] is None
    assert all(m["phone"] is None and m["id_number_masked"] is None for m in subteam["members"])
    head = _detail(api_as, world, "committee_head")
    assert all(m["id_number_masked"] for m in head["members"])


def test_the_department_viewer_sees_no_registry_details(world, api_as):
    h = _detail(api_as, world, "department_viewer")
    assert h["fields"] == ["grade", "household", "points"]
    assert h["members"] is None and h["address"] is None


def test_the_credit_officer_sees_no_political_status(world, api_as):
    h = _detail(api_as, world, "credit_officer")
    assert "political" not in h["fields"]
    assert all(m["political_status"] is None for m in h["members"])


def test_no_full_id_number_ever(world, api_as):
    from sanxin.households.models import Person

    body = api_as("district_admin").get(f"/api/v1/households/{world.household.pk}").content
    for person in Person.objects.filter(household=world.household):
        assert person.reveal_id_number().encode() not in body
