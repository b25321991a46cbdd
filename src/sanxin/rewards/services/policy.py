"""The district's redemption policy (积分兑换办法): published in versions, each in
force from its date (`rewards.selectors.policy_in_force`). A version is never
changed; a change is a new version, from today or a later day (what was credited
under an earlier version stays as it was)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from sanxin.accounts.models import User
from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.lib.text import clean_text
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rewards.models import DEFAULT_COMPONENTS, RedemptionAllowance, RedemptionPolicy
from sanxin.rewards.services.balances import CENT
from sanxin.rules.choices import RATED_GRADES, Grade
from sanxin.rules.scheme import COMPONENT_LABELS


@transaction.atomic
def policy_publish(
    *,
    actor: User,
    district: Region,
    effective_from: date,
    components: Sequence[str] = tuple(DEFAULT_COMPONENTS),
    min_grade: str = Grade.A3,
    expiry_years: int | None = 1,
    notify_days_before: int = 30,
    allowances: Mapping[str, Decimal] | None = None,
    note: str = "",
    today: date | None = None,
) -> RedemptionPolicy:
    """Publish a new version of `district`'s redemption policy (a district admin,
    Perm.SHOP_POLICY). `allowances`: {grade: points} credited when a cycle becomes
    final (grades left out receive nothing)."""
    if district.level != Level.DISTRICT or not scope_for(actor).covers_region(
        district, Perm.SHOP_POLICY
    ):
        raise PermissionDenied("只有区级管理员可以发布本区的积分兑换办法")
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if effective_from < today:
        errors["effective_from"] = ["生效日期不能早于今天（已经发生的积分按当时的办法入账）"]
    components = list(dict.fromkeys(components))
    unknown = [c for c in components if c not in COMPONENT_LABELS]
    if unknown or not components:
        errors["components"] = ["请至少选择一类积分，且只能选择方案中的积分类别"]
    if min_grade not in RATED_GRADES:
        errors["min_grade"] = ["兑换最低等级必须是一个信用等级"]
    cleaned: dict[str, Decimal] = {}
    for grade, points in (allowances or {}).items():
        if grade not in RATED_GRADES:
            errors.setdefault("allowances", []).append(f"“{grade}”不是信用等级")
            continue
        if points is None or points == 0:
            continue
        value = Decimal(points).quantize(CENT, rounding=ROUND_HALF_UP)
        if value < 0 or value != Decimal(points):
            errors.setdefault("allowances", []).append(f"{grade}的奖励积分须为正数，最多两位小数")
            continue
        cleaned[grade] = value
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    policy = RedemptionPolicy(
        district=district,
        effective_from=effective_from,
        components=components,
        min_grade=min_grade,
        expiry_years=expiry_years,
        notify_days_before=notify_days_before,
        note=clean_text(note, "说明", field="note"),
        published_by=actor,
        published_at=now,
    )
    policy.full_clean()
    policy.save()
    RedemptionAllowance.objects.bulk_create(
        [RedemptionAllowance(policy=policy, grade=g, points=p) for g, p in cleaned.items()]
    )
    audit(
        actor=actor,
        action="shop_policy.publish",
        obj=policy,
        region_path=district.path,
        at=now,
        after={
            "effective_from": str(effective_from),
            "components": components,
            "min_grade": min_grade,
            "expiry_years": expiry_years,
            "notify_days_before": notify_days_before,
            "allowances": {g: str(p) for g, p in cleaned.items()},
        },
    )
    return policy
