"""What the tests of the money endpoints (lending, shop, ledger writes) stand on, on
top of the test world (tests/conftest.py): bearer headers for the world's users, a
loan of the main household (village A1, town A) and one of 外乡村 (town B, the other
credit officer's), the main household's neighbour's line, a shop of village A1 with a
redemption, and a shop of 邻村 (A2) with its own clerk and a redemption there."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from sanxin.accounts.choices import Role
from sanxin.api.services import token_issue
from tests.factories import make_user

API = "/api/v1"


def bearer(user) -> dict[str, str]:
    """The header of a fresh token of `user` (for the test client's keyword arguments)."""
    _token, value = token_issue(actor=user, name="测试")
    return {"HTTP_AUTHORIZATION": f"Bearer {value}"}


def loans(world):
    """world.loan (main household, 12 000 yuan, 70 days ago), world.loan_b1 (外乡村),
    world.line_a1_2 (the neighbour's line, no loan)."""
    from tests.lending.loan_world import credit_line, disbursed, policy

    policy(world)
    world.line = credit_line(world)
    world.loan = disbursed(
        world, amount="12000", on=timezone.localdate() - timedelta(days=70), number="JJ-A1"
    )
    world.line_b1 = credit_line(world, world.household_b1)
    world.loan_b1 = _loan_b1(world)
    world.line_a1_2 = credit_line(world, world.household_a1_2)
    return world


def _loan_b1(world):
    """A loan of 外乡村 (town B), disbursed by the other credit officer."""
    from sanxin.lending.services import loans as services

    officer = world.users["other_credit_officer"]
    application = services.loan_apply(
        actor=officer,
        household=world.household_b1,
        amount=Decimal("8000"),
        purpose="industry",
        term_months=6,
        method="equal_instalments",
    )
    services.loan_decide(actor=officer, application=application, grant=True)
    application.refresh_from_db()
    return services.loan_disburse(
        actor=officer,
        application=application,
        disbursed_on=timezone.localdate(),
        bank_loan_number="JJ-B1",
    )


def shops(world):
    """world.open_shop (大贵口村's, the world's clerk), world.redemption (the main
    household's towel), world.clerk_a2 with world.shop_a2 (邻村) and world.redemption_a2."""
    from sanxin.ratings.models import Cycle
    from sanxin.rewards.models import Product, Shop
    from sanxin.rewards.services.balances import _stock_post
    from sanxin.rewards.services.redemptions import Line, redemption_create
    from tests.rewards.counter_shop import credit, grade, head_of, open_shop

    world.open_shop = open_shop(world)
    world.redemption = redemption_create(
        actor=world.users["shop_clerk"],
        shop=world.open_shop.shop,
        household=world.household,
        lines=[Line(product=world.open_shop.towel, quantity=2)],
        collected_by=head_of(world.household),
        idempotency_key="money-world",
    )
    world.clerk_a2 = make_user("clerk_a2", Role.SHOP_CLERK, region=world.village_a2)
    world.shop_a2 = Shop.objects.create(name="邻村积分超市", code="LC", region=world.village_a2)
    world.shop_a2.villages.add(world.village_a2)
    soap = Product.objects.create(
        shop=world.shop_a2, name="香皂", unit="块", price_points=Decimal(5)
    )
    _stock_post(
        product=soap,
        kind="receipt",
        quantity=10,
        unit_cost=Decimal("1.20"),
        supplier="供销社",
        occurred_on=timezone.localdate(),
        recorded_by=world.clerk_a2,
    )
    cycle_a2 = Cycle.objects.create(
        village=world.village_a2,
        period=world.open_shop.cycle.period,
        cut_off=world.open_shop.cycle.cut_off,
    )
    grade(world.household_a2, "3A", cycle_a2, timezone.localdate().replace(month=1, day=1))
    credit(world.household_a2, "30", cycle_a2)
    world.redemption_a2 = redemption_create(
        actor=world.clerk_a2,
        shop=world.shop_a2,
        household=world.household_a2,
        lines=[Line(product=soap, quantity=1)],
        collected_by=head_of(world.household_a2),
        idempotency_key="money-world-a2",
    )
    return world
