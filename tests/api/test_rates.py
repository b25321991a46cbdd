"""The API's rate limits (sanxin/api/rates.py, counted by sanxin/accounts/rates.py):
per user (all their tokens together) and minute, reads and writes apart, counted in
the database (exact across processes and concurrent requests); failed
authentications per client address; 429 in the error shape with Retry-After; a
refused request does nothing and writes nothing but its count (and the first one of
a minute, the lockout's audit row)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from sanxin.accounts import rates
from sanxin.accounts.models import RateWindow
from sanxin.api.models import ApiToken
from sanxin.api.services import token_issue, token_revoke
from sanxin.audit.models import AuditEvent
from sanxin.jobs.heartbeat import CHORES
from sanxin.jobs.management.commands.worker import heartbeat_once
from sanxin.ledger.models import Entry, Submission
from tests.api.test_api_ledger import committing, race, tidy  # noqa: F401  (fixture)

REGIONS = "/api/v1/regions"
# 12:00:20 UTC: 40 seconds left in the minute.
NOON = datetime(2026, 11, 9, 12, 0, 20, tzinfo=UTC)


@pytest.fixture
def clock(clock):
    """The shared clock (tests/conftest.py), fixed at NOON to begin with."""
    clock.at(NOON)
    return clock


def _token(world, username="committee_head") -> tuple[ApiToken, dict[str, str]]:
    token, value = token_issue(actor=world.users[username], name="限流")
    return token, {"HTTP_AUTHORIZATION": f"Bearer {value}"}


def _get(headers, path=REGIONS, ip="127.0.0.1"):
    return Client().get(path, REMOTE_ADDR=ip, **headers)


def _bad(ip="127.0.0.1"):
    return _get({"HTTP_AUTHORIZATION": "Bearer sx_00000000_guess"}, ip=ip)


def _throttled(response, seconds: int) -> None:
    assert response.status_code == 429, (response.status_code, response.content[:300])
    body = response.json()
    assert body["status"] == 429 and body["code"] == "throttled" and body["errors"] == []
    assert "请求太频繁" in body["message"] and f"{seconds} 秒" in body["message"]
    assert response["Retry-After"] == str(seconds)


def test_reads_over_the_limit_get_429_with_retry_after(world, clock, settings):
    settings.SANXIN_API_READS_PER_MINUTE = 3
    _token_row, headers = _token(world)
    assert [_get(headers).status_code for _ in range(3)] == [200, 200, 200]
    _throttled(_get(headers), 40)
    clock.at(NOON + timedelta(seconds=39, microseconds=500_000))
    _throttled(_get(headers), 1)  # half a second left: rounded up, never 0
    assert RateWindow.objects.get().hits == 5


def test_a_refused_request_writes_nothing_but_its_count(world, clock, settings):
    settings.SANXIN_API_READS_PER_MINUTE = 1
    token, headers = _token(world)
    assert _get(headers).status_code == 200
    # Its last use is a while ago: an allowed request would write it again.
    long_ago = NOON - timedelta(hours=1)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=long_ago, last_used_ip="10.9.9.9")
    audits = AuditEvent.objects.count()
    _throttled(_get(headers, ip="10.0.0.7"), 40)
    _throttled(_get(headers, ip="10.0.0.7"), 40)
    token.refresh_from_db()
    assert (token.last_used_at, token.last_used_ip) == (long_ago, "10.9.9.9")
    # The lockout is logged once for the minute, not once per refused request.
    lockout = AuditEvent.objects.get(action="rate.lockout")
    assert AuditEvent.objects.count() == audits + 1
    assert lockout.actor == world.users["committee_head"]
    assert lockout.ip_address == "10.0.0.7"
    assert lockout.after["rate_kind"] == "开放接口读取" and lockout.after["rate_limit"] == 1
    assert lockout.after["request_path"] == REGIONS


def test_a_refused_write_records_nothing(world, scheme, clock, settings):
    settings.SANXIN_API_WRITES_PER_MINUTE = 1
    _token_row, headers = _token(world)
    url = f"/api/v1/ledger/households/{world.household.pk}/entries"

    def record(key: str):
        return Client().post(
            url,
            json.dumps(tidy()),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
            **headers,
        )

    assert record("first").status_code == 201
    before = (Entry.objects.count(), Submission.objects.count(), AuditEvent.objects.count())
    _throttled(record("second"), 40)
    after = (Entry.objects.count(), Submission.objects.count(), AuditEvent.objects.count())
    assert after == (before[0], before[1], before[2] + 1)  # + the lockout's audit row
    assert AuditEvent.objects.filter(action="rate.lockout").count() == 1
    # Reads are counted apart: the same token still reads.
    assert _get(headers).status_code == 200


def test_the_next_minute_opens_a_new_window(world, clock, settings):
    settings.SANXIN_API_READS_PER_MINUTE = 2
    _token_row, headers = _token(world)
    clock.at(datetime(2026, 11, 9, 12, 0, 58, tzinfo=UTC))
    assert [_get(headers).status_code for _ in range(3)] == [200, 200, 429]
    clock.at(datetime(2026, 11, 9, 12, 0, 59, 999_000, tzinfo=UTC))
    _throttled(_get(headers), 1)
    clock.at(datetime(2026, 11, 9, 12, 1, 0, tzinfo=UTC))
    assert [_get(headers).status_code for _ in range(3)] == [200, 200, 429]
    assert sorted(RateWindow.objects.values_list("hits", flat=True)) == [3, 4]


def test_a_users_tokens_share_one_count(world, clock, settings):
    """Issuing more tokens gives no more requests: the count is the owner's."""
    settings.SANXIN_API_READS_PER_MINUTE = 3
    _first, mine = _token(world)
    _second, my_other = _token(world)  # the same owner's second token
    _third, theirs = _token(world, "district_admin")
    assert [_get(mine).status_code for _ in range(2)] == [200, 200]
    assert _get(my_other).status_code == 200
    _throttled(_get(my_other), 40)
    _throttled(_get(mine), 40)
    # Another user is not affected, and the next minute the owner reads again.
    assert [_get(theirs).status_code for _ in range(3)] == [200, 200, 200]
    owner = world.users["committee_head"].pk
    assert RateWindow.objects.get(bucket=f"user:{owner}:api-read").hits == 5
    clock.at(NOON + timedelta(minutes=1))
    assert _get(my_other).status_code == 200


def test_a_flood_of_failed_authentications_gets_429(world, clock, settings):
    settings.SANXIN_API_AUTH_FAILURES_PER_MINUTE = 5
    token, headers = _token(world)
    revoked, revoked_headers = _token(world)
    token_revoke(actor=world.users["committee_head"], token=revoked)
    statuses = [_bad().status_code for _ in range(4)] + [_get(revoked_headers).status_code]
    assert statuses == [401] * 5
    _throttled(_bad(), 40)
    # The address is blocked whatever token it sends, so a right guess looks like a
    # wrong one; the token's own count and last use are not touched.
    _throttled(_get(headers), 40)
    assert not RateWindow.objects.filter(bucket__startswith="user:").exists()
    token.refresh_from_db()
    assert token.last_used_at is None
    # Another address is not blocked, and the next minute this one is not either.
    assert _get(headers, ip="10.0.0.8").status_code == 200
    assert _bad(ip="10.0.0.8").status_code == 401
    clock.at(NOON + timedelta(minutes=1))
    assert _get(headers).status_code == 200


def test_requests_without_a_token_are_not_counted(world, clock, settings):
    settings.SANXIN_API_AUTH_FAILURES_PER_MINUTE = 1
    for _ in range(3):
        assert Client().get(REGIONS).status_code == 401
    assert not RateWindow.objects.exists()


def test_behind_the_proxy_the_address_is_the_one_it_saw(rf, settings):
    request = rf.get(REGIONS, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.9")
    settings.BEHIND_PROXY = False
    assert rates.client_ip(request) == "127.0.0.1"
    settings.BEHIND_PROXY = True
    assert rates.client_ip(request) == "10.0.0.9"  # what nginx appended, not what was sent
    assert rates.client_ip(rf.get(REGIONS, REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"
    forged = rf.get(REGIONS, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="nonsense")
    assert rates.client_ip(forged) == "127.0.0.1"


def test_the_schema_documents_429(world):
    schema = Client().get("/api/v1/openapi.json").json()
    operations = [op for item in schema["paths"].values() for op in item.values()]
    assert operations and all("429" in op["responses"] for op in operations)


def test_past_windows_are_pruned_by_the_worker_and_the_command(db, capsys, monkeypatch):
    minute = rates.Window.at(NOON).minute
    for m in (minute - 5, minute - 2, minute - 1, minute):
        RateWindow.objects.create(bucket="user:1:api-read", minute=m, hits=3)
    assert rates.prune in CHORES
    monkeypatch.setattr(timezone, "now", lambda: NOON)
    heartbeat_once("worker-1", NOON)  # the worker's beat runs the chore
    assert sorted(RateWindow.objects.values_list("minute", flat=True)) == [minute - 1, minute]
    monkeypatch.undo()
    call_command("prune_rates")  # now is long after NOON
    assert not RateWindow.objects.exists()
    assert "已删除 2 行" in capsys.readouterr().out
    RateWindow.objects.create(bucket="user:1:export", minute=minute, hits=1)
    call_command("prune_api_rates")  # the former name still works
    assert not RateWindow.objects.exists()


@pytest.mark.skipif(
    connection.vendor == "sqlite" and connection.settings_dict["TEST"].get("NAME") is None,
    reason="threads need a database file (in-memory SQLite is one connection's)",
)
def test_concurrent_requests_are_counted_exactly(committing, world, clock, settings):  # noqa: F811
    settings.SANXIN_API_READS_PER_MINUTE = 5
    _token_row, headers = _token(world)
    outcomes = race(8, lambda: _get(headers).status_code)
    assert sorted(outcomes) == [200] * 5 + [429] * 3, outcomes
    assert RateWindow.objects.get().hits == 8
