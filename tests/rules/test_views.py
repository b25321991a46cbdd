"""The scheme screens: public catalogue, export/import, new versions, village own items,
and the export-scheme / import-scheme commands."""

from __future__ import annotations

import copy
import json
import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sanxin.rules.models import SchemeVersion
from sanxin.rules.services import scheme_version_mark_in_use
from tests.access_cases.rules import (
    district_version,
    edit_form_data,
    scheme_file,
    village_items_data,
)
from tests.factories import child


def _versions() -> list[tuple[int, str]]:
    return sorted(SchemeVersion.objects.values_list("pk", "version"))


def _item_index(version: SchemeVersion, code: str) -> int:
    return next(n for n, i in enumerate(version.scheme.items) if i.code == code)


# ------------------------------------------------------------------ catalogue


def test_catalogue_is_public_and_shows_the_rules(world, scheme, client):
    response = client.get("/rules/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "三信积分定信默认方案",
        "2024.1",
        "乱倒垃圾",
        "−5",
        "环境卫生",
        "党员干部",
        "一票否决",
        "直接判级",
        "家庭基本情况",
        "最多 5 项",
    ]:
        assert text in html, text
    assert "基础积分 × 60%" in html and "× 40%" in html


def test_catalogue_groups_items_by_component_and_category_with_anchors(world, scheme, client):
    html = client.get("/rules/").content.decode()
    # Table of contents links to an anchor per component and per category.
    for anchor in ["items-base", "items-base-env", "items-credit"]:
        assert f'href="#{anchor}"' in html, anchor
        assert f'id="{anchor}"' in html, anchor
    assert html.index('href="#items-base-env"') < html.index('id="items-base-env"')
    assert 'name="q"' in html


def test_catalogue_search_filters_items_by_name(world, scheme, client):
    html = client.get("/rules/", {"q": "垃圾"}).content.decode()
    assert "乱倒垃圾" in html
    assert "名称含“垃圾”的积分项" in html
    # Items whose names do not match are left out; the rest of the page stays.
    other = next(i.name for i in scheme.scheme.items if "垃圾" not in i.name)
    assert f'<td data-label="积分项">{other}' not in html
    assert "信用联社评分表" in html
    html = client.get("/rules/", {"q": "没有这样的项"}).content.decode()
    assert "没有名称相符的积分项" in html


def test_catalogue_without_a_scheme(world, client):
    response = client.get("/rules/")
    assert response.status_code == 200
    assert "还没有发布评分方案" in response.content.decode()


def test_catalogue_defaults_to_the_users_village(world, scheme, login):
    response = login(world.users["villager"]).get("/rules/")
    assert response.context["village"] == world.village_a1
    response = login(world.users["town_admin"]).get("/rules/")
    assert response.context["district"] == world.district and response.context["village"] is None
    response = login(world.users["other_district_admin"]).get("/rules/")
    assert (
        response.context["district"] == world.other_district and response.context["version"] is None
    )


def test_catalogue_ignores_bad_parameters(world, scheme, client):
    for query in [
        "?district=x&village=y",
        f"?district={world.district.pk}&village=999999",
        "?village=",
    ]:
        assert client.get(f"/rules/{query}").status_code == 200


def test_catalogue_query_count_is_fixed(world, scheme, client, login):
    def count(url, c=client):
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx.captured_queries)

    village_url = f"/rules/?district={world.district.pk}&village={world.village_a1.pk}"
    before = count(village_url), count("/rules/")
    for n in range(6):
        child(world.town_b, f"新村{n}", kind="村")
    login(world.users["committee_head"]).post("/rules/village/", village_items_data(world))
    client.logout()
    assert SchemeVersion.objects.filter(village=world.village_a1).exists()
    assert (count(village_url), count("/rules/")) == before
    assert max(before) <= 6


def test_catalogue_marks_village_items(world, scheme, login, client):
    today = timezone.localdate()
    login(world.users["committee_head"]).post(
        "/rules/village/", village_items_data(world, effective_from=today.isoformat())
    )
    html = client.get(f"/rules/?village={world.village_a1.pk}").content.decode()
    assert "庭院整洁（村级）" in html and "村级自设" in html and "本村版本" in html
    other = client.get(f"/rules/?village={world.village_a2.pk}").content.decode()
    assert "庭院整洁（村级）" not in other


# ------------------------------------------------------------------ export / import


def test_export_import_round_trip(world, scheme, login):
    client = login(world.users["district_admin"])
    response = client.get(f"/rules/versions/{scheme.pk}/export.json")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="sanxin-scheme-sanxin-default-2024.1.json"' in disposition
    assert "filename*=UTF-8''" in disposition
    text = response.content.decode("utf-8")
    assert "乱倒垃圾" in text  # Chinese unescaped, readable
    data = json.loads(text)
    assert data["version"] == "2024.1"

    # The same label is refused; nothing saved.
    before = _versions()
    upload = scheme_file(scheme, label="2024.1")
    response = client.post(
        "/rules/versions/import/", {"file": upload, "effective_from": "2025-01-01"}
    )
    assert response.status_code == 200
    assert "已发布过" in response.content.decode()
    assert _versions() == before

    # A new label publishes a new version with the same content.
    upload = scheme_file(scheme, label="2025.1")
    response = client.post(
        "/rules/versions/import/", {"file": upload, "effective_from": "2025-01-01"}
    )
    assert response.status_code == 302
    new = SchemeVersion.objects.get(district=world.district, version="2025.1")
    assert new.effective_from == date(2025, 1, 1)
    assert new.scheme.items == scheme.scheme.items
    assert new.scheme.tiers == scheme.scheme.tiers
    assert new.document["effective_from"] == "2025-01-01"


def test_import_lists_every_problem_by_field_path_and_saves_nothing(world, scheme, login):
    client = login(world.users["district_admin"])

    def bad_values(data):
        data["items"][3]["points"] = "五分"
        data["items"][12]["validity_days"] = "一年"

    def bad_rules(data):
        data["items"][12]["category"] = "nowhere"
        data["tiers"][0]["thresholds"]["5A"] = 50

    before = _versions()
    upload = scheme_file(scheme, label="2025.9", mutate=bad_values)
    response = client.post(
        "/rules/versions/import/", {"file": upload, "effective_from": "2025-01-01"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 个问题" in html
    assert "items[3].points" in html and "应为数字" in html
    assert "items[12].validity_days" in html and "应为整数" in html
    upload = scheme_file(scheme, label="2025.9", mutate=bad_rules)
    html = client.post(
        "/rules/versions/import/", {"file": upload, "effective_from": "2025-01-01"}
    ).content.decode()
    assert "items[12].category" in html and "nowhere" in html
    assert "tiers[0]（群众）.thresholds" in html
    assert _versions() == before

    broken = SimpleUploadedFile(
        "x.json", b'{"format": "sanxin-scheme",', content_type="application/json"
    )
    response = client.post(
        "/rules/versions/import/", {"file": broken, "effective_from": "2025-01-01"}
    )
    assert "不是有效的 JSON" in response.content.decode()
    wrong_kind = SimpleUploadedFile("x.xlsx", b"PK", content_type="application/octet-stream")
    response = client.post(
        "/rules/versions/import/", {"file": wrong_kind, "effective_from": "2025-01-01"}
    )
    assert ".json" in response.content.decode()
    assert _versions() == before


def test_a_district_without_schemes_can_start_from_the_default(world, login):
    client = login(world.users["district_admin"])
    assert "启用产品默认方案" in client.get("/rules/versions/").content.decode()
    response = client.post(
        "/rules/versions/import/", {"use_default": "1", "district": world.district.pk}
    )
    assert response.status_code == 302
    assert SchemeVersion.objects.filter(district=world.district, version="2024.1").count() == 1
    client.post("/rules/versions/import/", {"use_default": "1"})
    assert SchemeVersion.objects.filter(district=world.district).count() == 1


def test_versions_page_lists_versions_and_village_versions(world, scheme, login):
    login(world.users["committee_head"]).post("/rules/village/", village_items_data(world))
    scheme_version_mark_in_use(scheme)
    html = login(world.users["district_admin"]).get("/rules/versions/").content.decode()
    assert "2024.1" in html and "已冻结" in html and "大贵口村" in html and "2025.1-村" in html
    assert (
        f"/rules/versions/{scheme.pk}/new/" in html
        and f"/rules/versions/{scheme.pk}/export.json" in html
    )


def test_other_district_cannot_see_or_derive_our_versions(world, scheme, login):
    client = login(world.users["other_district_admin"])
    assert client.get(f"/rules/versions/{scheme.pk}/export.json").status_code == 404
    assert client.get(f"/rules/versions/{scheme.pk}/new/").status_code == 404
    assert "2024.1" not in client.get("/rules/versions/").content.decode()
    assert client.get(f"/rules/versions/?district={world.district.pk}").status_code == 404


# ------------------------------------------------------------------ new version


def test_new_version_leaves_the_frozen_base_unchanged(world, scheme, login):
    scheme_version_mark_in_use(scheme)
    scheme.refresh_from_db()
    original = copy.deepcopy(scheme.document)
    n = _item_index(scheme, "env.dumping")
    client = login(world.users["district_admin"])
    assert client.get(f"/rules/versions/{scheme.pk}/new/").status_code == 200
    data = edit_form_data(
        scheme,
        version="2025.1",
        effective_from="2025-03-01",
        **{
            f"i{n}_points": "-8",
            "t_masses_5A": "92",
            "n0_code": "env.courtyard",
            "n0_name": "庭院美化",
            "n0_category": "env",
            "n0_component": "base",
            "n0_points": "3",
            "n0_applies": "household",
        },
    )
    response = client.post(f"/rules/versions/{scheme.pk}/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    new = SchemeVersion.objects.get(district=world.district, version="2025.1")
    assert new.effective_from == date(2025, 3, 1)
    assert str(new.scheme.item("env.dumping").points) == "-8"
    assert new.scheme.tier("masses").thresholds["5A"] == 92
    added = new.scheme.item("env.courtyard")
    assert added.points == 3 and added.repeat_multiplier == 1 and added.validity_days is None
    assert len(new.scheme.items) == len(scheme.scheme.items) + 1
    scheme.refresh_from_db()
    assert scheme.document == original


def test_new_version_shows_scheme_errors_by_path_and_saves_nothing(world, scheme, login):
    client = login(world.users["district_admin"])
    n = _item_index(scheme, "public.volunteer")  # a bonus: no repeat multiplier allowed
    before = _versions()
    data = edit_form_data(
        scheme, effective_from="2025-03-01", **{f"i{n}_repeat": "2", "t_masses_4A": "95"}
    )
    response = client.post(f"/rules/versions/{scheme.pk}/new/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"items[{n}].repeat_multiplier" in html and "加分项不设重复倍数" in html
    assert "分数线应从 A 到 5A 逐级升高" in html
    assert _versions() == before

    # The effective date must come after the base's, and labels are never reused.
    data = edit_form_data(scheme, version="2024.1", effective_from="2024-01-01")
    html = client.post(f"/rules/versions/{scheme.pk}/new/", data).content.decode()
    assert "已发布过" in html and "应晚于" in html
    assert _versions() == before


# ------------------------------------------------------------------ village own items


def test_village_items_within_limits_make_a_village_version(world, scheme, login):
    client = login(world.users["committee_head"])
    page = client.get("/rules/village/")
    assert page.status_code == 200 and "最多 5 项" in page.content.decode()
    data = village_items_data(
        world,
        o1_name="村民会议无故缺席",
        o1_category="affairs",
        o1_points="-2",
        o1_applies="person",
        o1_cap="",
        o1_evidence="on",
    )
    response = client.post("/rules/village/", data)
    assert response.status_code == 302
    version = SchemeVersion.objects.get(village=world.village_a1)
    assert version.based_on == scheme and version.version == "2025.1-村"
    own = {i.name: i for i in version.scheme.own_items}
    assert set(own) == {"庭院整洁（村级）", "村民会议无故缺席"}
    late = own["村民会议无故缺席"]
    assert late.points == -2 and late.repeat_multiplier == 2
    assert late.validity_days == 365 and late.evidence_required
    # The committee head typed no code: one was generated, and it is never shown.
    assert all(re.fullmatch(r"own\.[0-9a-f]{10}", i.code) for i in own.values())
    html = client.get("/rules/village/").content.decode()
    assert 'value="村民会议无故缺席"' in html and late.code not in html
    assert "own." not in html and "编码" not in html
    # Saved again under a new version label, an unchanged name keeps its code.
    client.post("/rules/village/", village_items_data(world, version="2025.2-村", o0_points="1"))
    newer = SchemeVersion.objects.get(village=world.village_a1, version="2025.2-村")
    assert {i.name: i.code for i in newer.scheme.own_items}["庭院整洁（村级）"] == (
        own["庭院整洁（村级）"].code
    )


def test_village_items_over_the_limits_are_refused(world, scheme, login):
    client = login(world.users["committee_head"])
    before = _versions()
    response = client.post("/rules/village/", village_items_data(world, o0_points="3"))
    assert response.status_code == 200
    assert "村级自设项每项不超过 2 分" in response.content.decode()
    # Two rows with one name, or a district item's name, are refused too.
    response = client.post(
        "/rules/village/",
        village_items_data(
            world, o0_points="1", o1_name="庭院整洁（村级）", o1_category="env", o1_points="1"
        ),
    )
    assert "与本村第 1 项同名" in response.content.decode()
    district_name = district_version(world).scheme.items[0].name
    response = client.post(
        "/rules/village/", village_items_data(world, o0_points="1", o0_name=district_name)
    )
    assert "区级方案已有同名积分项" in response.content.decode()
    assert _versions() == before


def test_committee_head_of_another_village_cannot_touch_daguikou(world, scheme, login):
    client = login(world.users["neighbour_committee_head"])
    before = _versions()
    assert client.get(f"/rules/village/?village={world.village_a1.pk}").status_code == 404
    assert client.post("/rules/village/", village_items_data(world)).status_code == 404
    assert _versions() == before
    # Their own village works.
    response = client.post(
        "/rules/village/", village_items_data(world, village=world.village_a2.pk)
    )
    assert response.status_code == 302
    assert SchemeVersion.objects.filter(village=world.village_a2).count() == 1
    assert not SchemeVersion.objects.filter(village=world.village_a1).exists()


# ------------------------------------------------------------------ commands


def test_commands_round_trip(world, scheme, tmp_path, capsys):
    out = tmp_path / "scheme.json"
    call_command("export_scheme", district="双滦区", output=str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["version"] == "2024.1"

    # Same label: refused, nothing saved.
    with pytest.raises(CommandError):
        call_command("import_scheme", str(out), district="双滦区")
    assert SchemeVersion.objects.count() == 1

    data["version"] = "2025.2"
    data["items"][0]["points"] = 2
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    call_command("import_scheme", str(out), district="130803000000", effective_from="2025-06-01")
    new = SchemeVersion.objects.get(version="2025.2")
    assert new.effective_from == date(2025, 6, 1) and new.district == world.district
    assert new.scheme.items[0].points == 2

    capsys.readouterr()
    call_command("export_scheme", district="双滦区", scheme_version="2025.2")
    printed = json.loads(capsys.readouterr().out)
    assert printed["version"] == "2025.2" and printed["effective_from"] == "2025-06-01"


def test_import_command_reports_every_problem(world, scheme, tmp_path, capsys):
    data = copy.deepcopy(scheme.document)
    data["version"] = "bad"
    data["items"][3]["points"] = "五分"
    data["items"][12]["validity_days"] = "一年"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match="2 个问题"):
        call_command("import_scheme", str(path), district="双滦区")
    err = capsys.readouterr().err
    assert "items[3].points" in err and "items[12].validity_days" in err
    assert SchemeVersion.objects.count() == 1
    with pytest.raises(CommandError, match="找不到区"):
        call_command("export_scheme", district="无此区")


def test_export_command_defaults_to_the_version_in_force(world, scheme, capsys):
    future = copy.deepcopy(scheme.document)
    future["version"] = "future"
    from sanxin.rules.services import scheme_version_publish

    scheme_version_publish(
        actor=None,
        district=world.district,
        document=future,
        effective_from=timezone.localdate() + timedelta(days=30),
    )
    call_command("export_scheme", district="双滦区")
    assert json.loads(capsys.readouterr().out)["version"] == "2024.1"


def test_hostile_scheme_files_are_refused_with_a_reason_and_save_nothing(world, scheme, login):
    """Inputs tried while writing the fuzz target (fuzz/targets.py `scheme`) that
    raised past the reader: deep nesting (RecursionError), an integer of 5,000 digits
    (ValueError), numbers too large to round to cents (InvalidOperation), and day
    counts a date cannot be moved by (the engine's OverflowError, later); and one the
    fuzzer found, below."""
    client = login(world.users["district_admin"])
    before = _versions()

    def post(content: bytes) -> str:
        upload = SimpleUploadedFile("scheme.json", content, content_type="application/json")
        response = client.post(
            "/rules/versions/import/", {"file": upload, "effective_from": "2025-01-01"}
        )
        assert response.status_code == 200
        return response.content.decode()

    assert "嵌套层次过深" in post(b"[" * 100_000)
    assert "位数过多" in post(b'{"format": "sanxin-scheme", "version": 1' + b"1" * 5000 + b"}")
    index = _item_index(scheme, "filial.abuse")

    def huge(data):
        data["items"][0]["points"] = "@points"
        data["items"][0]["annual_cap"] = "@cap"

    content = scheme_file(scheme, label="2025.9", mutate=huge).read()
    content = content.replace(b'"@points"', b"1e100").replace(b'"@cap"', b"1E30")
    html = post(content)
    assert "items[0].points" in html and "数值过大" in html
    assert "items[0].annual_cap" in html

    def long_days(data):
        data["items"][1]["validity_days"] = 1_000_000
        data["items"][index]["veto"]["days"] = 10**8
        data["credit_valid_days"] = 40_000

    html = post(scheme_file(scheme, label="2025.9", mutate=long_days).read())
    assert "items[1].validity_days" in html and "不超过 36500" in html
    assert f"items[{index}].veto" in html
    assert "credit_valid_days" in html

    # Found by the fuzzer (fuzz/targets.py `village_items`): an item's tiers holding
    # an object, which validation put in a set (TypeError: unhashable type).
    html = post(
        scheme_file(
            scheme, label="2025.9", mutate=lambda d: d["items"][2].update(tiers=[{}])
        ).read()
    )
    assert "items[2].tiers" in html and "应为文字的列表" in html
    assert _versions() == before
