"""Cursor pagination: every row once, in order; a cursor cannot be forged or carried
to another list; a page costs a fixed number of queries whatever the data size."""

from __future__ import annotations

import pytest

from tests.factories import make_household


def _walk(api, path: str, limit: int) -> list[dict]:
    items, cursor, pages = [], None, 0
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        page = api.json(path, params)
        items += page["items"]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            return items
        assert pages < 100


def _more_households(world, n: int) -> None:
    start = 600  # head_seq values free in the test world (it uses 101-501)
    for i in range(n):
        make_household(
            world.village_a1, world.group_a1_1, f"{start + i}", head=f"户主{i}", head_seq=start + i
        )


def test_walking_the_pages_gives_every_row_once_in_order(world, api_as):
    _more_households(world, 7)
    api = api_as("committee_head")
    everything = api.json("/api/v1/households", {"limit": 200})["items"]
    assert len(everything) == 9
    for limit in (1, 2, 4):
        walked = _walk(api, "/api/v1/households", limit)
        assert [h["id"] for h in walked] == [h["id"] for h in everything]


def test_a_forged_or_foreign_cursor_is_422(world, api_as):
    _more_households(world, 2)
    api = api_as("committee_head")
    cursor = api.json("/api/v1/households", {"limit": 1})["next"]
    assert cursor
    for path, bad in [
        ("/api/v1/households", cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")),
        ("/api/v1/households", "x"),
        ("/api/v1/regions", cursor),  # another list's cursor
    ]:
        response = api.get(path, {"cursor": bad})
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["query", "cursor"]


def test_the_limit_is_bounded(world, api_as):
    api = api_as("committee_head")
    response = api.get("/api/v1/households", {"limit": 201})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["loc"] == ["query", "limit"] and "200" in error["message"]


def _queries(api, path, django_assert_max_num_queries, budget) -> None:
    with django_assert_max_num_queries(budget):
        page = api.json(path, {"limit": 200})
    assert page["items"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/regions", "/api/v1/households", "/api/v1/grades", "/api/v1/cycles", "results"],
)
def test_a_page_costs_a_fixed_number_of_queries(world, api_as, path, django_assert_max_num_queries):
    from tests.api.data import final_cycle

    cycle = final_cycle(world)
    path = f"/api/v1/cycles/{cycle.pk}/results" if path == "results" else path
    api = api_as("district_admin")
    api.get(path)  # the token's last use is written once, outside the budget
    # the token, its rate count, the scope, the user's person, the page, the grade changes (2)
    budget = 7
    _queries(api, path, django_assert_max_num_queries, budget)
    _more_households(world, 40)
    _queries(api, path, django_assert_max_num_queries, budget)
