"""Party and cadre reserve candidates (政治激励): the writes. The committee nominates
(from the suggestions or by hand, with a reason either way), the town confirms and
forwards to the district's organisation department, the district accepts; each may
withdraw with a reason. Every step locks the candidacy, refuses a step its status
does not allow (in Chinese), writes a `CandidateEvent` and an audit row in the same
transaction, and does nothing when it has already been done (a double submit).
Nobody takes part in a decision on their own household (recusal)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from sanxin.accounts.choices import Role
from sanxin.accounts.scope import Perm, Scope, scope_for
from sanxin.audit.services import audit
from sanxin.households.models import Person
from sanxin.lib.text import clean_text
from sanxin.ratings.standing import grade_in_force, is_expired
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rewards import candidates_selectors as selectors
from sanxin.rewards.models import (
    LIVE_STATUSES,
    Candidate,
    CandidateAction,
    CandidateCriteria,
    CandidateEvent,
    CandidateKind,
    CandidateSource,
    CandidateStatus,
)
from sanxin.rules.choices import Grade

if TYPE_CHECKING:
    from sanxin.accounts.models import User

S = CandidateStatus


def _refuse_recused(scope: Scope, household) -> None:
    if scope.is_recused(household):
        raise ValidationError("不能对本人家庭的后备人选作决定，请回避")


def _reason(value: str, label: str, *, required: bool = True) -> str:
    text = clean_text(value, label, field="reason")
    if required and not text:
        raise ValidationError({"reason": [f"必须写明{label}"]})
    return text


def _label(candidate: Candidate) -> str:
    """The audit trail's name for a candidacy: village, household number and kind."""
    kind = CandidateKind(candidate.kind).label
    return f"{candidate.village.name} {candidate.household.number}号户 {kind}"


def _record(
    *,
    actor: User | None,
    candidate: Candidate,
    action: str,
    from_status: str,
    reason: str,
    now: datetime,
) -> None:
    CandidateEvent.objects.create(
        candidate=candidate,
        action=action,
        from_status=from_status,
        to_status=candidate.status,
        reason=reason,
        actor=actor,
        at=now,
    )
    audit(
        actor=actor,
        action=f"candidate.{action}",
        obj=candidate,
        object_repr=_label(candidate),
        region_path=candidate.household.villager_group.path,
        before={"status": from_status} if from_status else None,
        after={"status": candidate.status, **({"reason": reason} if reason else {})},
        at=now,
    )


# --- nominate -----------------------------------------------------------------------


@transaction.atomic
def candidate_nominate(
    *,
    actor: User,
    person: Person,
    kind: str,
    reason: str,
    from_suggestion: bool,
    today: date | None = None,
    now: datetime | None = None,
) -> Candidate:
    """The committee of the person's village puts them forward, from the suggestions
    (`from_suggestion`, checked against today's suggestions) or by hand; a reason is
    required either way. A person holds one live candidacy of each kind."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    person = Person.objects.select_related("household__village", "household__villager_group").get(
        pk=person.pk
    )
    household = person.household
    scope = scope_for(actor)
    if not scope.covers_household(household, Perm.CANDIDATES_NOMINATE):
        raise PermissionDenied("无权提名该村的后备人选")
    _refuse_recused(scope, household)
    if kind not in CandidateKind.values:
        raise ValidationError({"kind": ["请选择后备人选类别"]})
    reason = _reason(reason, "提名理由")
    if not person.active:
        raise ValidationError("该人员已不在本户，不能提名")
    if kind == CandidateKind.CADRE and not person.is_party_member:
        raise ValidationError({"kind": ["村干部后备人选须是党员"]})
    if kind == CandidateKind.PARTY:
        if person.is_party_member:
            raise ValidationError(
                {"kind": ["该人员已是党员（含预备党员），不能作为发展党员后备人选"]}
            )
        if selectors.age_on(person.birth_date, today) < 18:
            raise ValidationError("发展党员后备人选须年满18周岁")
    existing = Candidate.objects.filter(
        person=person, kind=kind, status__in=[s.value for s in LIVE_STATUSES]
    ).first()
    if existing is not None:
        raise ValidationError(
            f"该人员已是{CandidateKind(kind).label}（{CandidateStatus(existing.status).label}）"
        )
    vanguard: Decimal | None = None
    if from_suggestion:
        found = selectors.suggestions(household.village, today)
        pool = found.cadre if kind == CandidateKind.CADRE else found.party
        match = next((s for s in pool if s.person.pk == person.pk), None)
        if match is None:
            raise ValidationError(
                "该人员不在今天的系统建议名单中，请以“手动添加”方式提名并写明理由"
            )
        vanguard = match.vanguard
    elif kind == CandidateKind.CADRE:
        cycle = selectors.latest_final_cycle(household.village)
        vanguard = selectors.vanguard_scores(cycle, [household.pk]).get(person.pk)
    record = grade_in_force(household)
    grade = record.grade if record is not None and not is_expired(record, today) else Grade.UNRATED
    candidate = Candidate(
        person=person,
        household=household,
        village=household.village,
        kind=kind,
        status=S.NOMINATED,
        source=CandidateSource.SUGGESTED if from_suggestion else CandidateSource.MANUAL,
        reason=reason,
        grade_at_nomination=grade,
        vanguard_at_nomination=vanguard,
        nominated_by=actor,
        nominated_at=now,
        updated_at=now,
    )
    candidate.full_clean()
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:  # a concurrent nomination of the same person won
        raise ValidationError(f"该人员已是{CandidateKind(kind).label}") from None
    _record(
        actor=actor,
        candidate=candidate,
        action=CandidateAction.NOMINATE,
        from_status="",
        reason=reason,
        now=now,
    )
    return candidate


# --- the steps after --------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    action: str
    to_status: str
    allowed_from: tuple[str, ...]
    verb: str  # "确认", for the refusal


_STEPS: dict[str, _Step] = {
    CandidateAction.CONFIRM: _Step(CandidateAction.CONFIRM, S.CONFIRMED, (S.NOMINATED,), "确认"),
    CandidateAction.FORWARD: _Step(
        CandidateAction.FORWARD, S.FORWARDED, (S.CONFIRMED,), "报送区委组织部"
    ),
    CandidateAction.ACCEPT: _Step(CandidateAction.ACCEPT, S.ACCEPTED, (S.FORWARDED,), "列入后备"),
    CandidateAction.WITHDRAW: _Step(
        CandidateAction.WITHDRAW, S.WITHDRAWN, tuple(s.value for s in LIVE_STATUSES), "撤回"
    ),
}


def _is_district_admin_over(scope: Scope, household) -> bool:
    return Role.DISTRICT_ADMIN in scope.roles_covering(household)


def _may(scope: Scope, action: str, household) -> bool:
    if action in (CandidateAction.CONFIRM, CandidateAction.FORWARD):
        return scope.covers_household(household, Perm.CANDIDATES_CONFIRM)
    if action == CandidateAction.ACCEPT:
        return _is_district_admin_over(scope, household)
    if action == CandidateAction.WITHDRAW:
        return scope.covers_household(household, Perm.CANDIDATES_CONFIRM) or scope.covers_household(
            household, Perm.CANDIDATES_NOMINATE
        )
    if action == CandidateAction.TELL:
        return scope.covers_household(household, Perm.CANDIDATES_NOMINATE)
    return False


def allowed_actions(scope: Scope, candidate: Candidate) -> list[str]:
    """The steps the user may take on this candidacy now (the page's buttons)."""
    household = candidate.household
    if scope.is_recused(household):
        return []
    found: list[str] = [
        action
        for action, step in _STEPS.items()
        if candidate.status in step.allowed_from and _may(scope, action, household)
    ]
    if candidate.is_live and candidate.told_on is None and _may(scope, "tell", household):
        found.append(CandidateAction.TELL)
    return found


def _locked(candidate: Candidate) -> Candidate:
    return (
        Candidate.objects.select_for_update()
        .select_related("household__villager_group", "village", "person")
        .get(pk=candidate.pk)
    )


def _step(
    *,
    actor: User,
    candidate: Candidate,
    action: str,
    reason: str,
    reason_required: bool,
    refused: str,
    now: datetime | None,
) -> Candidate:
    step = _STEPS[action]
    candidate = _locked(candidate)
    scope = scope_for(actor)
    if not _may(scope, action, candidate.household):
        raise PermissionDenied(refused)
    _refuse_recused(scope, candidate.household)
    if candidate.status == step.to_status:
        return candidate  # done already (a double submit): nothing twice
    if candidate.status not in step.allowed_from:
        label = CandidateStatus(candidate.status).label
        raise ValidationError(f"该人选当前状态为“{label}”，不能{step.verb}")
    reason = _reason(reason, "理由", required=reason_required)
    now = now or timezone.now()
    before = candidate.status
    candidate.status = step.to_status
    candidate.updated_at = now
    candidate.save(update_fields=["status", "updated_at"])
    _record(
        actor=actor,
        candidate=candidate,
        action=action,
        from_status=before,
        reason=reason,
        now=now,
    )
    return candidate


@transaction.atomic
def candidate_confirm(
    *, actor: User, candidate: Candidate, reason: str = "", now: datetime | None = None
) -> Candidate:
    """The town confirms a nomination (Perm.CANDIDATES_CONFIRM over the household)."""
    return _step(
        actor=actor,
        candidate=candidate,
        action=CandidateAction.CONFIRM,
        reason=reason,
        reason_required=False,
        refused="无权确认该后备人选",
        now=now,
    )


@transaction.atomic
def candidate_forward(
    *, actor: User, candidate: Candidate, reason: str = "", now: datetime | None = None
) -> Candidate:
    """The town forwards a confirmed candidacy to the district's organisation department."""
    return _step(
        actor=actor,
        candidate=candidate,
        action=CandidateAction.FORWARD,
        reason=reason,
        reason_required=False,
        refused="无权报送该后备人选",
        now=now,
    )


@transaction.atomic
def candidate_accept(
    *, actor: User, candidate: Candidate, reason: str = "", now: datetime | None = None
) -> Candidate:
    """The district (its admin) puts a forwarded candidacy on the reserve list."""
    return _step(
        actor=actor,
        candidate=candidate,
        action=CandidateAction.ACCEPT,
        reason=reason,
        reason_required=False,
        refused="只有区级管理员可以列入后备",
        now=now,
    )


@transaction.atomic
def candidate_withdraw(
    *, actor: User, candidate: Candidate, reason: str, now: datetime | None = None
) -> Candidate:
    """Take a live candidacy off the lists, with a reason: the district at any step,
    the town and the village committee too."""
    return _step(
        actor=actor,
        candidate=candidate,
        action=CandidateAction.WITHDRAW,
        reason=reason,
        reason_required=True,
        refused="无权撤回该后备人选",
        now=now,
    )


@transaction.atomic
def candidate_mark_told(
    *, actor: User, candidate: Candidate, today: date | None = None, now: datetime | None = None
) -> Candidate:
    """The committee records that the household has been told of the candidacy; only
    from then on do the household's logins see it. Once is enough."""
    candidate = _locked(candidate)
    scope = scope_for(actor)
    if not _may(scope, CandidateAction.TELL, candidate.household):
        raise PermissionDenied("无权设置告知状态")
    _refuse_recused(scope, candidate.household)
    if candidate.told_on is not None:
        return candidate
    if not candidate.is_live:
        raise ValidationError("已撤回的人选不再告知本户")
    now = now or timezone.now()
    candidate.told_on = today or timezone.localdate()
    candidate.updated_at = now
    candidate.save(update_fields=["told_on", "updated_at"])
    _record(
        actor=actor,
        candidate=candidate,
        action=CandidateAction.TELL,
        from_status=candidate.status,
        reason="",
        now=now,
    )
    return candidate


# --- the district's criteria --------------------------------------------------------


def may_set_criteria(scope: Scope, district: Region) -> bool:
    """The district's own admin sets its criteria."""
    return any(
        g.role == Role.DISTRICT_ADMIN and g.region_id == district.pk
        for g in scope.grants_for(Perm.CANDIDATES_CONFIRM)
    )


CRITERIA_FIELDS: Collection[str] = (
    "min_grade",
    "party_min_age",
    "party_max_age",
    "cadre_min_vanguard",
    "cadre_max_age",
    "exclude_vetoed",
)


@transaction.atomic
def candidate_criteria_set(
    *,
    actor: User,
    district: Region,
    effective_from: date,
    min_grade: str,
    party_min_age: int,
    party_max_age: int | None,
    cadre_min_vanguard: Decimal,
    cadre_max_age: int | None,
    exclude_vetoed: bool,
    today: date | None = None,
) -> CandidateCriteria:
    """A new version of the district's criteria, in force from `effective_from`
    (today or later: the suggestions of the past stay as they were)."""
    if district.level != Level.DISTRICT or not may_set_criteria(scope_for(actor), district):
        raise PermissionDenied("只有本区的区级管理员可以设置后备人选条件")
    today = today or timezone.localdate()
    if effective_from < today:
        raise ValidationError({"effective_from": ["生效日期不能早于今天"]})
    if CandidateCriteria.objects.filter(district=district, effective_from=effective_from).exists():
        raise ValidationError({"effective_from": ["这一天已有一个版本，请选择其他生效日期"]})
    if party_max_age is not None and party_max_age < party_min_age:
        raise ValidationError({"party_max_age": ["最高年龄不能低于最低年龄"]})
    before = selectors.criteria_in_force(district.pk, effective_from)
    criteria = CandidateCriteria(
        district=district,
        effective_from=effective_from,
        min_grade=min_grade,
        party_min_age=party_min_age,
        party_max_age=party_max_age,
        cadre_min_vanguard=cadre_min_vanguard,
        cadre_max_age=cadre_max_age,
        exclude_vetoed=exclude_vetoed,
        created_by=actor,
        created_at=timezone.now(),
    )
    criteria.full_clean()
    criteria.save()

    def values(c: CandidateCriteria) -> dict:
        return {f: str(getattr(c, f)) if getattr(c, f) is not None else "" for f in CRITERIA_FIELDS}

    audit(
        actor=actor,
        action="candidate.criteria",
        obj=criteria,
        object_repr=f"{district.name} {effective_from:%Y-%m-%d}",
        region_path=district.path,
        before=values(before),
        after={"effective_from": str(effective_from), **values(criteria)},
    )
    return criteria
