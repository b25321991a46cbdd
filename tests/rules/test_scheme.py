"""Scheme model: the default scheme, export/import, validation messages, village own items."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from decimal import Decimal

import pytest

from sanxin.rules.defaults import default_scheme_json, load_default_scheme
from sanxin.rules.scheme import (
    COMPONENTS,
    PARTY_TIERS,
    RATED_GRADES,
    TIERS,
    Item,
    ItemVeto,
    Scheme,
    SchemeError,
    scheme_to_json,
)
from sanxin.rules.scheme_reader import (
    adopt_for_village,
    item_from_dict,
    scheme_from_dict,
    scheme_from_json,
    validate_scheme,
    validate_village_items,
)


@pytest.fixture(scope="module")
def scheme() -> Scheme:
    return load_default_scheme()


def _errors(data) -> list[str]:
    with pytest.raises(SchemeError) as exc:
        scheme_from_dict(data)
    return exc.value.errors


# ------------------------------------------------------------------ default scheme


def test_default_scheme_loads_and_validates(scheme):
    assert validate_scheme(scheme) == []
    assert [t.code for t in scheme.tiers] == list(TIERS)
    assert {c.code for c in scheme.components} == set(COMPONENTS)
    assert scheme.component("base").start == 100
    assert scheme.credit_max_points == 100
    assert [a.name for a in scheme.credit_areas] == [
        "家庭基本情况",
        "家庭经济情况",
        "家庭主要成员金融交易情况",
    ]
    assert scheme.village_limits.max_items == 5
    assert scheme.village_limits.max_abs_points == 2


def test_default_scheme_has_the_issue_categories(scheme):
    names = {c.name for c in scheme.categories}
    assert {
        "遵纪守法",
        "移风易俗",
        "环境卫生",
        "孝老爱亲",
        "邻里和睦",
        "公益活动",
        "参与村务",
    } <= names
    used = {i.category for i in scheme.items}
    assert used == {c.code for c in scheme.categories}


def test_default_scheme_is_stricter_by_tier(scheme):
    masses, member, cadre = (scheme.tier(t) for t in TIERS)
    for g in RATED_GRADES:
        assert masses.thresholds[g] <= member.thresholds[g] <= cadre.thresholds[g]
    for comp in COMPONENTS:
        assert (
            masses.deduction_multiplier(comp)
            <= member.deduction_multiplier(comp)
            <= cadre.deduction_multiplier(comp)
        )
    assert masses.thresholds == {
        "A": 0,
        "2A": 60,
        "3A": 70,
        "4A": 80,
        "5A": 90,
    }
    assert member.deduction_multiplier("base") == Decimal("1.5")
    assert cadre.deduction_multiplier("base") == 2


def test_default_items_are_sourced_and_sensible(scheme):
    for item in scheme.items:
        assert item.source, item.code
        if item.is_deduction:
            assert item.repeat_multiplier == 2, item.code  # WD: a repeat counts double
        if item.component == "vanguard":
            assert set(item.tiers) <= set(PARTY_TIERS)
    cadre_only = [i for i in scheme.items if i.tiers == ("party_cadre",)]
    assert cadre_only, "the cadre tier has items of its own"
    assert scheme.item("affairs.training").annual_cap == 3  # WD: at most +3 a year
    assert scheme.item("public.donation").annual_cap == 40
    assert scheme.item("filial.abuse").veto == ItemVeto(cap_grade="A", days=730)


def test_default_file_is_in_export_format(scheme):
    """The shipped file is exactly what export writes, so diffs of new versions stay small."""
    assert default_scheme_json() == scheme_to_json(scheme)


# ------------------------------------------------------------------ export/import


def test_dict_round_trip(scheme):
    assert scheme_from_dict(scheme.to_dict()) == scheme
    assert scheme_from_dict(json.loads(json.dumps(scheme.to_dict()))) == scheme


def test_json_round_trip_is_readable(scheme):
    text = scheme_to_json(scheme)
    assert "乱倒垃圾" in text  # Chinese as is, not \\u escapes
    assert '\n  "items": [' in text  # indented
    assert scheme_from_json(text) == scheme
    assert scheme_from_json(text.encode("utf-8")) == scheme
    assert scheme_from_json(("\ufeff" + text).encode("utf-8")) == scheme  # BOM from Windows editors


def test_fractional_values_survive_the_round_trip(scheme):
    data = scheme.to_dict()
    data["items"][0]["points"] = 0.5
    data["tiers"][1]["deduction_multipliers"]["base"] = 1.25
    again = scheme_from_json(json.dumps(data, ensure_ascii=False))
    assert again.items[0].points == Decimal("0.5")
    assert again.tier("party_member").deduction_multiplier("base") == Decimal("1.25")
    assert scheme_from_json(scheme_to_json(again)) == again


# ------------------------------------------------------------------ bad files


def test_bad_value_names_the_field_path_in_chinese(scheme):
    data = scheme.to_dict()
    data["items"][3]["points"] = "五分"
    errors = _errors(data)
    assert errors == ["items[3].points：应为数字，实际为 '五分'"]


def test_missing_field_and_wrong_types_are_all_reported(scheme):
    data = scheme.to_dict()
    del data["items"][0]["name"]
    data["tiers"][2]["thresholds"]["5A"] = "高"
    data["credit_areas"][1]["indicators"][0]["options"][0]["points"] = None
    data["effective_from"] = "2024/01/01"
    errors = _errors(data)
    assert "items[0].name：缺少此项" in errors
    assert "tiers[2].thresholds.5A：应为数字，实际为 '高'" in errors
    assert "credit_areas[1].indicators[0].options[0].points：不能为空" in errors
    assert "effective_from：应为日期，格式 YYYY-MM-DD，实际为 '2024/01/01'" in errors


def test_semantic_errors_name_the_item(scheme):
    data = scheme.to_dict()
    index = next(n for n, i in enumerate(data["items"]) if i["code"] == "env.dumping")
    data["items"][index]["category"] = "nowhere"
    data["items"][index]["veto"] = {"cap_grade": "6A", "days": 0}
    errors = _errors(data)
    assert any(
        e.startswith(f"items[{index}].category（积分项“乱倒垃圾、乱堆杂物”）") and "nowhere" in e
        for e in errors
    )
    assert any(
        e.startswith(f"items[{index}].veto（积分项“乱倒垃圾、乱堆杂物”）.cap_grade") for e in errors
    )
    assert any(
        e.startswith(f"items[{index}].veto（积分项“乱倒垃圾、乱堆杂物”）.days") for e in errors
    )


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["tiers"][0]["thresholds"].update({"4A": 95}), "逐级升高"),
        (lambda d: d["tiers"][1]["formulas"][0].update({"base": 0.6}), "权重之和应为 1"),
        (
            lambda d: d["tiers"][0]["formulas"][0].update({"vanguard": 0.1, "base": 0.5}),
            "群众户没有先锋积分",
        ),
        (lambda d: d["tiers"].reverse(), "由宽到严"),
        (lambda d: d["items"].append(dict(d["items"][0])), "重复"),
        (
            lambda d: d["credit_areas"][0]["indicators"][0].update({"max_points": 9}),
            "满分之和应等于",
        ),
        (lambda d: d["items"][0].update({"points": 0}), "不能为 0"),
        (lambda d: d["items"][0].update({"repeat_multiplier": 2}), "加分项不设重复倍数"),
        (lambda d: d["items"][0].update({"component": "vanguard"}), "先锋积分项只适用于党员"),
        (lambda d: d["veto_rules"][0].update({"kind": "maybe"}), "veto（一票否决）或 direct"),
        (lambda d: d.update({"format": "something-else"}), "不是评分方案文件"),
    ],
)
def test_invalid_schemes_are_refused(scheme, mutate, expected):
    data = copy.deepcopy(scheme.to_dict())
    mutate(data)
    assert any(expected in e for e in _errors(data)), _errors(data)


def test_not_json_reports_line_and_column():
    with pytest.raises(SchemeError) as exc:
        scheme_from_json('{\n  "code": "x",\n  oops\n}')
    assert "第3行" in str(exc.value) and "不是有效的 JSON" in str(exc.value)
    with pytest.raises(SchemeError, match="应为对象"):
        scheme_from_json("[1, 2]")


# ------------------------------------------------------------------ village own items


def _own(code: str, points: str = "2", **kw) -> Item:
    return Item(
        code=code,
        name=f"村规自设项{code}",
        category="env",
        component="base",
        points=Decimal(points),
        **kw,
    )


def test_village_may_add_up_to_five_small_items(scheme):
    items = [_own(f"v.own{n}", "2" if n % 2 else "-2") for n in range(5)]
    validate_village_items(scheme, items)
    village = adopt_for_village(scheme, items, version="2024.1-大贵口村")
    assert len(village.own_items) == 5
    assert all(i.own for i in village.own_items)
    assert validate_scheme(village) == []
    assert scheme_from_json(scheme_to_json(village)) == village
    # The limit counts the items the village already has.
    with pytest.raises(SchemeError, match="最多 5 项"):
        validate_village_items(village, [_own("v.extra")])


def test_village_item_limits(scheme):
    with pytest.raises(SchemeError) as exc:
        validate_village_items(scheme, [_own(f"v.own{n}") for n in range(6)])
    assert "village_items：村级自设项最多 5 项，现有 6 项" in exc.value.errors

    with pytest.raises(SchemeError) as exc:
        validate_village_items(scheme, [_own("v.big", "3"), _own("v.neg", "-2.5")])
    assert any("village_items[0].points" in e and "不超过 2 分" in e for e in exc.value.errors)
    assert any("village_items[1].points" in e for e in exc.value.errors)

    bad = [
        replace(_own("env.dumping"), points=Decimal("-1")),  # clashes with a district item
        replace(_own("v.party"), component="vanguard", tiers=PARTY_TIERS, applies_to="person"),
        replace(_own("v.veto", "-2"), veto=ItemVeto("A", 30)),
    ]
    with pytest.raises(SchemeError) as exc:
        validate_village_items(scheme, bad)
    text = str(exc.value)
    assert "与已有积分项重复" in text
    assert "只能计入基础积分" in text
    assert "村级自设项不能带否决" in text


def test_scheme_file_with_too_many_own_items_is_refused(scheme):
    village = adopt_for_village(scheme, [_own(f"v.own{n}") for n in range(5)], version="v")
    data = village.to_dict()
    data["items"].append({**data["items"][-1], "code": "v.own9"})
    assert any("最多 5 项" in e for e in _errors(data))


def test_item_from_dict_reports_paths():
    item = item_from_dict(
        {"code": "v.sweep", "name": "门前三包", "category": "env", "component": "base", "points": 1}
    )
    assert item.points == 1 and item.applies_to == "household" and item.validity_days is None
    with pytest.raises(SchemeError) as exc:
        item_from_dict({"code": "v.sweep", "points": "x"}, path="village_items[0]")
    assert "village_items[0].name：缺少此项" in exc.value.errors
    assert "village_items[0].points：应为数字，实际为 'x'" in exc.value.errors
