"""Expiry: points are spent oldest first; what remains of points whose last day has
passed becomes an expiry row (never a deletion), at midnight exactly; households are
told once, 30 days before."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from sanxin.notifications.models import Notification
from sanxin.rewards.choices import WalletKind
from sanxin.rewards.eligibility import redemption_eligibility
from sanxin.rewards.models import ExpiryNotice, Wallet, WalletEntry
from sanxin.rewards.services.redemptions import Line, redemption_create, redemption_void
from sanxin.rewards.services.wallets import wallet_expire, wallet_notify_expiring
from tests.rewards.conftest import at, give_points, head

LAST_DAY = date(2026, 6, 30)


def _balance(household) -> Decimal:
    return Wallet.objects.get(household=household).balance


def _expired(household) -> list[Decimal]:
    return list(
        WalletEntry.objects.filter(household=household, kind=WalletKind.EXPIRY)
        .order_by("id")
        .values_list("points", flat=True)
    )


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
def lots(world, graded, clock):
    clock(at(date(2026, 3, 1)))
    give_points(graded, 40, expires_on=LAST_DAY)
    give_points(graded, 30, expires_on=date(2026, 12, 31))
    return graded


def test_a_point_is_spendable_through_its_last_day_and_gone_the_next(
    world, shop, products, lots, clock
):
    rice = products["rice"]  # 30 points
    clock(at(LAST_DAY, 23, 59, 59))
    assert redemption_eligibility(lots, shop).spendable == Decimal(70)
    _buy(world, shop, rice, "late")  # the oldest points go first: 10 of the 40 are left
    clock(at(date(2026, 7, 1), 0, 0, 0))
    eligibility = redemption_eligibility(lots, shop)
    assert (eligibility.balance, eligibility.expiring) == (Decimal(40), Decimal(10))
    assert eligibility.spendable == Decimal(30)
    _buy(world, shop, rice, "midnight")  # before the daily run: the counter expires first
    assert _expired(lots) == [Decimal(-10)]
    assert _balance(lots) == Decimal(0)
    with pytest.raises(ValidationError, match="积分不足"):
        _buy(world, shop, products["towel"], "more")


def test_the_daily_run_expires_what_is_left_oldest_first_and_once(world, shop, products, lots):
    _buy(world, shop, products["rice"], "a")  # 30 of the 40 points ending 30 June
    assert wallet_expire(today=LAST_DAY).households == 0
    result = wallet_expire(today=date(2026, 7, 1))
    assert (result.households, result.points) == (1, Decimal(10))
    assert wallet_expire(today=date(2026, 7, 2)).households == 0
    assert _expired(lots) == [Decimal(-10)]
    assert _balance(lots) == Decimal(30)
    row = WalletEntry.objects.get(kind=WalletKind.EXPIRY)
    assert row.expires_on == LAST_DAY and row.note == "2026年6月30日到期未使用的积分"
    wallet_expire(today=date(2027, 1, 1))
    assert _expired(lots) == [Decimal(-10), Decimal(-30)] and _balance(lots) == 0


def test_a_void_after_the_last_day_gives_back_points_that_then_expire(
    world, shop, products, lots, clock
):
    clock(at(LAST_DAY, 18))
    sale = _buy(world, shop, products["rice"], "a", quantity=2)  # 40 of June's + 20 of December's
    clock(at(date(2026, 7, 3), 9))
    wallet_expire(today=date(2026, 7, 3))
    assert _expired(lots) == []
    request = redemption_void(actor=world.users["shop_clerk"], redemption=sale, reason="退货")
    from sanxin.rewards.services.redemptions import void_confirm

    void_confirm(actor=world.users["committee_member"], request=request, approve=True)
    assert _balance(lots) == Decimal(70)
    wallet_expire(today=date(2026, 7, 4))
    assert _expired(lots) == [Decimal(-40)] and _balance(lots) == Decimal(30)


def test_households_are_told_once_30_days_before(world, lots):
    assert wallet_notify_expiring(today=date(2026, 5, 30)) == 0  # 31 days before
    assert wallet_notify_expiring(today=date(2026, 5, 31)) == 1
    assert wallet_notify_expiring(today=date(2026, 6, 15)) == 0
    notice = Notification.objects.get(household=lots)
    assert notice.kind == "points_expiring"
    assert notice.title == "您家有 40 分积分将于2026年6月30日过期"
    assert ExpiryNotice.objects.get().points == Decimal(40)


def test_the_command_expires_and_tells(world, lots, capsys):
    # Points that ended more than 31 days ago are caught up only with --all.
    call_command("expire_points", "--date", "2026-12-01")
    assert capsys.readouterr().out.strip() == (
        "2026-12-01：0 户共 0 分积分过期，1 户收到即将过期提醒"
    )
    call_command("expire_points", "--date", "2026-12-01", "--all")
    assert capsys.readouterr().out.strip() == (
        "2026-12-01：1 户共 40 分积分过期，0 户收到即将过期提醒"
    )
    assert _balance(lots) == Decimal(30)
