"""The period report for the leading group: its figures are the dashboard's
(oversight/figures.py), plus the households that redeemed and the courtyards chosen,
counted again here one row at a time; the PDF is an A4 document whose Chinese text is
extractable and whose font travels inside it (it renders on a machine without Chinese
fonts); the workbook holds the same tables; a town admin's report covers its town and
leaves the lending figures to the district; a fixed number of queries."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4

from sanxin.accounts.scope import scope_for
from sanxin.engagement.models import Honour, Nomination, Selection
from sanxin.engagement.services.honours import honour_types_install_default
from sanxin.oversight.figures import Period, dashboard
from sanxin.oversight.report import build_report
from sanxin.oversight.report_pdf import report_pdf
from sanxin.regions.models import Region
from sanxin.rewards.models import Redemption
from tests.oversight.dash_world import PERIOD_END, PERIOD_START, add_villages, at, populate

PERIOD = Period(PERIOD_START, PERIOD_END)
QUERY = f"start={PERIOD_START.isoformat()}&end={PERIOD_END.isoformat()}"


def _courtyards(world, households, *, on: date) -> list[Honour]:
    """美丽庭院 honours written straight into the tables (the selection's own tests
    cover the services), one per household, the first one withdrawn later."""
    types = {t.name: t for t in honour_types_install_default(district=world.district)}
    user = world.users["committee_head"]
    made = []
    for h in households:
        selection, _made = Selection.objects.get_or_create(
            honour_type=types["美丽庭院"],
            region=h.village,
            year=on.year,
            defaults=dict(
                state="awarded",
                nominate_from=date(on.year, 1, 1),
                nominate_until=date(on.year, 1, 10),
                vote_from=date(on.year, 1, 11),
                vote_until=date(on.year, 1, 20),
                quota=5,
                created_by=user,
            ),
        )
        nomination = Nomination.objects.create(
            selection=selection,
            household=h,
            source="committee",
            nominated_by=user,
            nominated_at=at(date(on.year, 1, 2)),
            reason="院内整洁",
            state="elected",
        )
        made.append(
            Honour.objects.create(
                selection=selection,
                nomination=nomination,
                honour_type=types["美丽庭院"],
                household=h,
                year=on.year,
                awarded_on=on,
                awarded_by=user,
                awarded_at=at(on),
            )
        )
    return made


@pytest.fixture
def district(world, scheme):
    add_villages(world, towns=2, villages=2, households=5)
    populate(world, world.users)
    from sanxin.households.models import Household

    households = list(
        Household.objects.filter(villager_group__path__startswith=world.district.path).order_by(
            "pk"
        )
    )
    _courtyards(world, households[:3], on=date(2026, 3, 1))
    _courtyards(world, households[3:4], on=date(2025, 12, 1))  # before the period
    return world


def _headline(report) -> dict:
    return {f.label: f.value for f in report.headline}


def _first_table(report):
    return report.tables[0]


def test_the_report_figures_are_the_dashboards(district):
    w = district
    report = build_report(scope_for(w.users["district_admin"]), w.district, PERIOD, PERIOD_END)
    board = dashboard(w.district, PERIOD, with_lending=True)
    shown = _headline(report)
    total = board.total
    assert shown["登记农户"] == total.households
    assert shown["评定覆盖率"] == total.coverage
    for grade in ("3A", "4A", "5A"):
        assert shown[f"{grade} 级信用户"] == total.grades[grade]
    assert shown["发放贷款"] == total.lending.loans > 0
    assert shown["贷款金额"] == total.lending.loans_amount
    assert shown["兑换积分"] == total.redemption_points > 0
    assert shown["列入后备人选"] == total.candidates_listed > 0
    # Per town: the main table's rows are the dashboard's rows, then the total.
    table = _first_table(report)
    assert [r[0] for r in table.rows] == [r.region.name for r in board.rows] + ["合计"]
    head = list(table.headers)
    for row, dash_row in zip(table.rows, board.rows, strict=False):
        f = dash_row.figures
        assert row[head.index("登记农户")] == f.households
        assert row[head.index("5A")] == f.grades.get("5A", 0)
        assert row[head.index("放款笔数")] == f.lending.loans
        assert row[head.index("兑换积分")] == f.redemption_points
    assert table.rows[-1][head.index("登记农户")] == total.households
    months = report.tables[-1]
    assert sum(r[1] for r in months.rows) == total.entries_recorded


def test_households_that_redeemed_and_courtyards_counted_one_by_one(district):
    w = district
    report = build_report(scope_for(w.users["district_admin"]), w.district, PERIOD, PERIOD_END)
    start, end = PERIOD.moments()
    redeemed = {
        r.household_id
        for r in Redemption.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        if not hasattr(r, "void")
    }
    shown = _headline(report)
    assert shown["兑换积分奖励的农户"] == len(redeemed) > 0
    assert shown["评选美丽庭院"] == 3  # the fourth was awarded before the period
    withdrawn = Honour.objects.filter(awarded_on=date(2026, 3, 1)).order_by("pk").first()
    from sanxin.engagement.models import HonourWithdrawal

    HonourWithdrawal.objects.create(
        honour=withdrawn,
        reason="核实不符",
        withdrawn_by=w.users["district_admin"],
        withdrawn_at=at(date(2026, 4, 1)),
    )
    again = build_report(scope_for(w.users["district_admin"]), w.district, PERIOD, PERIOD_END)
    assert _headline(again)["评选美丽庭院"] == 2


def test_a_town_admins_report_covers_its_town_without_lending(district, login):
    w = district
    client = login(w.users["town_admin"])
    page = client.get(f"/oversight/report/?{QUERY}")
    assert page.status_code == 200
    report = page.context["report"]
    assert report.region == w.town_a
    assert [r[0] for r in report.tables[0].rows] == ["大贵口村", "邻村", "合计"]
    assert not report.lending_shown
    assert not any("贷款" in f.label for f in report.headline)
    assert "授信、贷款数据由信用联社按全区统计" in page.content.decode()
    # Another town of the district does not exist for them.
    assert client.get(f"/oversight/report/?region={w.town_b.pk}&{QUERY}").status_code == 404
    assert client.get(f"/oversight/report/?region={w.district.pk}&{QUERY}").status_code == 404


def test_the_district_admin_chooses_the_district_or_a_town(district, login):
    w = district
    client = login(w.users["district_admin"])
    page = client.get(f"/oversight/report/?region={w.town_b.pk}&{QUERY}")
    assert page.context["report"].region == w.town_b
    html = page.content.decode()
    assert "生成 PDF（后台）" in html and "下载 Excel" in html
    assert (
        client.get(
            f"/oversight/report/?region={w.district.pk}&start=2026-07-01&end=2026-01-01"
        ).context["report"]
        is None
    )


def _pdf(client, query) -> bytes:
    response = client.get(f"/oversight/report/report.pdf?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    return response.content


def _fonts(reader: PdfReader) -> list:
    found = {}
    for page in reader.pages:
        resources = page["/Resources"]
        for font in resources.get("/Font", {}).values():
            font = font.get_object()
            found[font["/BaseFont"]] = font
        for xobject in resources.get("/XObject", {}).values():
            xobject = xobject.get_object()
            for font in xobject.get("/Resources", {}).get("/Font", {}).values():
                font = font.get_object()
                found[font["/BaseFont"]] = font
    return list(found.values())


def test_the_pdf_is_a4_with_its_chinese_text_and_font_inside(district, login):
    w = district
    content = _pdf(login(w.users["district_admin"]), f"region={w.district.pk}&{QUERY}")
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) >= 3
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (round(A4[0]), round(A4[1]))
    # Every font is the product's own, embedded, with a Unicode map: the report renders
    # with its Chinese text on a machine without Chinese fonts, and the text extracts.
    fonts = _fonts(reader)
    assert fonts
    for font in fonts:
        assert "SanxinKai" in font["/BaseFont"]
        descendants = font.get("/DescendantFonts")
        descriptor = (
            descendants[0].get_object()["/FontDescriptor"]
            if descendants
            else font["/FontDescriptor"]
        ).get_object()
        assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
        assert "/ToUnicode" in font
    text = "".join("".join(p.extract_text().split()) for p in reader.pages)
    board = dashboard(w.district, PERIOD, with_lending=True)
    assert "双滦区“三信”工作报告" in text
    assert "报送：“三信”工作领导小组" in text
    assert "主要数据" in text and "各地区在用信用等级" in text and "分镇主要指标" in text
    assert f"{board.total.households:,}户" in text
    assert "双塔山镇" in text and "陈栅子乡" in text
    assert "第1页共" in text
    assert reader.metadata.title == "双滦区“三信”工作报告"


def test_the_town_pdf_leaves_lending_out(district, login):
    w = district
    content = _pdf(login(w.users["town_admin"]), QUERY)
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages)
    assert "双塔山镇“三信”工作报告" in text and "分村主要指标" in text
    assert "贷款金额" not in text and "授信用信" not in text
    assert "授信、贷款数据由信用联社按全区统计" in text


def test_the_workbook_holds_the_same_tables(district, login):
    w = district
    response = login(w.users["department_viewer"]).get(
        f"/oversight/report/report.xlsx?region={w.district.pk}&{QUERY}"
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    report = build_report(scope_for(w.users["department_viewer"]), w.district, PERIOD, PERIOD_END)
    assert book.sheetnames[:2] == ["概况", "主要数据"]
    assert len(book.sheetnames) == 2 + len(report.tables)
    headline = list(book["主要数据"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in headline] == [f.label for f in report.headline]
    main = list(book[book.sheetnames[2]].iter_rows(values_only=True))
    assert list(main[0]) == list(report.tables[0].headers)
    assert [r[0] for r in main[1:]] == [r[0] for r in report.tables[0].rows]
    loans = list(report.tables[0].headers).index("放款金额（元）")
    assert Decimal(str(main[-1][loans])) == report.tables[0].rows[-1][loans]


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("kind", ["", "report.pdf", "report.xlsx"])
def test_a_fixed_number_of_queries_whatever_the_size(world, scheme, login, kind):
    populate(world, world.users)
    client = login(world.users["district_admin"])
    url = f"/oversight/report/{kind}?region={world.district.pk}&{QUERY}"
    client.get(url)
    small = _count(client, url)
    add_villages(world, towns=2, villages=3, households=6)
    assert _count(client, url) == small


def test_a_region_without_records_still_prints(world):
    """A new town with no village yet: the report says so instead of failing."""
    from tests.factories import child

    town = child(world.district, "新设镇", kind="镇")
    report = build_report(scope_for(world.users["district_admin"]), town, PERIOD, PERIOD_END)
    reader = PdfReader(io.BytesIO(report_pdf(report)))
    text = "".join("".join(p.extract_text().split()) for p in reader.pages)
    assert "新设镇“三信”工作报告" in text and "无数据" in text
    assert Region.objects.filter(parent=town).count() == 0


def test_the_ranking_is_the_latest_published_assessment(world, scheme, login):
    from sanxin.oversight.assessment import services
    from sanxin.oversight.assessment.selectors import assessment_latest_published
    from tests.oversight import assessment_data as data

    period = Period(date(2025, 1, 1), date(2025, 12, 31))
    before = build_report(
        scope_for(world.users["district_admin"]), world.district, period, PERIOD_END
    )
    assert not any("考核" in t.title for t in before.tables)
    assert "尚无已发布的考核结果。" in before.notes

    data.graded(world.household, "3A")
    data.graded(world.household_b1, "5A")
    services.assessment_publish(
        actor=world.users["district_admin"], scheme=data.scored_scheme(world), seen_version=0
    )
    published = assessment_latest_published(world.district)
    report = build_report(
        scope_for(world.users["district_admin"]), world.district, period, PERIOD_END
    )
    titles = [t.title for t in report.tables]
    towns = report.tables[titles.index("2025年度考核：镇排名")]
    assert [r[:3] for r in towns.rows] == [
        [r.rank, r.region.name, r.total] for r in published.towns
    ]
    assert {r[1] for r in towns.rows} == {"双塔山镇", "陈栅子乡"}
    villages = report.tables[titles.index("2025年度考核：村排名")]
    assert [(r[0], r[1], r[2], r[3]) for r in villages.rows] == [
        (
            r.rank,
            r.region.name,
            "双塔山镇" if r.region.parent_id == world.town_a.pk else "陈栅子乡",
            r.total,
        )
        for r in published.villages
    ]
    assert "第 1 版" in towns.note

    # A town admin's report: its own town's line and its own villages, by rank in the town.
    town = build_report(scope_for(world.users["town_admin"]), world.town_a, period, PERIOD_END)
    titles = [t.title for t in town.tables]
    own = town.tables[titles.index("2025年度考核：镇排名")]
    assert [r[1] for r in own.rows] == ["双塔山镇"]
    mine = town.tables[titles.index("2025年度考核：本镇各村排名")]
    assert sorted(r[1] for r in mine.rows) == ["大贵口村", "邻村"]
    assert [r[0] for r in mine.rows] == sorted(r[0] for r in mine.rows)

    content = _pdf(
        login(world.users["district_admin"]),
        f"region={world.district.pk}&start=2025-01-01&end=2025-12-31",
    )
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages)
    assert "2025年度考核：镇排名" in text and "外乡村" in text
