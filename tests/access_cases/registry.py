"""Hand edits of the registry: only roles that may change it, inside their region."""

from datetime import date

from tests.access_cases import Case, member_of_household
from tests.access_cases.effects import audited, succeeded
from tests.factories import valid_id

CHANGERS = {"district_admin", "town_admin", "committee_head", "committee_deputy"}


def _household_data(w):
    return {
        "villager_group": w.group_a1_1.pk,
        "address": "新地址1号",
        "phone": "13900000000",
        "status": "active",
    }


def _household_registered(w, username):
    from sanxin.households.models import Household

    succeeded(w, username)
    household = Household.objects.get(village=w.village_a1, number="777")
    assert (household.villager_group, household.head_name) == (w.group_a1_1, "新户")
    assert [(p.name, p.is_head) for p in household.members.all()] == [("新户", True)]
    audited(w, username, "household.create", object_id=str(household.pk))


def _household_edited(w, username):
    succeeded(w, username)
    w.household.refresh_from_db()
    assert (w.household.address, w.household.phone) == ("新地址1号", "13900000000")
    audited(w, username, "household.update", object_id=str(w.household.pk))


def _person_added(w, username):
    succeeded(w, username)
    person = w.household.members.get(name="新成员")
    assert (person.relation, person.is_head, person.active) == ("孙子", False, True)
    audited(w, username, "person.create", object_id=str(person.pk))


def _person_edited(w, username):
    succeeded(w, username)
    person = member_of_household(w)
    assert (person.name, person.relation, person.phone) == ("王大山", "户主", "13911112222")
    audited(w, username, "person.update", object_id=str(person.pk))


CASES = [
    Case(
        "households:new",
        lambda w: "/households/new/",
        CHANGERS,
        method="post",
        data=lambda w: {
            "village": w.village_a1.pk,
            "number": "777",
            "villager_group": w.group_a1_1.pk,
            "head_name": "新户",
            "head_id_number": valid_id(99, birth=date(1990, 1, 1)),
            "status": "active",
        },
        effect=_household_registered,
    ),
    Case(
        "households:edit",
        lambda w: f"/households/{w.household.pk}/edit/",
        CHANGERS,
        method="post",
        data=_household_data,
        effect=_household_edited,
    ),
    Case(
        "households:person_new",
        lambda w: f"/households/{w.household.pk}/people/new/",
        CHANGERS,
        method="post",
        data=lambda w: {
            "name": "新成员",
            "id_number": valid_id(88, birth=date(2010, 2, 3)),
            "relation": "孙子",
            "political_status": "masses",
        },
        effect=_person_added,
    ),
    Case(
        "households:person_edit",
        lambda w: f"/households/people/{member_of_household(w).pk}/edit/",
        CHANGERS,
        method="post",
        data=lambda w: {
            "name": "王大山",
            "relation": "户主",
            "phone": "13911112222",
            "political_status": "masses",
            "cadre_post": "",
        },
        effect=_person_edited,
    ),
    Case(
        "households:person_move",
        lambda w: f"/households/people/{member_of_household(w).pk}/move/",
        CHANGERS,
    ),
]
