"""The district admin's policy page: versions listed, a new one published through the
form, a refused one shown with its reasons; a bounded number of queries."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from sanxin.rewards.models import RedemptionPolicy
from sanxin.rewards.services.policy import policy_publish


def test_the_admin_publishes_a_version_and_sees_it_listed(world, login):
    client = login(world.users["district_admin"])
    page = client.get("/shop/policy/")
    assert "尚未发布，按默认办法执行" in page.content.decode()
    today = timezone.localdate()
    response = client.post(
        "/shop/policy/",
        {
            "effective_from": today.isoformat(),
            "components": ["base"],
            "min_grade": "3A",
            "expiry_years": "",
            "notify_days_before": "15",
            "allowance_4A": "20",
        },
        follow=True,
    )
    text = response.content.decode()
    assert f"已发布积分兑换办法，{today} 起生效" in text
    policy = RedemptionPolicy.objects.get()
    assert policy.components == ["base"] and policy.expiry_years is None
    assert "4A 20" in text and "现行" in text


def test_a_date_in_the_past_is_refused_on_the_form(world, login):
    client = login(world.users["district_admin"])
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(
        "/shop/policy/",
        {
            "effective_from": yesterday.isoformat(),
            "components": ["base"],
            "min_grade": "3A",
            "expiry_years": "1",
            "notify_days_before": "30",
        },
    )
    assert response.status_code == 200
    assert "生效日期不能早于今天" in response.content.decode()
    assert not RedemptionPolicy.objects.exists()


def test_the_version_list_has_a_fixed_number_of_queries(
    world, login, django_assert_max_num_queries
):
    admin = world.users["district_admin"]
    for days in range(5):
        policy_publish(
            actor=admin,
            district=world.district,
            effective_from=timezone.localdate() + timedelta(days=days),
        )
    client = login(admin)
    with django_assert_max_num_queries(12):
        assert client.get("/shop/policy/").status_code == 200
