"""The staff side of the shop: shops and their villages, the catalogue, stock
receipts paid from a funding source, adjustments confirmed by a second person,
stocktakes, money received."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils import timezone
from PIL import Image

from sanxin.audit.models import AuditEvent
from sanxin.rewards.choices import RequestState, StockKind
from sanxin.rewards.models import FundingReceipt, Product, StockMovement
from sanxin.rewards.services import funding, shops, stock
from sanxin.rewards.services.funding import funding_balance
from tests.crafted_files import image_bytes
from tests.rewards.shop_helpers import (
    make_product,
    make_shop,
    make_source,
    receive,
    stocked_shop,
)

pytestmark = pytest.mark.django_db


# --- shops -------------------------------------------------------------------------


def test_a_village_committee_opens_its_village_shop(world):
    shop = make_shop(world)
    assert list(shop.villages.all()) == [world.village_a1]
    assert shop.code == "DGK"
    assert AuditEvent.objects.get(action="shop.create").object_id == str(shop.pk)


def test_a_town_runs_one_shop_for_several_villages(world):
    shop = shops.shop_create(
        actor=world.users["town_admin"],
        region=world.town_a,
        name="双塔山镇积分超市",
        code="sts",
        villages=[world.village_a1, world.village_a2],
    )
    assert shop.code == "STS"
    assert set(shop.villages.all()) == {world.village_a1, world.village_a2}


def test_the_villages_served_lie_in_the_shop_region(world):
    with pytest.raises(ValidationError) as exc:
        shops.shop_create(
            actor=world.users["district_admin"],
            region=world.town_a,
            name="双塔山镇积分超市",
            code="STS",
            villages=[world.village_a1, world.village_b1],
        )
    assert "外乡村”不在双塔山镇范围内" in str(exc.value)
    with pytest.raises(ValidationError, match="只服务本村"):
        shops.shop_create(
            actor=world.users["district_admin"],
            region=world.village_a1,
            name="大贵口村积分超市",
            code="DGK",
            villages=[world.village_a1, world.village_a2],
        )


def test_a_village_is_served_by_one_open_shop(world):
    make_shop(world)
    with pytest.raises(ValidationError, match="已由“大贵口村积分超市”服务"):
        shops.shop_create(
            actor=world.users["town_admin"],
            region=world.town_a,
            name="双塔山镇积分超市",
            code="STS",
            villages=[world.village_a1, world.village_a2],
        )


def test_who_may_open_a_shop(world):
    for username in ("shop_clerk", "neighbour_committee_head", "committee_member", "villager"):
        with pytest.raises(PermissionDenied):
            shops.shop_create(
                actor=world.users[username],
                region=world.village_a1,
                name="大贵口村积分超市",
                code="DGK",
                villages=[world.village_a1],
            )


def test_a_shop_code_is_unique_and_plain(world):
    make_shop(world)
    with pytest.raises(ValidationError, match="已被其他积分超市使用"):
        shops.shop_create(
            actor=world.users["town_admin"],
            region=world.village_a2,
            name="邻村积分超市",
            code="dgk",
            villages=[world.village_a2],
        )
    with pytest.raises(ValidationError, match="大写字母或数字"):
        shops.shop_create(
            actor=world.users["town_admin"],
            region=world.village_a2,
            name="邻村积分超市",
            code="邻村",
            villages=[world.village_a2],
        )


def test_closing_a_shop_frees_its_village(world):
    shop = make_shop(world)
    shops.shop_update(
        actor=world.users["committee_head"],
        shop=shop,
        name=shop.name,
        villages=[world.village_a1],
        active=False,
    )
    town_shop = shops.shop_create(
        actor=world.users["town_admin"],
        region=world.town_a,
        name="双塔山镇积分超市",
        code="STS",
        villages=[world.village_a1, world.village_a2],
    )
    assert town_shop.active
    event = AuditEvent.objects.get(action="shop.update")
    assert (event.before, event.after) == ({"open": True}, {"open": False})


# --- products ----------------------------------------------------------------------


def test_a_product_with_a_photo_gate_and_limit(world):
    shop = make_shop(world)
    photo = SimpleUploadedFile("towel.jpg", image_bytes("JPEG", (40, 30)), "image/jpeg")
    product = make_product(
        world,
        shop,
        "暖壶",
        price="60",
        unit="个",
        min_grade="4A",
        limit_quantity=1,
        limit_period="year",
        photo=photo,
    )
    assert (product.stock_quantity, product.active, product.min_grade) == (0, True, "4A")
    stored = product.photo
    with stored.image.open("rb") as handle, Image.open(handle) as image:
        assert image.format == "JPEG" and not image.getexif()
    assert len(stored.sha256) == 64


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"price": "0"}, "price_points"),
        ({"price": "-5"}, "price_points"),
        ({"limit_quantity": 2}, "limit_quantity"),
        ({"limit_period": "month"}, "limit_quantity"),
    ],
)
def test_a_product_price_is_positive_and_a_limit_complete(world, extra, field):
    shop = make_shop(world)
    with pytest.raises(ValidationError) as exc:
        make_product(world, shop, "毛巾", **extra)
    assert field in exc.value.message_dict


def test_a_photo_that_is_not_a_photo_is_refused(world):
    shop = make_shop(world)
    fake = SimpleUploadedFile("towel.jpg", b"not an image", "image/jpeg")
    with pytest.raises(ValidationError) as exc:
        make_product(world, shop, "毛巾", photo=fake)
    assert "无法识别" in exc.value.message_dict["photo"][0]
    assert not Product.objects.exists()


def test_a_product_is_taken_off_the_shelf_not_deleted(world):
    shop = make_shop(world)
    product = make_product(world, shop, "毛巾", price="10")
    shops.product_update(
        actor=world.users["committee_head"],
        product=product,
        name="毛巾",
        unit="条",
        price_points=Decimal("12"),
        active=False,
    )
    product.refresh_from_db()
    assert (product.active, product.price_points) == (False, Decimal("12"))
    event = AuditEvent.objects.get(action="product.update")
    assert event.before == {"price_points": "10.00", "on_shelf": True}


def test_the_clerk_may_not_change_the_catalogue(world):
    shop = make_shop(world)
    with pytest.raises(PermissionDenied):
        shops.product_create(
            actor=world.users["shop_clerk"],
            shop=shop,
            name="毛巾",
            unit="条",
            price_points=Decimal("10"),
        )


# --- funding and receipts ----------------------------------------------------------


def test_goods_received_are_paid_from_the_source(world):
    shop = make_shop(world)
    source = make_source(world, shop, amount=Decimal("500.00"))
    towel = make_product(world, shop)
    movement = receive(world, towel, source, 40, "8.50")
    towel.refresh_from_db()
    assert towel.stock_quantity == 40
    assert (movement.kind, movement.amount, movement.funding_source) == (
        StockKind.RECEIPT,
        Decimal("340.00"),
        source,
    )
    assert funding_balance(source) == Decimal("160.00")
    assert AuditEvent.objects.get(action="stock.receive").after["amount"] == "340.00"


def test_a_receipt_the_source_cannot_pay_is_refused(world):
    shop = make_shop(world)
    source = make_source(world, shop, amount=Decimal("100.00"))
    towel = make_product(world, shop)
    with pytest.raises(ValidationError) as exc:
        receive(world, towel, source, 40, "8.50")
    assert (
        "余额 100.00 元，不够支付这批货款 340.00 元" in exc.value.message_dict["funding_source"][0]
    )
    assert not StockMovement.objects.exists()
    funding.funding_receive(
        actor=world.users["committee_head"],
        source=source,
        amount=Decimal("240.00"),
        received_on=date(2025, 10, 2),
    )
    receive(world, towel, source, 40, "8.50")
    assert funding_balance(source) == Decimal("0.00")


def test_a_receipt_is_paid_by_the_shop_own_sources_only(world):
    shop = make_shop(world)
    other = shops.shop_create(
        actor=world.users["town_admin"],
        region=world.village_a2,
        name="邻村积分超市",
        code="LC",
        villages=[world.village_a2],
    )
    foreign = funding.funding_source_create(
        actor=world.users["town_admin"], shop=other, kind="village_collective", name="邻村集体"
    )
    towel = make_product(world, shop)
    with pytest.raises(ValidationError) as exc:
        receive(world, towel, foreign)
    assert "funding_source" in exc.value.message_dict


@pytest.mark.parametrize(
    "quantity, cost, on, field",
    [
        (0, "8.50", None, "quantity"),
        (5, "8.505", None, "unit_cost"),
        (5, "-1", None, "unit_cost"),
        (5, "8.50", "tomorrow", "received_on"),
    ],
)
def test_receipt_checks(world, quantity, cost, on, field):
    shop = make_shop(world)
    source = make_source(world, shop)
    towel = make_product(world, shop)
    day = timezone.localdate() + timedelta(days=1) if on else date(2025, 10, 8)
    with pytest.raises(ValidationError) as exc:
        receive(world, towel, source, quantity, cost, on=day)
    assert field in exc.value.message_dict


def test_stock_is_the_clerk_and_committee_money_is_the_manager(world):
    shop = make_shop(world)
    source = make_source(world, shop)
    towel = make_product(world, shop)
    with pytest.raises(PermissionDenied):
        stock.stock_receive(
            actor=world.users["town_admin"],
            product=towel,
            quantity=1,
            unit_cost=Decimal("1"),
            supplier="x",
            funding_source=source,
            received_on=date(2025, 10, 8),
        )
    with pytest.raises(PermissionDenied):
        funding.funding_receive(
            actor=world.users["shop_clerk"],
            source=source,
            amount=Decimal("1"),
            received_on=date(2025, 10, 8),
        )


def test_money_received_checks(world):
    shop = make_shop(world)
    source = make_source(world, shop, amount=None)
    for amount, field in ((Decimal("0"), "amount"), (Decimal("1.005"), "amount")):
        with pytest.raises(ValidationError) as exc:
            funding.funding_receive(
                actor=world.users["committee_head"],
                source=source,
                amount=amount,
                received_on=date(2025, 10, 8),
            )
        assert field in exc.value.message_dict
    assert not FundingReceipt.objects.exists()
    with pytest.raises(ValidationError, match="已有资金来源"):
        make_source(world, shop)


# --- adjustments --------------------------------------------------------------------


def test_a_loss_is_confirmed_by_a_second_person(world):
    _shop, _source, towel, _soap = stocked_shop(world)
    request = stock.stock_adjust_request(
        actor=world.users["shop_clerk"], product=towel, quantity=-2, reason="受潮发霉"
    )
    towel.refresh_from_db()
    assert towel.stock_quantity == 40  # nothing moves yet
    with pytest.raises(ValidationError, match="另一个人确认"):
        stock.stock_adjust_confirm(actor=world.users["shop_clerk"], adjustment=request)
    movement = stock.stock_adjust_confirm(actor=world.users["committee_member"], adjustment=request)
    towel.refresh_from_db()
    request.refresh_from_db()
    assert towel.stock_quantity == 38
    assert (movement.kind, movement.quantity, movement.confirmed_by) == (
        StockKind.ADJUSTMENT,
        -2,
        world.users["committee_member"],
    )
    assert request.state == RequestState.CONFIRMED
    with pytest.raises(ValidationError, match="已确认"):
        stock.stock_adjust_confirm(actor=world.users["committee_head"], adjustment=request)


def test_a_rejected_adjustment_moves_nothing(world):
    _shop, _source, towel, _soap = stocked_shop(world)
    request = stock.stock_adjust_request(
        actor=world.users["shop_clerk"], product=towel, quantity=-2, reason="丢失"
    )
    with pytest.raises(ValidationError):
        stock.stock_adjust_reject(
            actor=world.users["committee_head"], adjustment=request, reason=""
        )
    stock.stock_adjust_reject(
        actor=world.users["committee_head"], adjustment=request, reason="货架上找到了"
    )
    towel.refresh_from_db()
    assert towel.stock_quantity == 40
    assert not StockMovement.objects.filter(kind=StockKind.ADJUSTMENT).exists()


def test_a_loss_beyond_the_stock_is_refused(world):
    _shop, _source, towel, _soap = stocked_shop(world)
    with pytest.raises(ValidationError, match="库存只有 40"):
        stock.stock_adjust_request(
            actor=world.users["shop_clerk"], product=towel, quantity=-41, reason="丢失"
        )
    first = stock.stock_adjust_request(
        actor=world.users["shop_clerk"], product=towel, quantity=-30, reason="受潮"
    )
    second = stock.stock_adjust_request(
        actor=world.users["committee_member"], product=towel, quantity=-30, reason="鼠咬"
    )
    stock.stock_adjust_confirm(actor=world.users["committee_head"], adjustment=first)
    with pytest.raises(ValidationError, match="库存不足"):
        stock.stock_adjust_confirm(actor=world.users["committee_head"], adjustment=second)
    towel.refresh_from_db()
    assert towel.stock_quantity == 10


def test_an_adjustment_needs_a_reason(world):
    _shop, _source, towel, _soap = stocked_shop(world)
    with pytest.raises(ValidationError) as exc:
        stock.stock_adjust_request(
            actor=world.users["shop_clerk"], product=towel, quantity=-1, reason=" "
        )
    assert "reason" in exc.value.message_dict


# --- stocktakes ---------------------------------------------------------------------


def test_a_stocktake_posts_the_variance(world):
    shop, _source, towel, soap = stocked_shop(world)
    take = stock.stocktake_record(
        actor=world.users["shop_clerk"],
        shop=shop,
        counted_on=date(2025, 10, 31),
        counts={towel.pk: 40, soap.pk: 98},
        note="月末盘点",
    )
    lines = {line.product_id: line for line in take.lines.all()}
    assert (lines[soap.pk].book_quantity, lines[soap.pk].variance) == (100, -2)
    assert lines[towel.pk].variance == 0
    soap.refresh_from_db()
    assert soap.stock_quantity == 98
    (movement,) = StockMovement.objects.filter(kind=StockKind.STOCKTAKE)
    assert (movement.product, movement.quantity, movement.occurred_on) == (
        soap,
        -2,
        date(2025, 10, 31),
    )
    assert AuditEvent.objects.get(action="stocktake.record").after["variances"] == {"香皂": -2}


def test_a_stocktake_counts_every_product(world):
    shop, _source, towel, _soap = stocked_shop(world)
    with pytest.raises(ValidationError, match="“香皂”没有填写实盘数量"):
        stock.stocktake_record(
            actor=world.users["shop_clerk"],
            shop=shop,
            counted_on=date(2025, 10, 31),
            counts={towel.pk: 40},
        )
    assert not StockMovement.objects.filter(kind=StockKind.STOCKTAKE).exists()


# --- concurrency ----------------------------------------------------------------------


@pytest.fixture
def committing(transactional_db):
    """The threads commit for real, and Django then empties every table: drop the
    append-only triggers just for that flush (as the ledger's race tests do)."""
    from sanxin.lib.append_only import append_only_tables, create_triggers, drop_triggers
    from sanxin.rules.services import scheme_versions_unfreeze_for_erase

    create_triggers(append_only_tables())
    yield
    drop_triggers()
    scheme_versions_unfreeze_for_erase()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one writer at a time (IMMEDIATE transactions): no race to test",
)
def test_concurrent_receipts_never_overspend_a_source(committing, world):
    """Six clerks receive goods worth 400 yuan at once from a source holding 1000:
    two receipts pass, the source is never below zero."""
    shop = make_shop(world)
    source = make_source(world, shop, amount=Decimal("1000.00"))
    towel = make_product(world, shop)
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def worker() -> None:
        try:
            barrier.wait()
            receive(world, towel, source, 40, "10.00")
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "ok"] + ["refused"] * 4
    assert funding_balance(source) == Decimal("200.00")
    towel.refresh_from_db()
    assert towel.stock_quantity == 80
