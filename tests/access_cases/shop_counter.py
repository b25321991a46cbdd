"""The shop counter (rewards/views/counter.py): only the shop clerk serves at the
counter, for the households of the villages its shop serves; a receipt is seen by
the household's own villagers and by the staff who see its shop's redemptions; a
later void is confirmed by a committee member of the household's village."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.access_cases import COMMITTEE, Case
from tests.access_cases.effects import audited, succeeded

CLERK = {"shop_clerk"}
# Perm.SHOP_VIEW over the household: staff of its village, town and district (not the
# credit union, not a sub-team), and the household's own villagers.
RECEIPT_VIEWERS = {
    "district_admin",
    "department_viewer",
    "town_admin",
    "committee_head",
    "committee_deputy",
    "committee_member",
    "shop_clerk",
    "villager",
}


def _shop(w):
    from tests.rewards.counter_shop import open_shop

    if not hasattr(w, "open_shop"):
        w.open_shop = open_shop(w)
    return w.open_shop


def _redemption(w):
    """A redemption recorded today by the world's clerk (the same one on each call)."""
    from sanxin.rewards.services.redemptions import Line, redemption_create
    from tests.rewards.counter_shop import head_of

    shop = _shop(w)
    if not hasattr(w, "redemption"):
        w.redemption = redemption_create(
            actor=w.users["shop_clerk"],
            shop=shop.shop,
            household=w.household,
            lines=[Line(product=shop.towel, quantity=1)],
            collected_by=head_of(w.household),
            idempotency_key="access-case",
        )
    return w.redemption


def _void_request(w):
    """A void request by a committee member who is not one of the world's users, so
    every committee user of the village may decide it."""
    from sanxin.accounts.choices import Role
    from sanxin.rewards.services.redemptions import redemption_void
    from tests.factories import make_user

    redemption = _redemption(w)
    if not hasattr(w, "void_request"):
        requester = make_user("void_requester", Role.COMMITTEE_MEMBER, region=w.village_a1)
        w.void_request = redemption_void(actor=requester, redemption=redemption, reason="录错了")
    return w.void_request


def _redeem_data(w):
    from tests.rewards.counter_shop import head_of

    shop = _shop(w)
    return {
        "shop": shop.shop.pk,
        "idempotency_key": "matrix-key",
        "collected_by": head_of(w.household).pk,
        "step": "confirm",
        f"qty_{shop.towel.pk}": 1,
    }


def _redeemed(w, username):
    from sanxin.rewards.models import Redemption, Wallet

    succeeded(w, username)
    redemption = Redemption.objects.get(household=w.household, clerk=w.users[username])
    assert w.response["Location"] == f"/shop/receipts/{redemption.pk}/"
    assert Wallet.objects.get(household=w.household).balance == 90
    audited(w, username, "redemption.create", object_id=str(redemption.pk))


def _voided(w, username):
    from sanxin.rewards.models import RedemptionVoid

    succeeded(w, username)
    void = RedemptionVoid.objects.get(redemption=w.redemption)
    assert (void.requested_by, void.reason) == (w.users[username], "拿错了")
    audited(w, username, "redemption.void", object_id=str(w.redemption.pk))


def _confirmed(w, username):
    from sanxin.rewards.models import RedemptionVoid

    succeeded(w, username)
    void = RedemptionVoid.objects.get(redemption=w.redemption)
    assert void.confirmed_by == w.users[username]
    audited(w, username, "redemption.void", object_id=str(w.redemption.pk))


def _paper_data(w):
    shop = _shop(w)
    when = timezone.localtime() - timedelta(hours=1)
    return {
        "shop": shop.shop.pk,
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "50",
        "form-0-slip_number": "P-1",
        "form-0-occurred_on": when.date().isoformat(),
        "form-0-occurred_time": when.strftime("%H:%M"),
        "form-0-household_number": w.household.number,
        "form-0-collector_name": "",
        f"form-0-qty_{shop.rice.pk}": 1,
    }


def _paper_entered(w, username):
    from sanxin.rewards.models import Redemption

    succeeded(w, username)
    redemption = Redemption.objects.get(slip_number="P-1")
    assert (redemption.clerk, redemption.source) == (w.users[username], "paper")
    audited(w, username, "redemption.paper_batch")


def _receipt_url(suffix: str = ""):
    return lambda w: f"/shop/receipts/{_redemption(w).pk}/{suffix}"


CASES = [
    Case("rewards:counter", lambda w: "/shop/counter/?q=王*山", CLERK, setup=_shop),
    Case(
        "rewards:counter_household",
        lambda w: f"/shop/counter/h/{w.household.pk}/",
        CLERK,
        setup=_shop,
    ),
    Case(
        "rewards:counter_household",
        lambda w: f"/shop/counter/h/{w.household.pk}/",
        CLERK,
        method="post",
        setup=_shop,
        data=_redeem_data,
        effect=_redeemed,
    ),
    Case("rewards:counter_today", lambda w: "/shop/counter/today/", CLERK, setup=_redemption),
    Case("rewards:counter_paper", lambda w: "/shop/counter/paper/", CLERK, setup=_shop),
    Case(
        "rewards:counter_paper",
        lambda w: "/shop/counter/paper/",
        CLERK,
        method="post",
        setup=_shop,
        data=_paper_data,
        effect=_paper_entered,
    ),
    Case("rewards:receipt", _receipt_url(), RECEIPT_VIEWERS, setup=_redemption),
    Case("rewards:receipt_print", _receipt_url("print/"), RECEIPT_VIEWERS, setup=_redemption),
    Case("rewards:receipt_a6", _receipt_url("a6.pdf"), RECEIPT_VIEWERS, setup=_redemption),
    Case("rewards:receipt_58mm", _receipt_url("58mm.pdf"), RECEIPT_VIEWERS, setup=_redemption),
    Case(
        "rewards:counter_void",
        _receipt_url("void/"),
        CLERK,
        method="post",
        setup=_redemption,
        data=lambda w: {"reason": "拿错了"},
        effect=_voided,
    ),
    Case(
        "rewards:void_requests",
        lambda w: "/shop/voids/",
        COMMITTEE | {"neighbour_committee_head"},
        setup=_void_request,
    ),
    Case(
        "rewards:void_decide",
        lambda w: f"/shop/voids/{_void_request(w).pk}/",
        COMMITTEE,
        setup=_void_request,
    ),
    Case(
        "rewards:void_decide",
        lambda w: f"/shop/voids/{_void_request(w).pk}/",
        COMMITTEE,
        method="post",
        setup=_void_request,
        data=lambda w: {"decision": "approve", "reason": ""},
        effect=_confirmed,
    ),
]
