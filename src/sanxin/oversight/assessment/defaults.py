"""The default indicator set for a district's yearly assessment (双滦区's, from the
issue's examples): seven computed indicators and one hand-scored, each applying to
towns and villages alike, weights summing to 100. docs/assessment.md lists them with
the reasons for their floors, targets and steps."""

from __future__ import annotations

from dataclasses import dataclass, field

from sanxin.oversight.assessment.choices import IndicatorKind, IndicatorLevel, RuleKind


@dataclass(frozen=True)
class DefaultIndicator:
    name: str
    weight: str
    kind: str = IndicatorKind.COMPUTED
    computation: str = ""
    rule: str = ""
    floor: str | None = None
    target: str | None = None
    thresholds: list[list[str]] = field(default_factory=list)
    level: str = IndicatorLevel.BOTH
    note: str = ""


DEFAULT_INDICATORS: tuple[DefaultIndicator, ...] = (
    DefaultIndicator(
        "评定覆盖率", "20", computation="rating_coverage", rule=RuleKind.LINEAR,
        floor="60", target="95", note="在册户都应参加评定；95% 及以上得满分，60% 及以下不得分",
    ),
    DefaultIndicator(
        "积分记录 7 日内审核率", "15", computation="review_timely", rule=RuleKind.LINEAR,
        floor="50", target="95", note="积分记录应在 7 日内审核，不积压",
    ),
    DefaultIndicator(
        "异议按期答复率", "10", computation="appeals_timely", rule=RuleKind.THRESHOLDS,
        thresholds=[["80", "4"], ["90", "7"], ["100", "10"]],
        note="公示期内提出的异议应在公示期内答复",
    ),
    DefaultIndicator(
        "村内活动参与率", "15", computation="activity_participation", rule=RuleKind.LINEAR,
        floor="20", target="80", note="全民争信：户户参与村内活动",
    ),
    DefaultIndicator(
        "用信率", "15", computation="credit_usage", rule=RuleKind.LINEAR,
        floor="10", target="60", note="授信要用起来：用信 60% 及以上得满分",
    ),
    DefaultIndicator(
        "积分超市资金保障", "10", computation="shop_funding", rule=RuleKind.THRESHOLDS,
        thresholds=[["8", "4"], ["10", "7"], ["12", "10"]],
        note="积分超市全年有钱进货：12 个月月末资金余额都为正得满分",
    ),
    DefaultIndicator(
        "村民建议答复率", "5", computation="suggestions_answered", rule=RuleKind.LINEAR,
        floor="50", target="100", note="村民的建议件件有答复",
    ),
    DefaultIndicator(
        "组织领导与宣传（区级评分）", "10", kind=IndicatorKind.MANUAL,
        note="区三信办按会议记录、宣传材料、工作台账评分，附说明和证据",
    ),
)  # fmt: skip
