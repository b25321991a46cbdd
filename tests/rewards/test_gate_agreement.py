"""The service applies the counter's gate itself, from the rows it locks and reads
(`services.redemptions._basket_errors`), instead of computing the whole panel
(`eligibility.redemption_eligibility`). The two must agree: for every household and
product, one unit is offered on the panel exactly when the service would sell it,
and a household the panel closes is refused with the panel's own reasons."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sanxin.rewards.eligibility import redemption_eligibility
from sanxin.rewards.services.redemptions import Line, redemption_create
from tests.factories import make_household
from tests.rewards.counter_shop import credit, grade, head_of, open_shop

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


def _service_answer(world, shop, household, product) -> dict[str, list[str]] | None:
    """None when the service would sell one unit (rolled back), else its refusal."""
    try:
        with transaction.atomic():
            redemption_create(
                actor=world.users["shop_clerk"],
                shop=shop,
                household=household,
                lines=[Line(product=product, quantity=1)],
                collected_by=head_of(household),
                idempotency_key=f"probe-{household.pk}-{product.pk}",
            )
            raise _Undo
    except _Undo:
        return None
    except ValidationError as exc:
        return exc.message_dict


def _agree(world, open_, households) -> int:
    checked = 0
    for household in households:
        household.refresh_from_db()
        panel = redemption_eligibility(household, open_.shop, timezone.localdate())
        for product in (open_.towel, open_.rice, open_.oil):
            answer = _service_answer(world, open_.shop, household, product)
            offered = panel.product(product.pk).allowed
            assert offered == (answer is None), (household.number, product.name, answer)
            if not panel.open:
                assert answer["household"] == panel.reasons
            checked += 1
    return checked


def test_the_service_sells_one_unit_exactly_when_the_panel_offers_it(world):
    open_ = open_shop(world)
    # 3A with 100 points; 2A below the gate (40 points); not rated yet (20 points)
    unrated = make_household(world.village_a1, world.group_a1_1, "003", head="孙五岭", head_seq=731)
    credit(unrated, "20", open_.cycle)
    households = [world.household, world.household_a1_2, unrated]
    assert _agree(world, open_, households) == 9
    # the towel's monthly limit used up, the last bag of rice gone
    redemption_create(
        actor=world.users["shop_clerk"],
        shop=open_.shop,
        household=world.household,
        lines=[Line(product=open_.towel, quantity=2), Line(product=open_.rice, quantity=1)],
        collected_by=head_of(world.household),
        idempotency_key="use-up",
    )
    _agree(world, open_, households)
    # 4A now (the oil asks for it), 30 points left: enough for the oil, not for more;
    # the unrated household rated 5A with 20 points: the towel, not the oil
    grade(world.household, "4A", open_.cycle, timezone.localdate())
    grade(unrated, "5A", open_.cycle, timezone.localdate())
    _agree(world, open_, households)
    # the shop no longer serves the village, then it closes
    open_.shop.villages.remove(world.village_a1)
    _agree(world, open_, households)
    open_.shop.villages.add(world.village_a1)
    open_.shop.active = False
    open_.shop.save()
    _agree(world, open_, households)
