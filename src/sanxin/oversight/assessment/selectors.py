"""Reads of the published assessment. `assessment_latest_published(district)` is the
stable entry point other parts use (the period report): the latest version of the
district's latest published year, with every town's and village's total, rank and
scores. A fixed number of queries whatever the number of regions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, QuerySet

from sanxin.accounts.scope import Perm, Scope
from sanxin.oversight.assessment.choices import ResultLevel
from sanxin.oversight.models import (
    AssessmentResult,
    AssessmentScheme,
    AssessmentScore,
    AssessmentVersion,
)
from sanxin.regions.models import Region


@dataclass(frozen=True)
class ScoreRow:
    score_id: int
    indicator_id: int
    name: str
    weight: Decimal
    raw_value: Decimal | None
    unit: str
    score: Decimal
    working: str
    manual_score_id: int | None


@dataclass
class ResultRow:
    result_id: int
    region: Region
    level: str
    total: Decimal
    rank: int
    town_rank: int | None
    scores: list[ScoreRow] = field(default_factory=list)

    def score_of(self, indicator_id: int) -> ScoreRow | None:
        return next((s for s in self.scores if s.indicator_id == indicator_id), None)


@dataclass
class Published:
    """One published version's results (those in reach, when read for a user)."""

    scheme: AssessmentScheme
    version: AssessmentVersion
    superseded_by: int | None  # the latest version's number when this is not it
    indicators: list[dict]  # the indicators as published (the version's snapshot)
    towns: list[ResultRow]
    villages: list[ResultRow]

    @property
    def year(self) -> int:
        return self.scheme.year

    @property
    def results(self) -> list[ResultRow]:
        return self.towns + self.villages


def _units(snapshot: Iterable[dict]) -> dict[int, str]:
    from sanxin.oversight.assessment.indicators import REGISTRY

    return {
        i["id"]: (REGISTRY[i["computation"]].unit if i.get("computation") in REGISTRY else "")
        for i in snapshot
    }


def published_results(
    version: AssessmentVersion, results: QuerySet[AssessmentResult] | None = None
) -> Published:
    """The version's results (narrowed to `results` when given, e.g. a user's scope),
    ranked, with their scores in the order of the published indicators. Three queries."""
    scheme = version.scheme
    latest = scheme.versions.aggregate(m=Max("number"))["m"]
    base = results if results is not None else AssessmentResult.objects.all()
    rows = {
        r.pk: ResultRow(r.pk, r.region, r.level, r.total, r.rank, r.town_rank)
        for r in base.filter(version=version)
        .select_related("region__parent")
        .order_by("rank", "region__path")
    }
    snapshot = version.indicators
    order = {i["id"]: n for n, i in enumerate(snapshot)}
    names = {i["id"]: (i["name"], Decimal(i["weight"])) for i in snapshot}
    units = _units(snapshot)
    scores = AssessmentScore.objects.filter(result_id__in=list(rows)).values_list(
        "pk", "result_id", "indicator_id", "raw_value", "score", "working", "manual_score_id"
    )
    grouped: dict[int, list[ScoreRow]] = defaultdict(list)
    for pk, result_id, ind, raw, score, working, manual in scores:
        name, weight = names.get(ind, ("", Decimal(0)))
        grouped[result_id].append(
            ScoreRow(pk, ind, name, weight, raw, units.get(ind, ""), score, working, manual)
        )
    for result_id, lines in grouped.items():
        rows[result_id].scores = sorted(lines, key=lambda s: order.get(s.indicator_id, 0))
    values = list(rows.values())
    return Published(
        scheme=scheme,
        version=version,
        superseded_by=latest if latest != version.number else None,
        indicators=list(snapshot),
        towns=[r for r in values if r.level == ResultLevel.TOWN],
        villages=[r for r in values if r.level == ResultLevel.VILLAGE],
    )


def latest_version(scheme: AssessmentScheme) -> AssessmentVersion | None:
    return scheme.versions.order_by("-number").first()


def assessment_latest_published(district: Region, year: int | None = None) -> Published | None:
    """The latest published version of the district's latest published year (or of
    `year`), all its results; None when nothing is published. Stable for the report."""
    versions = AssessmentVersion.objects.filter(scheme__district=district).select_related(
        "scheme__district"
    )
    if year is not None:
        versions = versions.filter(scheme__year=year)
    version = versions.order_by("-scheme__year", "-number").first()
    return None if version is None else published_results(version)


# --- for a user's pages -------------------------------------------------------------


def districts_in_reach(scope: Scope, perm: Perm = Perm.ASSESS_VIEW) -> list[Region]:
    """The districts holding the user's grants for `perm` (one query)."""
    return list(Region.objects.filter(pk__in=scope.district_ids(perm)).order_by("path"))


def schemes_in_reach(scope: Scope, perm: Perm = Perm.ASSESS_VIEW) -> QuerySet[AssessmentScheme]:
    """The schemes of the districts the user works in (a town admin sees its district's
    schemes, and only its own results in them)."""
    return AssessmentScheme.objects.filter(district_id__in=scope.district_ids(perm)).select_related(
        "district"
    )


def results_in_reach(scope: Scope) -> QuerySet[AssessmentResult]:
    return scope.filter(AssessmentResult.objects, Perm.ASSESS_VIEW)
