"""The dashboard pages: drill-down, links whose pages count the same records, the
lending section only for holders of the lending totals, the Excel export, a fixed
number of queries."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.oversight.dash_world import add_villages, populate

PERIOD = "start=2026-01-01&end=2026-06-30"


@pytest.fixture
def district(world, scheme):
    add_villages(world, towns=1, villages=2, households=4)
    populate(world, world.users)
    return world


def test_district_admin_sees_the_district_and_drills_down(district, login):
    w = district
    client = login(w.users["district_admin"])
    html = client.get(f"/oversight/dashboard/?{PERIOD}").content.decode()
    assert "双滦区数据看板" in html
    assert f'href="/oversight/dashboard/{w.town_a.pk}/?' in html
    assert 'data-chart="chart-coverage"' in html and 'id="chart-coverage"' in html
    assert "echarts.min.js" in html and "<script>" not in html
    html = client.get(f"/oversight/dashboard/{w.town_a.pk}/?{PERIOD}").content.decode()
    assert f'href="/oversight/dashboard/{w.village_a1.pk}/?' in html
    assert f'href="/oversight/dashboard/{w.district.pk}/?' in html  # the breadcrumb
    html = client.get(f"/oversight/dashboard/{w.village_a1.pk}/?{PERIOD}").content.decode()
    assert "第一村民小组" in html and "第二村民小组" in html


def _links(html: str) -> dict[str, str]:
    """{link text: href} of the numbers in the tables (the last wins)."""
    return {
        text: href.replace("&amp;", "&")
        for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', html)
    }


def _cell_links(html: str, table: str) -> list[tuple[str, str]]:
    body = html.split(f'id="table-{table}"')[1].split("</table>")[0]
    return [
        (href.replace("&amp;", "&"), text)
        for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', body)
    ]


def _count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page"].paginator.count


@pytest.mark.parametrize("user", ["district_admin", "town_admin", "committee_head"])
def test_each_linked_number_is_the_count_of_the_page_it_opens(district, login, user):
    w = district
    client = login(w.users[user])
    response = client.get(f"/oversight/dashboard/?{PERIOD}")
    html = response.content.decode()
    board = response.context["board"]
    linked = [
        (href, text)
        for table in ("coverage", "grades", "backlog")
        for href, text in _cell_links(html, table)
        if not href.startswith("/oversight/")
    ]
    assert linked
    for href, text in linked:
        assert _count(client, href) == int(text), href
    # the totals link to the unfiltered lists
    assert ("/households/", str(board.total.households)) in linked
    if user == "committee_head":
        assert ("/points/review/", str(board.total.pending)) in linked
        assert any(h.startswith("/points/review/?group=") for h, _t in linked)
        assert any("grade=" in h and "group=" in h for h, _t in linked)


def test_lending_numbers_link_to_the_lending_report_with_the_same_figures(district, login):
    w = district
    client = login(w.users["district_admin"])
    response = client.get(f"/oversight/dashboard/?{PERIOD}")
    board = response.context["board"]
    links = _cell_links(response.content.decode(), "lending")
    (href,) = [h for h, _t in links if f"region={w.town_a.pk}" in h]
    report = client.get(href).context["report"]
    town = next(r for r in board.rows if r.region == w.town_a)
    assert report.total == town.figures.lending


def test_lending_totals_only_for_their_holders(district, login):
    w = district
    html = login(w.users["town_admin"]).get(f"/oversight/dashboard/?{PERIOD}").content.decode()
    assert 'id="table-lending"' not in html and "授信总额" not in html
    assert "您的角色看不到这一部分" in html
    html = login(w.users["department_viewer"]).get("/oversight/dashboard/").content.decode()
    assert 'id="table-lending"' in html


def test_a_town_admin_lands_on_its_town_and_cannot_open_another(district, login):
    w = district
    client = login(w.users["town_admin"])
    response = client.get("/oversight/dashboard/")
    assert response.context["board"].region == w.town_a
    assert client.get(f"/oversight/dashboard/{w.town_b.pk}/").status_code == 404
    assert client.get(f"/oversight/dashboard/{w.district.pk}/").status_code == 404
    assert client.get(f"/oversight/dashboard/{w.group_a1_1.pk}/").status_code == 404
    html = client.get(f"/oversight/dashboard/{w.village_a1.pk}/").content.decode()
    # the breadcrumb starts at the user's own top region
    assert f'href="/oversight/dashboard/{w.town_a.pk}/' in html
    assert f'href="/oversight/dashboard/{w.district.pk}/' not in html


def test_period_chooser(district, login):
    w = district
    client = login(w.users["district_admin"])
    board = client.get("/oversight/dashboard/?year=2026").context["board"]
    assert board.period.start.isoformat() == "2026-01-01"
    board = client.get(f"/oversight/dashboard/?{PERIOD}").context["board"]
    assert (board.period.start.isoformat(), board.period.end.isoformat()) == (
        "2026-01-01",
        "2026-06-30",
    )
    response = client.get("/oversight/dashboard/?start=2026-06-01&end=2026-01-01")
    assert "起始日期不能晚于截止日期" in response.content.decode()


def test_the_export_has_every_table_with_the_same_numbers(district, login):
    w = district
    client = login(w.users["district_admin"])
    board = client.get(f"/oversight/dashboard/{w.town_a.pk}/?{PERIOD}").context["board"]
    response = client.get(f"/oversight/dashboard/{w.town_a.pk}/export.xlsx?{PERIOD}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == [
        "农户登记与评定覆盖",
        "在用等级分布（户）",
        "较上一评定周期的变化（户）",
        "3A 及以上户数的变化",
        "积分记录（按月）",
        "积分记录与待审核积压",
        "异议与一票否决",
        "积分超市",
        "授信用信",
        "全民争信",
    ]
    coverage = list(book["农户登记与评定覆盖"].values)
    by_name = {r[0]: r for r in coverage[1:]}
    for row in board.rows:
        assert by_name[row.region.name][1] == row.figures.households
    assert by_name["合计"][1] == board.total.households
    lending = list(book["授信用信"].values)
    assert lending[-1][0] == "合计"
    assert lending[-1][2] == float(board.total.lending.lines_amount)
    assert lending[-1][7] == float(board.total.lending.outstanding)


def test_the_page_runs_a_fixed_number_of_queries(
    world, scheme, login, django_assert_max_num_queries
):
    populate(world, world.users)
    client = login(world.users["district_admin"])
    client.get("/oversight/dashboard/")  # warm the session
    with django_assert_max_num_queries(60) as small:
        assert client.get(f"/oversight/dashboard/?{PERIOD}").status_code == 200
    add_villages(world, towns=3, villages=3, households=5)
    with django_assert_max_num_queries(60) as large:
        assert client.get(f"/oversight/dashboard/?{PERIOD}").status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
