"""The shop counter as the clerk, the committee and the villager use it: finding a
household, its panel, redeeming once per tap, refusals in plain words, receipts,
voids (same day and later), paper slips all or nothing, and what each may see."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from sanxin.audit.models import AuditEvent
from sanxin.households.models import Person
from sanxin.rewards.choices import StockKind
from sanxin.rewards.models import (
    Product,
    Redemption,
    RedemptionVoid,
    VoidRequest,
    Wallet,
)
from sanxin.rewards.services.balances import _stock_post
from sanxin.rewards.services.redemptions import Line, redemption_create, redemption_void
from tests.factories import make_user
from tests.rewards.counter_shop import head_of, open_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_(world):
    return open_shop(world)


@pytest.fixture
def clerk(world, login):
    return login(world.users["shop_clerk"])


def text(response) -> str:
    """The page's visible text, squeezed (no tags, no white space)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return "".join(re.sub(r"<[^>]+>", " ", html).split())


def balance(household) -> Decimal:
    return Wallet.objects.get(household=household).balance


def counter_url(household) -> str:
    return f"/shop/counter/h/{household.pk}/"


def form_data(response) -> dict:
    """The hidden fields of the page's redemption form (the idempotency key, the shop)."""
    html = response.content.decode()
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def redeem_post(client, world, household, quantities: dict, *, step="confirm", key=None):
    page = client.get(counter_url(household))
    hidden = form_data(page)
    data = {
        "shop": hidden["shop"],
        "idempotency_key": key or hidden["idempotency_key"],
        "collected_by": head_of(household).pk,
        "step": step,
    }
    data.update({f"qty_{p.pk}": q for p, q in quantities.items()})
    return client.post(counter_url(household), data)


# --- finding the household ------------------------------------------------------------


def test_clerk_finds_a_household_by_number_name_or_masked_name_only_in_the_shops_villages(
    world, open_, clerk
):
    # The whole 户号 opens the household at once.
    response = clerk.get("/shop/counter/", {"q": world.household.number})
    assert response.status_code == 302 and response["Location"] == counter_url(world.household)
    # The head's full name or the masked name as on the notice: listed, masked.
    for query in ("王大山", "王*山"):
        page = text(clerk.get("/shop/counter/", {"q": query}))
        assert "001号户" in page and "户主王*山" in page and "王大山" not in page
    # A part of a name finds nothing (no unmasking letter by letter).
    assert "没有找到" in text(clerk.get("/shop/counter/", {"q": "王大"}))
    # A household of another village (not served) is not found, not even by name.
    assert "没有找到" in text(clerk.get("/shop/counter/", {"q": "赵三林"}))
    assert clerk.get(counter_url(world.household_a2)).status_code == 404


def test_the_search_answers_htmx_with_the_results_only(world, open_, clerk):
    response = clerk.get("/shop/counter/", {"q": "王*山"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert "户主王*山" in text(response)


# --- the panel ------------------------------------------------------------------------


def test_the_panel_shows_masked_head_grade_balance_stock_and_limits(world, open_, clerk):
    page = text(clerk.get(counter_url(world.household)))
    assert "001号户·户主王*山" in page
    assert "3A" in page and "100" in page and "可以兑换" in page
    assert "库存20条" in page and "每月限兑2条，还可兑2条" in page
    assert "限4A及以上农户兑换" in page  # 食用油 needs 4A
    assert "王大山" not in page  # the clerk sees masked names only
    # Who collected: the members by masked name, the head marked.
    assert "王*山（户主）" in page


def test_a_household_below_the_gate_is_refused_in_plain_words_and_offered_nothing(
    world, open_, clerk
):
    response = clerk.get(counter_url(world.household_a1_2))
    page = text(response)
    assert "不能兑换" in page and "该户信用等级为2A，3A及以上才能兑换" in page
    assert "积分保留" in page
    assert 'name="step"' not in response.content.decode()
    # A crafted POST is refused too, and nothing is recorded.
    head = head_of(world.household_a1_2)
    response = clerk.post(
        counter_url(world.household_a1_2),
        {
            "idempotency_key": "k1",
            "collected_by": head.pk,
            "step": "confirm",
            f"qty_{open_.towel.pk}": 1,
        },
    )
    assert response.status_code == 200
    assert not Redemption.objects.exists()
    assert balance(world.household_a1_2) == 40


# --- redeeming --------------------------------------------------------------------------


def test_review_then_confirm_redeems_and_shows_the_receipt(world, open_, clerk):
    review = redeem_post(clerk, world, world.household, {open_.towel: 2}, step="review")
    page = text(review)
    assert "请核对" in page and "合计：20分" in page and "兑换后余额：80分" in page
    assert not Redemption.objects.exists()  # reviewing records nothing
    hidden = form_data(review)
    response = clerk.post(
        counter_url(world.household),
        {**hidden, "collected_by": head_of(world.household).pk, "step": "confirm"},
    )
    redemption = Redemption.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/shop/receipts/{redemption.pk}/"
    assert balance(world.household) == 80
    open_.towel.refresh_from_db()
    assert open_.towel.stock_quantity == 18
    receipt = text(clerk.get(response["Location"]))
    assert redemption.number in receipt and "毛巾" in receipt
    assert "合计：20分" in receipt and "兑换后余额：80分" in receipt
    assert "领取人王*山（户主）" in receipt


def test_a_double_tap_redeems_once_and_shows_the_same_receipt(world, open_, clerk):
    first = redeem_post(clerk, world, world.household, {open_.towel: 1}, key="same-key")
    second = redeem_post(clerk, world, world.household, {open_.towel: 1}, key="same-key")
    assert first["Location"] == second["Location"]
    assert Redemption.objects.count() == 1
    assert balance(world.household) == 90


def test_a_resent_request_for_the_last_unit_shows_the_first_receipt(world, open_, clerk):
    # The first takes the only bag of rice; the re-sent form finds the product out of
    # stock, yet it is the same submission: the first receipt, no refusal.
    first = redeem_post(clerk, world, world.household, {open_.rice: 1}, key="last-bag")
    again = redeem_post(clerk, world, world.household, {open_.rice: 1}, key="last-bag")
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Redemption.objects.count() == 1 and balance(world.household) == 50


@pytest.mark.parametrize(
    ("what", "quantity", "message"),
    [
        ("towel", 3, "“毛巾”每月每户限兑2条，本月已兑0条，本次最多还能兑2条"),
        ("rice", 2, "“大米”库存不足：需要2袋，库存1袋"),
    ],
)
def test_beyond_a_limit_or_the_stock_is_refused_and_nothing_moves(
    world, open_, clerk, what, quantity, message
):
    product = getattr(open_, what)
    response = redeem_post(clerk, world, world.household, {product: quantity})
    assert response.status_code == 200
    assert message in text(response)
    assert not Redemption.objects.exists()
    assert balance(world.household) == 100
    assert Product.objects.get(pk=product.pk).stock_quantity == product.stock_quantity


@pytest.mark.parametrize(
    ("what", "quantity", "message"),
    [("towel", 3, "超过限兑：本期还可兑2条。"), ("rice", 2, "库存不足：只有1袋。")],
)
def test_the_review_already_names_a_limit_or_stock_it_would_break(
    world, open_, clerk, what, quantity, message
):
    response = redeem_post(
        clerk, world, world.household, {getattr(open_, what): quantity}, step="review"
    )
    page = text(response)
    assert message in page and "请核对" not in page


def test_the_review_names_a_basket_beyond_the_balance(world, open_, clerk):
    flask = Product.objects.create(
        shop=open_.shop, name="暖壶", unit="个", price_points=Decimal(40)
    )
    _stock_post(
        product=flask,
        kind=StockKind.RECEIPT,
        quantity=5,
        unit_cost=Decimal(20),
        occurred_on=timezone.localdate(),
        recorded_by=world.users["shop_clerk"],
    )
    response = redeem_post(clerk, world, world.household, {flask: 3}, step="review")
    page = text(response)
    assert "积分不足：本次需要120分，可用100分。" in page and "请核对" not in page
    # Confirmed anyway (a crafted request): the service refuses it, nothing moves.
    response = redeem_post(clerk, world, world.household, {flask: 3})
    assert "积分不足" in text(response) and not Redemption.objects.exists()


def test_a_product_used_up_for_the_household_cannot_be_chosen(world, open_, clerk):
    redeem_post(clerk, world, world.household, {open_.towel: 2})
    response = clerk.get(counter_url(world.household))
    field = re.search(rf'<input[^>]*name="qty_{open_.towel.pk}"[^>]*>', response.content.decode())
    assert "disabled" in field.group(0)
    assert "每月限兑2条，还可兑0条" in text(response)


def test_back_from_the_review_keeps_what_was_typed(world, open_, clerk):
    response = redeem_post(clerk, world, world.household, {open_.towel: 2}, step="edit")
    html = response.content.decode()
    assert re.search(rf'name="qty_{open_.towel.pk}" value="2"', html)
    assert "下一步：核对" in text(response) and not Redemption.objects.exists()


def test_nothing_chosen_is_asked_for_again(world, open_, clerk):
    response = redeem_post(clerk, world, world.household, {}, step="review")
    assert "请至少选一件商品" in text(response)


# --- receipts ---------------------------------------------------------------------------


def redeem(world, open_, quantities=None, **kwargs) -> Redemption:
    return redemption_create(
        actor=world.users["shop_clerk"],
        shop=open_.shop,
        household=world.household,
        lines=[Line(product=p, quantity=q) for p, q in (quantities or {open_.towel: 1}).items()],
        collected_by=head_of(world.household),
        idempotency_key=kwargs.pop("key", "k-test"),
        **kwargs,
    )


def test_the_receipt_pdfs_open_and_carry_the_numbers(world, open_, clerk):
    redemption = redeem(world, open_, {open_.towel: 2, open_.rice: 1})
    for layout in ("a6", "58mm"):
        response = clerk.get(f"/shop/receipts/{redemption.pk}/{layout}.pdf")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        assert (
            redemption.number in response["Content-Disposition"]
            or "filename" in response["Content-Disposition"]
        )
    printed = text(clerk.get(f"/shop/receipts/{redemption.pk}/print/"))
    assert "合计：70分" in printed and "兑换后余额：30分" in printed and "打印小票" in printed


def test_the_villager_sees_their_own_receipt_and_new_balance_others_do_not(world, open_, login):
    redemption = redeem(world, open_, {open_.towel: 1})
    page = text(login(world.users["villager"]).get(f"/shop/receipts/{redemption.pk}/"))
    assert redemption.number in page and "这笔兑换之后，您家的积分余额是90分" in page
    assert "您家现在的积分余额是90分" in page
    assert "作废" not in page  # villagers are offered no void
    other = login(world.users["other_villager"]).get(f"/shop/receipts/{redemption.pk}/")
    assert other.status_code == 404


# --- voids ------------------------------------------------------------------------------


def test_the_clerk_voids_the_same_day_with_a_reason(world, open_, clerk):
    redemption = redeem(world, open_, {open_.towel: 2})
    assert balance(world.household) == 80
    response = clerk.post(f"/shop/receipts/{redemption.pk}/void/", {"reason": "拿错了"})
    assert response.status_code == 302
    void = RedemptionVoid.objects.get(redemption=redemption)
    assert void.reason == "拿错了" and void.confirmed_by is None
    assert balance(world.household) == 100
    assert Product.objects.get(pk=open_.towel.pk).stock_quantity == 20
    page = text(clerk.get(f"/shop/receipts/{redemption.pk}/"))
    assert "已作废" in page and "拿错了" in page
    pdf = PdfReader(io.BytesIO(clerk.get(f"/shop/receipts/{redemption.pk}/a6.pdf").content))
    assert "已作废" in pdf.pages[0].extract_text()
    # Voiding again is refused in words; nothing moves.
    clerk.post(f"/shop/receipts/{redemption.pk}/void/", {"reason": "再来一次"})
    assert RedemptionVoid.objects.count() == 1 and balance(world.household) == 100


def test_a_void_without_a_reason_is_refused(world, open_, clerk):
    redemption = redeem(world, open_)
    response = clerk.post(f"/shop/receipts/{redemption.pk}/void/", {"reason": ""}, follow=True)
    assert "请写明作废原因" in text(response)
    assert not RedemptionVoid.objects.exists()


def test_a_later_void_is_a_request_that_another_committee_member_confirms(
    world, open_, clerk, login, monkeypatch
):
    redemption = redeem(world, open_, {open_.towel: 2})
    tomorrow = timezone.now() + timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    clerk = login(world.users["shop_clerk"])  # a new day, a new session
    clerk.post(f"/shop/receipts/{redemption.pk}/void/", {"reason": "数量录错"})
    request = VoidRequest.objects.get(redemption=redemption)
    assert not RedemptionVoid.objects.exists() and balance(world.household) == 80
    assert "作废申请待确认" in text(clerk.get(f"/shop/receipts/{redemption.pk}/"))

    member = login(world.users["committee_member"])
    listing = text(member.get("/shop/voids/"))
    assert redemption.number in listing and "数量录错" in listing
    page = text(member.get(f"/shop/voids/{request.pk}/"))
    assert "001号户积分钱包：退回+20分" in page and "毛巾：库存+2条" in page
    response = member.post(f"/shop/voids/{request.pk}/", {"decision": "approve", "reason": ""})
    assert response.status_code == 302
    void = RedemptionVoid.objects.get(redemption=redemption)
    assert void.confirmed_by == world.users["committee_member"]
    assert void.requested_by == world.users["shop_clerk"]
    assert balance(world.household) == 100


def test_rejecting_a_void_request_needs_a_reason_and_keeps_the_sale(
    world, open_, clerk, login, monkeypatch
):
    redemption = redeem(world, open_, {open_.towel: 1})
    tomorrow = timezone.now() + timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    clerk = login(world.users["shop_clerk"])  # a new day, a new session
    clerk.post(f"/shop/receipts/{redemption.pk}/void/", {"reason": "顾客反悔"})
    request = VoidRequest.objects.get()
    head = login(world.users["committee_head"])
    response = head.post(f"/shop/voids/{request.pk}/", {"decision": "reject", "reason": ""})
    assert "不同意时请写明理由" in text(response)
    head.post(f"/shop/voids/{request.pk}/", {"decision": "reject", "reason": "货已用过"})
    request.refresh_from_db()
    assert request.state == "rejected" and not RedemptionVoid.objects.exists()
    assert balance(world.household) == 90


def test_the_requester_cannot_confirm_their_own_void_request(world, open_, login, monkeypatch):
    # A committee member who also serves at the counter asks, and may not confirm.
    both = make_user("both_roles", "committee_member", region=world.village_a1)
    from sanxin.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=both, role="shop_clerk", region=world.village_a1)
    redemption = redemption_create(
        actor=both,
        shop=open_.shop,
        household=world.household,
        lines=[Line(product=open_.towel, quantity=1)],
        collected_by=head_of(world.household),
        idempotency_key="both",
    )
    tomorrow = timezone.now() + timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    request = redemption_void(actor=both, redemption=redemption, reason="录错")
    assert isinstance(request, VoidRequest)
    client = login(both)
    page = text(client.get(f"/shop/voids/{request.pk}/"))
    assert "这是您本人提出的申请，要由另一位评信团成员确认" in page
    client.post(f"/shop/voids/{request.pk}/", {"decision": "approve"})
    assert not RedemptionVoid.objects.exists()


# --- today's list ----------------------------------------------------------------------


def test_todays_list_shows_the_days_redemptions_and_the_valid_total(world, open_, clerk):
    kept = redeem(world, open_, {open_.towel: 1}, key="a")
    voided = redeem(world, open_, {open_.rice: 1}, key="b")
    redemption_void(actor=world.users["shop_clerk"], redemption=voided, reason="拿错")
    page = text(clerk.get("/shop/counter/today/"))
    assert kept.number in page and voided.number in page
    assert "共2笔，有效兑换合计10分" in page and "已作废" in page
    assert "王大山" not in page


# --- paper slips -----------------------------------------------------------------------


def slip(index: int, number: str, household, when, quantities: dict, collector="") -> dict:
    data = {
        f"form-{index}-slip_number": number,
        f"form-{index}-occurred_on": when.date().isoformat(),
        f"form-{index}-occurred_time": when.strftime("%H:%M"),
        f"form-{index}-household_number": household.number,
        f"form-{index}-collector_name": collector,
    }
    data.update({f"form-{index}-qty_{p.pk}": q for p, q in quantities.items()})
    return data


def batch(open_, *slips) -> dict:
    data = {
        "shop": open_.shop.pk,
        "form-TOTAL_FORMS": str(max(len(slips), 3)),
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "50",
    }
    for s in slips:
        data.update(s)
    return data


def two_hours_ago():
    return timezone.localtime() - timedelta(hours=2)


def test_paper_slips_are_entered_with_their_real_time(world, open_, clerk):
    when = two_hours_ago()
    member = Person.objects.filter(household=world.household, is_head=False).first()
    response = clerk.post(
        "/shop/counter/paper/",
        batch(
            open_,
            slip(0, "P-001", world.household, when, {open_.towel: 1}),
            slip(1, "P-002", world.household, when, {open_.rice: 1}, collector=member.name),
        ),
    )
    assert response.status_code == 302, text(response)
    first, second = Redemption.objects.order_by("slip_number")
    assert (first.slip_number, first.source) == ("P-001", "paper")
    assert timezone.localtime(first.occurred_at).strftime("%H:%M") == when.strftime("%H:%M")
    assert second.collected_by == member
    assert balance(world.household) == 40
    assert "纸质单据补录，单据号P-001" in text(clerk.get(f"/shop/receipts/{first.pk}/"))
    today = text(clerk.get(response["Location"]))
    assert first.number in today and second.number in today and "纸质补录" in today


def test_a_batch_with_one_bad_slip_records_nothing_and_names_the_slip_and_field(
    world, open_, clerk
):
    when = two_hours_ago()
    response = clerk.post(
        "/shop/counter/paper/",
        batch(
            open_,
            slip(0, "P-010", world.household, when, {open_.towel: 2}),
            slip(1, "P-011", world.household, when, {open_.towel: 1}),  # the limit: 3 > 2
            slip(2, "P-012", world.household_a1_2, when, {open_.towel: 1}),  # 2A: below the gate
        ),
    )
    assert response.status_code == 200
    page = text(response)
    assert "这一批没有保存" in page
    assert "第2张有错" in page and "第3张有错" in page
    assert "每月每户限兑2条" in page
    assert "该户信用等级为2A，3A及以上才能兑换" in page
    assert not Redemption.objects.exists()
    assert balance(world.household) == 100


def test_paper_slip_fields_are_checked_before_the_service(world, open_, clerk):
    tomorrow = timezone.localtime() + timedelta(days=1)
    response = clerk.post(
        "/shop/counter/paper/",
        batch(
            open_,
            slip(0, "P-020", world.household, tomorrow, {open_.towel: 1}),
            {
                **slip(1, "P-021", world.household, two_hours_ago(), {open_.towel: 1}),
                "form-1-household_number": "999",
            },
            slip(2, "P-022", world.household, two_hours_ago(), {open_.towel: 1}, collector="不在"),
        ),
    )
    page = text(response)
    assert "日期不能晚于今天" in page
    assert "本超市服务的村里没有这个户号" in page
    assert "该户在户成员中没有这个名字" in page
    assert not Redemption.objects.exists()


def test_adding_a_slip_keeps_what_was_typed_and_shows_no_errors_yet(world, open_, clerk):
    data = batch(open_, slip(0, "P-030", world.household, two_hours_ago(), {open_.towel: 1}))
    response = clerk.post("/shop/counter/paper/", {**data, "add": "1"})
    html = response.content.decode()
    assert 'name="form-TOTAL_FORMS" value="4"' in html.replace('id="id_form-TOTAL_FORMS" ', "")
    assert 'value="P-030"' in html
    assert "这一批没有保存" not in text(response)
    assert not Redemption.objects.exists()


# --- audit and query counts ---------------------------------------------------------------


def test_a_redemption_and_a_void_are_audited(world, open_, clerk):
    redemption = redeem(world, open_)
    clerk.post(f"/shop/receipts/{redemption.pk}/void/", {"reason": "拿错了"})
    actions = set(
        AuditEvent.objects.filter(actor=world.users["shop_clerk"]).values_list("action", flat=True)
    )
    assert {"redemption.create", "redemption.void"} <= actions


def test_the_panel_and_todays_list_run_in_a_fixed_number_of_queries(
    world, open_, clerk, django_assert_max_num_queries
):
    soap = Product.objects.create(shop=open_.shop, name="肥皂", unit="块", price_points=Decimal(2))
    _stock_post(
        product=soap,
        kind=StockKind.RECEIPT,
        quantity=50,
        unit_cost=Decimal(1),
        occurred_on=timezone.localdate(),
        recorded_by=world.users["shop_clerk"],
    )
    for i in range(6):
        redeem(world, open_, {soap: 1}, key=f"q{i}")
    for i in range(4):
        Product.objects.create(shop=open_.shop, name=f"牙刷{i}", unit="支", price_points=Decimal(3))
    with django_assert_max_num_queries(16):
        assert clerk.get(counter_url(world.household)).status_code == 200
    with django_assert_max_num_queries(8):
        page = clerk.get("/shop/counter/today/")
    assert "共6笔" in text(page)


def test_a_confirmed_redemption_runs_in_a_fixed_number_of_statements(
    world, open_, clerk, django_assert_max_num_queries
):
    # The confirmation of a basket of a limited product and another one, as the
    # clerk's phone sends it: the request's own reads (session, user, roles), the
    # household, its shops, collectors and the shop's products for the form, then
    # the service: the two locks (with the shop's villages, the policy's gate, the
    # balance and the key), what is due to expire, the grade, the basket's products,
    # their limits, the id, the redemption, its lines, the wallet (UPDATE and row),
    # one UPDATE per product, the movements, the audit row, and the transaction's
    # two statements; and before all that the clerk's rate count (one upsert,
    # accounts/rates.py). docs/benchmarks.md counts them.
    page = clerk.get(counter_url(world.household))
    data = {
        **form_data(page),
        "collected_by": head_of(world.household).pk,
        "step": "confirm",
        f"qty_{open_.towel.pk}": 1,
        f"qty_{open_.rice.pk}": 1,
    }
    with django_assert_max_num_queries(25):
        response = clerk.post(counter_url(world.household), data)
    assert response.status_code == 302
    assert Redemption.objects.get().lines.count() == 2


# --- other villages, a town's shop ---------------------------------------------------


def test_a_clerk_of_another_village_reaches_nothing_here(world, open_, login):
    redemption = redeem(world, open_)
    other = login(make_user("clerk_a2", "shop_clerk", region=world.village_a2))
    assert "没有可以收银的积分超市" in text(other.get("/shop/counter/"))
    assert other.get(counter_url(world.household)).status_code == 404
    assert other.get(f"/shop/receipts/{redemption.pk}/").status_code == 404
    assert other.post(f"/shop/receipts/{redemption.pk}/void/", {"reason": "x"}).status_code == 404
    assert not RedemptionVoid.objects.exists()


def test_a_town_shop_serves_the_households_of_its_villages(world, login):
    from sanxin.rewards.models import Shop
    from tests.rewards.counter_shop import credit, grade

    open_ = open_shop(world)
    town_shop = Shop.objects.create(name="镇积分超市", code="TWN", region=world.town_a)
    town_shop.villages.add(world.village_a1, world.village_a2)
    grade(world.household_a2, "4A", open_.cycle, timezone.localdate().replace(month=1, day=1))
    credit(world.household_a2, "30", open_.cycle)
    clerk = login(make_user("town_clerk", "shop_clerk", region=world.town_a))
    page = text(clerk.get("/shop/counter/", {"q": "赵*林"}))
    assert "邻村" in page and "户主赵*林" in page
    panel = text(clerk.get(counter_url(world.household_a2)))
    assert "镇积分超市" in panel and "4A" in panel and "30" in panel
    # 大贵口村 is served by two of its shops: the village's own unless another is asked for.
    assert "大贵口村积分超市" in text(clerk.get(counter_url(world.household)))
    assert "镇积分超市" in text(clerk.get(counter_url(world.household), {"shop": town_shop.pk}))
