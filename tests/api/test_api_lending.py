"""The lending endpoints: credit lines and loans for the credit union over the
household and for the household itself, nobody else; recording a repayment once per
Idempotency-Key, through the repayment page's service."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from sanxin.audit.models import AuditEvent
from sanxin.ledger.models import Submission
from sanxin.lending.models import Loan, Repayment
from tests.api.money_world import API, bearer, loans
from tests.api.test_api_ledger import committing  # noqa: F401 - a fixture


@pytest.fixture
def lent(world):
    return loans(world)


def get(client, user, path, **params):
    return client.get(f"{API}{path}", params, **bearer(user))


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


# --- reads ---------------------------------------------------------------------------------


def test_the_officer_reads_the_lines_and_loans_of_their_town_only(lent, client):
    officer = lent.users["credit_officer"]
    assert ids(get(client, officer, "/lending/loans")) == {lent.loan.pk}
    assert ids(get(client, officer, "/lending/lines")) == {lent.line.pk, lent.line_a1_2.pk}
    assert get(client, officer, f"/lending/loans/{lent.loan_b1.pk}").status_code == 404
    assert get(client, officer, f"/lending/lines/{lent.line_b1.pk}").status_code == 404
    other = lent.users["other_credit_officer"]
    assert ids(get(client, other, "/lending/loans")) == {lent.loan_b1.pk}
    assert ids(get(client, other, "/lending/lines")) == {lent.line_b1.pk}
    assert get(client, other, f"/lending/loans/{lent.loan.pk}").status_code == 404


def test_the_household_reads_its_own_lines_and_loans_only(lent, client):
    villager = lent.users["villager"]
    assert ids(get(client, villager, "/lending/loans")) == {lent.loan.pk}
    assert ids(get(client, villager, "/lending/lines")) == {lent.line.pk}
    assert get(client, villager, f"/lending/lines/{lent.line_a1_2.pk}").status_code == 404
    neighbour = lent.users["other_villager"]
    assert ids(get(client, neighbour, "/lending/loans")) == set()
    assert ids(get(client, neighbour, "/lending/lines")) == {lent.line_a1_2.pk}
    assert get(client, neighbour, f"/lending/loans/{lent.loan.pk}").status_code == 404


@pytest.mark.parametrize(
    "username",
    ["district_admin", "department_viewer", "town_admin", "committee_head", "shop_clerk"],
)
def test_nobody_else_reads_a_households_loans(lent, client, username):
    user = lent.users[username]
    for path in ("/lending/loans", "/lending/lines", f"/lending/loans/{lent.loan.pk}"):
        response = get(client, user, path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "forbidden"


def test_a_loan_comes_with_its_schedule_as_paid_and_its_repayments(lent, client):
    from sanxin.lending.services.repayments import repayment_record

    repayment_record(
        actor=lent.users["credit_officer"],
        loan=lent.loan,
        paid_on=timezone.localdate(),
        amount=Decimal("500"),
        bank_reference="LS-1",
    )
    body = get(client, lent.users["villager"], f"/lending/loans/{lent.loan.pk}").json()
    assert body["bank_loan_number"] == "JJ-A1" and body["principal"] == "12000.00"
    assert len(body["schedule"]) == 12
    assert sum(Decimal(row["principal"]) for row in body["schedule"]) == Decimal("12000.00")
    [paid] = body["repayments"]
    assert paid["amount"] == "500.00" and paid["bank_reference"] == "LS-1"
    assert Decimal(paid["interest_part"]) + Decimal(paid["principal_part"]) == Decimal("500")
    assert Decimal(body["principal_outstanding"]) == Decimal("12000") - Decimal(
        paid["principal_part"]
    )


def test_a_line_comes_with_its_history(lent, client):
    from sanxin.lending.models import CreditLineEvent

    CreditLineEvent.objects.create(
        line=lent.line, kind="granted", grade="4A", amount=lent.line.amount, at=timezone.now()
    )
    body = get(client, lent.users["credit_officer"], f"/lending/lines/{lent.line.pk}").json()
    assert body["status"] == "granted" and body["status_label"] == "已授信"
    assert [e["kind_label"] for e in body["events"]] == ["授信"]


def test_lists_filter_and_page_in_a_fixed_number_of_queries(
    lent, client, django_assert_max_num_queries
):
    officer = lent.users["credit_officer"]
    headers = bearer(officer)
    first = client.get(f"{API}/lending/lines", {"limit": 1}, **headers).json()
    second = client.get(
        f"{API}/lending/lines", {"limit": 1, "cursor": first["next"]}, **headers
    ).json()
    assert len(first["items"]) == len(second["items"]) == 1 and second["next"] is None
    assert {first["items"][0]["id"], second["items"][0]["id"]} == {
        lent.line.pk,
        lent.line_a1_2.pk,
    }
    filtered = client.get(
        f"{API}/lending/lines", {"household_id": lent.household.pk}, **headers
    ).json()
    assert [i["id"] for i in filtered["items"]] == [lent.line.pk]
    with django_assert_max_num_queries(8):
        assert client.get(f"{API}/lending/loans", **headers).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(f"{API}/lending/loans/{lent.loan.pk}", **headers).status_code == 200


# --- recording a repayment -------------------------------------------------------------------


def repay(client, user, loan, body, key="key-1"):
    extra = bearer(user)
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(
        f"{API}/lending/loans/{loan.pk}/repayments",
        json.dumps(body),
        content_type="application/json",
        **extra,
    )


def body(**changes):
    return {
        "paid_on": timezone.localdate().isoformat(),
        "amount": "300",
        "bank_reference": "LS-API-1",
        **changes,
    }


def state():
    return (
        Repayment.objects.count(),
        Submission.objects.count(),
        AuditEvent.objects.filter(action="repayment.record").count(),
        list(Loan.objects.order_by("pk").values_list("status", "days_past_due", "updated_at")),
    )


def test_the_officer_records_a_repayment_that_is_applied_to_the_loan(lent, client):
    officer = lent.users["credit_officer"]
    response = repay(client, officer, lent.loan, body())
    assert response.status_code == 201, response.content
    answer = response.json()
    repayment = Repayment.objects.get(loan=lent.loan)
    assert answer["repayment"]["id"] == repayment.pk
    assert repayment.amount == Decimal("300.00") and repayment.recorded_by == officer
    assert repayment.interest_part + repayment.principal_part == Decimal("300.00")
    assert Decimal(answer["loan"]["principal_outstanding"]) == (
        Decimal("12000.00") - repayment.principal_part
    )
    event = AuditEvent.objects.get(action="repayment.record")
    assert event.actor == officer and event.object_id == str(repayment.pk)


def test_the_same_key_and_body_records_once(lent, client):
    officer = lent.users["credit_officer"]
    first = repay(client, officer, lent.loan, body())
    again = repay(client, officer, lent.loan, body())
    assert first.status_code == again.status_code == 201
    assert again.json()["repayment"] == first.json()["repayment"]
    assert Repayment.objects.count() == 1


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(lent, client):
    officer = lent.users["credit_officer"]
    repay(client, officer, lent.loan, body())
    before = state()
    response = repay(client, officer, lent.loan, body(amount="400", bank_reference="LS-2"))
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in response.json()["message"]
    assert state() == before


def test_another_key_records_another_repayment_but_never_the_same_bank_slip(lent, client):
    officer = lent.users["credit_officer"]
    repay(client, officer, lent.loan, body())
    second = repay(client, officer, lent.loan, body(), key="key-2")
    assert second.status_code == 422
    assert second.json()["errors"][0]["loc"] == ["body", "bank_reference"]
    assert "已经登记过" in second.json()["errors"][0]["message"]
    third = repay(client, officer, lent.loan, body(bank_reference="LS-API-2"), key="key-3")
    assert third.status_code == 201 and Repayment.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "loc", "words"),
    [
        ({"amount": "0"}, ["body", "amount"], "必须大于"),
        ({"amount": "1.234"}, ["body", "amount"], ""),
        ({"amount": "99999999"}, ["body", "amount"], "尚未还清"),
        ({"paid_on": "2999-01-01"}, ["body", "paid_on"], "晚于今天"),
        ({"paid_on": "2001-01-01"}, ["body", "paid_on"], "早于放款日期"),
        ({"paid_on": "明天"}, ["body", "paid_on"], "日期"),
        ({"bank_reference": ""}, ["body", "bank_reference"], "太短"),
        ({"bank_reference": "LS\u200b1"}, ["body", "bank_reference"], "流水号"),
    ],
)
def test_invalid_repayments_answer_422_in_the_error_shape_and_change_nothing(
    lent, client, changes, loc, words
):
    before = state()
    response = repay(client, lent.users["credit_officer"], lent.loan, body(**changes))
    assert response.status_code == 422, response.content
    answer = response.json()
    assert answer["status"] == 422 and answer["code"] == "invalid"
    locs = [e["loc"] for e in answer["errors"]]
    assert any(found[0] == loc[0] and found[-1] == loc[-1] for found in locs), locs
    assert words in " ".join(e["message"] for e in answer["errors"])
    assert state() == before


def test_a_repayment_without_an_idempotency_key_is_refused(lent, client):
    response = repay(client, lent.users["credit_officer"], lent.loan, body(), key=None)
    assert response.status_code == 422
    assert any(e["loc"][0] == "header" for e in response.json()["errors"])
    assert not Repayment.objects.exists()


@pytest.mark.parametrize(
    ("username", "status"),
    [("villager", 403), ("district_admin", 403), ("other_credit_officer", 404)],
)
def test_only_the_officer_over_the_household_records_repayments(lent, client, username, status):
    before = state()
    assert repay(client, lent.users[username], lent.loan, body()).status_code == status
    assert state() == before


def test_the_officer_does_not_record_repayments_of_their_own_household(lent, client):
    from sanxin.households.models import Person

    officer = lent.users["credit_officer"]
    officer.person = Person.objects.filter(household=lent.household).first()
    officer.save(update_fields=["person"])
    response = repay(client, officer, lent.loan, body())
    assert response.status_code == 422
    assert "回避" in response.json()["errors"][0]["message"]
    assert not Repayment.objects.exists()


@pytest.mark.skipif(
    connection.vendor == "sqlite" and connection.settings_dict["TEST"].get("NAME") is None,
    reason="threads need a database file (in-memory SQLite is one connection's)",
)
@pytest.mark.usefixtures("committing")
def test_concurrent_submissions_with_one_key_record_one_repayment(world):
    from django.test import Client

    from tests.api.test_api_ledger import race

    lent = loans(world)
    headers = {**bearer(lent.users["credit_officer"]), "HTTP_IDEMPOTENCY_KEY": "same-tap"}
    url = f"{API}/lending/loans/{lent.loan.pk}/repayments"
    payload = json.dumps(body())

    def submit():
        response = Client().post(url, payload, content_type="application/json", **headers)
        return response.status_code, response.json().get("repayment", {}).get("id")

    outcomes = race(4, submit)
    assert Repayment.objects.count() == 1, outcomes
    assert all(o == (201, Repayment.objects.get().pk) for o in outcomes), outcomes
