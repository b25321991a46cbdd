"""The public notice (公示): its window, the masked names and grades on the page,
and who may see it."""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanxin.households.models import Household
from sanxin.ratings.choices import CycleState
from sanxin.ratings.notice import mask_name, notice_rows
from sanxin.ratings.services import cycles as services
from sanxin.ratings.services.review import review_close

NOTICE_DAY = date(2025, 12, 2)


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三峰", "张*峰"), ("张三", "张*"), ("欧阳小明", "欧**明"), ("张", "张"), ("", "")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def _cycle(world, *, notice=True):
    head = world.users["committee_head"]
    cycle = services.cycle_open(
        actor=head,
        village=world.village_a1,
        period="2025",
        cut_off=date(2025, 11, 20),
        today=date(2025, 11, 1),
    )
    services.cycle_compute(actor=head, cycle=cycle)
    cycle = services.cycle_advance(actor=head, cycle=cycle, to_state=CycleState.REVIEW)
    if notice:
        present = [world.users[k].pk for k in ("committee_head", "committee_deputy")]
        review_close(
            actor=head,
            cycle=cycle,
            held_on=date(2025, 12, 1),
            present_user_ids=present,
            decision="同意",
        )
        cycle = services.cycle_advance(
            actor=head, cycle=cycle, to_state=CycleState.NOTICE, today=NOTICE_DAY
        )
    cycle.refresh_from_db()
    return cycle


def test_notice_window_and_final_after_it(world, scheme):
    cycle = _cycle(world)
    assert services.NOTICE_DAYS == 7
    assert (cycle.notice_starts_on, cycle.notice_ends_on) == (date(2025, 12, 2), date(2025, 12, 8))
    head = world.users["committee_head"]
    for today in (NOTICE_DAY, date(2025, 12, 8)):
        with pytest.raises(ValidationError, match="公示期到 2025-12-08 结束后才能定级"):
            services.cycle_advance(actor=head, cycle=cycle, to_state=CycleState.FINAL, today=today)
    cycle.refresh_from_db()
    assert cycle.state == CycleState.NOTICE
    cycle = services.cycle_advance(
        actor=head, cycle=cycle, to_state=CycleState.FINAL, today=date(2025, 12, 9)
    )
    assert cycle.state == CycleState.FINAL


def test_notice_rows_masked_and_bounded(world, scheme):
    cycle = _cycle(world)
    with CaptureQueriesContext(connection) as ctx:
        rows = notice_rows(cycle)
    assert len(ctx.captured_queries) <= 4
    assert [r[:2] for r in rows] == [("001", "王*山"), ("002", "李*河")]
    assert all(r[2] for r in rows)


def test_page_shows_masked_names_and_grades_only(world, scheme, login):
    cycle = _cycle(world)
    response = login(world.users["villager"]).get(f"/ratings/{cycle.pk}/notice/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "大贵口村 2025 年度农户信用等级评定结果公示" in page
    assert (
        "2025-12-02" in page
        and "2025-12-08" in page
        and "公示期内如有异议，可向村评信团提出" in page
    )
    assert "王*山" in page and "李*河" in page
    for row in notice_rows(cycle):
        assert row[2] in page
    for head in Household.objects.values_list("head_name", flat=True):
        assert head not in page
    assert not re.search(r"\d{17}[\dXx]", page)
    main = page.split("<main", 1)[1].split("</main>", 1)[0]  # the nav links to 积分规则
    assert "积分" not in main and "得分" not in main


def test_page_visibility(world, scheme, login):
    cycle = _cycle(world, notice=False)
    assert (
        login(world.users["committee_head"]).get(f"/ratings/{cycle.pk}/notice/").status_code == 404
    )
    cycle = _cycle_to_notice(world, cycle)
    url = f"/ratings/{cycle.pk}/notice/"
    assert login(world.users["other_villager"]).get(url).status_code == 200
    assert login(world.users["committee_head"]).get(url).status_code == 200
    assert login(world.users["neighbour_committee_head"]).get(url).status_code == 404
    assert login(world.users["other_district_admin"]).get(url).status_code == 404
    detail = login(world.users["committee_head"]).get(f"/ratings/{cycle.pk}/").content.decode()
    assert url in detail
    services.cycle_advance(
        actor=world.users["committee_head"],
        cycle=cycle,
        to_state=CycleState.FINAL,
        today=date(2026, 1, 1),
    )
    assert login(world.users["villager"]).get(url).status_code == 200


def _cycle_to_notice(world, cycle):
    head = world.users["committee_head"]
    present = [world.users[k].pk for k in ("committee_head", "committee_deputy")]
    review_close(
        actor=head,
        cycle=cycle,
        held_on=date(2025, 12, 1),
        present_user_ids=present,
        decision="同意",
    )
    return services.cycle_advance(
        actor=head, cycle=cycle, to_state=CycleState.NOTICE, today=NOTICE_DAY
    )


def test_search_finds_the_household_in_one_request(world, scheme, login):
    cycle = _cycle(world)
    client = login(world.users["villager"])
    url = f"/ratings/{cycle.pk}/notice/"

    def numbers(page: str) -> list[str]:
        return re.findall(r'data-label="户号">(\d+)<', page)

    # By 户号, exactly or as a prefix.
    assert numbers(client.get(url, {"q": "002"}).content.decode()) == ["002"]
    assert numbers(client.get(url, {"q": "00"}).content.decode()) == ["001", "002"]
    # By the head's full name or the masked name as published; only the masked one shows.
    page = client.get(url, {"q": "李二河"}).content.decode()
    assert numbers(page) == ["002"] and "李*河" in page
    assert "李二河" not in page.split("<tbody>", 1)[1]
    assert numbers(client.get(url, {"q": "王*山"}).content.decode()) == ["001"]
    # A part of a name does not match, so a name cannot be unmasked by guessing.
    assert numbers(client.get(url, {"q": "李二"}).content.decode()) == []
    # Another village's household is never found, by name or number.
    page = client.get(url, {"q": "赵三林"}).content.decode()
    assert numbers(page) == [] and "没有找到相符的农户" in page
    # The grade summary of the whole village stays at the top of a narrowed page.
    page = client.get(url, {"q": "002"}).content.decode()
    assert "全村 2 户的等级" in page
    assert page.index("全村 2 户的等级") < page.index('id="notice-q"')


def test_notice_pages_keep_the_query_and_a_fixed_number_of_queries(
    world, scheme, login, monkeypatch
):
    from sanxin.ratings.views import notice as notice_views

    cycle = _cycle(world)
    monkeypatch.setattr(notice_views, "NOTICE_PAGE_SIZE", 1)
    client = login(world.users["villager"])
    url = f"/ratings/{cycle.pk}/notice/"
    page = client.get(url, {"q": "00"}).content.decode()
    assert re.findall(r'data-label="户号">(\d+)<', page) == ["001"]
    assert "?q=00&page=2" in page and "第 1 / 2 页" in page
    page = client.get(url, {"q": "00", "page": "2"}).content.decode()
    assert re.findall(r'data-label="户号">(\d+)<', page) == ["002"]
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        client.get(url, {"q": "00"})
    with CaptureQueriesContext(connection) as two:
        client.get(url, {"q": "002", "page": "9"})
    assert len(one.captured_queries) == len(two.captured_queries)
