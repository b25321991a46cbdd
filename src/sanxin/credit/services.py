"""双基 credit-union assessments: the writes (recording an assessment or its
correction, once per submitted form) and the audit row of a read of their details
(who may see the details: `Scope.sees_credit_details`). Reads: `selectors`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.credit.models import CreditAssessment
from sanxin.households.models import Household
from sanxin.ledger import submissions
from sanxin.rules import engine
from sanxin.rules.selectors import scheme_for_village

if TYPE_CHECKING:
    from sanxin.accounts.models import User


def answers_errors(scheme, answers: dict[str, str]) -> dict[str, str]:
    """{indicator code: Chinese reason} for missing or unknown answers."""
    errors = {}
    for area in scheme.credit_areas:
        for ind in area.indicators:
            value = answers.get(ind.code)
            if value in (None, ""):
                errors[ind.code] = f"请选择“{ind.name}”"
            elif value not in {o.code for o in ind.options}:
                errors[ind.code] = f"“{ind.name}”没有选项“{value}”"
    return errors


def _submission_content(household, period, assessed_on, answers, note, supersedes_id) -> dict:
    return {
        "household": household.pk,
        "period": period,
        "assessed_on": str(assessed_on),
        "answers": dict(answers),
        "note": note.strip(),
        "supersedes": supersedes_id,
    }


def assessment_submitted(
    *,
    actor: User,
    idempotency_key: str,
    household: Household,
    period: str,
    assessed_on: date,
    answers: dict[str, str],
    note: str = "",
    supersedes_id: int | None = None,
) -> CreditAssessment | None:
    """The assessment an earlier submission of this very form recorded, if any (a
    double submit answers with it instead of recording again)."""
    content = _submission_content(household, period, assessed_on, answers, note, supersedes_id)
    outcome = submissions.earlier(
        actor=actor, kind=SUBMISSION_KIND, key=idempotency_key, content=content
    )
    if outcome is None:
        return None
    return CreditAssessment.objects.filter(pk__in=outcome.object_ids).first()


SUBMISSION_KIND = "credit.assess"


@transaction.atomic
def assessment_record(
    *,
    actor: User,
    household: Household,
    period: str,
    assessed_on: date,
    answers: dict[str, str],
    note: str = "",
    supersedes: CreditAssessment | None = None,
    idempotency_key: str | None = None,
) -> CreditAssessment:
    """Record a household's assessment for a period; a correction supersedes the
    previous one (which stays, append-only). With an idempotency key (the form's), a
    repeated submission answers with the assessment the first one recorded."""
    scope = scope_for(actor)
    if not scope.covers_household(household, Perm.RECORD_CREDIT):
        raise PermissionDenied("无权为该户录入信用评定")
    if household.pk in scope.own_household_ids():
        raise ValidationError(f"{household.number}号户是您本人的家庭，不能为其录入信用评定，请回避")
    outcome = submissions.submit_once(
        actor=actor,
        kind=SUBMISSION_KIND,
        key=idempotency_key,
        content=_submission_content(
            household, period, assessed_on, answers, note, supersedes.pk if supersedes else None
        ),
        perform=lambda: [
            _record(
                actor=actor,
                household=household,
                period=period,
                assessed_on=assessed_on,
                answers=answers,
                note=note,
                supersedes=supersedes,
            ).pk
        ],
    )
    # `perform` always returns one id, so there is always an outcome.
    assert outcome is not None
    return CreditAssessment.objects.get(pk=outcome.object_ids[0])


def _record(
    *,
    actor: User,
    household: Household,
    period: str,
    assessed_on: date,
    answers: dict[str, str],
    note: str,
    supersedes: CreditAssessment | None,
) -> CreditAssessment:
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": "评定日期不能在今天之后"})
    version = scheme_for_village(household.village, assessed_on)
    if version is None:
        raise ValidationError({"assessed_on": "该日期本村还没有生效的评分方案"})
    errors = answers_errors(version.scheme, answers)
    if errors:
        raise ValidationError(errors)
    current = household.credit_assessments.filter(period=period, superseded_by__isnull=True).first()
    if current is not None and supersedes is None:
        raise ValidationError(
            {"period": f"该户 {period} 已有评定；如需更正，请选择“更正”并说明原因"}
        )
    if supersedes is not None:
        if supersedes.household_id != household.pk or supersedes != current:
            raise ValidationError({"period": "只能更正该户本期现行的评定"})
        if not note.strip():
            raise ValidationError({"note": "更正评定必须说明原因"})
    scores = engine.credit_area_scores(version.scheme, answers)
    total = sum(scores.values(), Decimal(0))
    assessment = CreditAssessment.objects.create(
        household=household,
        district_id=household.district_id,
        scheme_version=version,
        period=period,
        assessed_on=assessed_on,
        answers=dict(answers),
        area_scores={k: str(v) for k, v in scores.items()},
        total=total,
        note=note.strip(),
        supersedes=supersedes,
        assessed_by=actor,
        created_at=timezone.now(),
    )
    # The audit row keeps the scores, not the financial details.
    audit(
        actor=actor,
        action="credit.assess",
        obj=assessment,
        region_path=household.villager_group.path,
        after={
            "period": period,
            "total": str(total),
            "supersedes": supersedes.pk if supersedes else None,
        },
    )
    return assessment


def credit_details_viewed(
    *,
    actor: User | None,
    household: Household,
    assessments: list[CreditAssessment],
    context: str,
    ip_address: str | None = None,
) -> None:
    """The audit row of a sensitive read: someone was shown indicator details."""
    if not assessments:
        return
    audit(
        actor=actor,
        action="credit.view_details",
        obj=household,
        region_path=household.villager_group.path,
        after={"assessments": [a.pk for a in assessments], "context": context},
        ip_address=ip_address,
    )
