"""The villager's side of the points supermarket: their own household's points, where
they came from and went (in plain words), what the shop near them offers the
household, their receipts and the points about to expire; nobody else's household."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sanxin.rewards.services.redemptions import Line, redemption_create, redemption_void
from sanxin.rewards.services.wallets import wallet_expire
from tests.factories import approved_entry
from tests.rewards.conftest import give_grade, give_points, head


def main_of(response) -> str:
    body = response.content.decode()
    return body[body.index("<main") : body.index("</main>")]


def _buy(world, shop, product, key, quantity=1):
    return redemption_create(
        actor=world.users["shop_clerk"],
        shop=shop,
        household=world.household,
        lines=[Line(product, quantity)],
        collected_by=head(world.household),
        idempotency_key=key,
    )


@pytest.fixture
def story(world, scheme, shop, products, graded):
    """The household's year: points expired yesterday, an approved point entry, two
    allowances (one ending in ten days), a redemption and a voided one."""
    today = timezone.localdate()
    give_points(world.household, 5, expires_on=today - timedelta(days=1))
    wallet_expire(today=today, household_ids=[world.household.pk])
    approved_entry(world, occurred_on=today - timedelta(days=3), item="public.donation")
    give_points(world.household, 40, expires_on=today + timedelta(days=10))
    give_points(world.household, 100, expires_on=today + timedelta(days=400))
    kept = _buy(world, shop, products["rice"], "k1")
    voided = _buy(world, shop, products["towel"], "k2", 2)
    redemption_void(actor=world.users["shop_clerk"], redemption=voided, reason="拿错了")
    return {"kept": kept, "voided": voided, "today": today}


def test_my_points_page_shows_balance_expiry_shop_and_latest(world, story, login):
    from sanxin.rewards.models import Wallet

    client = login(world.users["villager"])
    response = client.get(f"/shop/mine/{world.household.pk}/")
    assert response.status_code == 200
    body = main_of(response)
    balance = Wallet.objects.get(household=world.household).balance
    assert f'<p class="key-figure">{balance.normalize():f}<' in body
    # 40 points end in ten days; the rice (30) was taken from them first (oldest first)
    last_day = story["today"] + timedelta(days=10)
    assert f"10 分要在 {last_day.year}年{last_day.month}月{last_day.day}日 前用掉" in body
    assert "您家可以到“大贵口积分超市”兑换" in body and "3A" in body
    assert "兑换已撤销，积分退回" in body  # the latest movement


def test_history_tells_each_cause_in_plain_words(world, story, login):
    client = login(world.users["villager"])
    body = main_of(client.get(f"/shop/mine/{world.household.pk}/history/"))
    kept, voided = story["kept"], story["voided"]
    assert f"在积分超市兑换商品，小票 {kept.number}" in body
    assert f"兑换已撤销，积分退回（小票 {voided.number}）" in body
    assert "积分入账：" in body  # the volunteer entry, with its item name and date
    assert "信用等级评定的奖励积分" in body
    yesterday = story["today"] - timedelta(days=1)
    assert f"{yesterday:%Y-%m-%d} 到期未用的积分过期" in body
    for label in ("得到", "用掉", "过期", "退回"):
        assert f'class="mine-move-label">{label}<' in body
    assert "entry_credit" not in body and "allowance" not in body  # no codes


def test_the_catalogue_says_what_the_household_may_take(world, story, login):
    client = login(world.users["villager"])
    body = main_of(client.get(f"/shop/mine/{world.household.pk}/catalogue/"))
    assert "大贵口积分超市" in body
    assert "食用油" in body and "限4A及以上农户兑换" in body  # the household is 3A
    assert "毛巾" in body and "本期还能换 2 条" in body  # the voided towels count for nothing
    assert "大米" in body and "30 分 / 袋" in body


def test_a_household_below_the_gate_is_told_why_and_keeps_its_points(world, shop, login):
    give_grade(world.household, "2A", on=timezone.localdate() - timedelta(days=5))
    give_points(world.household, 50)
    body = main_of(login(world.users["villager"]).get(f"/shop/mine/{world.household.pk}/"))
    assert "您家现在不能兑换" in body and "3A及以上才能兑换" in body
    assert "积分不会因此减少" in body


def test_receipts_list_lines_collector_and_voids(world, story, login):
    from django.urls import NoReverseMatch, reverse

    client = login(world.users["villager"])
    body = main_of(client.get(f"/shop/mine/{world.household.pk}/receipts/"))
    assert story["kept"].number in body and story["voided"].number in body
    assert "大米 × 1袋" in body and "毛巾 × 2条" in body
    assert "这次兑换已于" in body and "撤销，积分已退回" in body
    assert "领取人 王大山" in body
    try:
        url = reverse("rewards:receipt", args=[story["kept"].pk])
    except NoReverseMatch:
        return  # the counter's receipt page is not merged yet: no link
    assert f'href="{url}"' in body
    assert client.get(url).status_code == 200  # the counter's receipt page opens for them


def test_a_household_with_nothing_yet(world, login):
    client = login(world.users["villager"])
    for path in ("", "history/", "catalogue/", "receipts/"):
        response = client.get(f"/shop/mine/{world.household.pk}/{path}")
        assert response.status_code == 200
    body = main_of(client.get(f"/shop/mine/{world.household.pk}/"))
    assert '<p class="key-figure">0<' in body and "您村还没有开积分超市" in body


@pytest.mark.parametrize(
    "username, status",
    [
        ("other_villager", 404),  # another household of the same village
        ("committee_head", 403),  # sees the household, but it is not theirs
        ("shop_clerk", 403),
        ("neighbour_committee_head", 404),
        ("credit_officer", 403),  # no shop.view
        ("no_role", 403),
    ],
)
def test_only_the_household_itself_sees_its_pages(world, login, username, status):
    client = login(world.users[username])
    for path in ("", "history/", "catalogue/", "receipts/"):
        assert client.get(f"/shop/mine/{world.household.pk}/{path}").status_code == status


def test_pages_keep_a_fixed_number_of_queries(
    world, scheme, shop, products, graded, login, django_assert_max_num_queries
):
    """The same number of queries for 2 and for 7 redemptions (no query per row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    give_points(world.household, 5000)
    client = login(world.users["villager"])
    budgets = {"": 17, "history/": 8, "catalogue/": 14, "receipts/": 9}

    def counts() -> dict[str, int]:
        found = {}
        for path, budget in budgets.items():
            with django_assert_max_num_queries(budget), CaptureQueriesContext(connection) as q:
                assert client.get(f"/shop/mine/{world.household.pk}/{path}").status_code == 200
            found[path] = len(q.captured_queries)
        return found

    _buy(world, shop, products["rice"], "q0")
    _buy(world, shop, products["towel"], "q1")
    few = counts()
    for i in range(2, 7):  # the rice's whole stock and the towels' monthly limit
        _buy(world, shop, products["rice"] if i < 6 else products["towel"], f"q{i}")
    assert counts() == few


def test_the_villagers_home_page_links_to_their_points(world, login):
    body = login(world.users["villager"]).get("/").content.decode()
    assert f'href="/shop/mine/{world.household.pk}/"' in body and "积分超市：我家的积分" in body
