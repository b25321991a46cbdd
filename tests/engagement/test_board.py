"""The village board (村务公开): its A4 poster (a pure layout, checked the way a
reader would), the page for the village's villagers and staff, what each sees, and
a bounded number of queries."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from sanxin.engagement.choices import ActivityKind, ContributionKind, ProjectKind, SuggestionState
from sanxin.engagement.models import Activity, Contribution, Suggestion
from sanxin.engagement.poster import (
    BoardPoster,
    PosterActivity,
    PosterHonour,
    PosterNotice,
    PosterProject,
    PosterSuggestion,
    board_poster_pdf,
)
from sanxin.engagement.services import contributions as contrib
from sanxin.engagement.services import suggestions as sugg
from sanxin.ratings.models import Cycle, CycleState
from tests.engagement.conftest import give_grade

TZ = timezone.get_fixed_timezone(8 * 60)


def poster(**changes) -> BoardPoster:
    values = {
        "village_name": "大贵口村",
        "town_name": "偏桥子镇",
        "day": date(2026, 12, 1),
        "url": "https://sanxin.example.cn/village/1/board/",
        "honours": [PosterHonour("美丽庭院", 2026, "王*山", "001")],
        "activities": [
            PosterActivity(
                "清扫村道", "环境整治", datetime(2026, 12, 5, 8, 30, tzinfo=TZ), "村委会"
            )
        ],
        "suggestions": [PosterSuggestion("村口装路灯", "村民", "已安装", date(2026, 11, 2))],
        "projects": [
            PosterProject(
                "外墙保温",
                Decimal("350000"),
                175,
                Decimal("12.5"),
                ["苹果 500斤"],
                Decimal("400000"),
            )
        ],
        "notices": [PosterNotice("2026年度农户信用等级评定结果公示", date(2026, 12, 1), None)],
    }
    return BoardPoster(**(values | changes))


def texts(content: bytes) -> list[str]:
    assert content.startswith(b"%PDF-")
    return ["".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages]


# --- the poster ----------------------------------------------------------------------------


def test_the_poster_is_one_a4_page_with_every_section():
    content = board_poster_pdf(poster())
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = texts(content)[0]
    for words in (
        "大贵口村村务公开栏",
        "光荣榜",
        "2026年度“美丽庭院”（1）：001号户王*山",
        "清扫村道（环境整治）",
        "村口装路灯",
        "350,000.00元",
        "合计",
        "苹果500斤",
        "2026年度农户信用等级评定结果公示",
        "大贵口村村民委员会",
    ):
        assert words in text, words


def test_the_fonts_travel_inside_the_poster():
    reader = PdfReader(io.BytesIO(board_poster_pdf(poster())))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for ref in fonts.values():
        font = ref.get_object()
        descendant = font.get("/DescendantFonts")
        font = descendant[0].get_object() if descendant else font
        assert "SanxinKai" in font["/BaseFont"]
        assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_crafted_text_prints_as_text_and_long_lists_are_cut():
    crafted = '<font color="red" size="90">大字</font><a href="javascript:x">点</a>&amp;'
    many = [PosterSuggestion(crafted + str(i), "村民", "好", None) for i in range(30)]
    content = board_poster_pdf(poster(suggestions=many, suggestions_total=30))
    text = "".join(texts(content))
    assert "<fontcolor" in text  # printed as it was typed, not read as markup
    assert "另有20条" in text


def test_an_empty_board_says_so():
    content = board_poster_pdf(
        poster(honours=[], activities=[], suggestions=[], projects=[], notices=[])
    )
    text = texts(content)[0]
    for words in ("还没有授予的荣誉", "近期没有安排活动", "还没有采纳的建议", "还没有捐赠记录"):
        assert words in text


def test_a_big_board_flows_onto_numbered_pages():
    honours = [PosterHonour("美丽庭院", 2026, f"王*{i}", f"{i:03d}") for i in range(50)]
    projects = [
        PosterProject(f"项目{i}", Decimal(i * 1000), i, Decimal(0), [], None) for i in range(40)
    ]
    pages = texts(board_poster_pdf(poster(honours=honours, projects=projects)))
    assert len(pages) >= 2 and f"第1页共{len(pages)}页" in pages[0]


# --- the page ------------------------------------------------------------------------------


@pytest.fixture
def filled(world, scheme, types, reps):
    """A board with one of everything."""
    give_grade(world.household, "4A")
    from sanxin.engagement.services import honours

    honours.selection_finished(
        committee=world.users["committee_head"],
        honour_type=types["美丽庭院"],
        region=world.village_a1,
        year=2026,
        nominees=[(world.household, None, "院子干净整洁，种满花草")],
        voters=reps,
        votes_for=[0],
        awarded_on=timezone.localdate() - timedelta(days=1),
    )
    now = timezone.now()
    Activity.objects.create(
        village=world.village_a1,
        kind=ActivityKind.CLEANUP,
        title="清扫村道",
        place="村委会门口",
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, hours=2),
        published_by=world.users["committee_head"],
        published_at=now,
    )
    s = sugg.suggestion_submit(
        actor=world.users["villager"], text="村口装一盏路灯吧", show_name=True
    )
    sugg.suggestion_answer(
        actor=world.users["committee_head"],
        suggestion=s,
        state=SuggestionState.ADOPTED,
        reply="已列入明年计划",
    )
    project = contrib.project_create(
        actor=world.users["committee_head"],
        village=world.village_a1,
        name="外墙保温",
        kind=ProjectKind.INSULATION,
    )
    contrib.contribution_record(
        actor=world.users["committee_member"],
        household=world.household_a1_2,
        project=project,
        kind=ContributionKind.MONEY,
        amount=Decimal("2000"),
        contributed_on=timezone.localdate(),
    )
    Cycle.objects.create(
        village=world.village_a1,
        period="2026",
        cut_off=date(2026, 11, 30),
        state=CycleState.NOTICE,
        notice_starts_on=timezone.localdate(),
        notice_ends_on=timezone.localdate() + timedelta(days=6),
    )
    return world


def test_a_villager_sees_their_villages_board(filled, login):
    w = filled
    response = login(w.users["villager"]).get(f"/village/{w.village_a1.pk}/board/")
    html = response.content.decode()
    assert response.status_code == 200
    # its own honour in full (another villager sees it masked: tests/engagement/test_consent.py)
    for words in ("美丽庭院", "王大山", "清扫村道", "村口装一盏路灯吧", "外墙保温", "2,000.00 元"):
        assert words in html, words
    assert (
        "农户信用等级评定结果公示" in html
        and f"/ratings/{Cycle.objects.get(state=CycleState.NOTICE).pk}/notice/" in html
    )


def test_other_villagers_see_a_named_suggestion_masked(filled, login):
    w = filled
    html = login(w.users["other_villager"]).get(f"/village/{w.village_a1.pk}/board/").content
    assert "王*山".encode() in html and "王大山".encode() not in html


def test_villagers_see_their_own_village_only(filled, login):
    w = filled
    client = login(w.users["villager"])
    assert client.get(f"/village/{w.village_a2.pk}/board/").status_code == 404
    assert client.get(f"/village/{w.village_a2.pk}/board.pdf").status_code == 404
    assert client.get("/village/board/").url == f"/village/{w.village_a1.pk}/board/"


def test_the_poster_of_the_page(filled, login):
    w = filled
    response = login(w.users["subteam_member"]).get(f"/village/{w.village_a1.pk}/board.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = "".join(texts(response.content))
    assert "光荣榜" in text and "外墙保温" in text and "王*山" in text


def test_the_board_runs_a_bounded_number_of_queries(filled, login, django_assert_max_num_queries):
    w = filled
    now = timezone.now()
    Suggestion.objects.bulk_create(
        Suggestion(
            village=w.village_a1,
            household=w.household,
            author=w.users["villager"],
            text=f"建议{i}",
            created_at=now,
            state=SuggestionState.ADOPTED,
            reply="采纳",
            replied_at=now,
        )
        for i in range(50)
    )
    project = contrib.project_create(
        actor=w.users["committee_head"], village=w.village_a1, name="修路", kind=ProjectKind.ROAD
    )
    Contribution.objects.bulk_create(
        Contribution(
            village=w.village_a1,
            project=project,
            household=w.household_a1_2,
            kind=ContributionKind.MONEY,
            amount=Decimal(100 + i),
            contributed_on=date(2026, 5, 1),
            recorded_by=w.users["committee_head"],
            recorded_at=now,
        )
        for i in range(50)
    )
    client = login(w.users["villager"])
    with django_assert_max_num_queries(16):
        assert client.get(f"/village/{w.village_a1.pk}/board/").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(f"/village/{w.village_a1.pk}/board.pdf").status_code == 200


def test_the_vendored_font_covers_the_posters_own_text():
    import re
    from pathlib import Path

    from sanxin.engagement import poster as module
    from sanxin.lib import pdf

    pdf.font_name()
    glyphs = pdf.pdfmetrics.getFont(pdf.FONT_NAME).face.charToGlyph
    source = Path(module.__file__).read_text(encoding="utf-8")
    fixed = "".join(re.findall(r'_\("([^"]*)"', source))
    assert len(fixed) > 100
    assert [c for c in fixed if ord(c) not in glyphs and not c.isspace()] == []
