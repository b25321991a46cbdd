"""Recording point entries through the API: the entry form's service, permission,
scope, recusal and validation; an entry pending review recorded by the token's owner;
once per Idempotency-Key."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from sanxin.audit.models import AuditEvent
from sanxin.households.models import Person
from sanxin.ledger.models import Entry, Submission
from sanxin.notifications.models import Notification
from tests.api.money_world import API, bearer


def record(client, user, household, body, key="entry-1", headers=None):
    extra = headers or bearer(user)
    if key is not None:
        extra = {**extra, "HTTP_IDEMPOTENCY_KEY": key}
    return client.post(
        f"{API}/ledger/households/{household.pk}/entries",
        json.dumps(body),
        content_type="application/json",
        **extra,
    )


def tidy(**changes):
    return {"item_code": "env.tidy", "occurred_on": timezone.localdate().isoformat(), **changes}


def state():
    return (
        Entry.objects.count(),
        Submission.objects.count(),
        AuditEvent.objects.filter(action="entry.record").count(),
        Notification.objects.count(),
    )


def test_an_entry_is_recorded_pending_review_by_the_tokens_owner(world, scheme, client):
    head = world.users["committee_head"]
    response = record(client, head, world.household, tidy(quantity=2, evidence_text="门前整洁"))
    assert response.status_code == 201, response.content
    entry = Entry.objects.get()
    answer = response.json()
    assert answer["id"] == entry.pk and answer["status"] == "pending"
    assert answer["points"] == "4.00" and answer["item_name"] == entry.item_name
    assert entry.recorded_by == head and entry.household == world.household
    assert not hasattr(entry, "review") or entry.review is None
    assert AuditEvent.objects.get(action="entry.record").actor == head


def test_a_person_item_names_a_member_of_the_household(world, scheme, client):
    member = Person.objects.filter(household=world.household).order_by("id").first()
    head = world.users["committee_head"]
    body = tidy(item_code="public.repair", person_id=member.pk)
    response = record(client, head, world.household, body)
    assert response.status_code == 201, response.content
    assert Entry.objects.get().person == member
    stranger = Person.objects.filter(household=world.household_a2).first()
    refused = record(client, head, world.household, {**body, "person_id": stranger.pk}, key="k2")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "person_id"]
    missing = record(client, head, world.household, tidy(item_code="public.repair"), key="k3")
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["loc"] == ["body", "person_id"]
    assert "按人记分" in missing.json()["errors"][0]["message"]


def test_the_same_key_and_body_records_once(world, scheme, client):
    head = world.users["committee_head"]
    headers = bearer(head)
    first = record(client, head, world.household, tidy(), headers=headers)
    again = record(client, head, world.household, tidy(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and Entry.objects.count() == 1
    # the key is the owner's: another recorder's same key is theirs
    deputy = world.users["committee_deputy"]
    assert record(client, deputy, world.household, tidy()).status_code == 201
    assert Entry.objects.count() == 2


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(world, scheme, client):
    head = world.users["committee_head"]
    record(client, head, world.household, tidy())
    before = state()
    response = record(client, head, world.household, tidy(quantity=3))
    assert response.status_code == 409 and response.json()["code"] == "idempotency_key_reused"
    other_household = record(client, head, world.household_a1_2, tidy())
    assert other_household.status_code == 409
    assert state() == before


@pytest.mark.parametrize(
    ("body", "loc", "words"),
    [
        (tidy(item_code="no.such"), ["body", "item_code"], "不在本户适用的方案"),
        (tidy(occurred_on="2999-01-01"), ["body", "occurred_on"], "在今天之后"),
        (tidy(item_code="env.dumping"), ["body", "evidence_text"], "必须填写事实依据"),
        (tidy(quantity=7), ["body", "quantity"], "每年最多"),
        (tidy(quantity=0), ["body", "quantity"], "不能小于"),
        (tidy(quantity="许多"), ["body", "quantity"], "整数"),
        (tidy(evidence_text="见\u202e附件"), ["body", "evidence_text"], "事实与依据"),
        ({"occurred_on": "2025-01-01"}, ["body", "item_code"], "必须填写"),
    ],
)
def test_invalid_entries_answer_422_with_the_field_and_change_nothing(
    world, scheme, client, body, loc, words
):
    before = state()
    response = record(client, world.users["committee_head"], world.household, body)
    assert response.status_code == 422, response.content
    answer = response.json()
    assert answer["code"] == "invalid"
    locs = [e["loc"] for e in answer["errors"]]
    assert any(found[0] == loc[0] and found[-1] == loc[-1] for found in locs), locs
    assert words in " ".join(e["message"] for e in answer["errors"])
    assert state() == before


def test_a_key_is_required(world, scheme, client):
    response = record(client, world.users["committee_head"], world.household, tidy(), key=None)
    assert response.status_code == 422 and not Entry.objects.exists()


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("villager", 403),
        ("shop_clerk", 403),
        ("credit_officer", 403),
        ("district_admin", 403),
        ("neighbour_committee_head", 404),
        ("other_group_subteam", 404),
    ],
)
def test_who_may_not_record_changes_nothing(world, scheme, client, username, status):
    before = state()
    response = record(client, world.users[username], world.household, tidy())
    assert response.status_code == status
    assert state() == before


def test_nobody_records_for_their_own_household(world, scheme, client):
    member = world.users["committee_member"]
    member.person = Person.objects.filter(household=world.household).first()
    member.save(update_fields=["person"])
    response = record(client, member, world.household, tidy())
    assert response.status_code == 403 and "回避" in response.json()["message"]
    assert not Entry.objects.exists()


# --- concurrent submissions (a database file or PostgreSQL) ----------------------------------


@pytest.fixture
def committing(transactional_db):
    from sanxin.lib.append_only import append_only_tables, create_triggers, drop_triggers
    from sanxin.rules.services import scheme_versions_unfreeze_for_erase

    create_triggers(append_only_tables())
    yield
    drop_triggers()
    scheme_versions_unfreeze_for_erase()


def race(n, work):
    barrier = threading.Barrier(n)
    outcomes: list = []

    def run():
        try:
            barrier.wait()
            outcomes.append(work())
        except Exception as exc:  # noqa: BLE001 - the outcome is the test's subject
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.skipif(
    connection.vendor == "sqlite" and connection.settings_dict["TEST"].get("NAME") is None,
    reason="threads need a database file (in-memory SQLite is one connection's)",
)
def test_concurrent_submissions_with_one_key_record_once(committing, world, scheme):
    from django.test import Client

    headers = {**bearer(world.users["committee_head"]), "HTTP_IDEMPOTENCY_KEY": "same-tap"}
    url = f"{API}/ledger/households/{world.household.pk}/entries"
    payload = json.dumps(tidy())

    def submit():
        response = Client().post(url, payload, content_type="application/json", **headers)
        return response.status_code, response.json().get("id")

    outcomes = race(4, submit)
    assert Entry.objects.count() == 1, outcomes
    assert all(o == (201, Entry.objects.get().pk) for o in outcomes), outcomes
