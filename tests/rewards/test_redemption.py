"""The counter: a redemption debits the wallet and the stock once, in one transaction,
behind the gate (grade, product grade, limits, stock, balance), with an idempotency
key; voids add reversing rows, once; paper slips are all or nothing."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.db.models import Sum

from sanxin.audit.models import AuditEvent
from sanxin.rewards.choices import RequestState, WalletKind
from sanxin.rewards.eligibility import redemption_eligibility
from sanxin.rewards.models import (
    Product,
    Redemption,
    RedemptionVoid,
    StockMovement,
    VoidRequest,
    Wallet,
    WalletEntry,
)
from sanxin.rewards.services.redemptions import (
    Line,
    PaperSlip,
    SlipErrors,
    paper_batch_redeem,
    redemption_create,
    redemption_void,
    void_confirm,
)
from tests.factories import make_user
from tests.rewards.conftest import at, give_grade, give_points, head


def _balance(household) -> Decimal:
    return Wallet.objects.get(household=household).balance


def _redeem(world, shop, household, *lines, key="k1", **kwargs):
    return redemption_create(
        actor=world.users["shop_clerk"],
        shop=shop,
        household=household,
        lines=[Line(p, q) for p, q in lines],
        collected_by=head(household),
        idempotency_key=key,
        **kwargs,
    )


@pytest.fixture
def ready(world, shop, products, graded, clock):
    clock(at(date(2026, 3, 10)))
    give_points(graded, 100)
    return world


def test_a_redemption_debits_wallet_and_stock_once_and_gives_a_receipt_number(
    ready, shop, products
):
    h = ready.household
    r = _redeem(ready, shop, h, (products["towel"], 2), (products["rice"], 1))
    # <shop code>-<day>-<the redemption's id, at least 4 digits>: unique, no gapless count
    assert r.number == f"DGK-20260310-{r.pk:04d}" and r.total_points == Decimal(50)
    assert _balance(h) == Decimal(50)
    assert WalletEntry.objects.get(redemption=r).points == Decimal(-50)
    products["towel"].refresh_from_db()
    assert products["towel"].stock_quantity == 3
    assert StockMovement.objects.filter(redemption=r).count() == 2
    assert AuditEvent.objects.filter(action="redemption.create", object_id=str(r.pk)).exists()
    second = _redeem(ready, shop, h, (products["rice"], 1), key="k2")
    assert second.number == f"DGK-20260310-{second.pk:04d}" and second.pk > r.pk


def test_a_repeated_key_redeems_once_and_a_different_basket_under_it_is_refused(
    ready, shop, products
):
    h = ready.household
    first = _redeem(ready, shop, h, (products["rice"], 1))
    again = _redeem(ready, shop, h, (products["rice"], 1))
    assert again.pk == first.pk and _balance(h) == Decimal(70)
    with pytest.raises(ValidationError, match="另一笔不同的兑换"):
        _redeem(ready, shop, h, (products["rice"], 2))
    assert Redemption.objects.count() == 1 and _balance(h) == Decimal(70)


def test_below_the_gate_the_shop_is_closed_and_the_balance_kept(world, shop, products, clock):
    clock(at(date(2026, 3, 10)))
    h = world.household
    give_grade(h, "2A", on=date(2026, 1, 1))
    give_points(h, 100)
    eligibility = redemption_eligibility(h, shop)
    assert not eligibility.open
    assert eligibility.reasons == ["该户信用等级为2A，3A及以上才能兑换"]
    with pytest.raises(ValidationError) as refused:
        _redeem(world, shop, h, (products["rice"], 1))
    assert refused.value.message_dict["household"] == ["该户信用等级为2A，3A及以上才能兑换"]
    assert _balance(h) == Decimal(100)


def test_a_product_may_ask_a_higher_grade(ready, shop, products):
    with pytest.raises(ValidationError, match="“食用油”限4A及以上农户兑换"):
        _redeem(ready, shop, ready.household, (products["oil"], 1))
    give_grade(ready.household, "4A", on=date(2026, 2, 1))
    _redeem(ready, shop, ready.household, (products["oil"], 1))
    assert _balance(ready.household) == Decimal(50)


def test_a_downgrade_in_the_middle_of_a_sale_refuses_it(ready, shop, products):
    h = ready.household
    assert redemption_eligibility(h, shop).open  # the clerk sees the household allowed
    give_grade(h, "A", on=date(2026, 3, 10), source="dynamic")  # a veto lands meanwhile
    with pytest.raises(ValidationError, match="该户信用等级为A，3A及以上才能兑换"):
        _redeem(ready, shop, h, (products["rice"], 1))
    assert _balance(h) == Decimal(100) and not Redemption.objects.exists()


def test_limits_count_the_period_and_not_voided_redemptions(ready, shop, products, clock):
    h, towel = ready.household, products["towel"]
    _redeem(ready, shop, h, (towel, 1), key="a")
    with pytest.raises(ValidationError) as refused:
        _redeem(ready, shop, h, (towel, 2), key="b")
    assert refused.value.message_dict["lines"] == [
        "“毛巾”每月每户限兑 2 条，本月已兑 1 条，本次最多还能兑 1 条"
    ]
    second = _redeem(ready, shop, h, (towel, 1), key="c")
    redemption_void(actor=ready.users["shop_clerk"], redemption=second, reason="拿错了")
    _redeem(ready, shop, h, (towel, 1), key="d")  # the voided one does not count
    clock(at(date(2026, 4, 1), 8))
    _redeem(ready, shop, h, (towel, 2), key="e")  # a new month


def test_stock_and_balance_refuse_with_what_is_short(ready, shop, products):
    h = ready.household
    with pytest.raises(ValidationError) as refused:
        _redeem(ready, shop, h, (products["rice"], 6))
    assert refused.value.message_dict["lines"] == [
        "“大米”库存不足：需要 6 袋，库存 5 袋",
        "积分不足：本次需要 180 分，可用 100 分",
    ]
    assert _balance(h) == Decimal(100)


def test_only_a_clerk_of_the_shop_for_a_household_it_serves(ready, shop, products):
    with pytest.raises(PermissionDenied):
        redemption_create(
            actor=ready.users["committee_head"],
            shop=shop,
            household=ready.household,
            lines=[Line(products["rice"], 1)],
            collected_by=head(ready.household),
            idempotency_key="x",
        )
    neighbour = make_user("neighbour_clerk", "shop_clerk", region=ready.village_a2)
    with pytest.raises(PermissionDenied):
        redemption_create(
            actor=neighbour,
            shop=shop,
            household=ready.household,
            lines=[Line(products["rice"], 1)],
            collected_by=head(ready.household),
            idempotency_key="x",
        )
    town_clerk = make_user("town_clerk", "shop_clerk", region=ready.town_a)
    give_grade(ready.household_a2, "3A", on=date(2026, 1, 1))
    with pytest.raises(ValidationError, match="不服务邻村的农户"):
        redemption_create(
            actor=town_clerk,
            shop=shop,
            household=ready.household_a2,
            lines=[Line(products["rice"], 1)],
            collected_by=head(ready.household_a2),
            idempotency_key="x",
        )


def test_the_collector_is_a_member_of_the_household(ready, shop, products):
    with pytest.raises(ValidationError, match="领取人必须是该户的在户成员"):
        redemption_create(
            actor=ready.users["shop_clerk"],
            shop=shop,
            household=ready.household,
            lines=[Line(products["rice"], 1)],
            collected_by=head(ready.household_a1_2),
            idempotency_key="x",
        )


# --- voids ------------------------------------------------------------------------------


def test_a_same_day_void_gives_points_and_goods_back_once(ready, shop, products):
    h, clerk = ready.household, ready.users["shop_clerk"]
    r = _redeem(ready, shop, h, (products["rice"], 2))
    void = redemption_void(actor=clerk, redemption=r, reason="农户改主意")
    assert isinstance(void, RedemptionVoid) and void.confirmed_by is None
    assert _balance(h) == Decimal(100)
    products["rice"].refresh_from_db()
    assert products["rice"].stock_quantity == 5
    with pytest.raises(ValidationError, match="已经撤销，不能再次撤销"):
        redemption_void(actor=clerk, redemption=r, reason="再撤一次")
    assert WalletEntry.objects.filter(kind=WalletKind.VOID).count() == 1
    assert AuditEvent.objects.filter(action="redemption.void").count() == 1


def test_a_later_void_waits_for_another_committee_member(ready, shop, products, clock):
    h, clerk = ready.household, ready.users["shop_clerk"]
    r = _redeem(ready, shop, h, (products["rice"], 1))
    clock(at(date(2026, 3, 11), 9))
    request = redemption_void(actor=clerk, redemption=r, reason="小票打错")
    assert isinstance(request, VoidRequest) and request.state == RequestState.PENDING
    assert _balance(h) == Decimal(70)
    with pytest.raises(ValidationError, match="已有待确认的撤销申请"):
        redemption_void(actor=clerk, redemption=r, reason="再申请")
    with pytest.raises(PermissionDenied):
        void_confirm(actor=clerk, request=request, approve=True)
    with pytest.raises(ValidationError, match="驳回必须填写理由"):
        void_confirm(actor=ready.users["committee_member"], request=request, approve=False)
    void = void_confirm(actor=ready.users["committee_member"], request=request, approve=True)
    assert void.confirmed_by == ready.users["committee_member"] and _balance(h) == Decimal(100)
    with pytest.raises(ValidationError, match="已经处理过"):
        void_confirm(actor=ready.users["committee_head"], request=request, approve=True)
    assert WalletEntry.objects.filter(kind=WalletKind.VOID).count() == 1


def test_a_committee_member_cannot_confirm_their_own_request(ready, shop, products, clock):
    r = _redeem(ready, shop, ready.household, (products["rice"], 1))
    member = ready.users["committee_member"]
    request = redemption_void(actor=member, redemption=r, reason="核对有误")
    assert isinstance(request, VoidRequest)  # a committee member only asks, even the same day
    with pytest.raises(ValidationError, match="不能确认自己提出的撤销申请"):
        void_confirm(actor=member, request=request, approve=True)
    assert (
        void_confirm(
            actor=ready.users["committee_head"], request=request, approve=False, reason="小票无误"
        )
        is None
    )
    request.refresh_from_db()
    assert request.state == RequestState.REJECTED and _balance(ready.household) == Decimal(70)


# --- paper slips ------------------------------------------------------------------------


def _slip(world, number, day, *lines, household=None):
    household = household or world.household
    return PaperSlip(
        number=number,
        household=household,
        collected_by=head(household),
        occurred_at=at(day, 15),
        lines=[Line(p, q) for p, q in lines],
    )


def test_paper_slips_that_break_a_limit_are_refused_all_together(ready, shop, products):
    towel = products["towel"]
    slips = [
        _slip(ready, "P-001", date(2026, 3, 2), (towel, 1)),
        _slip(ready, "P-002", date(2026, 3, 5), (towel, 1), (products["rice"], 1)),
        _slip(ready, "P-003", date(2026, 3, 8), (towel, 1)),
    ]
    with pytest.raises(SlipErrors) as refused:
        paper_batch_redeem(actor=ready.users["shop_clerk"], shop=shop, slips=slips)
    assert refused.value.messages == [
        "单据 P-003：商品：“毛巾”每月每户限兑 2 条，本月已兑 2 条，本次最多还能兑 0 条"
    ]
    assert not Redemption.objects.exists() and _balance(ready.household) == Decimal(100)


def test_paper_slips_are_checked_on_their_own_dates_and_entered_once(ready, shop, products):
    towel, clerk = products["towel"], ready.users["shop_clerk"]
    before_grade = _slip(ready, "P-000", date(2025, 12, 20), (towel, 1))
    with pytest.raises(SlipErrors, match="单据 P-000：农户：该户目前没有有效的信用等级"):
        paper_batch_redeem(actor=clerk, shop=shop, slips=[before_grade])
    slips = [
        _slip(ready, "P-001", date(2026, 2, 27), (towel, 2)),
        _slip(ready, "P-002", date(2026, 3, 2), (towel, 2)),  # another month
    ]
    done = paper_batch_redeem(actor=clerk, shop=shop, slips=slips)
    assert [r.source for r in done] == ["paper", "paper"]
    assert done[0].occurred_at == at(date(2026, 2, 27), 15)
    assert paper_batch_redeem(actor=clerk, shop=shop, slips=slips) == done  # submitted again
    assert _balance(ready.household) == Decimal(60)
    assert AuditEvent.objects.filter(action="redemption.paper_batch").count() == 2


def test_paper_slip_numbers_are_unique_in_a_batch(ready, shop, products):
    slips = [
        _slip(ready, "P-1", date(2026, 3, 2), (products["rice"], 1)),
        _slip(ready, "P-1", date(2026, 3, 3), (products["rice"], 1)),
    ]
    with pytest.raises(SlipErrors, match="单据 P-1：单据号：单据号重复"):
        paper_batch_redeem(actor=ready.users["shop_clerk"], shop=shop, slips=slips)


# --- concurrency ----------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one writer at a time (IMMEDIATE transactions): no race to test",
)
def test_concurrent_redemptions_never_overdraw_a_wallet_or_a_product(
    committing, world, shop, products
):
    h = world.household
    give_grade(h, "3A", on=date(2026, 1, 1))
    give_points(h, 100)  # 3 bags of rice at 30; 5 in stock
    rice = products["rice"]
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def worker(n: int) -> None:
        try:
            barrier.wait()
            _redeem(world, shop, h, (rice, 1), key=f"t{n}")
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 3 and outcomes.count("refused") == 5
    assert _balance(h) == Decimal(10)
    rice.refresh_from_db()
    assert rice.stock_quantity == 2
    total = WalletEntry.objects.filter(household=h).aggregate(s=Sum("points"))["s"]
    assert total == Decimal(10)
    assert Product.objects.get(pk=rice.pk).stock_quantity == 2


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one writer at a time (IMMEDIATE transactions): no race to test",
)
def test_a_double_tap_at_the_same_moment_redeems_once(committing, world, shop, products):
    h = world.household
    give_grade(h, "3A", on=date(2026, 1, 1))
    give_points(h, 100)
    results: list[int] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        try:
            barrier.wait()
            results.append(_redeem(world, shop, h, (products["rice"], 1), key="same").pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and len(set(results)) == 1
    assert Redemption.objects.count() == 1 and _balance(h) == Decimal(70)
