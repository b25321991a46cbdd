"""The grading engine: a scheme version and a household's facts in, a grade and its reasons out.

Pure Python, no ORM, no clock: the caller passes `as_of`. Deterministic: the order of
the facts does not matter and all arithmetic is Decimal, rounded to 0.01 ROUND_HALF_UP
at fixed, documented points. `docs/scoring.md` describes the model in Chinese and English.

How a household is graded (`grade_household`):
1. Tier: the strictest tier among the members (党员干部 > 党员 > 群众).
2. Entries: a reversal and the entry it reverses are both left out; entries dated after
   `as_of` or outside their validity window are left out; the rest count with their
   frozen points, limited by each item's annual cap (per calendar year of occurrence;
   per person for person-level items, per household otherwise).
3. Components, each 0–100: base = clamp(start + base points, 0, full) × 100 / full;
   credit = the credit union's assessment (+ credit items), same scaling; vanguard =
   the average over the household's party members of their own scaled vanguard score.
4. Total: each of the tier's formulas (weighted sums) is computed; the lowest counts.
5. Grade: the highest band whose threshold the total reaches (the tier's thresholds);
   `unrated` without a valid credit-union assessment. Active vetoes and direct gradings
   cap it.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Any

from sanxin.rules.scheme import (
    COMPONENT_LABELS,
    GRADE_LABELS,
    GRADES,
    PARTY_TIERS,
    RATED_GRADES,
    TIER_LABELS,
    TIERS,
    VETO_KIND_LABELS,
    Item,
    Scheme,
    Tier,
    grade_rank,
    tier_rank,
)

EntryId = int | str
PersonId = int | str

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
_ZERO = Decimal(0)
_CONTEXT = Context(prec=28, rounding=ROUND_HALF_UP)


class FactsError(ValueError):
    """The facts handed to the engine are inconsistent (a caller bug, not a villager's)."""


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class Member:
    """An active member of the household and their tier (masses/party_member/party_cadre)."""

    person_id: PersonId
    tier: str = "masses"


@dataclass(frozen=True)
class Entry:
    """An approved ledger entry. `points` were frozen when it was recorded
    (see `points_for_entry`); a reversal carries `reversal_of` = the reversed entry's id."""

    id: EntryId
    item_code: str
    occurred_on: date
    points: Decimal
    quantity: int = 1
    person_id: PersonId | None = None  # set for person-level items
    tier: str | None = None  # the tier the points were computed for (kept for the record)
    reversal_of: EntryId | None = None


@dataclass(frozen=True)
class CreditAssessment:
    """The credit union's visit: one score per area (家庭基本情况 / 经济情况 / 金融交易)."""

    assessed_on: date
    area_scores: Mapping[str, Decimal]


@dataclass(frozen=True)
class VetoFact:
    """A veto (一票否决) or direct grading (直接判级) decided for this household."""

    id: EntryId
    name: str
    cap_grade: str
    starts_on: date
    ends_on: date | None = None  # inclusive; None: until lifted
    kind: str = "veto"
    code: str = ""


@dataclass(frozen=True)
class HouseholdFacts:
    members: tuple[Member, ...] = ()
    entries: tuple[Entry, ...] = ()
    credit: CreditAssessment | None = None
    vetoes: tuple[VetoFact, ...] = ()


# -------------------------------------------------------------------------- result

STATUS_LABELS = {
    "counted": "计入",
    "capped": "超出年度上限",
    "not_yet": "尚未发生",
    "expired": "已过有效期",
    "reversed": "已冲销",
    "reversal": "冲销记录",
    "unknown_item": "方案中无此项",
    "not_party_member": "非本户党员",
}


@dataclass(frozen=True)
class Contribution:
    """What one entry contributed, and why (`note` is plain Chinese)."""

    entry_id: EntryId
    item_code: str
    item_name: str
    component: str | None
    person_id: PersonId | None
    occurred_on: date
    valid_until: date | None
    recorded_points: Decimal
    counted_points: Decimal
    status: str
    note: str


@dataclass(frozen=True)
class ComponentScore:
    code: str
    name: str
    raw: Decimal | None  # points before scaling (None: not available)
    score: Decimal | None  # 0–100, 0.01


@dataclass(frozen=True)
class MemberVanguard:
    person_id: PersonId
    tier: str
    raw: Decimal
    score: Decimal


@dataclass(frozen=True)
class AppliedVeto:
    kind: str  # veto | direct
    source: str  # event | item
    ref: EntryId  # the veto fact's id, or the entry's id
    name: str
    cap_grade: str
    starts_on: date
    ends_on: date | None
    binding: bool  # it lowered the grade


@dataclass(frozen=True)
class GradeResult:
    scheme_code: str
    scheme_version: str
    as_of: date
    tier: str
    thresholds: dict[str, Decimal]
    components: tuple[ComponentScore, ...]
    vanguard_members: tuple[MemberVanguard, ...]
    formula_totals: tuple[Decimal, ...]
    total: Decimal | None
    computed_grade: str  # from the points alone
    grade: str  # after vetoes
    vetoes: tuple[AppliedVeto, ...]
    next_grade: str | None
    points_to_next_grade: Decimal | None  # on the combined 0–100 score
    base_points_to_next_grade: int | None  # whole base points that would be enough alone
    contributions: tuple[Contribution, ...]
    reasons: tuple[str, ...]
    credit_status: str = "ok"  # ok | missing | future | expired

    @property
    def grade_label(self) -> str:
        return GRADE_LABELS[self.grade]

    def component(self, code: str) -> ComponentScore:
        return next(c for c in self.components if c.code == code)

    def outcome(self) -> tuple[Any, ...]:
        """Everything that decides the grade, without the per-entry explanation."""
        return (
            self.tier,
            tuple((c.code, c.raw, c.score) for c in self.components),
            self.vanguard_members,
            self.formula_totals,
            self.total,
            self.computed_grade,
            self.grade,
            self.next_grade,
            self.points_to_next_grade,
            self.base_points_to_next_grade,
            self.credit_status,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (Decimals and dates as strings), e.g. to freeze a rating's explanation."""
        plain: dict[str, Any] = _plain(self)
        return plain


_LEAVES = (str, int, bool, type(None))
_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}  # a dataclass's fields, by its type


def _plain(value: Any) -> Any:
    kind = type(value)
    # The common exact types first (a rating's result holds thousands of values).
    if kind is Decimal:
        return str(value)
    if kind in _LEAVES:
        return value
    if kind is date:
        return value.isoformat()
    if kind is list or kind is tuple:
        return [_plain(v) for v in value]
    try:
        names = _FIELD_NAMES[kind]
    except KeyError:
        fields = getattr(kind, "__dataclass_fields__", None)
        names = _FIELD_NAMES[kind] = tuple(fields) if fields is not None else None
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


# ------------------------------------------------------------------------- helpers


def _q(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _fmt(value: Decimal) -> str:
    """100.00 -> '100', 81.50 -> '81.5', -7.50 -> '-7.5'."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _signed(points: Decimal) -> str:
    return f"加{_fmt(points)}分" if points >= 0 else f"扣{_fmt(-points)}分"


def _pct(weight: Decimal) -> str:
    return f"{_fmt(weight * 100)}%"


def _id_key(value: EntryId) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int) else (1, str(value))


def _entry_key(entry: Entry) -> tuple[Any, ...]:
    return (entry.occurred_on, _id_key(entry.id))


def household_tier(members: tuple[Member, ...] | list[Member]) -> str:
    """The strictest tier among the members; a household with no party member is masses."""
    return max((m.tier for m in members), key=tier_rank, default="masses")


def valid_until(item: Item, occurred_on: date) -> date:
    """The last day an entry of `item` counts: `validity_days` days in all, or to year-end."""
    if item.validity_days is None:
        return date(occurred_on.year, 12, 31)
    return occurred_on + timedelta(days=item.validity_days - 1)


def _scale(raw: Decimal, full: Decimal) -> Decimal:
    return _q(min(max(raw, _ZERO), full) * _HUNDRED / full)


def grade_for_total(tier: Tier, total: Decimal | None) -> str:
    """The highest band whose threshold `total` reaches; unrated below A or without a total."""
    if total is None:
        return "unrated"
    grade = "unrated"
    for g in RATED_GRADES:
        if total >= tier.thresholds[g]:
            grade = g
    return grade


# -------------------------------------------------------------- recording helpers


def points_for_entry(
    scheme: Scheme,
    item_code: str,
    tier: str,
    quantity: int = 1,
    prior_occurrences_in_validity: int = 0,
) -> Decimal:
    """The points to freeze on a new entry.

    points × quantity, × the item's repeat multiplier when the same item was already
    recorded for the same household (or person) within its validity period, and for
    deductions × the tier's multiplier for the item's component. `tier` is the person's
    tier for person-level items and the household's tier otherwise.
    """
    item = scheme.find_item(item_code)
    if item is None:
        raise ValueError(f"积分项 {item_code!r} 不在方案 {scheme.code} {scheme.version} 中")
    if tier not in TIERS:
        raise ValueError(f"身份应为 masses、party_member 或 party_cadre，实际为 {tier!r}")
    if tier not in item.tiers:
        raise ValueError(f"积分项“{item.name}”不适用于{TIER_LABELS[tier]}")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise ValueError(f"数量应为正整数，实际为 {quantity!r}")
    if prior_occurrences_in_validity < 0:
        raise ValueError("此前的发生次数不能为负数")
    with localcontext(_CONTEXT):
        points = item.points * quantity
        if prior_occurrences_in_validity > 0:
            points *= item.repeat_multiplier
        if points < 0:
            points *= scheme.tier(tier).deduction_multiplier(item.component)
        return _q(points)


def credit_area_scores(scheme: Scheme, answers: Mapping[str, str]) -> dict[str, Decimal]:
    """Turn the credit union's answers ({indicator code: option code}) into area scores."""
    scores: dict[str, Decimal] = {}
    for area in scheme.credit_areas:
        total = _ZERO
        for ind in area.indicators:
            if ind.code not in answers:
                raise ValueError(f"{area.name}：缺少指标“{ind.name}”（{ind.code}）的评分")
            option = next((o for o in ind.options if o.code == answers[ind.code]), None)
            if option is None:
                raise ValueError(f"{area.name}：指标“{ind.name}”没有选项 {answers[ind.code]!r}")
            total += option.points
        scores[area.code] = total
    unknown = set(answers) - {i.code for a in scheme.credit_areas for i in a.indicators}
    if unknown:
        raise ValueError(f"方案中没有这些信用指标：{'、'.join(sorted(unknown))}")
    return scores


# -------------------------------------------------------------------------- engine


def _check_facts(scheme: Scheme, facts: HouseholdFacts, as_of: date) -> None:
    if not isinstance(as_of, date) or hasattr(as_of, "hour"):
        raise FactsError(f"as_of 应为日期（date），实际为 {as_of!r}")
    ids = [e.id for e in facts.entries]
    if len(set(ids)) != len(ids):
        raise FactsError("积分记录编号重复")
    for e in facts.entries:
        if not isinstance(e.points, Decimal):
            raise FactsError(f"第{e.id}号记录的分值应为 Decimal")
        if e.tier is not None and e.tier not in TIERS:
            raise FactsError(f"第{e.id}号记录的身份 {e.tier!r} 无效")
    person_ids = [m.person_id for m in facts.members]
    if len(set(person_ids)) != len(person_ids):
        raise FactsError("家庭成员重复")
    for m in facts.members:
        if m.tier not in TIERS:
            raise FactsError(f"成员 {m.person_id} 的身份 {m.tier!r} 无效")
    for v in facts.vetoes:
        if v.cap_grade not in GRADES:
            raise FactsError(f"否决事项“{v.name}”的等级上限 {v.cap_grade!r} 无效")
        if v.kind not in VETO_KIND_LABELS:
            raise FactsError(f"否决事项“{v.name}”的类型 {v.kind!r} 无效")
        if v.ends_on is not None and v.ends_on < v.starts_on:
            raise FactsError(f"否决事项“{v.name}”的结束日期早于开始日期")
    if facts.credit is not None:
        for code, score in facts.credit.area_scores.items():
            try:
                area = scheme.credit_area(code)
            except KeyError:
                raise FactsError(f"方案中没有信用评分方面 {code!r}") from None
            if not isinstance(score, Decimal) or not _ZERO <= score <= area.max_points:
                raise FactsError(
                    f"{area.name}得分应在 0 到 {area.max_points} 之间，实际为 {score!r}"
                )


@dataclass
class _Tally:
    """Working state while going through the entries (or their aggregates)."""

    contributions: dict[EntryId, Contribution] = field(default_factory=dict)
    base_plus: Decimal = _ZERO
    base_minus: Decimal = _ZERO
    credit: Decimal = _ZERO
    vanguard: dict[PersonId | None, Decimal] = field(default_factory=dict)

    @property
    def base(self) -> Decimal:
        return self.base_plus + self.base_minus

    def add(self, component: str, person_id: PersonId | None, counted: Decimal) -> None:
        """Counted points of one entry, or the sum of a bucket of entries of one sign."""
        if component == "base":
            if counted > 0:
                self.base_plus += counted
            elif counted < 0:
                self.base_minus += counted
        elif component == "credit":
            self.credit += counted
        else:
            self.vanguard[person_id] = self.vanguard.get(person_id, _ZERO) + counted


def grade_household(scheme: Scheme, facts: HouseholdFacts, as_of: date) -> GradeResult:
    """Grade one household as of a date. See the module docstring for the rules."""
    _check_facts(scheme, facts, as_of)
    with localcontext(_CONTEXT):
        return _grade(scheme, facts, as_of)


def _grade(scheme: Scheme, facts: HouseholdFacts, as_of: date) -> GradeResult:
    party = party_members(facts.members)
    entries = sorted(facts.entries, key=_entry_key)
    reversed_by = {e.reversal_of: e.id for e in entries if e.reversal_of is not None}
    tally = _Tally()
    _tally_entries(scheme, entries, {e.id for e in entries}, reversed_by, as_of, party, tally)
    not_veto = ("reversal", "reversed", "not_yet")
    veto_entries = [e for e in entries if tally.contributions[e.id].status not in not_veto]
    return graded(
        scheme,
        members=facts.members,
        credit=facts.credit,
        vetoes=facts.vetoes,
        as_of=as_of,
        tally=tally,
        veto_entries=veto_entries,
        contributions=tuple(tally.contributions[e.id] for e in entries),
    )


def party_members(members: tuple[Member, ...] | list[Member]) -> dict[PersonId, Member]:
    """The household's party members, in a fixed order (by person id)."""
    ordered = sorted(members, key=lambda m: _id_key(m.person_id))
    return {m.person_id: m for m in ordered if m.tier in PARTY_TIERS}


def graded(
    scheme: Scheme,
    *,
    members: tuple[Member, ...],
    credit: CreditAssessment | None,
    vetoes: tuple[VetoFact, ...],
    as_of: date,
    tally: _Tally,
    veto_entries: list[Entry] | tuple[Entry, ...],
    contributions: tuple[Contribution, ...],
) -> GradeResult:
    """Grade from a tally of the counted points: the part shared by the per-entry
    engine and the aggregate path (`sanxin.rules.aggregates`). `veto_entries` are the
    entries that may cap the grade (not a reversal, not reversed, not after `as_of`);
    `contributions` those to explain (every entry's, or only the ones the reasons name)."""
    tier_code = household_tier(members)
    tier = scheme.tier(tier_code)
    party = party_members(members)

    # Components.
    base_rule = scheme.component("base")
    base_raw = base_rule.start + tally.base
    base_score = _scale(base_raw, base_rule.full_marks)

    credit_rule = scheme.component("credit")
    credit_status, credit_raw, credit_score = _credit(scheme, credit, as_of, tally.credit)

    van_rule = scheme.component("vanguard")
    vanguard_members = tuple(
        MemberVanguard(
            person_id=pid,
            tier=m.tier,
            raw=van_rule.start + tally.vanguard.get(pid, _ZERO),
            score=_scale(van_rule.start + tally.vanguard.get(pid, _ZERO), van_rule.full_marks),
        )
        for pid, m in party.items()
    )
    vanguard_score = (
        _q(sum((v.score for v in vanguard_members), _ZERO) / len(vanguard_members))
        if vanguard_members
        else None
    )
    scores = {"base": base_score, "credit": credit_score, "vanguard": vanguard_score}
    components = (
        ComponentScore("base", base_rule.name, base_raw, base_score),
        ComponentScore("credit", credit_rule.name, credit_raw, credit_score),
        ComponentScore(
            "vanguard",
            van_rule.name,
            _q(sum((v.raw for v in vanguard_members), _ZERO) / len(vanguard_members))
            if vanguard_members
            else None,
            vanguard_score,
        ),
    )

    formula_totals = _formula_totals(tier, scores)
    total = min(formula_totals) if formula_totals else None
    computed = grade_for_total(tier, total)

    applied = _active_vetoes(scheme, vetoes, veto_entries, as_of, computed)
    grade = min([computed, *(v.cap_grade for v in applied)], key=grade_rank)

    next_grade = points_to_next = base_to_next = None
    blocked = any(grade_rank(v.cap_grade) <= grade_rank(grade) for v in applied)
    if total is not None and grade != "5A" and not blocked:
        next_grade = GRADES[grade_rank(grade) + 1]
        target = tier.thresholds[next_grade]
        points_to_next = _q(target - total)
        base_to_next = _base_points_needed(scheme, tier, scores, base_raw, target)

    result_args: dict[str, Any] = {
        "scheme_code": scheme.code,
        "scheme_version": scheme.version,
        "as_of": as_of,
        "tier": tier_code,
        "thresholds": dict(tier.thresholds),
        "components": components,
        "vanguard_members": vanguard_members,
        "formula_totals": formula_totals,
        "total": total,
        "computed_grade": computed,
        "grade": grade,
        "vetoes": applied,
        "next_grade": next_grade,
        "points_to_next_grade": points_to_next,
        "base_points_to_next_grade": base_to_next,
        "contributions": contributions,
        "credit_status": credit_status,
    }
    reasons = _reasons(scheme, tier, credit, tally, result_args)
    return GradeResult(**result_args, reasons=reasons)


def _tally_entries(
    scheme: Scheme,
    entries: list[Entry],
    present: set[EntryId],
    reversed_by: Mapping[EntryId, EntryId],
    as_of: date,
    party: Mapping[PersonId, Member],
    tally: _Tally,
) -> None:
    """Entry by entry, in date order (`entries` sorted by `_entry_key`): its status, the
    points it counts under the item's annual cap, added to `tally`. `reversed_by`:
    {reversed entry id: reversal id}; `present`: the ids of the household's entries."""
    used: dict[tuple[Any, ...], Decimal] = {}

    for e in entries:
        item = scheme.find_item(e.item_code)
        until = valid_until(item, e.occurred_on) if item else None

        def done(
            status: str,
            note: str,
            counted: Decimal = _ZERO,
            *,
            e: Entry = e,
            item: Item | None = item,
            until: date | None = until,
        ) -> None:
            tally.contributions[e.id] = Contribution(
                entry_id=e.id,
                item_code=e.item_code,
                item_name=item.name if item else e.item_code,
                component=item.component if item else None,
                person_id=e.person_id,
                occurred_on=e.occurred_on,
                valid_until=until,
                recorded_points=e.points,
                counted_points=counted,
                status=status,
                note=note,
            )

        if e.reversal_of is not None:
            found = "" if e.reversal_of in present else "（未找到该记录）"
            done("reversal", f"冲销第{e.reversal_of}号记录{found}，两条记录都不计分")
        elif e.id in reversed_by:
            done("reversed", f"已被第{reversed_by[e.id]}号记录冲销，不计分")
        elif item is None:
            done("unknown_item", f"积分项 {e.item_code!r} 不在本方案版本中，不计分")
        elif e.occurred_on > as_of:
            done("not_yet", "发生在评定日期之后，暂不计分")
        elif until is not None and as_of > until:
            done("expired", f"有效期至{until.isoformat()}，已过期，不再计分")
        elif item.component == "vanguard" and e.person_id not in party:
            done("not_party_member", "该成员不是本户现有党员，先锋积分不计入")
        else:
            counted, cap_note = _apply_cap(item, e, used)
            tally.add(item.component, e.person_id, counted)
            label = COMPONENT_LABELS[item.component]
            if cap_note:
                done("capped", cap_note, counted)
            else:
                done("counted", f"{_signed(counted)}，计入{label}", counted)


def _apply_cap(item: Item, e: Entry, used: dict[tuple[Any, ...], Decimal]) -> tuple[Decimal, str]:
    """Counted points of `e` under the item's annual cap, and a note when it was cut."""
    same_sign = (e.points > 0) == (item.points > 0)
    if item.annual_cap is None or not same_sign:
        return e.points, ""
    who = e.person_id if item.applies_to == "person" else None
    key = (item.code, e.occurred_on.year, who)
    spent = used.get(key, _ZERO)
    room = max(item.annual_cap - spent, _ZERO)
    magnitude = min(abs(e.points), room)
    used[key] = spent + magnitude
    counted = magnitude if e.points > 0 else -magnitude
    if magnitude == abs(e.points):
        return counted, ""
    scope = "此人" if who is not None else "本户"
    cap = _fmt(item.annual_cap)
    if magnitude == 0:
        return counted, f"{scope}{e.occurred_on.year}年该项已达上限{cap}分，本条不再计分"
    return counted, (
        f"{scope}{e.occurred_on.year}年该项上限{cap}分，本条只计{_signed(counted)}"
        f"（超出{_fmt(abs(e.points) - magnitude)}分不计）"
    )


def _credit(
    scheme: Scheme, credit: CreditAssessment | None, as_of: date, adjustments: Decimal
) -> tuple[str, Decimal | None, Decimal | None]:
    if credit is None:
        return "missing", None, None
    if credit.assessed_on > as_of:
        return "future", None, None
    if as_of > credit.assessed_on + timedelta(days=scheme.credit_valid_days - 1):
        return "expired", None, None
    raw = sum(credit.area_scores.values(), _ZERO) + adjustments
    return "ok", raw, _scale(raw, scheme.component("credit").full_marks)


def _formula_totals(tier: Tier, scores: Mapping[str, Decimal | None]) -> tuple[Decimal, ...]:
    if scores["credit"] is None:
        return ()
    totals = []
    for formula in tier.formulas:
        total = _ZERO
        for comp, weight in formula.items():
            if weight:
                total += weight * (scores[comp] or _ZERO)
        totals.append(_q(total))
    return tuple(totals)


def _base_points_needed(
    scheme: Scheme,
    tier: Tier,
    scores: Mapping[str, Decimal | None],
    base_raw: Decimal,
    target: Decimal,
) -> int | None:
    """The fewest whole base points that alone would lift the total to `target`."""
    rule = scheme.component("base")
    if base_raw >= rule.full_marks:
        return None
    # Whole points until the base component is full; beyond that more points do nothing.
    steps = int((rule.full_marks - base_raw).to_integral_value(rounding=ROUND_CEILING))

    def total_with(extra: int) -> Decimal:
        trial = dict(scores, base=_scale(base_raw + extra, rule.full_marks))
        return min(_formula_totals(tier, trial))

    # The totals rise with the base points: bisect over 1..steps extra points.
    n = bisect.bisect_left(range(1, steps + 1), target, key=total_with)
    return n + 1 if n < steps else None


def _active_vetoes(
    scheme: Scheme,
    vetoes: tuple[VetoFact, ...],
    veto_entries: list[Entry] | tuple[Entry, ...],
    as_of: date,
    computed: str,
) -> tuple[AppliedVeto, ...]:
    found = []
    for v in vetoes:
        if v.starts_on <= as_of and (v.ends_on is None or as_of <= v.ends_on):
            found.append(("event", v.id, v.kind, v.name, v.cap_grade, v.starts_on, v.ends_on))
    for e in veto_entries:
        item = scheme.find_item(e.item_code)
        if item is None or item.veto is None:
            continue
        ends = e.occurred_on + timedelta(days=item.veto.days - 1)
        if e.occurred_on <= as_of <= ends:
            found.append(
                ("item", e.id, "veto", item.name, item.veto.cap_grade, e.occurred_on, ends)
            )
    found.sort(key=lambda f: (grade_rank(f[4]), f[5], f[0], _id_key(f[1])))
    return tuple(
        AppliedVeto(
            kind=kind,
            source=source,
            ref=ref,
            name=name,
            cap_grade=cap,
            starts_on=starts,
            ends_on=ends,
            binding=grade_rank(cap) < grade_rank(computed),
        )
        for source, ref, kind, name, cap, starts, ends in found
    )


# ------------------------------------------------------------------------- reasons


def _formula_text(formula: Mapping[str, Decimal], scores: Mapping[str, Decimal | None]) -> str:
    short = {"base": "基础", "credit": "信用", "vanguard": "先锋"}
    return " + ".join(
        f"{short[c]}{_fmt(scores[c] or _ZERO)}×{_pct(w)}" for c, w in formula.items() if w
    )


def _reasons(
    scheme: Scheme,
    tier: Tier,
    credit_facts: CreditAssessment | None,
    tally: _Tally,
    r: Mapping[str, Any],
) -> tuple[str, ...]:
    out: list[str] = []
    tier_code = r["tier"]
    why = {
        "masses": "家庭成员中没有党员",
        "party_member": "家庭成员中有党员",
        "party_cadre": "家庭成员中有党员干部",
    }[tier_code]
    tier_label = TIER_LABELS[tier_code]
    out.append(f"本户按“{tier_label}户”标准评定（{why}）。")

    base, credit, vanguard = r["components"]
    plus, minus = tally.base_plus, tally.base_minus
    rule = scheme.component("base")
    out.append(
        f"{rule.name}：起始{_fmt(rule.start)}分，加分{_fmt(plus)}分，扣分{_fmt(-minus)}分，"
        f"合计{_fmt(base.raw)}分（满分{_fmt(rule.full_marks)}分），折合百分制{base.score}分。"
    )

    status = r["credit_status"]
    assessed_on = credit_facts.assessed_on.isoformat() if credit_facts else ""
    if status == "ok":
        adj = tally.credit
        extra = f"，信用事项{_signed(adj)}" if adj else ""
        out.append(
            f"{credit.name}：信用联社{assessed_on}入户评分"
            f"{_fmt(credit.raw - adj)}分{extra}，折合百分制{credit.score}分。"
        )
    elif status == "missing":
        out.append(f"尚无{credit.name}（信用联社还没有入户评分），暂不评级。")
    elif status == "future":
        out.append(f"信用联社的评分日期（{assessed_on}）晚于评定日期，暂不评级。")
    else:
        out.append(
            f"信用联社的评分（{assessed_on}）已超过"
            f"{scheme.credit_valid_days}天有效期，需要重新入户评分，暂不评级。"
        )

    if r["vanguard_members"]:
        n = len(r["vanguard_members"])
        each = "、".join(f"{_fmt(v.raw)}分" for v in r["vanguard_members"])
        full = _fmt(scheme.component("vanguard").full_marks)
        avg = "平均" if n > 1 else ""
        out.append(
            f"{vanguard.name}：本户{n}名党员，先锋积分{each}（起始"
            f"{_fmt(scheme.component('vanguard').start)}分、满分{full}分），"
            f"折合百分制{avg}{vanguard.score}分。"
        )

    scores = {"base": base.score, "credit": credit.score, "vanguard": vanguard.score}
    totals = r["formula_totals"]
    if totals:
        if len(totals) == 1:
            out.append(
                f"综合得分 = {_formula_text(tier.formulas[0], scores)} = {_fmt(totals[0])}分。"
            )
        else:
            parts = "；".join(
                f"{_formula_text(f, scores)} = {_fmt(t)}"
                for f, t in zip(tier.formulas, totals, strict=True)
            )
            out.append(
                f"综合得分按{len(totals)}个公式计算，取最低的{_fmt(r['total'])}分（党员标准更严）：{parts}。"
            )
        lines = "、".join(f"{g}≥{_fmt(tier.thresholds[g])}分" for g in reversed(RATED_GRADES[1:]))
        floor = tier.thresholds["A"]
        lines += f"、A≥{_fmt(floor)}分（低于此不评级）" if floor > 0 else "、其余为A"
        out.append(
            f"{tier_label}户等级分数线：{lines}；综合得分{_fmt(r['total'])}分，"
            f"按积分评为{GRADE_LABELS[r['computed_grade']]}。"
        )

    for c in r["contributions"]:
        if c.status not in ("counted", "reversal"):
            out.append(
                f"{c.occurred_on.isoformat()}“{c.item_name}”（第{c.entry_id}号）：{c.note}。"
            )

    for v in r["vetoes"]:
        until = v.ends_on.isoformat() if v.ends_on else "解除为止"
        label = VETO_KIND_LABELS[v.kind]
        if v.kind == "direct":
            effect = f"期间直接判为{GRADE_LABELS[v.cap_grade]}，积分再高也不超过此级"
        else:
            effect = f"期间等级最高为{GRADE_LABELS[v.cap_grade]}"
        out.append(f"{label}：{v.name}（{v.starts_on.isoformat()}至{until}），{effect}。")
    if r["grade"] != r["computed_grade"]:
        out.append(f"因此等级由{GRADE_LABELS[r['computed_grade']]}降为{GRADE_LABELS[r['grade']]}。")

    if r["grade"] == "5A":
        out.append("已是最高等级5A。")
    elif r["next_grade"]:
        hint = ""
        if r["base_points_to_next_grade"] is not None:
            hint = f"；只靠基础积分的话，再得{r['base_points_to_next_grade']}分即可"
        out.append(
            f"距{GRADE_LABELS[r['next_grade']]}还差{_fmt(r['points_to_next_grade'])}分（综合得分）{hint}。"
        )
    elif r["vetoes"] and r["total"] is not None:
        out.append("否决或直接判级期满前，积分再高也不能升级。")
    out.append(f"评定日期{r['as_of'].isoformat()}，依据方案“{scheme.name}”第{scheme.version}版。")
    return tuple(out)


__all__ = [
    "AppliedVeto",
    "ComponentScore",
    "Contribution",
    "CreditAssessment",
    "Entry",
    "FactsError",
    "GradeResult",
    "HouseholdFacts",
    "Member",
    "MemberVanguard",
    "STATUS_LABELS",
    "VetoFact",
    "credit_area_scores",
    "grade_for_total",
    "grade_household",
    "household_tier",
    "points_for_entry",
    "valid_until",
]
