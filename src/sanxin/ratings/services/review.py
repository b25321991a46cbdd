"""Committee review of a rating cycle (委员会审核).

While a cycle is in review, a committee member may propose to change one
household's grade, with a written reason; the change takes effect only when a
*different* member confirms it (two-person rule). Nobody proposes or decides on
their own household. The review closes with a recorded meeting attended by a
quorum of the village's committee; only then may the cycle go on to notice."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.households.models import Household
from sanxin.lib.text import clean_line, clean_text
from sanxin.ratings import selectors
from sanxin.ratings.choices import CycleState
from sanxin.ratings.models import Adjustment, AdjustmentDecision, Cycle, Rating, ReviewMeeting
from sanxin.rules.scheme import GRADE_LABELS, GRADES

if TYPE_CHECKING:
    from sanxin.accounts.models import User


def _locked_cycle(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_for_update().select_related("village").get(pk=cycle.pk)


def _check_review(cycle: Cycle) -> None:
    if cycle.state != CycleState.REVIEW:
        raise ValidationError(
            f"评定周期现为“{cycle.get_state_display()}”，只有在委员会审核阶段才能调整等级"
        )
    if ReviewMeeting.objects.filter(cycle=cycle).exists():
        raise ValidationError("评审会议已记录，审核已结束")


def cannot_decide_on(actor: User | None, household: Household) -> str:
    """Why `actor` may not propose or decide on this household's grade ('' if they may)."""
    scope = scope_for(actor)
    if not scope.covers_household(household, Perm.REVIEW_RATINGS):
        return "只有本村评信团成员可以审核等级"
    if scope.is_recused(household):
        return "本人或亲属所在农户，需回避"
    return ""


def cannot_decide(actor: User, adjustment: Adjustment) -> str:
    """Why `actor` may not confirm or refuse this adjustment ('' if they may)."""
    if adjustment.proposed_by_id == actor.pk:
        return "不能确认本人提出的调整，需另一名评信团成员确认"
    return cannot_decide_on(actor, adjustment.household)


@transaction.atomic
def adjustment_propose(
    *,
    actor: User,
    cycle: Cycle,
    household: Household,
    to_grade: str,
    reason: str,
    at: datetime | None = None,
) -> Adjustment:
    """Propose a grade adjustment in the committee's review. `at`: when it was proposed
    (default now; the demo writes its past)."""
    cycle = _locked_cycle(cycle)
    household = Household.objects.select_related("villager_group").get(pk=household.pk)
    why = cannot_decide_on(actor, household)
    if why:
        raise PermissionDenied(why)
    _check_review(cycle)
    if household.village_id != cycle.village_id:
        raise ValidationError("该农户不属于本评定周期的村")
    reason = clean_line(reason, "调整理由", field="reason")
    errors = {}
    if to_grade not in GRADES:
        errors["to_grade"] = "请选择调整后的等级"
    if not reason:
        errors["reason"] = "请填写调整理由"
    if errors:
        raise ValidationError(errors)
    rating = Rating.objects.filter(cycle=cycle, run=cycle.current_run, household=household).first()
    if rating is None:
        raise ValidationError("该农户在本评定周期没有评定结果")
    if Adjustment.objects.filter(cycle=cycle, household=household, decision__isnull=True).exists():
        raise ValidationError("该农户已有一项待确认的调整")
    current = selectors.effective_grade(cycle, household, rating)
    if to_grade == current:
        raise ValidationError({"to_grade": f"该农户现已是{GRADE_LABELS[to_grade]}"})
    adjustment = Adjustment.objects.create(
        cycle=cycle,
        household=household,
        rating=rating,
        from_grade=current,
        to_grade=to_grade,
        reason=reason,
        proposed_by=actor,
        proposed_at=at or timezone.now(),
    )
    audit(
        actor=actor,
        action="rating.adjust_propose",
        at=at,
        obj=adjustment,
        region_path=household.villager_group.path,
        after={
            "cycle": cycle.pk,
            "household": household.pk,
            "from": current,
            "to": to_grade,
            "reason": reason,
        },
    )
    return adjustment


@transaction.atomic
def adjustment_decide(
    *,
    actor: User,
    adjustment: Adjustment,
    confirm: bool,
    reason: str = "",
    at: datetime | None = None,
) -> AdjustmentDecision:
    adjustment = Adjustment.objects.select_related("household__villager_group", "cycle").get(
        pk=adjustment.pk
    )
    cycle = _locked_cycle(adjustment.cycle)
    why = cannot_decide(actor, adjustment)
    if why:
        raise PermissionDenied(why)
    _check_review(cycle)
    if AdjustmentDecision.objects.filter(adjustment=adjustment).exists():
        raise ValidationError("该调整已经决定过了")
    reason = clean_line(reason, "理由", field="reason")
    if not confirm and not reason:
        raise ValidationError({"reason": "不同意调整时请填写理由"})
    decision = AdjustmentDecision.objects.create(
        adjustment=adjustment,
        confirmed=bool(confirm),
        reason=reason,
        decided_by=actor,
        decided_at=at or timezone.now(),
    )
    audit(
        actor=actor,
        action="rating.adjust_confirm" if confirm else "rating.adjust_refuse",
        at=at,
        obj=adjustment,
        region_path=adjustment.household.villager_group.path,
        after={
            "cycle": cycle.pk,
            "household": adjustment.household_id,
            "from": adjustment.from_grade,
            "to": adjustment.to_grade,
            "confirmed": bool(confirm),
            "reason": reason,
        },
    )
    return decision


def _name(user) -> str:
    return str(user)


@transaction.atomic
def review_close(
    *,
    actor: User,
    cycle: Cycle,
    held_on: date,
    present_user_ids,
    decision: str,
    at: datetime | None = None,
) -> ReviewMeeting:
    cycle = _locked_cycle(cycle)
    members = selectors.committee_members(cycle.village)
    by_id = {u.pk: u for u in members}
    if actor.pk not in by_id:
        raise PermissionDenied("只有本村评信团成员可以记录评审会议")
    if cycle.state != CycleState.REVIEW:
        raise ValidationError(f"评定周期现为“{cycle.get_state_display()}”，不在委员会审核阶段")
    if ReviewMeeting.objects.filter(cycle=cycle).exists():
        raise ValidationError("评审会议已记录")
    if Adjustment.objects.filter(cycle=cycle, decision__isnull=True).exists():
        raise ValidationError("还有待确认的等级调整，请先确认或不同意")
    errors = {}
    decision = clean_text(decision, "会议决定", field="decision")
    if not decision:
        errors["decision"] = "请填写会议决定"
    if held_on is None:
        errors["held_on"] = "请填写会议日期"
    elif held_on > (timezone.localtime(at).date() if at else timezone.localdate()):
        errors["held_on"] = "会议日期不能晚于今天"
    try:
        present = sorted({int(i) for i in present_user_ids})
    except (TypeError, ValueError):
        present = []
    if any(i not in by_id for i in present):
        errors["present"] = "出席成员须是本村评信团成员"
    elif actor.pk not in present:
        errors["present"] = "记录人须是出席成员"
    elif len(present) * 2 <= len(members):
        errors["present"] = f"出席人数不足法定人数：本村评信团共 {len(members)} 人，须超过半数出席"
    if errors:
        raise ValidationError(errors)
    meeting = ReviewMeeting.objects.create(
        cycle=cycle,
        held_on=held_on,
        members_present=[{"id": i, "name": _name(by_id[i])} for i in present],
        committee_size=len(members),
        decision=decision,
        recorded_by=actor,
        recorded_at=at or timezone.now(),
    )
    audit(
        actor=actor,
        action="rating.review_close",
        at=at,
        obj=meeting,
        region_path=cycle.village.path,
        after={
            "cycle": cycle.pk,
            "held_on": held_on.isoformat(),
            "present": present,
            "committee_size": len(members),
            "decision": decision,
        },
    )
    return meeting
