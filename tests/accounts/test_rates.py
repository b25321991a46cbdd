"""The pages' per-user rate limits (sanxin/accounts/rates.py): full identity numbers
shown, exports of lists of people or money, redemptions at the counter. A burst past
the limit answers 429 with Retry-After and a Chinese explanation (a fragment for
HTMX), changes nothing, and writes one audit row per user and minute; another user is
not affected, and the next minute is open again. The clock is set, never slept on."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from sanxin.accounts import rates
from sanxin.accounts.choices import Role
from sanxin.accounts.models import RateWindow
from sanxin.audit.models import AuditEvent
from sanxin.jobs.models import Job
from sanxin.rewards.models import Redemption
from tests.access_cases import member_of_household
from tests.factories import make_user
from tests.rewards.counter_shop import open_shop
from tests.rewards.test_counter_views import balance, batch, redeem_post, slip

# 12:00:20 UTC: 40 seconds left in the minute.
NOON = datetime(2026, 11, 9, 12, 0, 20, tzinfo=UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def clock(clock):
    """The shared clock (tests/conftest.py), fixed at NOON to begin with."""
    clock.at(NOON)
    return clock


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="sanxin.accounts.backends.UsernameOrPhoneBackend")
    return client


def refused(response, seconds: int, what: str, limit: int) -> str:
    """A 429 with Retry-After and the reason in words; returns the body."""
    assert response.status_code == 429, (response.status_code, response.content[:300])
    assert response["Retry-After"] == str(seconds)
    assert response["Cache-Control"] == "no-store"
    assert "Content-Disposition" not in response
    body = response.content.decode()
    assert f"“{what}”每人每分钟最多 {limit} 次" in body
    assert f"这次操作没有执行，请 {seconds} 秒后再试" in body
    return body


def lockouts(user) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="rate.lockout", actor=user))


# --- full identity numbers --------------------------------------------------------------


def test_reveals_past_the_limit_get_429_and_show_no_number(world, clock, settings):
    settings.SANXIN_ID_REVEALS_PER_MINUTE = 2
    person = member_of_household(world)
    full = person.reveal_id_number()
    url = f"/households/people/{person.pk}/reveal-id/"
    head = world.users["committee_head"]
    client = signed_in(head)
    for _ in range(2):
        response = client.post(url, **HTMX)
        assert response.status_code == 200 and full in response.content.decode()

    body = refused(client.post(url, **HTMX), 40, "查看完整身份证号", 2)
    # The HTMX fragment, swapped where the number would have gone; no number in it.
    assert "<html" not in body and 'role="alert"' in body and full not in body
    assert AuditEvent.objects.filter(action="person.reveal_id").count() == 2

    # Another user is not affected; this one is again the next minute.
    other = signed_in(world.users["district_admin"])
    assert other.post(url, **HTMX).status_code == 200
    clock.at(NOON + timedelta(seconds=40))
    assert full in client.post(url, **HTMX).content.decode()
    assert AuditEvent.objects.filter(action="person.reveal_id").count() == 4


def test_a_lockout_is_audited_once_a_minute_where_the_users_auditors_see_it(world, clock, settings):
    settings.SANXIN_ID_REVEALS_PER_MINUTE = 1
    person = member_of_household(world)
    url = f"/households/people/{person.pk}/reveal-id/"
    head = world.users["committee_head"]
    client = signed_in(head)
    assert client.post(url, REMOTE_ADDR="10.0.0.5").status_code == 200
    for _ in range(3):  # three refusals in the minute: one audit row
        refused(client.post(url, REMOTE_ADDR="10.0.0.5"), 40, "查看完整身份证号", 1)
    (lockout,) = lockouts(head)
    assert lockout.object_id == str(head.pk) and lockout.ip_address == "10.0.0.5"
    assert lockout.region_path == world.village_a1.path  # where the head's grant is
    assert lockout.after == {
        "rate_kind": "查看完整身份证号",
        "rate_limit": 1,
        "blocked_until": "2026-11-09 20:01",  # the minute's end, Beijing time
        "request_path": url,
    }
    assert RateWindow.objects.get(bucket=f"user:{head.pk}:reveal").hits == 4
    # The next minute's first refusal is a new lockout.
    clock.at(NOON + timedelta(minutes=1))
    assert client.post(url).status_code == 200
    refused(client.post(url), 40, "查看完整身份证号", 1)
    assert len(lockouts(head)) == 2
    # The district's auditor reads it in words on the audit log.
    log = signed_in(world.users["district_admin"]).get("/oversight/audit/").content.decode()
    assert "操作太频繁，被暂时限制" in log and "受限操作：查看完整身份证号" in log


def test_the_refusal_outside_htmx_is_a_page(world, clock, settings):
    settings.SANXIN_ID_REVEALS_PER_MINUTE = 0
    person = member_of_household(world)
    client = signed_in(world.users["committee_head"])
    body = refused(
        client.post(f"/households/people/{person.pk}/reveal-id/"), 40, "查看完整身份证号", 0
    )
    assert "<html" in body and "<h1>操作太频繁</h1>" in body


# --- exports ----------------------------------------------------------------------------


def test_exports_past_the_limit_get_429_and_make_no_file(world, clock, settings):
    settings.SANXIN_EXPORTS_PER_MINUTE = 1
    head = world.users["committee_head"]
    client = signed_in(head)
    first = client.get("/households/export.xlsx")
    assert first.status_code == 200 and "attachment" in first["Content-Disposition"]
    assert AuditEvent.objects.filter(action="household.export").count() == 1

    refused(client.get("/households/export.xlsx"), 40, "导出或下载名单、报表", 1)
    # Exports share one count: the list made by a job is refused too.
    admin = world.users["district_admin"]
    jobs = Job.objects.count()
    refused(client.post("/households/export/job/"), 40, "导出或下载名单、报表", 1)
    assert Job.objects.count() == jobs
    assert AuditEvent.objects.filter(action="household.export").count() == 1
    assert len(lockouts(head)) == 1

    # Another user exports; the next minute this one does again.
    admin_client = signed_in(admin)
    assert admin_client.get("/oversight/audit/export/").status_code == 200
    refused(admin_client.get("/households/export.xlsx"), 40, "导出或下载名单、报表", 1)
    clock.at(NOON + timedelta(seconds=40))
    response = client.get("/households/export.xlsx")
    assert response.status_code == 200 and response.content.startswith(b"PK")


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    """(route, namespaced name, view) of every URL of the site."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace or ""]))
            yield from _patterns(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = ":".join(filter(None, [namespace, entry.name or ""]))
            yield prefix + str(entry.pattern), name, entry.callback


# Files that are not lists of people or money: blank import templates, one receipt,
# one certificate, a household's copy of its own data, the village board's public
# poster, an honour certificate, a scoring scheme, the big screen's figures.
NOT_LISTS = {
    "households:roster_template",
    "points_import:template",
    "credit:template",
    "lending:repayment_template",
    "rewards:receipt_a6",
    "rewards:receipt_58mm",
    "ratings:certificate_pdf",
    "ratings:certificate_issue",
    "mydata:json",
    "mydata:pdf",
    "engagement:board_pdf",
    "engagement:honour_certificate",
    "rules:export",
    "oversight:screen_data",
}
FILE_ROUTE = re.compile(r"\.(xlsx|pdf|json|csv)$|export|download|/file/|sheet/|certificates/")


def test_every_export_of_a_list_is_limited():
    """A new export view is limited too, or is named here as not a list."""
    found, unlimited = set(), []
    for route, name, view in _patterns(get_resolver()):
        if route.startswith("api/") or not FILE_ROUTE.search(route):
            continue
        found.add(name)
        if getattr(view, "rate_limit", None) is not rates.EXPORT and name not in NOT_LISTS:
            unlimited.append((route, name))
    assert {"households:export", "jobs:file", "oversight:department_export"} <= found
    assert not unlimited, unlimited
    # An export asked for by a query parameter: the appeals' spreadsheet.
    from sanxin.ratings.views.appeals import appeal_list

    assert appeal_list.rate_limit is rates.EXPORT


# --- the counter ------------------------------------------------------------------------


@pytest.fixture
def shop(world, clock):
    return open_shop(world)


def test_redemptions_past_the_limit_get_429_and_redeem_nothing(world, clock, settings, shop):
    settings.SANXIN_REDEMPTIONS_PER_MINUTE = 1
    clerk_user = world.users["shop_clerk"]
    clerk = signed_in(clerk_user)
    # Looking at the panel and reviewing the basket are not counted.
    for _ in range(3):
        review = redeem_post(clerk, world, world.household, {shop.towel: 1}, step="review")
        assert review.status_code == 200
    assert redeem_post(clerk, world, world.household, {shop.towel: 1}).status_code == 302
    assert Redemption.objects.count() == 1
    points = balance(world.household)

    body = refused(
        redeem_post(clerk, world, world.household, {shop.towel: 1}),
        40,
        "确认兑换或补录纸质单据",
        1,
    )
    assert "<html" in body
    when = timezone.localtime() - timedelta(hours=1)
    paper = batch(shop, slip(0, "P-009", world.household, when, {shop.rice: 1}))
    refused(clerk.post("/shop/counter/paper/", paper), 40, "确认兑换或补录纸质单据", 1)
    assert Redemption.objects.count() == 1 and balance(world.household) == points
    assert len(lockouts(clerk_user)) == 1

    # Another clerk of the shop redeems; the next minute this one does again.
    other = signed_in(make_user("clerk_two", Role.SHOP_CLERK, region=world.village_a1))
    assert redeem_post(other, world, world.household, {shop.towel: 1}).status_code == 302
    clock.at(NOON + timedelta(minutes=1))
    assert clerk.post("/shop/counter/paper/", paper).status_code == 302
    assert Redemption.objects.count() == 3
    assert Redemption.objects.filter(slip_number="P-009").exists()
