"""The shop endpoints: a household's wallet for the household and, with only what the
counter shows, for the clerk of a shop serving it; the history for the household
only; redemptions for the household (its own) and the clerk (their shops')."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.api.money_world import API, bearer, shops


@pytest.fixture
def shopped(world):
    return shops(world)


def get(client, user, path, **params):
    return client.get(f"{API}{path}", params, **bearer(user))


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


COUNTER_FIELDS = {
    "household_id",
    "household_number",
    "head_name_masked",
    "village_id",
    "village_name",
    "grade",
    "grade_label",
    "balance",
    "expired",
    "spendable",
    "as_of",
}


def test_the_clerk_sees_only_what_the_counter_shows(shopped, client):
    response = get(
        client, shopped.users["shop_clerk"], f"/shop/households/{shopped.household.pk}/wallet"
    )
    assert response.status_code == 200, response.content
    wallet = response.json()
    assert set(wallet) == COUNTER_FIELDS
    assert wallet["head_name_masked"] == "王*山" and "王大山" not in response.content.decode()
    assert wallet["grade"] == "3A" and wallet["balance"] == "80.00"  # 100 less two towels
    history = get(
        client,
        shopped.users["shop_clerk"],
        f"/shop/households/{shopped.household.pk}/wallet/history",
    )
    assert history.status_code == 403


def test_a_clerk_reads_nothing_of_a_village_their_shop_does_not_serve(shopped, client):
    clerk_a2 = shopped.clerk_a2
    assert (
        get(client, clerk_a2, f"/shop/households/{shopped.household.pk}/wallet").status_code == 404
    )
    assert get(client, clerk_a2, f"/shop/redemptions/{shopped.redemption.pk}").status_code == 404
    assert ids(get(client, clerk_a2, "/shop/redemptions")) == {shopped.redemption_a2.pk}
    clerk = shopped.users["shop_clerk"]
    assert (
        get(client, clerk, f"/shop/households/{shopped.household_a2.pk}/wallet").status_code == 404
    )
    assert ids(get(client, clerk, "/shop/redemptions")) == {shopped.redemption.pk}


def test_the_household_reads_its_own_wallet_history_and_redemptions(shopped, client):
    villager = shopped.users["villager"]
    path = f"/shop/households/{shopped.household.pk}"
    assert get(client, villager, f"{path}/wallet").json()["spendable"] == "80.00"
    movements = get(client, villager, f"{path}/wallet/history").json()["items"]
    assert [(m["label"], m["points"]) for m in movements] == [
        ("用掉", "-20.00"),
        ("得到", "100.00"),
    ]
    assert movements[0]["redemption_id"] == shopped.redemption.pk
    assert ids(get(client, villager, "/shop/redemptions")) == {shopped.redemption.pk}
    receipt = get(client, villager, f"/shop/redemptions/{shopped.redemption.pk}").json()
    assert receipt["number"] == shopped.redemption.number
    assert [
        (line["product_name"], line["quantity"], line["points"]) for line in receipt["lines"]
    ] == [("毛巾", 2, "20.00")]
    assert Decimal(receipt["balance_after"]) == Decimal("80")


def test_another_household_reads_nothing_of_it(shopped, client):
    neighbour = shopped.users["other_villager"]
    path = f"/shop/households/{shopped.household.pk}"
    assert get(client, neighbour, f"{path}/wallet").status_code == 404
    assert get(client, neighbour, f"{path}/wallet/history").status_code == 404
    assert get(client, neighbour, f"/shop/redemptions/{shopped.redemption.pk}").status_code == 404
    assert ids(get(client, neighbour, "/shop/redemptions")) == set()


@pytest.mark.parametrize(
    "username", ["committee_head", "town_admin", "district_admin", "credit_officer"]
)
def test_other_staff_are_refused(shopped, client, username):
    user = shopped.users[username]
    for path in (
        f"/shop/households/{shopped.household.pk}/wallet",
        "/shop/redemptions",
        f"/shop/redemptions/{shopped.redemption.pk}",
    ):
        response = get(client, user, path)
        assert response.status_code == 403, (path, response.status_code)
        assert response.json()["code"] == "forbidden"


def test_lists_take_a_fixed_number_of_queries(shopped, client, django_assert_max_num_queries):
    from sanxin.rewards.services.redemptions import Line, redemption_create
    from tests.rewards.counter_shop import head_of

    redemption_create(
        actor=shopped.users["shop_clerk"],
        shop=shopped.open_shop.shop,
        household=shopped.household,
        lines=[Line(product=shopped.open_shop.rice, quantity=1)],
        collected_by=head_of(shopped.household),
        idempotency_key="one-more",
    )
    headers = bearer(shopped.users["villager"])
    with django_assert_max_num_queries(8):
        response = client.get(f"{API}/shop/redemptions", **headers)
    assert len(response.json()["items"]) == 2
    with django_assert_max_num_queries(8):
        history = client.get(
            f"{API}/shop/households/{shopped.household.pk}/wallet/history", **headers
        )
    assert len(history.json()["items"]) == 3
