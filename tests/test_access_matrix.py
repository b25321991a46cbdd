"""Every URL, tried by every role, insiders and outsiders.

The table below names, for each URL, who may use it. A test fails when a URL of
the project is missing from the table, so a new view cannot ship untested.
Refused users get 403 (a page they have no business on) or 404 (an object outside
their region: it does not exist for them), and nothing changes in the database.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from sanxin.households.models import Household, Person
from sanxin.ledger.models import CreditAssessment, Entry, Review, VetoEvent
from sanxin.lib import idcard
from sanxin.oversight.models import AuditEvent
from sanxin.rules.models import SchemeVersion
from tests.access_cases import ALL_USERS, CASES, member_of_household

FULL_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])")


# Reached without logging in, or only by superusers; tested in their own modules.
PUBLIC_OR_ADMIN = {"accounts:login", "accounts:logout"}


def _named_patterns(resolver=None, prefix="") -> set[str]:
    names: set[str] = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            ns = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= _named_patterns(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


def test_every_url_is_in_the_access_table():
    tested = {c.url_name for c in CASES} | PUBLIC_OR_ADMIN
    missing = _named_patterns() - tested
    assert not missing, f"URLs without an access test: {sorted(missing)}"


def _fingerprint():
    return (
        Household.objects.count(),
        Person.objects.count(),
        sorted(
            Household.objects.values_list("pk", "number", "address", "phone", "status", "head_name")
        ),
        sorted(
            Person.objects.values_list("pk", "name", "household_id", "phone", "relation", "active")
        ),
        AuditEvent.objects.exclude(action__endswith=".denied").count(),
        Entry.objects.count(),
        Review.objects.count(),
        CreditAssessment.objects.count(),
        VetoEvent.objects.count(),
        sorted(SchemeVersion.objects.values_list("pk", "version", "in_use_since")),
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.url_name)
@pytest.mark.parametrize("username", ALL_USERS)
def test_role_access(case, username, world, login):
    if case.setup:
        case.setup(world)
    client = login(world.users[username])
    url = case.url(world)
    before = _fingerprint()
    response = getattr(client, case.method)(url, case.data(world) if case.data else {})
    if username in case.allowed:
        assert response.status_code in case.ok_statuses, (
            f"{username} should reach {url}, got {response.status_code}"
        )
        if case.url_name != "households:reveal_id" and response.get("Content-Type", "").startswith(
            "text/"
        ):
            leaked = [m for m in FULL_ID.findall(response.content.decode()) if idcard.is_valid(m)]
            assert not leaked, f"a full ID number leaked into {url}"
    else:
        assert response.status_code in (403, 404), (
            f"{username} must be refused {url}, got {response.status_code}"
        )
        assert _fingerprint() == before, f"{username}'s refused request changed data"


@pytest.mark.parametrize("case", [c for c in CASES if not c.public], ids=lambda c: c.url_name)
def test_anonymous_is_sent_to_login(case, world, client):
    if case.setup:
        case.setup(world)
    response = getattr(client, case.method)(case.url(world))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_objects_outside_the_region_are_not_found(world, login):
    """Outsiders get 404, not 403: they cannot even learn the object exists."""
    for username in [
        "other_district_admin",
        "other_town_admin",
        "neighbour_committee_head",
        "other_group_subteam",
        "other_villager",
    ]:
        client = login(world.users[username])
        assert client.get(f"/households/{world.household.pk}/").status_code == 404
        assert (
            client.post(
                f"/households/people/{member_of_household(world).pk}/reveal-id/"
            ).status_code
            == 404
        )
