"""What the service does when a unique key is taken between its lookup and its INSERT
(a concurrent submission under the same key for another household, or the same paper
slip in another batch): the transaction rolls back and the clerk is told, no 500 and
no second redemption. The race is forced by hiding the stored key from the lookup."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sanxin.rewards.models import Redemption, Wallet
from sanxin.rewards.services import redemptions
from sanxin.rewards.services.redemptions import (
    Line,
    PaperSlip,
    SlipErrors,
    paper_batch_redeem,
    redemption_create,
)
from tests.rewards.counter_shop import head_of, open_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def hidden_key(monkeypatch):
    """The key lookup under the lock misses what is stored (as if committed just after)."""
    real = redemptions._lock

    def blind(*args, **kwargs):
        return replace(real(*args, **kwargs), existing_id=None)

    monkeypatch.setattr(redemptions, "_lock", blind)


def test_a_key_taken_meanwhile_by_another_basket_is_refused_and_nothing_moves(world, hidden_key):
    open_ = open_shop(world)

    def redeem(product):
        return redemption_create(
            actor=world.users["shop_clerk"],
            shop=open_.shop,
            household=world.household,
            lines=[Line(product=product, quantity=1)],
            collected_by=head_of(world.household),
            idempotency_key="same",
        )

    redeem(open_.towel)
    with pytest.raises(ValidationError, match="该提交编号已用于另一笔不同的兑换"):
        redeem(open_.rice)
    assert Redemption.objects.count() == 1
    assert Wallet.objects.get(household=world.household).balance == 90
    open_.rice.refresh_from_db()
    assert open_.rice.stock_quantity == 1


def test_a_slip_entered_meanwhile_by_another_batch_is_named(world, hidden_key):
    open_ = open_shop(world)
    slip = PaperSlip(
        number="P-7",
        household=world.household,
        collected_by=head_of(world.household),
        occurred_at=timezone.now() - timedelta(hours=1),
        lines=[Line(product=open_.towel, quantity=1)],
    )
    paper_batch_redeem(actor=world.users["shop_clerk"], shop=open_.shop, slips=[slip])
    with pytest.raises(SlipErrors) as refused:
        paper_batch_redeem(actor=world.users["shop_clerk"], shop=open_.shop, slips=[slip])
    assert refused.value.by_slip == {"P-7": {"number": ["该单据号已经录入过"]}}
    assert Redemption.objects.count() == 1
