"""Vetoes and direct grading (一票否决 / 直接判级) decided as events, from the
scheme's catalogue. (Veto *items* recorded as ledger entries are handled by the
engine from the entries themselves.)"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.households.models import Household
from sanxin.ledger.models import VetoEvent
from sanxin.lib.text import clean_text
from sanxin.ratings.services.standing import standing_refresh
from sanxin.rules.selectors import scheme_for_village
from sanxin.rules.services import scheme_version_mark_in_use

if TYPE_CHECKING:
    from sanxin.accounts.models import User


def _check_can_decide(actor: User | None, household: Household, refused: str) -> None:
    """The rating committee decides, the credit union reports loan events
    (Perm.DECIDE_VETOES over the household); nobody decides on their own household."""
    scope = scope_for(actor)
    if not scope.covers_household(household, Perm.DECIDE_VETOES):
        raise PermissionDenied(refused)
    if scope.is_recused(household):
        raise ValidationError("不能为本人家庭认定或撤销认定，请回避")


@transaction.atomic
def veto_record(
    *,
    actor: User,
    household: Household,
    rule_code: str,
    starts_on: date,
    evidence_text: str,
    today: date | None = None,
    at: datetime | None = None,
) -> VetoEvent:
    """Record a veto or direct grading; the grade in force changes at once. `at`: the
    moment it is recorded (default now; the demo writes its past)."""
    _check_can_decide(actor, household, "无权为该户认定一票否决或直接判级")
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if starts_on > today:
        errors["starts_on"] = [f"起始日期 {starts_on:%Y-%m-%d} 在今天之后"]
    evidence_text = clean_text(evidence_text, "事实与依据", field="evidence_text")
    if not evidence_text:
        errors["evidence_text"] = ["必须写明事实与依据（如判决书、通报的文号）"]
    version = scheme_for_village(household.village, starts_on)
    if version is None:
        errors.setdefault("starts_on", []).append("该日期本村还没有生效的评分方案")
    elif rule_code not in {v.code for v in version.scheme.veto_rules}:
        errors["rule_code"] = [f"方案中没有规则“{rule_code}”"]
    if errors or version is None:
        raise ValidationError(errors)
    rule = version.scheme.veto_rule(rule_code)
    event = VetoEvent.objects.create(
        household=household,
        scheme_version=version,
        rule_code=rule.code,
        name=rule.name,
        kind=rule.kind,
        cap_grade=rule.cap_grade,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=rule.days - 1),
        evidence_text=evidence_text.strip(),
        recorded_by=actor,
        recorded_at=at or timezone.now(),
    )
    scheme_version_mark_in_use(version)
    audit(
        actor=actor,
        action="veto.record",
        at=at,
        obj=event,
        region_path=household.villager_group.path,
        after={
            "rule": rule.code,
            "cap_grade": rule.cap_grade,
            "starts_on": str(event.starts_on),
            "ends_on": str(event.ends_on),
        },
    )
    # The grade in force changes at once (动态调整), with a notice to the household.
    standing_refresh(household=household, actor=actor, today=today, veto_event=event, now=at)
    return event


@transaction.atomic
def veto_revoke(*, actor: User, event: VetoEvent, reason: str) -> VetoEvent:
    """Undo a mistaken decision: a new row citing it; the original stays on record.
    The event's row is locked, so two clicks revoke it once."""
    event = (
        VetoEvent.objects.select_for_update()
        .select_related("household__village", "household__villager_group")
        .get(pk=event.pk)
    )
    _check_can_decide(actor, event.household, "无权撤销该认定")
    if event.revokes_id is not None:
        raise ValidationError("撤销记录不能再撤销")
    if VetoEvent.objects.filter(revokes=event).exists():
        raise ValidationError("该认定已经撤销过")
    reason = clean_text(reason, "撤销原因", field="reason")
    if not reason:
        raise ValidationError({"reason": ["撤销必须写明原因"]})
    revocation = VetoEvent.objects.create(
        household=event.household,
        scheme_version=event.scheme_version,
        rule_code=event.rule_code,
        name=event.name,
        kind=event.kind,
        cap_grade=event.cap_grade,
        starts_on=event.starts_on,
        ends_on=event.ends_on,
        evidence_text=reason.strip(),
        revokes=event,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    audit(
        actor=actor,
        action="veto.revoke",
        obj=event,
        region_path=event.household.villager_group.path,
        after={"reason": reason.strip()},
    )
    standing_refresh(household=event.household, actor=actor, veto_event=revocation)
    return revocation
