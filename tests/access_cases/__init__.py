"""The access table: for every URL of the project, who may use it.

Each area keeps its cases in its own module here (core, points, credit, rules, ...);
`tests/test_access_matrix.py` tries every case with every user of the test world
and fails when a URL of the project has no case.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

from django.test import Client

from sanxin.households.models import Person

ALL_USERS = [
    "district_admin",
    "department_viewer",
    "credit_officer",
    "town_admin",
    "committee_head",
    "committee_deputy",
    "committee_member",
    "subteam_member",
    "shop_clerk",
    "villager",
    "display",
    "other_district_admin",
    "other_town_admin",
    "other_credit_officer",
    "neighbour_committee_head",
    "other_group_subteam",
    "other_villager",
    "no_role",
]
# Users with a role that works on records (the big-screen display sees totals only).
WITH_ROLES = set(ALL_USERS) - {"no_role", "display"}
# Everyone whose region (or household) holds the world's main household.
INSIDERS_OF_HOUSEHOLD = {
    "district_admin",
    "department_viewer",
    "credit_officer",
    "town_admin",
    "committee_head",
    "committee_deputy",
    "committee_member",
    "subteam_member",
    "shop_clerk",
    "villager",
}
# Insiders shown the household's points, entries, vetoes and credit scores
# (Field.POINTS): everyone but the shop clerk, whose counter needs the grade only.
SEES_POINTS = INSIDERS_OF_HOUSEHOLD - {"shop_clerk"}
COMMITTEE = {"committee_head", "committee_deputy", "committee_member"}


@dataclass
class Case:
    url_name: str
    url: Callable  # world -> path
    allowed: set[str]
    method: str = "get"
    data: Callable | None = None  # world -> POST data
    public: bool = False  # reachable without logging in
    setup: Callable | None = None  # world -> None: create what the URL needs (runs before `url`)
    # Allowed users may answer with these codes too (e.g. 400 for a well-formed
    # but invalid POST that changes nothing).
    ok_statuses: tuple[int, ...] = (200, 302)
    # Every allowed POST says what it did: a status 200/302 alone proves nothing, since
    # views turn a refused action into a flash message and a redirect. Called after each
    # allowed user's POST, in a fresh world, with the response at `world.response`.
    effect: Callable | None = None  # (world, username) -> None: asserts an allowed POST's effect
    # An API URL (/api/v1/…, tests/access_cases/api.py): the user is authenticated by a
    # Bearer token of their own, issued before the request, not by a session; `data`
    # is sent as JSON (GET: as the query string); anonymous callers get 401.
    api: bool = False
    # Extra request headers (an API write's Idempotency-Key).
    headers: dict[str, str] = field(default_factory=dict)


def api_client(user) -> Client:
    """A client without a session that sends a fresh API token of `user`."""
    from sanxin.api.services import token_issue

    _token, value = token_issue(actor=user, name="access matrix")
    return Client(headers={"Authorization": f"Bearer {value}"})


def send(case: Case, client: Client, url: str, data: dict | None):
    """The case's request: a form POST for a page, JSON for an API case."""
    if case.api and case.method != "get":
        return getattr(client, case.method)(
            url, json.dumps(data or {}), content_type="application/json", headers=case.headers
        )
    return getattr(client, case.method)(url, data or {}, headers=case.headers)


def member_of_household(world) -> Person:
    return Person.objects.filter(household=world.household).order_by("id").first()


def _collect() -> list[Case]:
    cases: list[Case] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        cases.extend(getattr(module, "CASES", []))
    return cases


CASES = _collect()
