"""Every URL, tried by every role, insiders and outsiders.

The table below names, for each URL, who may use it. A test fails when a URL of
the project is missing from the table, so a new view cannot ship untested.
Refused users get 403 (a page they have no business on) or 404 (an object outside
their region: it does not exist for them), and nothing changes in the database (every
table of every sanxin app, compared row by row). Allowed users reach the page; an
allowed POST must also have done what it says (its case's `effect`), since a view
turns a refused action into a flash message and a redirect, which a status cannot tell
from success.
"""

from __future__ import annotations

import functools
import hashlib
import re

import pytest
from django.apps import apps
from django.db import connection, models
from django.urls import URLPattern, URLResolver, get_resolver

from sanxin.accounts.models import RateWindow, User
from sanxin.api.models import ApiToken
from sanxin.audit.models import AuditEvent
from sanxin.lib import idcard
from tests.access_cases import ALL_USERS, CASES, api_client, member_of_household, send

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


def _project_models() -> list[type[models.Model]]:
    """Every concrete model of every sanxin app: a new app's tables are covered as soon
    as it is installed."""
    return [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("sanxin.")
        for model in config.get_models()
        if not model._meta.proxy
    ]


# What a refused request may legitimately write: its own audit row (`*.denied`), the
# user's last login, an API token's last use and the rate count of the request.
# (Sessions and django-axes' access logs are not sanxin apps.)
SKIPPED_FIELDS = {(User, "last_login"), (ApiToken, "last_used_at"), (ApiToken, "last_used_ip")}
SKIPPED_MODELS = {RateWindow}


@functools.cache
def _table_queries(vendor: str) -> list[tuple[str, str, list]]:
    """(model label, SELECT of all its rows in primary-key order, params) per table.
    Raw SQL: no model instances or field conversions, so a fingerprint stays cheap."""
    qn = connection.ops.quote_name
    queries = []
    for model in _project_models():
        if model in SKIPPED_MODELS:
            continue
        meta = model._meta
        columns = ", ".join(
            qn(f.column) for f in meta.concrete_fields if (model, f.name) not in SKIPPED_FIELDS
        )
        where, params = "", []
        if model is AuditEvent:
            where, params = f" WHERE {qn('action')} NOT LIKE %s", ["%.denied"]
        queries.append(
            (
                meta.label,
                f"SELECT {columns} FROM {qn(meta.db_table)}{where} ORDER BY {qn(meta.pk.column)}",
                params,
            )
        )
    return queries


def _fingerprint() -> dict[str, tuple[int, str]]:
    """For every table of the project: its row count and a digest of all its rows'
    values, in primary-key order."""
    prints = {}
    with connection.cursor() as cursor:
        for label, sql, params in _table_queries(connection.vendor):
            cursor.execute(sql, params)
            rows = [
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                for row in cursor.fetchall()
            ]
            prints[label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return prints


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(
        label for label in before.keys() | after.keys() if before.get(label) != after.get(label)
    )


def test_the_fingerprint_covers_every_app_and_sees_a_change(world):
    before = _fingerprint()
    labels = {label.split(".")[0] for label in before}
    assert {"accounts", "households", "ledger", "ratings", "rules", "audit"} <= labels
    assert {"regions", "notifications"} <= labels
    world.household_a2.address = "改过的住址"
    world.household_a2.save(update_fields=["address"])
    assert _changed(before, _fingerprint()) == ["households.Household"]


def test_every_allowed_post_says_what_it_does():
    """An allowed POST without an `effect` could be refused with a flash message and
    still pass the matrix on its 302."""
    missing = [
        f"{c.url_name} ({c.url.__module__})"
        for c in CASES
        if c.method == "post" and c.allowed and c.effect is None
    ]
    assert not missing, f"allowed POST cases without an effect: {missing}"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.url_name)
@pytest.mark.parametrize("username", ALL_USERS)
def test_role_access(case, username, world, login):
    if case.setup:
        case.setup(world)
    client = api_client(world.users[username]) if case.api else login(world.users[username])
    url = case.url(world)
    before = _fingerprint()
    response = send(case, client, url, case.data(world) if case.data else {})
    if username in case.allowed:
        assert response.status_code in case.ok_statuses, (
            f"{username} should reach {url}, got {response.status_code}"
        )
        if case.method == "post" and case.effect:
            world.response = response
            case.effect(world, username)
        if case.url_name != "households:reveal_id" and response.get("Content-Type", "").startswith(
            ("text/", "application/json")
        ):
            leaked = [m for m in FULL_ID.findall(response.content.decode()) if idcard.is_valid(m)]
            assert not leaked, f"a full ID number leaked into {url}"
    else:
        assert response.status_code in (403, 404), (
            f"{username} must be refused {url}, got {response.status_code}"
        )
        changed = _changed(before, _fingerprint())
        assert not changed, f"{username}'s refused request changed {changed}"


@pytest.mark.parametrize("case", [c for c in CASES if not c.public], ids=lambda c: c.url_name)
def test_anonymous_is_sent_to_login(case, world, client):
    if case.setup:
        case.setup(world)
    response = getattr(client, case.method)(case.url(world))
    if case.api:  # no token: the error shape's 401, never a redirect to a login page
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"
        return
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
