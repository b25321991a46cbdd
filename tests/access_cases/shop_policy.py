"""The district's redemption policy page (rewards, /shop/policy/): district admins,
for their own district."""

from __future__ import annotations

from tests.access_cases import Case
from tests.access_cases.effects import audited, succeeded

DISTRICT_ADMINS = {"district_admin", "other_district_admin"}


def _published(w, username):
    from sanxin.rewards.models import RedemptionPolicy

    succeeded(w, username)
    district = w.district if username == "district_admin" else w.other_district
    policy = RedemptionPolicy.objects.get(district=district)
    assert policy.min_grade == "4A" and policy.published_by == w.users[username]
    assert {a.grade: a.points for a in policy.allowances.all()} == {"5A": 30}
    audited(w, username, "shop_policy.publish")


def _data(w):
    from django.utils import timezone

    return {
        "effective_from": timezone.localdate().isoformat(),
        "components": ["base", "vanguard"],
        "min_grade": "4A",
        "expiry_years": "1",
        "notify_days_before": "30",
        "allowance_5A": "30",
    }


CASES = [
    Case("rewards:policy", lambda w: "/shop/policy/", DISTRICT_ADMINS),
    Case(
        "rewards:policy",
        lambda w: "/shop/policy/",
        DISTRICT_ADMINS,
        method="post",
        data=_data,
        effect=_published,
    ),
]
