"""Hand edits of the registry: only roles that may change it, inside their region."""

from datetime import date

from tests.access_cases import Case, member_of_household
from tests.factories import valid_id

CHANGERS = {"district_admin", "town_admin", "committee_head", "committee_deputy"}


def _household_data(w):
    return {
        "villager_group": w.group_a1_1.pk,
        "address": "新地址1号",
        "phone": "13900000000",
        "status": "active",
    }


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
    ),
    Case(
        "households:edit",
        lambda w: f"/households/{w.household.pk}/edit/",
        CHANGERS,
        method="post",
        data=_household_data,
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
    ),
    Case(
        "households:person_move",
        lambda w: f"/households/people/{member_of_household(w).pk}/move/",
        CHANGERS,
    ),
]
