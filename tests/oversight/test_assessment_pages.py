"""The assessment pages as their users see them: each sees its own regions' results,
every score links to its working and evidence, the export holds the same rows, and
the results page runs a fixed number of queries whatever the number of villages."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from sanxin.oversight.assessment import services
from sanxin.oversight.models import AssessmentResult, Indicator
from tests.access_cases.oversight_assessment import _photo
from tests.factories import child, make_household
from tests.oversight import assessment_data as data

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(world):
    data.graded(world.household, "3A")
    scheme = data.scored_scheme(world)
    return services.assessment_publish(
        actor=world.users["district_admin"], scheme=scheme, seen_version=0
    )


def _names(page: str, world) -> set[str]:
    regions = [world.town_a, world.town_b, world.village_a1, world.village_a2, world.village_b1]
    return {r.name for r in regions if f">{r.name}</a>" in page}


def test_each_sees_the_results_of_its_own_regions(world, version, login):
    url = f"/oversight/assessment/versions/{version.pk}/"
    expected = {
        "district_admin": {"双塔山镇", "陈栅子乡", "大贵口村", "邻村", "外乡村"},
        "department_viewer": {"双塔山镇", "陈栅子乡", "大贵口村", "邻村", "外乡村"},
        "town_admin": {"双塔山镇", "大贵口村", "邻村"},
        "committee_head": {"大贵口村"},
        "neighbour_committee_head": {"邻村"},
    }
    for username, names in expected.items():
        page = login(world.users[username]).get(url).content.decode()
        assert _names(page, world) == names, username


def test_a_score_shows_its_working_and_evidence(world, version, login):
    admin = world.users["district_admin"]
    manual = Indicator.objects.get(scheme=version.scheme, kind="manual")
    services.manual_score_set(
        actor=admin,
        indicator=manual,
        region=world.village_a1,
        score="9",
        note="宣传栏照片",
        photos=[_photo()],
    )
    second = services.assessment_publish(
        actor=admin, scheme=version.scheme, seen_version=1, reason="补充证据"
    )
    result = AssessmentResult.objects.get(version=second, region=world.village_a1)
    page = login(world.users["committee_head"]).get(f"/oversight/assessment/results/{result.pk}/")
    text = page.content.decode()
    assert "已评定 1 户 / 在册 2 户 = 50%" in text
    assert "区级评分 9 分（满分 10 分）：宣传栏照片" in text
    assert "/oversight/assessment/photos/" in text
    old = AssessmentResult.objects.get(version=version, region=world.village_a1)
    old_page = login(world.users["committee_head"]).get(f"/oversight/assessment/results/{old.pk}/")
    assert "此版本已被新版本取代" in old_page.content.decode()


def test_the_export_holds_the_rows_in_reach(world, version, login):
    response = login(world.users["town_admin"]).get(
        f"/oversight/assessment/versions/{version.pk}/export.xlsx"
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["镇", "村", "计算过程"]
    towns = [row[1] for row in book["镇"].iter_rows(min_row=2, values_only=True)]
    villages = [row[3] for row in book["村"].iter_rows(min_row=2, values_only=True)]
    assert towns == ["双塔山镇"]
    assert sorted(villages) == ["大贵口村", "邻村"]
    header = [c.value for c in book["村"][1]]
    assert header[:5] == ["排名", "镇内排名", "镇", "村", "总分"]
    assert "评定覆盖率（得分）" in header


def test_the_editor_adds_an_indicator_with_steps(world, login):
    admin = world.users["district_admin"]
    scheme = services.assessment_scheme_create(actor=admin, district=world.district, year=2025)
    client = login(admin)
    response = client.post(
        f"/oversight/assessment/{scheme.pk}/indicators/add/",
        {
            "name": "异议按期答复率",
            "weight": "10",
            "level": "village",
            "kind": "computed",
            "computation": "appeals_timely",
            "rule": "thresholds",
            "thresholds": "100:10，90：7, 80:4",
        },
    )
    assert response.status_code == 302
    made = Indicator.objects.get(scheme=scheme)
    assert made.thresholds == [["80", "4"], ["90", "7"], ["100", "10"]]
    page = client.get(f"/oversight/assessment/{scheme.pk}/").content.decode()
    assert "≥80% 得 4 分；≥90% 得 7 分；≥100% 得 10 分" in page
    assert "适用于镇的指标权重合计 0 分，应为 100 分" in page


def test_the_preview_shows_the_working_before_publishing(world, login):
    scheme = data.scored_scheme(world)
    page = login(world.users["district_admin"]).get(f"/oversight/assessment/{scheme.pk}/preview/")
    text = page.content.decode()
    assert "<details><summary>" in text and "在册 2 户" in text
    assert "发布考核结果" in text


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_results_pages_run_a_fixed_number_of_queries(world, login):
    admin = world.users["district_admin"]
    client = login(admin)

    def publish(year):
        scheme = data.scored_scheme(world, year=year)
        return services.assessment_publish(actor=admin, scheme=scheme, seen_version=0)

    small = publish(2024)
    counts = [
        _queries(client, f"/oversight/assessment/versions/{small.pk}/"),
        _queries(client, f"/oversight/assessment/versions/{small.pk}/export.xlsx"),
        _queries(client, "/oversight/assessment/"),
    ]
    for n in range(5):
        village = child(world.town_b, f"新村{n}", kind="村")
        make_household(
            village, child(village, "第一村民小组"), "001", head=f"户{n}", head_seq=700 + n
        )
    scheme = data.scored_scheme(world, year=2025)
    manual = Indicator.objects.get(scheme=scheme, kind="manual")
    for village in world.town_b.children.filter(name__startswith="新村"):
        services.manual_score_set(
            actor=admin, indicator=manual, region=village, score="5", note="一般"
        )
    large = services.assessment_publish(actor=admin, scheme=scheme, seen_version=0)
    assert large.results.count() == small.results.count() + 5
    assert [
        _queries(client, f"/oversight/assessment/versions/{large.pk}/"),
        _queries(client, f"/oversight/assessment/versions/{large.pk}/export.xlsx"),
        _queries(client, "/oversight/assessment/"),
    ] == counts
    scheme_page = f"/oversight/assessment/{scheme.pk}/preview/"
    assert _queries(client, scheme_page) <= 30


def test_a_draft_scores_evidence_is_for_the_district_only(world, login):
    admin = world.users["district_admin"]
    scheme = services.assessment_default_create(actor=admin, district=world.district, year=2025)
    manual = Indicator.objects.get(scheme=scheme, kind="manual")
    score = services.manual_score_set(
        actor=admin,
        indicator=manual,
        region=world.village_a1,
        score="5",
        note="草稿",
        photos=[_photo()],
    )
    url = f"/oversight/assessment/photos/{score.photos.get().pk}/"
    assert login(world.users["committee_head"]).get(url).status_code == 404
    assert login(admin).get(url).status_code == 200
