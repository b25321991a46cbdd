"""Scoring schemes (评分方案) as pure, frozen data: no Django, no database.

A scheme version holds everything the grading engine needs: the three components
(基础积分, "双基"共建信用积分, 先锋积分), the tiers (群众 < 党员 < 党员干部) with
their weights, deduction multipliers and grade thresholds, the item catalogue, the
veto / direct-grading catalogue, the credit-union indicator sheet, and the limits
for a village's own items. Schemes travel as readable JSON (UTF-8, indented, Chinese
unescaped); `scheme_to_json` writes them and `rules.scheme_reader` reads and
validates them. `docs/scoring.md` explains the model and every default.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from sanxin.rules.choices import (
    GRADE_LABELS,
    GRADES,
    PARTY_TIERS,
    RATED_GRADES,
    TIER_LABELS,
    TIERS,
    grade_rank,
    lower_grade,
    tier_rank,
)

COMPONENTS = ("base", "credit", "vanguard")
COMPONENT_LABELS = {"base": "基础积分", "credit": "“双基”共建信用积分", "vanguard": "先锋积分"}
APPLIES_TO = ("household", "person")
APPLIES_TO_LABELS = {"household": "户", "person": "个人"}
VETO_KINDS = ("veto", "direct")
VETO_KIND_LABELS = {"veto": "一票否决", "direct": "直接判级"}

FILE_FORMAT = "sanxin-scheme"
FILE_FORMAT_VERSION = 1


# Roles that may record points (accounts.choices.Role values), for recorder_roles.
RECORDER_ROLES = ("subteam_member", "committee_head", "committee_deputy", "committee_member")


class SchemeError(ValueError):
    """A scheme (or a village's own items) is invalid; `errors` name the field paths."""

    def __init__(self, errors: Sequence[str]):
        self.errors = list(errors)
        super().__init__("评分方案有误：\n" + "\n".join(f"- {e}" for e in self.errors))


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class ComponentRule:
    """How one component's raw points become a 0–100 score.

    score = clamp(start + counted points, 0, full_marks) × 100 / full_marks.
    For `credit`, start is 0 and the raw points are the credit-union assessment
    plus any counted credit items.
    """

    code: str
    name: str
    start: Decimal
    full_marks: Decimal
    note: str = ""
    # Where the numbers come from (research remarks); never rendered, see docs/scoring.md.
    source: str = ""
    # Roles (accounts.choices.Role values) that may record this component's items;
    # empty: every role that records points. Vanguard points are the party's to record.
    recorder_roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tier:
    code: str
    name: str
    # Component code -> multiplier applied to deductions when an entry is recorded.
    deduction_multipliers: dict[str, Decimal]
    # Each formula maps component code -> weight (summing to 1); the total is the
    # lowest of the formulas, so a party household never scores above what the
    # plain villagers' formula gives for the same conduct.
    formulas: tuple[dict[str, Decimal], ...]
    # Rated grade -> minimum combined score (A … 5A, ascending).
    thresholds: dict[str, Decimal]
    note: str = ""
    # Where the numbers come from (research remarks); never rendered, see docs/scoring.md.
    source: str = ""

    def deduction_multiplier(self, component: str) -> Decimal:
        return self.deduction_multipliers.get(component, Decimal(1))


@dataclass(frozen=True)
class Category:
    code: str
    name: str


@dataclass(frozen=True)
class ItemVeto:
    """Recording this item caps the household's grade at `cap_grade` for `days` days."""

    cap_grade: str
    days: int


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    category: str
    component: str
    points: Decimal  # per occurrence (per unit of quantity); negative for deductions
    applies_to: str = "household"
    annual_cap: Decimal | None = None  # on the item's points per calendar year
    evidence_required: bool = False
    validity_days: int | None = None  # None: counts until the end of the year it happened
    repeat_multiplier: Decimal = Decimal(1)  # for a repeat within the validity period
    tiers: tuple[str, ...] = TIERS  # which tiers the item may be recorded for
    veto: ItemVeto | None = None
    source: str = ""
    own: bool = False  # a village's own item (村级自设项)

    @property
    def is_deduction(self) -> bool:
        return self.points < 0


@dataclass(frozen=True)
class VetoRule:
    """An event that caps a grade (一票否决) or sets it directly (直接判级)."""

    code: str
    name: str
    kind: str
    cap_grade: str
    days: int
    source: str = ""


@dataclass(frozen=True)
class CreditOption:
    code: str
    label: str
    points: Decimal


@dataclass(frozen=True)
class CreditIndicator:
    code: str
    name: str
    max_points: Decimal
    options: tuple[CreditOption, ...]
    source: str = ""


@dataclass(frozen=True)
class CreditArea:
    code: str
    name: str
    indicators: tuple[CreditIndicator, ...]

    @property
    def max_points(self) -> Decimal:
        return sum((i.max_points for i in self.indicators), Decimal(0))


@dataclass(frozen=True)
class VillageLimits:
    max_items: int
    max_abs_points: Decimal
    source: str = ""


@dataclass(frozen=True)
class Scheme:
    code: str
    version: str
    name: str
    components: tuple[ComponentRule, ...]
    tiers: tuple[Tier, ...]
    categories: tuple[Category, ...]
    items: tuple[Item, ...]
    veto_rules: tuple[VetoRule, ...]
    credit_areas: tuple[CreditArea, ...]
    credit_valid_days: int
    village_limits: VillageLimits
    issued_by: str = ""
    effective_from: date | None = None
    description: str = ""
    sources: dict[str, str] = field(default_factory=dict)

    # Lookups (cached on the instance; not part of equality).
    @cached_property
    def _components(self) -> dict[str, ComponentRule]:
        return {c.code: c for c in self.components}

    @cached_property
    def _tiers(self) -> dict[str, Tier]:
        return {t.code: t for t in self.tiers}

    @cached_property
    def _categories(self) -> dict[str, Category]:
        return {c.code: c for c in self.categories}

    @cached_property
    def _items(self) -> dict[str, Item]:
        return {i.code: i for i in self.items}

    @cached_property
    def _veto_rules(self) -> dict[str, VetoRule]:
        return {v.code: v for v in self.veto_rules}

    @cached_property
    def _credit_areas(self) -> dict[str, CreditArea]:
        return {a.code: a for a in self.credit_areas}

    @cached_property
    def _credit_indicators(self) -> dict[str, CreditIndicator]:
        return {i.code: i for a in self.credit_areas for i in a.indicators}

    def component(self, code: str) -> ComponentRule:
        return self._components[code]

    def tier(self, code: str) -> Tier:
        return self._tiers[code]

    def category(self, code: str) -> Category:
        return self._categories[code]

    def item(self, code: str) -> Item:
        return self._items[code]

    def find_item(self, code: str) -> Item | None:
        return self._items.get(code)

    def veto_rule(self, code: str) -> VetoRule:
        return self._veto_rules[code]

    def credit_area(self, code: str) -> CreditArea:
        return self._credit_areas[code]

    def credit_indicator(self, code: str) -> CreditIndicator:
        return self._credit_indicators[code]

    @property
    def credit_max_points(self) -> Decimal:
        return sum((a.max_points for a in self.credit_areas), Decimal(0))

    @property
    def own_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.own)

    # Serialisation -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return _scheme_to_dict(self)

    def to_json(self) -> str:
        return scheme_to_json(self)


# ------------------------------------------------------------------ export (dict)


def _num(value: Decimal) -> int | float:
    """A Decimal as a JSON number: integral values as int, others as the shortest float."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _item_to_dict(item: Item) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": item.name,
        "category": item.category,
        "component": item.component,
        "points": _num(item.points),
        "applies_to": item.applies_to,
        "annual_cap": None if item.annual_cap is None else _num(item.annual_cap),
        "evidence_required": item.evidence_required,
        "validity_days": item.validity_days,
        "repeat_multiplier": _num(item.repeat_multiplier),
        "tiers": list(item.tiers),
        "veto": None
        if item.veto is None
        else {"cap_grade": item.veto.cap_grade, "days": item.veto.days},
        "source": item.source,
        "own": item.own,
    }


def item_to_dict(item: Item) -> dict[str, Any]:
    return _item_to_dict(item)


def _scheme_to_dict(s: Scheme) -> dict[str, Any]:
    return {
        "format": FILE_FORMAT,
        "format_version": FILE_FORMAT_VERSION,
        "code": s.code,
        "version": s.version,
        "name": s.name,
        "issued_by": s.issued_by,
        "effective_from": s.effective_from.isoformat() if s.effective_from else None,
        "description": s.description,
        "components": [
            {
                "code": c.code,
                "name": c.name,
                "start": _num(c.start),
                "full_marks": _num(c.full_marks),
                "note": c.note,
                **({"source": c.source} if c.source else {}),
                **({"recorder_roles": list(c.recorder_roles)} if c.recorder_roles else {}),
            }
            for c in s.components
        ],
        "credit_valid_days": s.credit_valid_days,
        "tiers": [
            {
                "code": t.code,
                "name": t.name,
                "deduction_multipliers": {k: _num(v) for k, v in t.deduction_multipliers.items()},
                "formulas": [{k: _num(v) for k, v in f.items()} for f in t.formulas],
                "thresholds": {k: _num(v) for k, v in t.thresholds.items()},
                "note": t.note,
                **({"source": t.source} if t.source else {}),
            }
            for t in s.tiers
        ],
        "categories": [{"code": c.code, "name": c.name} for c in s.categories],
        "items": [_item_to_dict(i) for i in s.items],
        "veto_rules": [
            {
                "code": v.code,
                "name": v.name,
                "kind": v.kind,
                "cap_grade": v.cap_grade,
                "days": v.days,
                "source": v.source,
            }
            for v in s.veto_rules
        ],
        "credit_areas": [
            {
                "code": a.code,
                "name": a.name,
                "indicators": [
                    {
                        "code": i.code,
                        "name": i.name,
                        "max_points": _num(i.max_points),
                        "options": [
                            {"code": o.code, "label": o.label, "points": _num(o.points)}
                            for o in i.options
                        ],
                        "source": i.source,
                    }
                    for i in a.indicators
                ],
            }
            for a in s.credit_areas
        ],
        "village_limits": {
            "max_items": s.village_limits.max_items,
            "max_abs_points": _num(s.village_limits.max_abs_points),
            "source": s.village_limits.source,
        },
        "sources": dict(s.sources),
    }


def scheme_to_json(scheme: Scheme) -> str:
    """Readable JSON: UTF-8 Chinese as is, two-space indent, trailing newline."""
    return json.dumps(scheme.to_dict(), ensure_ascii=False, indent=2) + "\n"


__all__ = [
    "APPLIES_TO",
    "COMPONENTS",
    "COMPONENT_LABELS",
    "GRADES",
    "GRADE_LABELS",
    "PARTY_TIERS",
    "RATED_GRADES",
    "TIERS",
    "TIER_LABELS",
    "VETO_KINDS",
    "VETO_KIND_LABELS",
    "Category",
    "ComponentRule",
    "CreditArea",
    "CreditIndicator",
    "CreditOption",
    "Item",
    "ItemVeto",
    "Scheme",
    "SchemeError",
    "Tier",
    "VetoRule",
    "VillageLimits",
    "grade_rank",
    "item_to_dict",
    "lower_grade",
    "scheme_to_json",
    "tier_rank",
]
