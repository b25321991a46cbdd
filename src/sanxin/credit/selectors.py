"""Reads of 双基 credit assessments: the one in effect, and an assessment area by
area. The answers are financial details: show them only when
`Scope.sees_credit_details` (and record the read with `services.credit_details_viewed`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sanxin.credit.models import CreditAssessment
from sanxin.households.models import Household
from sanxin.rules.scheme import Scheme


def latest_credit(household: Household, as_of: date | None = None) -> CreditAssessment | None:
    """The assessment in effect: the newest one not superseded by a correction; with
    `as_of`, the newest one made by that day (a past cycle recomputed after a newer
    visit keeps the assessment it was rated on)."""
    found = household.credit_assessments.filter(superseded_by__isnull=True)
    if as_of is not None:
        found = found.filter(assessed_on__lte=as_of)
    return found.order_by("-assessed_on", "-id").first()


def current_assessment(household: Household, period: str) -> CreditAssessment | None:
    """The assessment in effect for the period: the one no correction has superseded."""
    return (
        household.credit_assessments.filter(period=period, superseded_by__isnull=True)
        .select_related("scheme_version")
        .order_by("-id")
        .first()
    )


@dataclass(frozen=True)
class AnswerLine:
    indicator: str
    option: str  # the option's label, or the stored code when the scheme no longer has it
    points: Decimal | None
    max_points: Decimal


@dataclass(frozen=True)
class AreaLine:
    code: str
    name: str
    score: Decimal | None
    max_points: Decimal
    answers: tuple[AnswerLine, ...]


def assessment_areas(assessment: CreditAssessment, scheme: Scheme | None = None) -> list[AreaLine]:
    """The assessment area by area under the scheme version it was made with: area
    scores always, and the answers (financial details; show them only when
    `Scope.sees_credit_details`)."""
    scheme = scheme or assessment.scheme_version.scheme
    lines = []
    for area in scheme.credit_areas:
        answers = []
        for ind in area.indicators:
            code = assessment.answers.get(ind.code)
            option = next((o for o in ind.options if o.code == code), None)
            answers.append(
                AnswerLine(
                    indicator=ind.name,
                    option=option.label if option else (code or "—"),
                    points=option.points if option else None,
                    max_points=ind.max_points,
                )
            )
        raw = assessment.area_scores.get(area.code)
        lines.append(
            AreaLine(
                code=area.code,
                name=area.name,
                score=Decimal(str(raw)) if raw is not None else None,
                max_points=area.max_points,
                answers=tuple(answers),
            )
        )
    return lines
