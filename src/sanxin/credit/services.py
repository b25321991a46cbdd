"""双基 credit-union assessments: the writes (recording an assessment or its
correction, once per submitted form) and the audit row of a read of their details
(who may see the details: `Scope.sees_credit_details`). Reads: `selectors`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit, audit_many
from sanxin.credit.models import CreditAssessment
from sanxin.households.models import Household
from sanxin.ledger import submissions
from sanxin.regions.models import Region
from sanxin.rules import engine
from sanxin.rules.selectors import SchemesOn, scheme_for_village

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


# --- many at once (the spreadsheet import) --------------------------------------------

WRITE_CHUNK = 500  # assessments inserted (and audited) per bulk insert


@dataclass(frozen=True)
class NewAssessment:
    """One original assessment of the import (never a correction)."""

    household: Household
    period: str
    assessed_on: date
    answers: dict[str, str]
    note: str = ""


class AssessmentRefused(ValidationError):
    """`assessments_record_many` refusing one of its assessments: `index` names it."""

    def __init__(self, index: int, messages: list[str]):
        super().__init__(messages)
        self.index = index


def assessments_record_many(
    *,
    actor: User,
    village: Region,
    new: list[NewAssessment],
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Record many original assessments of one village's households at once, with
    the checks of `assessment_record` made over the whole list in a few queries
    (the scope, recusal, the scheme of each date, the answers, one original per
    household and period), then inserted and audited in bulk. The first refused
    one raises `AssessmentRefused` (nothing is written); a race with another
    writer surfaces as IntegrityError. Call inside the caller's transaction.
    `progress(assessments written, assessments)` is told after each chunk."""
    scope = scope_for(actor)
    ids = {a.household.pk for a in new}
    in_scope = set(
        scope.households(Perm.RECORD_CREDIT).filter(pk__in=ids).values_list("pk", flat=True)
    )
    own = scope.own_household_ids()
    current = set(
        CreditAssessment.objects.filter(
            household_id__in=ids,
            period__in={a.period for a in new},
            superseded_by__isnull=True,
        ).values_list("household_id", "period")
    )
    group_paths = dict(
        Household.objects.filter(pk__in=ids).values_list("pk", "villager_group__path")
    )
    schemes_on = SchemesOn(village)
    today = timezone.localdate()
    now = timezone.now()
    rows: list[CreditAssessment] = []
    for index, a in enumerate(new):
        household = a.household
        if household.pk not in in_scope or household.village_id != village.pk:
            raise AssessmentRefused(index, ["无权为该户录入信用评定"])
        if household.pk in own:
            raise AssessmentRefused(
                index, [f"{household.number}号户是您本人的家庭，不能为其录入信用评定，请回避"]
            )
        if a.assessed_on > today:
            raise AssessmentRefused(index, ["评定日期不能在今天之后"])
        version = schemes_on(a.assessed_on)
        if version is None:
            raise AssessmentRefused(index, ["该日期本村还没有生效的评分方案"])
        if errors := answers_errors(version.scheme, a.answers):
            raise AssessmentRefused(index, list(errors.values()))
        if (household.pk, a.period) in current:
            raise AssessmentRefused(
                index, [f"该户 {a.period} 已有评定；如需更正，请选择“更正”并说明原因"]
            )
        current.add((household.pk, a.period))
        scores = engine.credit_area_scores(version.scheme, a.answers)
        rows.append(
            CreditAssessment(
                household=household,
                district_id=household.district_id,
                scheme_version=version,
                period=a.period,
                assessed_on=a.assessed_on,
                answers=dict(a.answers),
                area_scores={k: str(v) for k, v in scores.items()},
                total=sum(scores.values(), Decimal(0)),
                note=a.note.strip(),
                assessed_by=actor,
                created_at=now,
            )
        )
    for start in range(0, len(rows), WRITE_CHUNK):
        _create_assessments(rows[start : start + WRITE_CHUNK], actor, group_paths)
        if progress is not None:
            progress(min(start + WRITE_CHUNK, len(rows)), len(rows))
    return len(rows)


def _create_assessments(
    chunk: list[CreditAssessment], actor: User, group_paths: dict[int, str]
) -> None:
    """Insert a chunk and its `credit.assess` audit rows (the scores, not the
    financial details, as `assessment_record` writes them)."""
    CreditAssessment.objects.bulk_create(chunk)
    audit_many(
        actor=actor,
        action="credit.assess",
        rows=[
            (
                a,
                group_paths[a.household_id],
                None,
                {"period": a.period, "total": str(a.total), "supersedes": None},
            )
            for a in chunk
        ],
    )
