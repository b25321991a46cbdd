"""The credit policy by grade: the seed's defaults, versions in force by date, the
checks a credit officer meets when publishing, and who may publish."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from sanxin.audit.models import AuditEvent
from sanxin.lending.models import CreditPolicy, CreditPolicyGrade
from sanxin.lending.selectors import Terms, policy_in_force, policy_terms, terms_for
from sanxin.lending.services.policy import credit_policy_publish, default_terms
from tests.lending.conftest import TODAY


def test_the_seed_policy_is_the_default(world, policy):
    terms = policy_terms(policy)
    assert terms["5A"] == Terms(Decimal("200000.00"), Decimal("4.7500"))
    assert terms["4A"] == Terms(Decimal("150000.00"), Decimal("4.7500"))
    for grade in ("A", "2A", "3A"):
        assert terms[grade] == Terms(policy.standard_line, Decimal("7.5000"))
    assert "unrated" not in terms
    assert terms_for(policy, "unrated") is None
    assert policy.standard_rate == Decimal("7.5000") and policy.version == 1


def test_the_version_in_force_follows_the_effective_date(world, policy, district_officer):
    later = credit_policy_publish(
        actor=district_officer,
        district=world.district,
        effective_from=TODAY + timedelta(days=10),
        grades={**default_terms(), "5A": Terms(Decimal("250000"), Decimal("4.5"))},
    )
    assert later.version == 2
    assert policy_in_force(world.district, TODAY) == policy
    assert policy_in_force(world.district, TODAY + timedelta(days=10)) == later
    assert terms_for(later, "5A") == Terms(Decimal("250000.00"), Decimal("4.5000"))
    assert policy_in_force(world.other_district, TODAY) is None
    event = AuditEvent.objects.get(action="lending.policy_publish", object_id=str(later.pk))
    assert event.after["grades"]["5A"] == ["250000.00", "4.5000"]


def test_only_the_district_credit_officer_publishes(world, scheme):
    for name in ("credit_officer", "district_admin", "other_credit_officer"):
        with pytest.raises(PermissionDenied):
            credit_policy_publish(
                actor=world.users[name],
                district=world.district,
                effective_from=TODAY,
                grades=default_terms(),
            )
    assert not CreditPolicy.objects.exists()


@pytest.mark.parametrize(
    ("grades", "key", "message"),
    [
        ({"4A": Terms(Decimal("0"), Decimal("4.75"))}, "line_4A", "必须大于 0 元"),
        ({"4A": Terms(Decimal("100.001"), Decimal("4.75"))}, "line_4A", "精确到分"),
        ({"4A": Terms(Decimal("1000"), Decimal("100"))}, "rate_4A", "小于 100%"),
        (
            {
                "4A": Terms(Decimal("300000"), Decimal("4.75")),
                "5A": Terms(Decimal("200000"), Decimal("4.75")),
            },
            "line_5A",
            "不能低于",
        ),
        (
            {
                "4A": Terms(Decimal("1000"), Decimal("4")),
                "5A": Terms(Decimal("2000"), Decimal("5")),
            },
            "rate_5A",
            "不能高于",
        ),
        ({"3A": Terms(Decimal("1000"), Decimal("7.5"))}, "grades", "比它高的等级也都必须有"),
        ({"unrated": Terms(Decimal("1000"), Decimal("7.5"))}, "grades", "未评级不能授信"),
        ({}, "grades", "至少要为一个等级"),
    ],
)
def test_a_bad_policy_is_refused_in_chinese(world, scheme, district_officer, grades, key, message):
    with pytest.raises(ValidationError) as caught:
        credit_policy_publish(
            actor=district_officer, district=world.district, effective_from=TODAY, grades=grades
        )
    assert any(message in m for m in caught.value.message_dict[key])
    assert not CreditPolicy.objects.exists()


def test_a_policy_cannot_start_in_the_past(world, scheme, district_officer):
    with pytest.raises(ValidationError) as caught:
        credit_policy_publish(
            actor=district_officer,
            district=world.district,
            effective_from=TODAY - timedelta(days=1),
            grades=default_terms(),
        )
    assert "生效日期不能早于今天" in caught.value.message_dict["effective_from"]


def test_the_database_refuses_a_line_for_the_unrated(world, policy):
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditPolicyGrade.objects.bulk_create(
            [
                CreditPolicyGrade(
                    policy=policy,
                    grade="unrated",
                    line_amount=Decimal(1000),
                    annual_rate=Decimal(7),
                )
            ]
        )


def test_the_policy_page_publishes_a_version(world, policy, login):
    client = login(world.users["district_officer"])
    page = client.get("/lending/policy/").content.decode()
    assert "第 1 版" in page and "150,000.00" in page and "发布新版本" in page
    data = {
        "effective_from": (TODAY + timedelta(days=1)).isoformat(),
        "standard_line": "50000",
        "standard_rate": "7.5",
        "note": "提高一般授信额度",
        "line_5A": "200000",
        "rate_5A": "4.75",
        "line_4A": "150000",
        "rate_4A": "4.75",
        "line_3A": "50000",
        "rate_3A": "7.5",
    }
    response = client.post("/lending/policy/", data)
    assert response.status_code == 302
    version = CreditPolicy.objects.get(version=2)
    assert policy_terms(version).keys() == {"3A", "4A", "5A"}
    # A half-filled grade is named next to its field.
    data["line_2A"] = "1000"
    page = client.post("/lending/policy/", data).content.decode()
    assert "额度和年利率要么都填" in page and CreditPolicy.objects.count() == 2


def test_a_town_officer_sees_the_policy_but_may_not_publish(world, policy, login):
    client = login(world.users["credit_officer"])
    page = client.get("/lending/policy/").content.decode()
    assert "第 1 版" in page and "发布新版本" not in page
    assert client.post("/lending/policy/", {}).status_code == 403
