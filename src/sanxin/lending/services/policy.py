"""The credit policy by grade (授信政策): a district's versions, each in force from
its effective date until a later one. Published by the credit officer bound to the
district; never changed (a new policy is a new version)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.lending.models import (
    DEFAULT_GRADE_LINES,
    STANDARD_LINE,
    STANDARD_RATE,
    CreditPolicy,
    CreditPolicyGrade,
)
from sanxin.lending.selectors import Terms, policy_in_force
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules.choices import GRADE_LABELS, RATED_GRADES, grade_rank

if TYPE_CHECKING:
    from sanxin.accounts.models import User

__all__ = [
    "credit_policy_publish",
    "default_terms",
    "may_publish",
    "policy_in_force",
]

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")
MAX_LINE = Decimal("10000000")  # 1,000 万元: far above any household line


def default_terms() -> dict[str, Terms]:
    """The seed's policy: 4A 150,000 and 5A 200,000 yuan at 4.75%; A, 2A and 3A the
    standard line at the standard 7.5%; unrated no line."""
    return {grade: Terms(line, rate) for grade, (line, rate) in DEFAULT_GRADE_LINES.items()}


def may_publish(actor, district: Region) -> bool:
    """Only a credit officer bound to the district itself publishes its policy (an
    officer of a town sees it but does not set it)."""
    return any(
        g.region_id == district.pk and g.region_level == Level.DISTRICT
        for g in scope_for(actor).grants_for(Perm.LENDING_POLICY)
    )


def _money(value, label: str, errors: dict[str, list[str]], key: str) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.setdefault(key, []).append(f"{label}不是有效的金额")
        return None
    if not amount.is_finite() or amount <= 0:
        errors.setdefault(key, []).append(f"{label}必须大于 0 元")
    elif amount != amount.quantize(CENT):
        errors.setdefault(key, []).append(f"{label}最多精确到分（两位小数）")
    elif amount > MAX_LINE:
        errors.setdefault(key, []).append(f"{label}不能超过 1000 万元")
    else:
        return amount.quantize(CENT)
    return None


def _rate(value, label: str, errors: dict[str, list[str]], key: str) -> Decimal | None:
    try:
        rate = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.setdefault(key, []).append(f"{label}不是有效的利率")
        return None
    if not rate.is_finite() or rate <= 0 or rate >= 100:
        errors.setdefault(key, []).append(f"{label}必须大于 0% 且小于 100%")
    elif rate != rate.quantize(RATE_PLACES):
        errors.setdefault(key, []).append(f"{label}最多四位小数（如 4.7500）")
    else:
        return rate.quantize(RATE_PLACES)
    return None


def validate_terms(
    grades: Mapping[str, Terms | None], standard_line, standard_rate
) -> tuple[dict[str, Terms], Decimal | None, Decimal | None]:
    """The checked terms by grade, the standard line and rate; a ValidationError
    naming every problem (keys: `line_<grade>`, `rate_<grade>`, `standard_line`,
    `standard_rate`, `grades`)."""
    errors: dict[str, list[str]] = {}
    unknown = [g for g in grades if g not in RATED_GRADES]
    if unknown:
        errors["grades"] = [f"没有这些可授信的等级：{'、'.join(unknown)}（未评级不能授信）"]
    line = _money(standard_line, "一般授信额度", errors, "standard_line")
    rate = _rate(standard_rate, "基准年利率", errors, "standard_rate")
    terms: dict[str, Terms] = {}
    for grade in RATED_GRADES:
        given = grades.get(grade)
        if given is None:
            continue
        label = GRADE_LABELS[grade]
        amount = _money(given.line_amount, f"{label}的授信额度", errors, f"line_{grade}")
        annual = _rate(given.annual_rate, f"{label}的年利率", errors, f"rate_{grade}")
        if amount is not None and annual is not None:
            terms[grade] = Terms(amount, annual)
    if not errors:
        if not terms:
            errors["grades"] = ["至少要为一个等级设定授信额度"]
        ordered = sorted(terms, key=grade_rank)
        with_line = [g for g in RATED_GRADES if g in terms]
        if with_line and with_line != list(RATED_GRADES[RATED_GRADES.index(with_line[0]) :]):
            errors.setdefault("grades", []).append(
                f"{GRADE_LABELS[with_line[0]]}有授信额度，比它高的等级也都必须有"
            )
        for lower, higher in zip(ordered, ordered[1:], strict=False):
            if terms[higher].line_amount < terms[lower].line_amount:
                errors.setdefault(f"line_{higher}", []).append(
                    f"{GRADE_LABELS[higher]}的授信额度不能低于{GRADE_LABELS[lower]}的"
                )
            if terms[higher].annual_rate > terms[lower].annual_rate:
                errors.setdefault(f"rate_{higher}", []).append(
                    f"{GRADE_LABELS[higher]}的年利率不能高于{GRADE_LABELS[lower]}的"
                )
    if errors:
        raise ValidationError(errors)
    return terms, line, rate


def check_terms(line_amount, annual_rate) -> Terms:
    """One line and rate checked as a policy's are (keys `line_amount`, `annual_rate`)."""
    errors: dict[str, list[str]] = {}
    amount = _money(line_amount, "授信额度", errors, "line_amount")
    rate = _rate(annual_rate, "年利率", errors, "annual_rate")
    if errors or amount is None or rate is None:
        raise ValidationError(errors)
    return Terms(amount, rate)


@transaction.atomic
def credit_policy_publish(
    *,
    actor: User | None,
    district: Region,
    effective_from: date,
    grades: Mapping[str, Terms | None],
    standard_line: Decimal = STANDARD_LINE,
    standard_rate: Decimal = STANDARD_RATE,
    note: str = "",
    today: date | None = None,
    now: datetime | None = None,
) -> CreditPolicy:
    """Publish a new version of the district's credit policy, in force from
    `effective_from` (today or later). `grades` maps each grade that gets a line to
    its Terms; a grade left out (or None) gets none. `actor` None is the system (the
    demo); a person must be a credit officer bound to the district."""
    if district.level != Level.DISTRICT:
        raise ValidationError("授信政策按区发布")
    if actor is not None and not may_publish(actor, district):
        raise PermissionDenied("只有区信用联社的信贷员可以发布本区的授信政策")
    today = today or timezone.localdate()
    if effective_from < today:
        raise ValidationError({"effective_from": ["生效日期不能早于今天"]})
    terms, line, rate = validate_terms(grades, standard_line, standard_rate)
    # One publisher at a time per district: the version numbers stay 1, 2, 3, …
    Region.objects.select_for_update().filter(pk=district.pk).first()
    latest = CreditPolicy.objects.filter(district=district).order_by("-version").first()
    now = now or timezone.now()
    policy = CreditPolicy(
        district=district,
        version=(latest.version + 1) if latest else 1,
        effective_from=effective_from,
        standard_line=line,
        standard_rate=rate,
        note=note.strip(),
        published_by=actor,
        published_at=now,
    )
    policy.full_clean()
    policy.save()
    rows = [
        CreditPolicyGrade(
            policy=policy, grade=g, line_amount=t.line_amount, annual_rate=t.annual_rate
        )
        for g, t in terms.items()
    ]
    for row in rows:
        row.full_clean(exclude=["policy"])
    CreditPolicyGrade.objects.bulk_create(rows)
    audit(
        actor=actor,
        action="lending.policy_publish",
        obj=policy,
        region_path=district.path,
        at=now,
        after={
            "version": policy.version,
            "effective_from": effective_from.isoformat(),
            "standard_line": str(line),
            "standard_rate": str(rate),
            "grades": {g: [str(t.line_amount), str(t.annual_rate)] for g, t in terms.items()},
        },
    )
    return policy
