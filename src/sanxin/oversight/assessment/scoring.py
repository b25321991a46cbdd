"""Scoring rules, pure: a raw value and a weight in, a score in 0..weight and the
working out. Scores are rounded to 0.01 (ROUND_HALF_UP) once, at the end.

- linear: at or below `floor` 0 points, at or above `target` the full weight, in
  between weight × (value − floor) ÷ (target − floor);
- thresholds: [(at least, points), ...]: the points of the highest step reached
  (0 below the first). Steps ascend in both columns, points at most the weight.

A value of None (nothing to measure) scores 0."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from sanxin.oversight.assessment.choices import RuleKind

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def points(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def num(value: Decimal | int) -> str:
    """A number as people write it: no trailing zeros (92.30 → 92.3, 20.00 → 20)."""
    d = Decimal(value)
    text = f"{d:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


@dataclass(frozen=True)
class Rule:
    kind: str
    floor: Decimal | None = None
    target: Decimal | None = None
    steps: tuple[tuple[Decimal, Decimal], ...] = ()
    unit: str = ""

    @property
    def suffix(self) -> str:
        """The unit after a number: "92.3%", "8 个月"."""
        return self.unit if self.unit in ("", "%") else f" {self.unit}"

    def score(self, value: Decimal | None, weight: Decimal) -> tuple[Decimal, str]:
        if value is None:
            return ZERO, "无可计算的数据，得 0 分"
        if self.kind == RuleKind.LINEAR:
            return self._linear(value, weight)
        return self._steps(value, weight)

    def _linear(self, value: Decimal, weight: Decimal) -> tuple[Decimal, str]:
        assert self.floor is not None and self.target is not None
        floor, target, u = self.floor, self.target, self.suffix
        if value <= floor:
            return ZERO, f"{num(value)}{u} 不高于下限 {num(floor)}{u}，得 0 分"
        if value >= target:
            return points(
                weight
            ), f"{num(value)}{u} 达到目标值 {num(target)}{u}，得满分 {num(weight)} 分"
        score = points(weight * (value - floor) / (target - floor))
        return score, (
            f"（{num(value)} − {num(floor)}）÷（{num(target)} − {num(floor)}）× {num(weight)}"
            f" = {num(score)} 分"
        )

    def _steps(self, value: Decimal, weight: Decimal) -> tuple[Decimal, str]:
        reached = [(at, pts) for at, pts in self.steps if value >= at]
        if not reached:
            first = self.steps[0][0] if self.steps else None
            where = f"未达到最低一档 {num(first)}{self.suffix}" if first is not None else "无分档"
            return ZERO, f"{num(value)}{self.suffix} {where}，得 0 分"
        at, pts = reached[-1]
        return points(
            min(pts, weight)
        ), f"{num(value)}{self.suffix} 达到 {num(at)}{self.suffix} 一档，得 {num(pts)} 分"

    def describe(self, weight: Decimal) -> str:
        u = self.suffix
        if self.kind == RuleKind.LINEAR:
            return f"{num(self.floor or 0)}{u} 以下 0 分，{num(self.target or 0)}{u} 及以上 {num(weight)} 分，其间按比例"
        return "；".join(f"≥{num(at)}{u} 得 {num(pts)} 分" for at, pts in self.steps) or "—"


def parse_steps(text: str) -> list[list[str]]:
    """'90:15, 80:10；60:5' (at least : points, any order) → [["60", "5"], ["80", "10"],
    ["90", "15"]], or ValidationError saying what is wrong."""
    steps: list[tuple[Decimal, Decimal]] = []
    parts = [p for p in text.replace("，", ",").replace("；", ",").replace(";", ",").split(",")]
    for part in (p.strip() for p in parts):
        if not part:
            continue
        pieces = part.replace("：", ":").split(":")
        if len(pieces) != 2:
            raise ValidationError({"thresholds": [f"“{part}”应写成 达到值:得分，如 90:15"]})
        try:
            steps.append((Decimal(pieces[0].strip()), Decimal(pieces[1].strip())))
        except InvalidOperation:
            raise ValidationError({"thresholds": [f"“{part}”不是数字"]}) from None
    return [[f"{at:f}", f"{pts:f}"] for at, pts in sorted(steps)]


def check_steps(
    steps: Sequence[Sequence[str]], weight: Decimal
) -> tuple[tuple[Decimal, Decimal], ...]:
    """The steps as decimals, or ValidationError: at least one, values strictly
    ascending, points ascending, each between 0 and the weight."""
    try:
        parsed = tuple((Decimal(str(a)), Decimal(str(p))) for a, p in steps)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"thresholds": ["分档格式不对"]}) from None
    if not parsed:
        raise ValidationError({"thresholds": ["请至少填写一档，如 90:15, 80:10"]})
    for (a1, p1), (a2, p2) in zip(parsed, parsed[1:], strict=False):
        if a2 <= a1:
            raise ValidationError({"thresholds": ["各档的达到值不能重复"]})
        if p2 < p1:
            raise ValidationError({"thresholds": ["达到值越高，得分不能越低"]})
    for _a, p in parsed:
        if p < 0 or p > weight:
            raise ValidationError({"thresholds": [f"每档得分须在 0 到权重 {num(weight)} 分之间"]})
    return parsed


def rule_of(indicator, unit: str = "") -> Rule:
    """The scoring rule of a computed indicator (a model row or a published snapshot
    with the same attribute names)."""
    steps = tuple((Decimal(str(a)), Decimal(str(p))) for a, p in (indicator.thresholds or []))
    return Rule(
        kind=indicator.rule,
        floor=None if indicator.floor is None else Decimal(str(indicator.floor)),
        target=None if indicator.target is None else Decimal(str(indicator.target)),
        steps=steps,
        unit=unit,
    )
