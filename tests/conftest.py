"""The test world: two districts; in the home district two towns, town A with two
villages; village A1 with two villager groups. One user per role, bound to the home
village's part of the tree, plus outsiders bound to the neighbouring parts."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from sanxin.accounts.choices import Role
from tests.factories import child, make_household, make_tree, make_user


@dataclass
class World:
    district: object
    other_district: object
    town_a: object
    town_b: object
    village_a1: object
    village_a2: object
    village_b1: object
    group_a1_1: object
    group_a1_2: object
    group_a2_1: object
    group_b1_1: object
    household: object  # in village A1, group 1: the household every insider can see
    household_a1_2: object  # village A1, group 2
    household_a2: object
    household_b1: object
    household_other_district: object
    users: dict[str, object] = field(default_factory=dict)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests that are not about hashing use MD5.
    (tests/accounts/test_login.py checks the real Argon2 configuration.)"""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path_factory):
    """Uploaded evidence goes to a scratch directory, never into var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _jobs_run_at_once(settings):
    """Background jobs run inside the request through django-tasks' immediate backend,
    so pages that start one show its result; tests/jobs use the database backend and
    a worker run in-process."""
    settings.SANXIN_JOBS_BACKEND = "immediate"


@pytest.fixture
def world(db) -> World:
    district = make_tree()
    other = make_tree("邻区", "130804000000")
    town_a = child(district, "双塔山镇", kind="镇")
    town_b = child(district, "陈栅子乡", kind="乡")
    village_a1 = child(town_a, "大贵口村", kind="村")
    village_a2 = child(town_a, "邻村", kind="村")
    village_b1 = child(town_b, "外乡村", kind="村")
    g_a1_1 = child(village_a1, "第一村民小组")
    g_a1_2 = child(village_a1, "第二村民小组")
    g_a2_1 = child(village_a2, "第一村民小组")
    g_b1_1 = child(village_b1, "第一村民小组")
    other_town = child(other, "别镇", kind="镇")
    other_village = child(other_town, "别村", kind="村")
    other_group = child(other_village, "第一村民小组")

    w = World(
        district=district,
        other_district=other,
        town_a=town_a,
        town_b=town_b,
        village_a1=village_a1,
        village_a2=village_a2,
        village_b1=village_b1,
        group_a1_1=g_a1_1,
        group_a1_2=g_a1_2,
        group_a2_1=g_a2_1,
        group_b1_1=g_b1_1,
        household=make_household(village_a1, g_a1_1, "001", head="王大山", head_seq=101, members=2),
        household_a1_2=make_household(village_a1, g_a1_2, "002", head="李二河", head_seq=201),
        household_a2=make_household(village_a2, g_a2_1, "001", head="赵三林", head_seq=301),
        household_b1=make_household(village_b1, g_b1_1, "001", head="钱四海", head_seq=401),
        household_other_district=make_household(
            other_village, other_group, "001", head="孙五岳", head_seq=501
        ),
    )
    u = w.users
    u["district_admin"] = make_user("district_admin", Role.DISTRICT_ADMIN, region=district)
    u["department_viewer"] = make_user("department_viewer", Role.DEPARTMENT_VIEWER, region=district)
    u["credit_officer"] = make_user("credit_officer", Role.CREDIT_OFFICER, region=town_a)
    u["town_admin"] = make_user("town_admin", Role.TOWN_ADMIN, region=town_a)
    u["committee_head"] = make_user("committee_head", Role.COMMITTEE_HEAD, region=village_a1)
    u["committee_deputy"] = make_user("committee_deputy", Role.COMMITTEE_DEPUTY, region=village_a1)
    u["committee_member"] = make_user("committee_member", Role.COMMITTEE_MEMBER, region=village_a1)
    u["subteam_member"] = make_user("subteam_member", Role.SUBTEAM_MEMBER, region=g_a1_1)
    u["shop_clerk"] = make_user("shop_clerk", Role.SHOP_CLERK, region=village_a1)
    u["villager"] = make_user("villager", Role.VILLAGER, household=w.household, phone="13800000001")
    u["display"] = make_user("display", Role.DISPLAY, region=district)
    # Outsiders: the same roles one step away.
    u["other_district_admin"] = make_user("other_district_admin", Role.DISTRICT_ADMIN, region=other)
    u["other_town_admin"] = make_user("other_town_admin", Role.TOWN_ADMIN, region=town_b)
    u["other_credit_officer"] = make_user(
        "other_credit_officer", Role.CREDIT_OFFICER, region=town_b
    )
    u["neighbour_committee_head"] = make_user(
        "neighbour_committee_head", Role.COMMITTEE_HEAD, region=village_a2
    )
    u["other_group_subteam"] = make_user("other_group_subteam", Role.SUBTEAM_MEMBER, region=g_a1_2)
    u["other_villager"] = make_user("other_villager", Role.VILLAGER, household=w.household_a1_2)
    u["no_role"] = make_user("no_role")
    return w


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user, backend="sanxin.accounts.backends.UsernameOrPhoneBackend")
        return client

    return _login


@pytest.fixture
def scheme(world):
    """The shipped default scheme, published for the home district."""
    from sanxin.rules.services import scheme_install_default

    return scheme_install_default(district=world.district)


@pytest.fixture
def credit_for(world):
    """Give a household a 双基 assessment (answers by option code, defaults: good)."""
    from datetime import date

    from sanxin.credit.services import assessment_record

    def _credit(household, answers=None, *, on=date(2025, 3, 1)):
        defaults = {
            "household_size": "3plus",
            "workers": "2",
            "village_appraisal": "good",
            "total_assets": "ge_1",
            "net_assets": "ge_1",
            "net_income": "ge_1",
            "deposits": "ge_5k",
            "repayment": "normal",
        }
        return assessment_record(
            actor=world.users["credit_officer"],
            household=household,
            period=str(on.year),
            assessed_on=on,
            answers={**defaults, **(answers or {})},
        )

    return _credit


@pytest.fixture
def clock(monkeypatch):
    """The project's clock, set by the test: `clock(moment)` (or `clock.at(moment)`)
    fixes `timezone.now`, and `localdate` with it, at that moment until set again.
    Never slept on."""
    from django.utils import timezone

    class Clock:
        def __call__(self, moment):
            monkeypatch.setattr(timezone, "now", lambda: moment)
            return moment

        at = __call__

    return Clock()
