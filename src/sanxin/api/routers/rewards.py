"""The points supermarket in the API: a household's wallet and its history, and
redemptions with their lines.

Who reads what, as at the counter and on the villager's pages:
- the household itself (its villager accounts): its wallet, every movement of it, and
  its redemptions;
- the shop clerk (`Perm.SHOP_REDEEM`): for a household of a village one of their open
  shops serves, only what the counter shows — 户号, the head's name masked, the village,
  the grade in force and the points it can spend (no history); and the redemptions of
  their shops;
- nobody else (403); a household or redemption out of reach does not exist (404)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from sanxin.accounts.scope import Perm, Scope
from sanxin.api.auth import get_or_404, require
from sanxin.api.errors import responses
from sanxin.api.pagination import Page, PageQuery, paginate
from sanxin.households.models import Household
from sanxin.rewards import counter
from sanxin.rewards.eligibility import grade_on
from sanxin.rewards.models import Redemption, Shop
from sanxin.rewards.selectors import ZERO, due_expiry, wallet_balance, wallet_rows
from sanxin.rewards.views.villager import movement
from sanxin.rules.choices import GRADE_LABELS, Grade

router = Router(tags=["积分超市 · shop"])

MAX_ID = 2**31 - 1


# --- schemas -----------------------------------------------------------------------------


class WalletOut(Schema):
    household_id: int
    household_number: str
    head_name_masked: str = Field(description="户主姓名，脱敏（张*峰）")
    village_id: int
    village_name: str
    grade: str = Field(description="the grade in force today (unrated without one)")
    grade_label: str
    balance: Decimal = Field(description="the wallet's balance (points)")
    expired: Decimal = Field(description="part of the balance past its last day")
    spendable: Decimal = Field(description="balance less the expired points")
    as_of: date


class MovementOut(Schema):
    id: int
    occurred_at: datetime
    kind: str = Field(description="earned, spent, returned, expired, taken_back")
    label: str = Field(description="得到 / 用掉 / 退回 / 过期 / 扣回")
    points: Decimal = Field(description="positive in, negative out")
    text: str = Field(description="the cause in plain words")
    redemption_id: int | None


class RedemptionOut(Schema):
    id: int
    number: str = Field(description="小票编号")
    shop_id: int
    shop_name: str
    household_id: int
    household_number: str
    head_name_masked: str
    collected_by_masked: str = Field(description="领取人，脱敏")
    total_points: Decimal
    occurred_at: datetime
    source: str = Field(description="counter or paper")
    slip_number: str
    voided: bool


class RedemptionLineOut(Schema):
    product_id: int
    product_name: str
    unit: str
    quantity: int
    price_points: Decimal
    points: Decimal


class RedemptionDetailOut(RedemptionOut):
    lines: list[RedemptionLineOut]
    balance_after: Decimal = Field(description="the wallet's balance right after it")


class RedemptionFilters(Schema):
    household_id: int | None = Field(None, ge=1, le=MAX_ID)
    shop_id: int | None = Field(None, ge=1, le=MAX_ID)


# --- who reads ---------------------------------------------------------------------------


def _own_ids(scope: Scope) -> set[int]:
    """The households that are the user's own and in their shop reach (their villager
    grants; a staff member's own household when they reach it)."""
    return scope.own_household_ids()


def _clerk_shops(scope: Scope) -> QuerySet[Shop]:
    return scope.filter(Shop.objects, Perm.SHOP_REDEEM)


def _require_reader(scope: Scope) -> None:
    """The household's own accounts and the shop clerk; 403 for everyone else."""
    if not scope.has(Perm.SHOP_REDEEM) and not _own_ids(scope):
        raise PermissionDenied


def _household(scope: Scope, household_id: int) -> tuple[Household, bool]:
    """(household, own): the user's own household, or one a shop of theirs serves."""
    _require_reader(scope)
    household = scope.get_household(household_id, Perm.SHOP_VIEW)
    if household.pk in _own_ids(scope):
        return household, True
    if scope.has(Perm.SHOP_REDEEM) and counter.serving_shops(scope, household):
        return household, False
    if scope.has(Perm.SHOP_REDEEM):
        raise Http404  # as the counter: a household no shop of theirs serves
    raise PermissionDenied


def redemptions_in_reach(scope: Scope) -> QuerySet[Redemption]:
    _require_reader(scope)
    condition = Q(household_id__in=_own_ids(scope))
    if scope.has(Perm.SHOP_REDEEM):
        condition |= Q(shop__in=_clerk_shops(scope))
    return (
        scope.filter(Redemption.objects, Perm.SHOP_VIEW)
        .filter(condition)
        .select_related("shop", "household", "collected_by", "void")
    )


# --- rows to schemas -----------------------------------------------------------------------


def redemption_out(r: Redemption) -> dict:
    return {
        "id": r.pk,
        "number": r.number,
        "shop_id": r.shop_id,
        "shop_name": r.shop.name,
        "household_id": r.household_id,
        "household_number": r.household.number,
        "head_name_masked": counter.masked_head(r.household),
        "collected_by_masked": counter.collector_label(r.collected_by),
        "total_points": r.total_points,
        "occurred_at": r.occurred_at,
        "source": r.source,
        "slip_number": r.slip_number,
        "voided": counter.is_voided(r),
    }


def redemption_detail(r: Redemption) -> dict:
    return {
        **redemption_out(r),
        "lines": [
            {
                "product_id": line.product_id,
                "product_name": line.product.name,
                "unit": line.product.unit,
                "quantity": line.quantity,
                "price_points": line.price_points,
                "points": line.points,
            }
            for line in sorted(r.lines.all(), key=lambda line: line.pk)
        ],
        "balance_after": counter.balance_after(r),
    }


# --- endpoints -------------------------------------------------------------------------------


@router.get(
    "/shop/households/{household_id}/wallet",
    response=responses(WalletOut),
    summary="钱包 · a household's points (the household; the clerk of a shop serving it)",
)
def shop_wallet(request, household_id: int):
    household, _own = _household(require(request, Perm.SHOP_VIEW), household_id)
    today = timezone.localdate()
    record = grade_on(household.pk, today)
    grade = record.grade if record is not None else Grade.UNRATED.value
    balance = wallet_balance(household.pk)
    due = due_expiry([household.pk], today).get(household.pk)
    expired = due.points if due else ZERO
    return {
        "household_id": household.pk,
        "household_number": household.number,
        "head_name_masked": counter.masked_head(household),
        "village_id": household.village_id,
        "village_name": household.village.name,
        "grade": grade,
        "grade_label": GRADE_LABELS[grade],
        "balance": balance,
        "expired": expired,
        "spendable": max(balance - expired, ZERO),
        "as_of": today,
    }


@router.get(
    "/shop/households/{household_id}/wallet/history",
    response=responses(Page[MovementOut]),
    summary="积分明细 · every movement of the household's points (the household only)",
)
def shop_wallet_history(request, household_id: int, page: Query[PageQuery]):
    household, own = _household(require(request, Perm.SHOP_VIEW), household_id)
    if not own:
        raise PermissionDenied  # the counter shows no history

    def items(rows) -> list[dict]:
        return [{"id": row.pk, "occurred_at": row.occurred_at, **_movement(row)} for row in rows]

    return paginate(wallet_rows(household.pk), page, order=("-id",), key="shop.wallet", items=items)


def _movement(row) -> dict:
    m = movement(row)
    return {
        "kind": m.kind,
        "label": m.label,
        "points": m.points,
        "text": m.text,
        "redemption_id": m.redemption_id,
    }


@router.get(
    "/shop/redemptions",
    response=responses(Page[RedemptionOut]),
    summary="兑换记录 · redemptions (the household's own; the clerk's shops'), newest first",
)
def shop_redemptions_list(request, filters: Query[RedemptionFilters], page: Query[PageQuery]):
    rows = redemptions_in_reach(require(request, Perm.SHOP_VIEW))
    if filters.household_id is not None:
        rows = rows.filter(household_id=filters.household_id)
    if filters.shop_id is not None:
        rows = rows.filter(shop_id=filters.shop_id)
    return paginate(
        rows,
        page,
        order=("-id",),
        key="shop.redemptions",
        items=lambda found: [redemption_out(r) for r in found],
    )


@router.get(
    "/shop/redemptions/{redemption_id}",
    response=responses(RedemptionDetailOut),
    summary="兑换小票 · a redemption with its lines",
)
def shop_redemption_detail(request, redemption_id: int):
    scope = require(request, Perm.SHOP_VIEW)
    rows = redemptions_in_reach(scope).prefetch_related("lines__product")
    return redemption_detail(get_or_404(rows, redemption_id))
