"""Reading a scheme document: `scheme_from_json`/`scheme_from_dict` parse an
exported scheme (see `rules.scheme`) and validate it, naming the field path of every
problem in Chinese; `adopt_for_village` checks a village's own items against the
district's limits. Everything raises `SchemeError` with the full list of problems."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sanxin.rules.scheme import (
    APPLIES_TO,
    COMPONENTS,
    FILE_FORMAT,
    FILE_FORMAT_VERSION,
    GRADES,
    PARTY_TIERS,
    RATED_GRADES,
    RECORDER_ROLES,
    TIERS,
    VETO_KINDS,
    Category,
    ComponentRule,
    CreditArea,
    CreditIndicator,
    CreditOption,
    Item,
    ItemVeto,
    Scheme,
    SchemeError,
    Tier,
    VetoRule,
    VillageLimits,
    grade_rank,
)

_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")
# Every number of a scheme (points, caps, weights, thresholds) is far below this: a
# larger one is refused as it is read, before any arithmetic (1e100 would not round
# to cents, and int(Decimal("1e999999999")) would take minutes and gigabytes).
MAX_NUMBER = Decimal(1_000_000_000)
# Day counts (validity, vetoes, credit): 100 years at most, so a date plus any of
# them stays within the calendar (a date past year 9999 cannot be computed).
MAX_DAYS = 36_500

# ------------------------------------------------------------------ import (dict)

_MISSING: Any = object()


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class _Reader:
    """Reads typed values out of plain dicts and collects Chinese errors by field path."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append(f"{path}：{message}")

    def get(self, obj: Any, key: str, path: str, kind: str, default: Any = _MISSING) -> Any:
        p = _join(path, key)
        if not isinstance(obj, dict):
            return None
        if key not in obj or obj[key] is None:
            if default is not _MISSING:
                return default
            self.fail(p, "缺少此项" if key not in obj else "不能为空")
            return None
        try:
            return getattr(self, f"_as_{kind}")(obj[key])
        except ValueError as exc:
            self.fail(p, str(exc))
            return None

    @staticmethod
    def _as_text(v: Any) -> str:
        if not isinstance(v, str) or not v.strip():
            raise ValueError(f"应为非空文字，实际为 {v!r}")
        return v.strip()

    @staticmethod
    def _as_str(v: Any) -> str:
        if not isinstance(v, str):
            raise ValueError(f"应为文字，实际为 {v!r}")
        return v

    @staticmethod
    def _as_int(v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int | Decimal):
            raise ValueError(f"应为整数，实际为 {v!r}")
        if abs(Decimal(v)) >= MAX_NUMBER:
            raise ValueError(f"数值过大（绝对值应小于 {MAX_NUMBER:,}），实际为 {v}")
        if isinstance(v, Decimal):
            if v != v.to_integral_value():
                raise ValueError(f"应为整数，实际为 {v}")
            return int(v)
        return v

    @staticmethod
    def _as_number(v: Any) -> Decimal:
        if isinstance(v, bool) or not isinstance(v, int | float | Decimal | str):
            raise ValueError(f"应为数字，实际为 {v!r}")
        try:
            d = Decimal(str(v))
        except InvalidOperation:
            raise ValueError(f"应为数字，实际为 {v!r}") from None
        if not d.is_finite():
            raise ValueError(f"应为有限的数字，实际为 {v!r}")
        if abs(d) >= MAX_NUMBER:
            raise ValueError(f"数值过大（绝对值应小于 {MAX_NUMBER:,}），实际为 {v}")
        return d

    @staticmethod
    def _as_bool(v: Any) -> bool:
        if not isinstance(v, bool):
            raise ValueError(f"应为 true 或 false，实际为 {v!r}")
        return v

    @staticmethod
    def _as_date(v: Any) -> date:
        message = f"应为日期，格式 YYYY-MM-DD，实际为 {v!r}"
        if not isinstance(v, str) or len(v) != 10:
            raise ValueError(message)
        try:
            return date.fromisoformat(v)
        except ValueError:
            raise ValueError(message) from None

    @staticmethod
    def _as_list(v: Any) -> list[Any]:
        if not isinstance(v, list):
            raise ValueError("应为列表 [...]")
        return v

    @staticmethod
    def _as_text_list(v: Any) -> list[str]:
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise ValueError(f'应为文字的列表 ["...", ...]，实际为 {v!r}')
        return v

    @staticmethod
    def _as_dict(v: Any) -> dict[str, Any]:
        if not isinstance(v, dict):
            raise ValueError("应为对象 {...}")
        return v

    def number_map(
        self, obj: Any, key: str, path: str, default: Any = _MISSING
    ) -> dict[str, Decimal]:
        raw = self.get(obj, key, path, "dict", default)
        return self.numbers(raw or {}, _join(path, key))

    def numbers(self, raw: dict[str, Any], path: str) -> dict[str, Decimal]:
        """A {name: number} object, every value read as a Decimal."""
        out: dict[str, Decimal] = {}
        for k, v in raw.items():
            try:
                out[k] = self._as_number(v)
            except ValueError as exc:
                self.fail(_join(path, k), str(exc))
        return out

    def each(
        self, obj: Any, key: str, path: str, default: Any = _MISSING
    ) -> list[tuple[int, dict[str, Any], str]]:
        """(index, element, element path) for a list field whose elements are objects."""
        raw = self.get(obj, key, path, "list", default)
        out = []
        for n, el in enumerate(raw or []):
            p = _join(_join(path, key), n)
            if not isinstance(el, dict):
                self.fail(p, "应为对象 {...}")
                continue
            out.append((n, el, p))
        return out


def _read_item(r: _Reader, d: dict[str, Any], p: str) -> Item:
    veto = None
    raw_veto = r.get(d, "veto", p, "dict", None)
    if raw_veto is not None:
        vp = _join(p, "veto")
        veto = ItemVeto(
            cap_grade=r.get(raw_veto, "cap_grade", vp, "text"),
            days=r.get(raw_veto, "days", vp, "int"),
        )
    tiers = r.get(d, "tiers", p, "text_list", list(TIERS))
    return Item(
        code=r.get(d, "code", p, "text"),
        name=r.get(d, "name", p, "text"),
        category=r.get(d, "category", p, "text"),
        component=r.get(d, "component", p, "text"),
        points=r.get(d, "points", p, "number"),
        applies_to=r.get(d, "applies_to", p, "text", "household"),
        annual_cap=r.get(d, "annual_cap", p, "number", None),
        evidence_required=r.get(d, "evidence_required", p, "bool", False),
        validity_days=r.get(d, "validity_days", p, "int", None),
        repeat_multiplier=r.get(d, "repeat_multiplier", p, "number", Decimal(1)),
        tiers=tuple(tiers) if tiers is not None else (),
        veto=veto,
        source=r.get(d, "source", p, "str", ""),
        own=r.get(d, "own", p, "bool", False),
    )


def item_from_dict(data: Any, path: str = "item") -> Item:
    """One item (e.g. a village's own item from a form or file); raises SchemeError."""
    r = _Reader()
    if not isinstance(data, dict):
        raise SchemeError([f"{path}：应为对象 {{...}}"])
    item = _read_item(r, data, path)
    if r.errors:
        raise SchemeError(r.errors)
    return item


def scheme_from_dict(data: Any) -> Scheme:
    """Build and validate a scheme from plain data; raises SchemeError (Chinese, with paths)."""
    r = _Reader()
    if not isinstance(data, dict):
        raise SchemeError(["（文件顶层）：应为对象 {...}"])
    fmt = data.get("format", FILE_FORMAT)
    if fmt != FILE_FORMAT:
        r.fail("format", f"应为 {FILE_FORMAT!r}，实际为 {fmt!r}（这不是评分方案文件）")
    fv = data.get("format_version", FILE_FORMAT_VERSION)
    if fv != FILE_FORMAT_VERSION:
        r.fail("format_version", f"本系统只能读取第 {FILE_FORMAT_VERSION} 版格式，实际为 {fv!r}")

    components = tuple(
        ComponentRule(
            code=r.get(c, "code", p, "text"),
            name=r.get(c, "name", p, "text"),
            start=r.get(c, "start", p, "number", Decimal(0)),
            full_marks=r.get(c, "full_marks", p, "number"),
            note=r.get(c, "note", p, "str", ""),
            source=r.get(c, "source", p, "str", ""),
            recorder_roles=tuple(str(x) for x in (r.get(c, "recorder_roles", p, "list", []) or [])),
        )
        for _, c, p in r.each(data, "components", "")
    )
    tiers = []
    for _, t, p in r.each(data, "tiers", ""):
        formulas = []
        for n, f in enumerate(r.get(t, "formulas", p, "list") or []):
            fp = _join(_join(p, "formulas"), n)
            if not isinstance(f, dict):
                r.fail(fp, "应为对象 {...}")
                continue
            formulas.append(r.numbers(f, fp))
        tiers.append(
            Tier(
                code=r.get(t, "code", p, "text"),
                name=r.get(t, "name", p, "text"),
                deduction_multipliers=r.number_map(t, "deduction_multipliers", p, {}),
                formulas=tuple(formulas),
                thresholds=r.number_map(t, "thresholds", p),
                note=r.get(t, "note", p, "str", ""),
                source=r.get(t, "source", p, "str", ""),
            )
        )
    categories = tuple(
        Category(code=r.get(c, "code", p, "text"), name=r.get(c, "name", p, "text"))
        for _, c, p in r.each(data, "categories", "")
    )
    items = tuple(_read_item(r, d, p) for _, d, p in r.each(data, "items", ""))
    veto_rules = tuple(
        VetoRule(
            code=r.get(v, "code", p, "text"),
            name=r.get(v, "name", p, "text"),
            kind=r.get(v, "kind", p, "text"),
            cap_grade=r.get(v, "cap_grade", p, "text"),
            days=r.get(v, "days", p, "int"),
            source=r.get(v, "source", p, "str", ""),
        )
        for _, v, p in r.each(data, "veto_rules", "", [])
    )
    areas = []
    for _, a, ap in r.each(data, "credit_areas", ""):
        indicators = []
        for _, i, ip in r.each(a, "indicators", ap):
            options = tuple(
                CreditOption(
                    code=r.get(o, "code", op, "text"),
                    label=r.get(o, "label", op, "text"),
                    points=r.get(o, "points", op, "number"),
                )
                for _, o, op in r.each(i, "options", ip)
            )
            indicators.append(
                CreditIndicator(
                    code=r.get(i, "code", ip, "text"),
                    name=r.get(i, "name", ip, "text"),
                    max_points=r.get(i, "max_points", ip, "number"),
                    options=options,
                    source=r.get(i, "source", ip, "str", ""),
                )
            )
        areas.append(
            CreditArea(
                code=r.get(a, "code", ap, "text"),
                name=r.get(a, "name", ap, "text"),
                indicators=tuple(indicators),
            )
        )
    limits_raw = r.get(data, "village_limits", "", "dict")
    limits = VillageLimits(
        max_items=r.get(limits_raw, "max_items", "village_limits", "int"),
        max_abs_points=r.get(limits_raw, "max_abs_points", "village_limits", "number"),
        source=r.get(limits_raw, "source", "village_limits", "str", ""),
    )
    sources = r.get(data, "sources", "", "dict", {})
    scheme = Scheme(
        code=r.get(data, "code", "", "text"),
        version=r.get(data, "version", "", "text"),
        name=r.get(data, "name", "", "text"),
        issued_by=r.get(data, "issued_by", "", "str", ""),
        effective_from=r.get(data, "effective_from", "", "date", None),
        description=r.get(data, "description", "", "str", ""),
        components=components,
        credit_valid_days=r.get(data, "credit_valid_days", "", "int"),
        tiers=tuple(tiers),
        categories=categories,
        items=items,
        veto_rules=veto_rules,
        credit_areas=tuple(areas),
        village_limits=limits,
        sources={str(k): str(v) for k, v in (sources or {}).items()},
    )
    if r.errors:
        raise SchemeError(r.errors)
    errors = validate_scheme(scheme)
    if errors:
        raise SchemeError(errors)
    return scheme


def scheme_from_json(text: str | bytes) -> Scheme:
    """Parse and validate an exported scheme file."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SchemeError(["（文件）：不是 UTF-8 编码的文本"]) from None
    try:
        data = json.loads(text.lstrip("\ufeff"), parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise SchemeError(
            [f"（文件）第{exc.lineno}行第{exc.colno}列：不是有效的 JSON（{exc.msg}）"]
        ) from None
    except ValueError:  # an integer of more digits than Python converts (4,300)
        raise SchemeError(["（文件）：含有位数过多的数字，不是有效的评分方案"]) from None
    except RecursionError:  # thousands of nested [ or {
        raise SchemeError(["（文件）：嵌套层次过深，不是有效的评分方案"]) from None
    return scheme_from_dict(data)


# -------------------------------------------------------------------- validation


def _places_ok(value: Decimal, places: int = 2) -> bool:
    return value == value.quantize(Decimal(1).scaleb(-places))


def _check_code(errors: list[str], path: str, code: str) -> None:
    if not _CODE_RE.match(code):
        errors.append(
            f"{path}：编码 {code!r} 只能用小写字母、数字、点、下划线和连字符，且以字母或数字开头"
        )


def _item_label(item: Item) -> str:
    return f"（积分项“{item.name}”）"


def validate_item(item: Item, path: str, categories: Iterable[str]) -> list[str]:
    """Rules every item must satisfy on its own (plus its category must exist)."""
    e: list[str] = []
    lbl = _item_label(item)
    _check_code(e, f"{path}.code{lbl}", item.code)
    if item.category not in set(categories):
        e.append(f"{path}.category{lbl}：分类 {item.category!r} 不在本方案的 categories 中")
    if item.component not in COMPONENTS:
        e.append(
            f"{path}.component{lbl}：应为 base、credit 或 vanguard 之一，实际为 {item.component!r}"
        )
    if item.applies_to not in APPLIES_TO:
        e.append(
            f"{path}.applies_to{lbl}：应为 household（户）或 person（个人），实际为 {item.applies_to!r}"
        )
    if item.points == 0:
        e.append(f"{path}.points{lbl}：分值不能为 0")
    elif not _places_ok(item.points):
        e.append(f"{path}.points{lbl}：分值最多两位小数，实际为 {item.points}")
    if item.annual_cap is not None and (item.annual_cap <= 0 or not _places_ok(item.annual_cap)):
        e.append(
            f"{path}.annual_cap{lbl}：年度上限应为正数（最多两位小数）或 null，实际为 {item.annual_cap}"
        )
    if item.validity_days is not None and not 0 < item.validity_days <= MAX_DAYS:
        e.append(
            f"{path}.validity_days{lbl}：有效天数应为不超过 {MAX_DAYS} 的正整数或 null（当年有效），"
            f"实际为 {item.validity_days}"
        )
    if item.repeat_multiplier < 1:
        e.append(
            f"{path}.repeat_multiplier{lbl}：重复倍数不能小于 1，实际为 {item.repeat_multiplier}"
        )
    elif item.points > 0 and item.repeat_multiplier != 1:
        e.append(f"{path}.repeat_multiplier{lbl}：加分项不设重复倍数（应为 1）")
    if not item.tiers:
        e.append(f"{path}.tiers{lbl}：至少适用于一个身份（masses、party_member、party_cadre）")
    for n, t in enumerate(item.tiers):
        if t not in TIERS:
            e.append(
                f"{path}.tiers[{n}]{lbl}：身份应为 masses、party_member 或 party_cadre，实际为 {t!r}"
            )
    if len(set(item.tiers)) != len(item.tiers):
        e.append(f"{path}.tiers{lbl}：身份重复")
    if item.component == "vanguard":
        if not set(item.tiers) <= set(PARTY_TIERS):
            e.append(f"{path}.tiers{lbl}：先锋积分项只适用于党员（party_member、party_cadre）")
        if item.applies_to != "person":
            e.append(f"{path}.applies_to{lbl}：先锋积分项按个人记分（person）")
    if item.veto is not None:
        vp = f"{path}.veto{lbl}"
        if item.points > 0:
            e.append(f"{vp}：只有扣分项可以带一票否决")
        if item.veto.cap_grade not in GRADES or item.veto.cap_grade == "5A":
            e.append(
                f"{vp}.cap_grade：应为 unrated、A、2A、3A 或 4A，实际为 {item.veto.cap_grade!r}"
            )
        if not 0 < item.veto.days <= MAX_DAYS:
            e.append(f"{vp}.days：天数应为不超过 {MAX_DAYS} 的正整数，实际为 {item.veto.days}")
    return e


def validate_scheme(s: Scheme) -> list[str]:
    """Every rule a scheme must satisfy; an empty list means valid."""
    e: list[str] = []
    # Components.
    codes = [c.code for c in s.components]
    if sorted(codes) != sorted(COMPONENTS):
        e.append(f"components：应恰好包含 base、credit、vanguard 三项，实际为 {codes}")
    for n, c in enumerate(s.components):
        p = f"components[{n}]"
        if c.full_marks <= 0:
            e.append(f"{p}.full_marks：满分应为正数，实际为 {c.full_marks}")
        if not 0 <= c.start <= c.full_marks:
            e.append(f"{p}.start：起始分应在 0 与满分之间，实际为 {c.start}")
        if c.code == "credit" and c.start != 0:
            e.append(f"{p}.start：信用积分没有起始分（应为 0），得分来自信用联社评分")
        unknown = [r for r in c.recorder_roles if r not in RECORDER_ROLES]
        if unknown:
            e.append(f"{p}.recorder_roles：只能是 {'、'.join(RECORDER_ROLES)}，实际有 {unknown}")
    if not 0 < s.credit_valid_days <= MAX_DAYS:
        e.append(
            f"credit_valid_days：信用评分有效天数应为不超过 {MAX_DAYS} 的正整数，"
            f"实际为 {s.credit_valid_days}"
        )

    # Tiers.
    tier_codes = [t.code for t in s.tiers]
    if tier_codes != list(TIERS):
        e.append(
            f"tiers：应依次为 masses、party_member、party_cadre（由宽到严），实际为 {tier_codes}"
        )
    for n, t in enumerate(s.tiers):
        p = f"tiers[{n}]（{t.name}）"
        for comp, m in t.deduction_multipliers.items():
            if comp not in COMPONENTS:
                e.append(f"{p}.deduction_multipliers.{comp}：未知的积分组成部分")
            if m < 1:
                e.append(f"{p}.deduction_multipliers.{comp}：扣分倍数不能小于 1，实际为 {m}")
        if not t.formulas:
            e.append(f"{p}.formulas：至少需要一个计算公式")
        for k, f in enumerate(t.formulas):
            fp = f"{p}.formulas[{k}]"
            for comp, w in f.items():
                if comp not in COMPONENTS:
                    e.append(f"{fp}.{comp}：未知的积分组成部分")
                if w < 0:
                    e.append(f"{fp}.{comp}：权重不能为负数，实际为 {w}")
            if sum(f.values(), Decimal(0)) != 1:
                e.append(f"{fp}：各项权重之和应为 1，实际为 {sum(f.values(), Decimal(0))}")
            if f.get("credit", 0) <= 0:
                e.append(f"{fp}.credit：公式必须包含信用积分（权重大于 0）")
            if t.code == "masses" and f.get("vanguard", 0) != 0:
                e.append(f"{fp}.vanguard：群众户没有先锋积分，权重应为 0")
        keys = list(t.thresholds)
        if sorted(keys, key=lambda g: grade_rank(g) if g in GRADES else 99) != list(RATED_GRADES):
            e.append(f"{p}.thresholds：应恰好列出 A、2A、3A、4A、5A 的分数线，实际为 {keys}")
        else:
            values = [t.thresholds[g] for g in RATED_GRADES]
            if any(not 0 <= v <= 100 for v in values):
                e.append(f"{p}.thresholds：分数线应在 0 到 100 之间")
            if any(a >= b for a, b in zip(values, values[1:], strict=False)):
                e.append(f"{p}.thresholds：分数线应从 A 到 5A 逐级升高，实际为 {values}")

    # Categories and items.
    cat_codes = [c.code for c in s.categories]
    for n, category in enumerate(s.categories):
        _check_code(e, f"categories[{n}].code", category.code)
    for dup in sorted({c for c in cat_codes if cat_codes.count(c) > 1}):
        e.append(f"categories：分类编码 {dup!r} 重复")
    item_codes = [i.code for i in s.items]
    for n, item in enumerate(s.items):
        e.extend(validate_item(item, f"items[{n}]", cat_codes))
    for dup in sorted({c for c in item_codes if item_codes.count(c) > 1}):
        e.append(f"items：积分项编码 {dup!r} 重复")

    # Veto catalogue.
    veto_codes = [v.code for v in s.veto_rules]
    for n, v in enumerate(s.veto_rules):
        p = f"veto_rules[{n}]（{v.name}）"
        _check_code(e, f"{p}.code", v.code)
        if v.kind not in VETO_KINDS:
            e.append(f"{p}.kind：应为 veto（一票否决）或 direct（直接判级），实际为 {v.kind!r}")
        if v.cap_grade not in GRADES or v.cap_grade == "5A":
            e.append(f"{p}.cap_grade：应为 unrated、A、2A、3A 或 4A，实际为 {v.cap_grade!r}")
        if not 0 < v.days <= MAX_DAYS:
            e.append(f"{p}.days：天数应为不超过 {MAX_DAYS} 的正整数，实际为 {v.days}")
    for dup in sorted({c for c in veto_codes if veto_codes.count(c) > 1}):
        e.append(f"veto_rules：编码 {dup!r} 重复")

    # Credit-union sheet.
    if not s.credit_areas:
        e.append("credit_areas：至少需要一个评分方面")
    area_codes = [a.code for a in s.credit_areas]
    ind_codes = [i.code for a in s.credit_areas for i in a.indicators]
    for dup in sorted({c for c in area_codes if area_codes.count(c) > 1}):
        e.append(f"credit_areas：方面编码 {dup!r} 重复")
    for dup in sorted({c for c in ind_codes if ind_codes.count(c) > 1}):
        e.append(f"credit_areas：指标编码 {dup!r} 重复")
    for n, a in enumerate(s.credit_areas):
        ap = f"credit_areas[{n}]（{a.name}）"
        _check_code(e, f"{ap}.code", a.code)
        if not a.indicators:
            e.append(f"{ap}.indicators：至少需要一个指标")
        for k, ind in enumerate(a.indicators):
            ip = f"{ap}.indicators[{k}]（{ind.name}）"
            _check_code(e, f"{ip}.code", ind.code)
            if ind.max_points <= 0:
                e.append(f"{ip}.max_points：满分应为正数，实际为 {ind.max_points}")
            if not ind.options:
                e.append(f"{ip}.options：至少需要一个选项")
            opt_codes = [o.code for o in ind.options]
            for dup in sorted({c for c in opt_codes if opt_codes.count(c) > 1}):
                e.append(f"{ip}.options：选项编码 {dup!r} 重复")
            for j, o in enumerate(ind.options):
                if not 0 <= o.points <= ind.max_points:
                    e.append(
                        f"{ip}.options[{j}].points：应在 0 与该指标满分 {ind.max_points} 之间，实际为 {o.points}"
                    )
            if ind.options and max(o.points for o in ind.options) != ind.max_points:
                e.append(f"{ip}.options：最高选项的分值应等于该指标满分 {ind.max_points}")
    if s.components and any(c.code == "credit" for c in s.components):
        full = s.component("credit").full_marks
        if s.credit_areas and s.credit_max_points != full:
            e.append(
                f"credit_areas：各指标满分之和应等于信用积分满分 {full}，实际为 {s.credit_max_points}"
            )

    # Village limits, and any own items already in the scheme.
    if s.village_limits.max_items < 0:
        e.append(
            f"village_limits.max_items：应为不小于 0 的整数，实际为 {s.village_limits.max_items}"
        )
    if s.village_limits.max_abs_points <= 0:
        e.append(
            f"village_limits.max_abs_points：应为正数，实际为 {s.village_limits.max_abs_points}"
        )
    if s.own_items:
        district = replace(s, items=tuple(i for i in s.items if not i.own))
        e.extend(_village_item_errors(district, s.own_items, "items（村级自设项）"))
    return e


def _village_item_errors(scheme: Scheme, items: Sequence[Item], path: str) -> list[str]:
    lim = scheme.village_limits
    e: list[str] = []
    existing = {i.code for i in scheme.items}
    total = len(scheme.own_items) + len(items)
    if total > lim.max_items:
        e.append(f"{path}：村级自设项最多 {lim.max_items} 项，现有 {total} 项")
    seen: set[str] = set()
    cats = [c.code for c in scheme.categories]
    for n, item in enumerate(items):
        p = f"{path}[{n}]"
        lbl = _item_label(item)
        e.extend(validate_item(item, p, cats))
        if abs(item.points) > lim.max_abs_points:
            e.append(
                f"{p}.points{lbl}：村级自设项每项不超过 {lim.max_abs_points} 分，实际为 {item.points}"
            )
        if item.component != "base":
            e.append(f"{p}.component{lbl}：村级自设项只能计入基础积分（base）")
        if item.veto is not None:
            e.append(f"{p}.veto{lbl}：一票否决由区级方案规定，村级自设项不能带否决")
        if item.code in existing or item.code in seen:
            e.append(f"{p}.code{lbl}：编码 {item.code!r} 与已有积分项重复")
        seen.add(item.code)
    return e


def validate_village_items(scheme: Scheme, items: Sequence[Item]) -> None:
    """Check a village's own items against the district's limits; raises SchemeError."""
    errors = _village_item_errors(scheme, items, "village_items")
    if errors:
        raise SchemeError(errors)


def adopt_for_village(scheme: Scheme, items: Sequence[Item], *, version: str) -> Scheme:
    """The village's scheme: the district scheme plus its own items (validated)."""
    validate_village_items(scheme, items)
    own = tuple(replace(i, own=True) for i in items)
    return replace(scheme, version=version, items=scheme.items + own)
