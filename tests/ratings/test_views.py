"""The 评定周期 screens: content, actions and a query count that does not grow."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanxin.ratings.choices import CycleState
from sanxin.ratings.models import Cycle, Rating
from sanxin.ratings.services import cycles as services
from tests.factories import make_household


def _cycle(world):
    return services.cycle_open(
        actor=world.users["committee_head"],
        village=world.village_a1,
        period="2025",
        cut_off=date(2025, 11, 20),
        today=date(2025, 11, 1),
    )


def test_cycle_page_shows_timeline_distribution_and_households(world, scheme, credit_for, login):
    credit_for(world.household)
    cycle = _cycle(world)
    client = login(world.users["committee_head"])
    page = client.get(f"/ratings/{cycle.pk}/").content.decode()
    assert "还没有计算结果" in page and "计算等级" in page
    response = client.post(f"/ratings/{cycle.pk}/compute/", follow=True)
    page = response.content.decode()
    assert "已计算 2 户" in page
    for label in ("已开启", "已计算", "委员会审核", "公示", "最终"):
        assert label in page
    assert "等级分布" in page and world.household.head_name in page and "重新计算" in page
    assert "进入“委员会审核”" in page
    page = client.get(f"/ratings/{cycle.pk}/?grade=unrated").content.decode()
    assert world.household_a1_2.head_name in page and world.household.head_name not in page
    client.post(f"/ratings/{cycle.pk}/advance/", {"to_state": "review"})
    cycle.refresh_from_db()
    assert cycle.state == CycleState.REVIEW
    response = client.post(f"/ratings/{cycle.pk}/advance/", {"to_state": "final"}, follow=True)
    assert "只能进入" in response.content.decode()
    listing = client.get("/ratings/").content.decode()
    assert "大贵口村" in listing and "委员会审核" in listing and "开启评定周期" in listing


def test_member_sees_no_buttons_and_villager_sees_own_row(world, scheme, login):
    cycle = _cycle(world)
    services.cycle_compute(actor=world.users["committee_head"], cycle=cycle)
    page = login(world.users["committee_member"]).get(f"/ratings/{cycle.pk}/").content.decode()
    assert "重新计算" not in page and "进入“" not in page
    page = login(world.users["villager"]).get(f"/ratings/{cycle.pk}/").content.decode()
    assert world.household.head_name in page and world.household_a1_2.head_name not in page


def test_open_through_the_web(world, scheme, login):
    client = login(world.users["committee_deputy"])
    response = client.post(
        "/ratings/open/",
        {"village": world.village_a1.pk, "period": "2026", "cut_off": "2026-11-20"},
    )
    cycle = Cycle.objects.get(village=world.village_a1, period="2026")
    assert response.status_code == 302 and response["Location"] == f"/ratings/{cycle.pk}/"
    response = client.post(
        "/ratings/open/",
        {"village": world.village_a1.pk, "period": "2026", "cut_off": "2026-11-20"},
        follow=True,
    )
    assert "已有 2026 年度" in response.content.decode()


def _page_queries(client, cycle):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/ratings/{cycle.pk}/?party=&grade=").status_code == 200
    return len(ctx.captured_queries)


def test_cycle_page_query_count_is_fixed(world, scheme, login):
    cycle = _cycle(world)
    head = world.users["committee_head"]
    services.cycle_compute(actor=head, cycle=cycle)
    client = login(head)
    few = _page_queries(client, cycle)
    for i in range(30):
        make_household(
            world.village_a1, world.group_a1_2, f"{100 + i}", head=f"户{i}", head_seq=700 + i
        )
    services.cycle_compute(actor=head, cycle=cycle)
    assert Rating.objects.filter(cycle=cycle, run=2).count() == 32
    assert _page_queries(client, cycle) == few


def _period_select(html: str) -> str:
    start = html.index('<select id="period"')
    return html[start : html.index("</select>", start)]


def test_the_open_form_offers_this_and_the_next_period_and_skips_an_opened_one(
    world, scheme, login
):
    from django.utils import timezone

    from sanxin.ratings import periods

    this, following = periods.allowed_to_open("year", timezone.localdate())
    client = login(world.users["committee_head"])
    select = _period_select(client.get("/ratings/").content.decode())
    assert f'<option value="{this}" selected>' in select
    assert f'<option value="{following}">' in select
    services.cycle_open(
        actor=world.users["committee_head"],
        village=world.village_a1,
        period=this,
        cut_off=periods.default_cut_off(this),
    )
    page = client.get("/ratings/").content.decode()
    select = _period_select(page)
    assert f'<option value="{this}" disabled>{periods.label(this)}（已开启）' in select, (
        "a period the village already has a cycle for cannot be chosen again"
    )
    assert f'<option value="{following}" selected>' in select
    assert f'value="{periods.default_cut_off(following).isoformat()}"' in page
