"""The big screen: the display account lands on it after login and opens nothing else;
the page carries no menu and no inline script; its JSON holds the district's totals
(never a household, no lending figures without Perm.LENDING_TOTALS) and takes the same
number of queries whatever the number of towns and households."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanxin.households.models import Household
from sanxin.oversight.figures import Period, dashboard
from tests.factories import child
from tests.oversight.dash_world import add_villages, populate

SCREEN = "/oversight/screen/"
DATA = "/oversight/screen/data.json"


def _grow(world, towns: int, villages: int, households: int) -> None:
    for t in range(towns):
        town = child(world.district, f"大屏镇{t}", kind="镇")
        for v in range(villages):
            village = child(town, f"大屏村{t}-{v}", kind="村")
            group = child(village, "第一村民小组")
            Household.objects.bulk_create(
                Household(
                    village=village,
                    villager_group=group,
                    district_id=world.district.pk,
                    number=f"{h + 1:03d}",
                )
                for h in range(households)
            )


def test_the_display_account_lands_on_the_screen(world, login):
    client = login(world.users["display"])
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == SCREEN
    page = client.get(SCREEN)
    assert page.status_code == 200
    html = page.content.decode()
    assert "双滦区" in html and "大屏" in html
    # Its own base: no menu, no logout, no elder-mode switch, no inline script.
    assert "主菜单" not in html and "accounts/logout" not in html and "elder" not in html
    for script in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        attrs, body = script
        assert "src=" in attrs or 'type="application/json"' in attrs, attrs
        assert "src=" in attrs or body.strip().startswith("{")
    assert "sanxin/screen.js" in html and "echarts" in html
    assert 'data-source="/oversight/screen/data.json"' in html


@pytest.mark.parametrize(
    "other", ["/households/", "/ratings/", "/oversight/report/", "/oversight/audit/"]
)
def test_the_display_account_opens_nothing_else(world, login, other):
    assert login(world.users["display"]).get(other).status_code == 403


def test_the_data_holds_totals_and_charts_only(world, login):
    response = login(world.users["display"]).get(DATA)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response.get("Cache-Control", "") or "max-age=0" in response.get(
        "Cache-Control", ""
    )
    data = response.json()
    assert data["region"] == "双滦区"
    labels = [f["label"] for f in data["headline"]]
    assert "登记农户" in labels and "5A 级信用户" in labels
    # The display account holds no Perm.LENDING_TOTALS: no lending figure, no loan chart.
    assert not any("贷款" in label for label in labels)
    assert "loans_by_town" not in {c["id"] for c in data["charts"]}
    assert 4 <= len(data["charts"]) <= 6
    households = next(f for f in data["headline"] if f["label"] == "登记农户")
    assert (
        households["value"]
        == Household.objects.filter(villager_group__path__startswith=world.district.path).count()
    )
    # No household's name or number anywhere.
    text = json.dumps(data, ensure_ascii=False)
    assert "王大山" not in text and world.household.head_name not in text


def test_the_figures_are_the_dashboards(world, scheme, login):
    """The screen shows the district dashboard's figures (oversight/figures.py)."""
    add_villages(world, towns=2, villages=2, households=4)
    populate(world, world.users)
    data = login(world.users["district_admin"]).get(DATA).json()
    board = dashboard(world.district, Period.current(), with_lending=True)
    shown = {f["label"]: f["value"] for f in data["headline"]}
    assert shown["登记农户"] == board.total.households
    assert shown["5A 级信用户"] == board.total.grades["5A"]
    assert shown["发放贷款"] == board.total.lending.loans
    # Large amounts read in 万元 on the screen; the JSON keeps the exact yuan.
    amount = next(f for f in data["headline"] if f["label"] == "贷款金额")
    assert Decimal(amount["value"]) == board.total.lending.loans_amount >= 10_000
    assert amount["unit"] == "万元"
    assert Decimal(amount["text"].replace(",", "")) * 10_000 == board.total.lending.loans_amount
    assert Decimal(shown["兑换积分"]) == board.total.redemption_points
    assert shown["列入后备人选"] == board.total.candidates_listed
    charts = {c["id"]: c for c in data["charts"]}
    towns = charts["grades_by_town"]
    assert towns["categories"][: len(board.rows)] == [r.region.name for r in board.rows]
    five_a = next(s for s in towns["series"] if s["name"] == "5A")
    assert five_a["data"] == [r.figures.grades.get("5A", 0) for r in board.rows]
    months = charts["entries_by_month"]["series"][0]["data"]
    assert sum(months) == board.total.entries_recorded


def test_the_district_admin_sees_the_lending_figures_too(world, login):
    data = login(world.users["district_admin"]).get(DATA).json()
    assert any("贷款" in f["label"] for f in data["headline"])
    assert "loans_by_town" in {c["id"] for c in data["charts"]}


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", [SCREEN, DATA])
def test_a_fixed_number_of_queries_whatever_the_size(world, scheme, login, url):
    populate(world, world.users)
    client = login(world.users["district_admin"])
    client.get(url)  # warm the session and the font
    small = _queries(client, url)
    _grow(world, towns=3, villages=4, households=25)
    assert _queries(client, url) == small
