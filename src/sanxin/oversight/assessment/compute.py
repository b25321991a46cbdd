"""Computing a scheme's results (the preview, and what publishing freezes): every
indicator for every town and village of the district, the totals and the ranks.

Queries: the indicators, the towns and villages, the latest hand scores, and each
computation's own fixed few (indicators.py) — the same whatever the number of
regions. Ranks are competition ranks (1, 2, 2, 4) by total, among the district's
towns, among its villages, and for a village among the villages of its town."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sanxin.oversight.assessment.choices import ResultLevel
from sanxin.oversight.assessment.indicators import REGISTRY, Context, Measure
from sanxin.oversight.assessment.scoring import ZERO, num, points, rule_of
from sanxin.oversight.models import AssessmentScheme, Indicator, ManualScore
from sanxin.regions.choices import Level
from sanxin.regions.models import Region


@dataclass
class ScoreLine:
    indicator: Indicator
    raw_value: Decimal | None
    score: Decimal
    working: str
    manual_score: ManualScore | None = None

    @property
    def unit(self) -> str:
        return unit_of(self.indicator)


@dataclass
class RegionResult:
    region: Region
    level: str
    scores: list[ScoreLine] = field(default_factory=list)
    total: Decimal = ZERO
    rank: int = 0
    town_rank: int | None = None


@dataclass
class Computed:
    scheme: AssessmentScheme
    indicators: list[Indicator]
    towns: list[RegionResult]
    villages: list[RegionResult]
    # (indicator, region) pairs of hand-scored indicators with no score yet
    missing: list[tuple[Indicator, Region]]

    @property
    def results(self) -> list[RegionResult]:
        return self.towns + self.villages


def unit_of(indicator: Indicator) -> str:
    computation = REGISTRY.get(indicator.computation)
    return computation.unit if computation else ""


def latest_manual_scores(scheme: AssessmentScheme) -> dict[tuple[int, int], ManualScore]:
    """The hand score in force per (indicator, region): the latest row (one query)."""
    latest: dict[tuple[int, int], ManualScore] = {}
    rows = ManualScore.objects.filter(indicator__scheme=scheme).order_by(
        "indicator_id", "region_id", "-id"
    )
    for row in rows:
        latest.setdefault((row.indicator_id, row.region_id), row)
    return latest


def _manual_line(indicator: Indicator, found: ManualScore | None) -> ScoreLine:
    if found is None:
        return ScoreLine(indicator, None, ZERO, "尚未评分，得 0 分")
    score = points(min(found.score, indicator.weight))
    return ScoreLine(
        indicator,
        None,
        score,
        f"区级评分 {num(score)} 分（满分 {num(indicator.weight)} 分）：{found.note}",
        manual_score=found,
    )


def _computed_line(indicator: Indicator, measure: Measure) -> ScoreLine:
    rule = rule_of(indicator, unit_of(indicator))
    score, how = rule.score(measure.value, indicator.weight)
    return ScoreLine(indicator, measure.value, score, f"{measure.working}；{how}")


def rank(results: Sequence[RegionResult], attribute: str = "rank") -> None:
    """Competition ranks by total, highest first (ties share a rank)."""
    ordered = sorted(results, key=lambda r: (-r.total, r.region.path))
    previous: Decimal | None = None
    current = 0
    for position, result in enumerate(ordered, start=1):
        if result.total != previous:
            current, previous = position, result.total
        setattr(result, attribute, current)


def compute(scheme: AssessmentScheme, *, today: date | None = None) -> Computed:
    indicators = list(scheme.indicators.order_by("sort_order", "id"))
    ctx = Context(scheme.district, scheme.year, today)
    measures = {
        key: REGISTRY[key].compute(ctx)
        for key in dict.fromkeys(i.computation for i in indicators if not i.is_manual)
        if key in REGISTRY
    }
    manual = latest_manual_scores(scheme) if any(i.is_manual for i in indicators) else {}
    towns: list[RegionResult] = []
    villages: list[RegionResult] = []
    missing: list[tuple[Indicator, Region]] = []
    for region in ctx.regions:
        level = ResultLevel.TOWN if region.level == Level.TOWN else ResultLevel.VILLAGE
        result = RegionResult(region, level)
        for indicator in indicators:
            if not indicator.applies_to(level):
                continue
            if indicator.is_manual:
                found = manual.get((indicator.pk, region.pk))
                if found is None:
                    missing.append((indicator, region))
                line = _manual_line(indicator, found)
            else:
                measure = measures.get(indicator.computation, {}).get(
                    region.pk, Measure(None, "无此计算方法")
                )
                line = _computed_line(indicator, measure)
            result.scores.append(line)
        result.total = sum((line.score for line in result.scores), ZERO)
        (towns if level == ResultLevel.TOWN else villages).append(result)
    rank(towns)
    rank(villages)
    by_town: dict[int | None, list[RegionResult]] = defaultdict(list)
    for result in villages:
        by_town[result.region.parent_id].append(result)
    for group in by_town.values():
        rank(group, "town_rank")
    towns.sort(key=lambda r: (r.rank, r.region.path))
    villages.sort(key=lambda r: (r.rank, r.region.path))
    return Computed(scheme, indicators, towns, villages, missing)
