"""Personal API tokens: hashed at rest, shown once, revocable, expiring, refused for
inactive owners, last use noted at most once a minute."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sanxin.api import tokens
from sanxin.api.models import ApiToken
from sanxin.api.services import token_issue, token_revoke
from sanxin.audit.models import AuditEvent
from tests.api.conftest import ApiClient


def _issue(world, username="committee_head", **kwargs):
    return token_issue(actor=world.users[username], name="对账", **kwargs)


def test_only_the_hash_is_stored(world):
    token, value = _issue(world)
    assert value.startswith(f"sx_{token.prefix}_") and len(value) > 40
    assert token.token_hash == hashlib.sha256(value.encode()).hexdigest()
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(value in str(v) or value[12:] in str(v) for v in row.values())
    event = AuditEvent.objects.get(action="api_token.issue")
    assert value not in str(event.after) and event.actor == world.users["committee_head"]


def test_a_token_acts_as_its_owner(world):
    _token, value = _issue(world)
    response = ApiClient(value).get("/api/v1/regions")
    assert response.status_code == 200
    assert {r["name"] for r in response.json()["items"]} == {
        "大贵口村",
        "第一村民小组",
        "第二村民小组",
    }


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer nonsense", "Basic abc", "Bearer sx_00000000_" + "x" * 43],
)
def test_no_valid_token_is_401(world, header, client):
    response = client.get("/api/v1/regions", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "unauthorized"


def test_a_session_does_not_authenticate_the_api(world, login):
    client = login(world.users["district_admin"])
    assert client.get("/api/v1/regions").status_code == 401


def test_revoked_token_is_refused_at_once(world):
    token, value = _issue(world)
    api = ApiClient(value)
    assert api.get("/api/v1/regions").status_code == 200
    token_revoke(actor=world.users["committee_head"], token=token)
    assert api.get("/api/v1/regions").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoke", object_id=str(token.pk)).exists()
    with pytest.raises(ValidationError):
        token_revoke(actor=world.users["committee_head"], token=token)


def test_expired_token_is_refused(world):
    token, value = _issue(world, expires_at=timezone.now() + timedelta(days=1))
    api = ApiClient(value)
    assert api.get("/api/v1/regions").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api.get("/api/v1/regions").status_code == 401


def test_an_expiry_in_the_past_is_refused(world):
    with pytest.raises(ValidationError):
        _issue(world, expires_at=timezone.now() - timedelta(minutes=1))


def test_token_of_an_inactive_user_is_refused(world):
    _token, value = _issue(world)
    world.users["committee_head"].is_active = False
    world.users["committee_head"].save(update_fields=["is_active"])
    assert ApiClient(value).get("/api/v1/regions").status_code == 401


def test_token_of_a_user_whose_roles_ended_reads_nothing(world):
    from sanxin.accounts.services import role_end

    _token, value = _issue(world)
    for assignment in world.users["committee_head"].assignments.all():
        role_end(actor=world.users["district_admin"], assignment=assignment)
    assert ApiClient(value).get("/api/v1/regions").status_code == 403


def test_last_use_is_written_at_most_once_a_minute(world, django_assert_num_queries):
    token, value = _issue(world)
    api = ApiClient(value)
    api.get("/api/v1/regions")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and token.last_used_ip == "127.0.0.1"
    api.get("/api/v1/regions")
    token.refresh_from_db()
    assert token.last_used_at == first  # not written again within the minute
    # A minute later it is.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    api.get("/api/v1/regions")
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(minutes=2)


def test_note_use_writes_nothing_within_the_minute(world, django_assert_num_queries):
    token, value = _issue(world)
    now = timezone.now()
    assert tokens.note_use(token, ip="10.0.0.1", now=now)
    with django_assert_num_queries(0):
        assert not tokens.note_use(token, ip="10.0.0.2", now=now + timedelta(seconds=30))
    # A stale copy (another worker's) does not write twice either: the UPDATE is conditional.
    stale = ApiToken.objects.get(pk=token.pk)
    stale.last_used_at = None
    assert not tokens.note_use(stale, ip="10.0.0.3", now=now + timedelta(seconds=40))
    assert tokens.note_use(token, ip="10.0.0.4", now=now + timedelta(seconds=61))


def test_a_user_manager_revokes_the_tokens_of_their_users_only(world):
    token, _value = _issue(world, "villager")
    with pytest.raises(PermissionDenied):
        token_revoke(actor=world.users["other_district_admin"], token=token)
    with pytest.raises(PermissionDenied):
        token_revoke(actor=world.users["committee_head"], token=token)
    token_revoke(actor=world.users["town_admin"], token=token)
    token.refresh_from_db()
    assert token.revoked_by == world.users["town_admin"]


def test_a_villager_token_reads_the_own_household(world):
    _token, value = _issue(world, "villager")
    items = ApiClient(value).get("/api/v1/households").json()["items"]
    assert [h["id"] for h in items] == [world.household.pk]
