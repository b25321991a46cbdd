"""Appeals (异议) against a cycle's notice.

While the notice window is open, a household files an objection about its own
grade or about one of its entries (a committee member may file it on behalf of a
villager without an account). A committee member of the village answers it, never
one who recorded the disputed entry, filed the appeal or belongs to the
household. An upheld entry appeal reverses the entry (approved under the appeal)
and recomputes the household as of the cycle's cut-off; an upheld grade appeal
sets the grade the member decided, after recomputing. The answer is shown to the
household and notified to it. The cycle cannot become final while an appeal is
open."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.households.models import Household
from sanxin.ledger.models import Entry, Review
from sanxin.ledger.services import entry_reverse_on_appeal
from sanxin.lib import photos as photo_files
from sanxin.lib.text import clean_text
from sanxin.notifications.choices import Kind
from sanxin.notifications.services import notify
from sanxin.ratings import selectors
from sanxin.ratings.choices import AppealKind, CycleState
from sanxin.ratings.facts import household_facts
from sanxin.ratings.models import Appeal, AppealDecision, AppealPhoto, Cycle, Rating
from sanxin.ratings.selectors import effective_grade
from sanxin.rules import engine
from sanxin.rules.scheme import GRADE_LABELS, GRADES
from sanxin.rules.selectors import scheme_for_village

if TYPE_CHECKING:
    from sanxin.accounts.models import User

MAX_PHOTOS = 5


def is_own_household(actor: User | None, household: Household) -> bool:
    return household.pk in scope_for(actor).own_household_ids()


def is_committee_for(actor: User | None, household: Household) -> bool:
    return scope_for(actor).covers_household(household, Perm.DECIDE_APPEALS)


def window_problem(cycle: Cycle, today: date) -> str:
    """Why an appeal cannot be filed in this cycle today ('' if it can)."""
    if cycle.state != CycleState.NOTICE or not cycle.notice_starts_on:
        return f"评定周期现为“{cycle.get_state_display()}”，只有在公示期内才能提出异议"
    if today < cycle.notice_starts_on:
        return f"公示期从 {cycle.notice_starts_on:%Y-%m-%d} 开始"
    if cycle.notice_ends_on is not None and today > cycle.notice_ends_on:
        return f"公示期已于 {cycle.notice_ends_on:%Y-%m-%d} 结束，不能再提出异议"
    return ""


def may_file_for(actor: User | None, household: Household) -> bool:
    """The household itself, or a committee member of its village on its behalf."""
    return is_own_household(actor, household) or is_committee_for(actor, household)


def cannot_decide(actor: User, appeal: Appeal) -> str:
    """Why `actor` may not answer this appeal ('' if they may)."""
    scope = scope_for(actor)
    if not scope.covers_household(appeal.household, Perm.DECIDE_APPEALS):
        return "只有本村评信团成员可以处理异议"
    if scope.is_recused(appeal.household) or is_own_household(actor, appeal.household):
        return "本人或亲属所在农户，需回避"
    if appeal.filed_by_id == actor.pk:
        return "不能处理本人提出（或代为提出）的异议，需另一名评信团成员处理"
    if appeal.entry is not None and appeal.entry.recorded_by_id == actor.pk:
        return "有异议的积分是您记录的，需由另一名评信团成员处理"
    return ""


@transaction.atomic
def appeal_file(
    *,
    actor: User,
    cycle: Cycle,
    household: Household,
    kind: str,
    reason: str,
    evidence_text: str = "",
    entry: Entry | None = None,
    photos: Sequence[UploadedFile] = (),
    today: date | None = None,
    at: datetime | None = None,
) -> Appeal:
    cycle = Cycle.objects.select_for_update().select_related("village").get(pk=cycle.pk)
    household = Household.objects.select_related("villager_group").get(pk=household.pk)
    if household.village_id != cycle.village_id or not may_file_for(actor, household):
        raise PermissionDenied("只能对本户的等级提出异议（没有账号的村民可请评信团成员代为提出）")
    why = window_problem(cycle, today or timezone.localdate())
    if why:
        raise ValidationError(why)
    errors: dict[str, str] = {}
    reason = clean_text(reason, "异议理由", field="reason")
    if kind not in AppealKind.values:
        errors["kind"] = "请选择异议对象：等级或某条积分记录"
    if not reason:
        errors["reason"] = "请写明异议理由"
    if kind == AppealKind.ENTRY:
        if entry is None:
            errors["entry"] = "请选择有异议的积分记录"
        elif entry.household_id != household.pk:
            errors["entry"] = "只能对本户的积分记录提出异议"
        elif entry.occurred_on > cycle.cut_off or entry.reversal_of_id is not None:
            errors["entry"] = "只能对本周期计入的积分记录提出异议"
        elif not Review.objects.filter(entry=entry, approved=True).exists():
            errors["entry"] = "该记录未通过审核，不计入等级"
        elif Entry.objects.filter(reversal_of=entry, review__approved=True).exists():
            errors["entry"] = "该记录已经冲正"
    else:
        entry = None
    photo_problems = [photo_files.problem(p) for p in photos]
    if any(photo_problems):
        errors["photos"] = "；".join(p for p in photo_problems if p)
    elif len(photos) > MAX_PHOTOS:
        errors["photos"] = f"证据照片最多 {MAX_PHOTOS} 张"
    if errors:
        raise ValidationError(errors)
    if selectors.open_appeals(cycle).filter(household=household, entry=entry).exists():
        raise ValidationError("该户对此已有一项待处理的异议")
    rating = Rating.objects.filter(cycle=cycle, run=cycle.current_run, household=household).first()
    if rating is None:
        raise ValidationError("该农户在本评定周期没有评定结果")
    appeal = Appeal.objects.create(
        cycle=cycle,
        household=household,
        kind=kind,
        entry=entry,
        grade_at_filing=effective_grade(cycle, household, rating),
        reason=reason,
        evidence_text=clean_text(evidence_text, "证据说明", field="evidence_text"),
        on_behalf=not is_own_household(actor, household),
        filed_by=actor,
        filed_at=at or timezone.now(),
    )
    for photo in photos:
        stored = photo_files.clean(photo)  # re-encoded, without metadata (checked above)
        AppealPhoto.objects.create(appeal=appeal, image=stored, sha256=photo_files.sha256(stored))
    audit(
        actor=actor,
        action="appeal.file",
        obj=appeal,
        region_path=household.villager_group.path,
        at=appeal.filed_at,
        after={
            "cycle": cycle.pk,
            "household": household.pk,
            "kind": kind,
            "entry": entry.pk if entry else None,
            "reason": reason,
            "on_behalf": appeal.on_behalf,
            "photos": len(photos),
        },
    )
    return appeal


def recompute(cycle: Cycle, household: Household) -> engine.GradeResult:
    """The household's grade as of the cycle's cut-off under the scheme then in force."""
    version = scheme_for_village(household.village, cycle.cut_off)
    if version is None:  # a computed cycle always had a scheme in force at its cut-off
        raise ValidationError(f"{household.village.name}在评定截止日没有生效的评分方案")
    return engine.grade_household(
        version.scheme, household_facts(household, cycle.cut_off), cycle.cut_off
    )


@transaction.atomic
def appeal_decide(
    *,
    actor: User,
    appeal: Appeal,
    upheld: bool,
    reason: str,
    to_grade: str = "",
    at: datetime | None = None,
) -> AppealDecision:
    appeal = Appeal.objects.select_related(
        "household__villager_group", "household__village", "entry", "cycle"
    ).get(pk=appeal.pk)
    cycle = Cycle.objects.select_for_update().select_related("village").get(pk=appeal.cycle_id)
    why = cannot_decide(actor, appeal)
    if why:
        raise PermissionDenied(why)
    if cycle.state != CycleState.NOTICE:
        raise ValidationError(f"评定周期现为“{cycle.get_state_display()}”，不能再处理异议")
    if AppealDecision.objects.filter(appeal=appeal).exists():
        raise ValidationError("该异议已经处理过了")
    reason = clean_text(reason, "处理意见和依据", field="reason")
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = "请写明处理意见和依据"
    if upheld and appeal.kind == AppealKind.GRADE and to_grade not in GRADES:
        errors["to_grade"] = "异议成立时请选择调整后的等级"
    if errors:
        raise ValidationError(errors)
    now = at or timezone.now()
    reversal, result, new_grade = None, None, ""
    if upheld:
        if appeal.kind == AppealKind.ENTRY:
            reversal = _reverse_entry(actor=actor, appeal=appeal, reason=reason, now=now)
        computed = recompute(cycle, appeal.household)
        result = computed.to_dict()
        new_grade = to_grade if to_grade in GRADES else computed.grade
    decision = AppealDecision.objects.create(
        appeal=appeal,
        upheld=bool(upheld),
        reason=reason,
        to_grade=new_grade,
        reversal=reversal,
        result=result,
        decided_by=actor,
        decided_at=now,
    )
    audit(
        actor=actor,
        action="appeal.uphold" if upheld else "appeal.dismiss",
        obj=appeal,
        region_path=appeal.household.villager_group.path,
        at=now,
        before={"grade": appeal.grade_at_filing},
        after={
            "upheld": bool(upheld),
            "reason": reason,
            "grade": new_grade or appeal.grade_at_filing,
            "reversal": reversal.pk if reversal else None,
        },
    )
    if upheld:
        title = f"您提出的异议已答复：异议成立，等级为{GRADE_LABELS.get(new_grade, new_grade)}"
    else:
        title = "您提出的异议已答复：异议不成立"
    notify(
        households=[appeal.household_id],
        kind=Kind.APPEAL_ANSWERED,
        at=now,
        title=title,
        body=reason,
        url=reverse("ratings:appeal", args=[appeal.pk]),
    )
    return decision


def _reverse_entry(*, actor: User, appeal: Appeal, reason: str, now: datetime) -> Entry:
    """Cancel the disputed entry exactly through the ledger's named service: a
    reversal approved under the appeal decision (the appellant asked, a member other
    than the recorder decided), which also refreshes the grade in force."""
    if appeal.entry is None:
        raise ValidationError("这项异议不是针对某条积分提出的")
    return entry_reverse_on_appeal(
        actor=actor, entry=appeal.entry, appeal_id=appeal.pk, reason=reason, now=now
    )
