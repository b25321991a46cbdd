"""The villager's side of the points supermarket (elder mode first): for their own
household, the points they can spend, what is about to expire and when, where the
points came from and went (in plain words: which point item, which receipt, which
expiry), the catalogue of the shop serving their village with what the household can
afford and is allowed, and their receipts. Only the household's own accounts reach
these pages (`Perm.SHOP_VIEW`, the household one of `Scope.own_household_ids`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.households.models import Household
from sanxin.rewards.choices import WalletKind
from sanxin.rewards.eligibility import redemption_eligibility
from sanxin.rewards.models import Redemption, Shop, WalletEntry
from sanxin.rewards.selectors import expiring_between, wallet_balance, wallet_rows
from sanxin.rewards.services.balances import points_text

PAGE_SIZE = 30
EXPIRY_NOTICE_DAYS = 30  # expiry notices: points whose last day is within this many days
RECENT = 5


def _own_household(request, pk) -> Household:
    """The household if it is one of the user's own; 404 outside their reach, 403 for
    a household they may see but that is not theirs."""
    household = request.scope.get_household(pk, Perm.SHOP_VIEW)
    if household.pk not in request.scope.own_household_ids():
        raise PermissionDenied
    return household


@dataclass(frozen=True)
class Movement:
    """One wallet row as the villager reads it."""

    kind: str  # earned / spent / expired / returned / taken back
    label: str  # 得到 / 用掉 / 过期 / 退回 / 扣回
    points: Decimal
    text: str  # the cause in plain words
    when: date
    redemption_id: int | None  # the receipt to link to


KIND_WORDS = {
    WalletKind.ENTRY_CREDIT: ("earned", "得到"),
    WalletKind.ALLOWANCE: ("earned", "得到"),
    WalletKind.REDEMPTION: ("spent", "用掉"),
    WalletKind.VOID: ("returned", "退回"),
    WalletKind.EXPIRY: ("expired", "过期"),
    WalletKind.ENTRY_TAKEBACK: ("taken_back", "扣回"),
}


def _cause(row: WalletEntry) -> tuple[str, int | None]:
    """The cause of a wallet row in plain words, and the redemption it cites."""
    if row.kind == WalletKind.ENTRY_CREDIT and row.entry is not None:
        return _("积分入账：%(item)s（%(day)s）") % {
            "item": row.entry.item_name,
            "day": f"{row.entry.occurred_on:%Y-%m-%d}",
        }, None
    if row.kind == WalletKind.ENTRY_TAKEBACK and row.entry is not None:
        text = _("积分记录被更正，扣回：%(item)s") % {"item": row.entry.item_name}
        if row.shortfall:
            text += _("（已用掉的 %(p)s 分不再扣回）") % {"p": points_text(row.shortfall)}
        return text, None
    if row.kind == WalletKind.ALLOWANCE and row.cycle is not None:
        return _("%(period)s信用等级评定的奖励积分") % {"period": row.cycle.period_label}, None
    if row.kind == WalletKind.REDEMPTION and row.redemption is not None:
        return _("在积分超市兑换商品，小票 %(n)s") % {"n": row.redemption.number}, row.redemption_id
    if row.kind == WalletKind.VOID and row.void is not None:
        redemption = row.void.redemption
        return _("兑换已撤销，积分退回（小票 %(n)s）") % {"n": redemption.number}, redemption.pk
    if row.kind == WalletKind.EXPIRY and row.expires_on is not None:
        return _("%(day)s 到期未用的积分过期") % {"day": f"{row.expires_on:%Y-%m-%d}"}, None
    return str(WalletKind(row.kind).label), None


def movement(row: WalletEntry) -> Movement:
    kind, label = KIND_WORDS[WalletKind(row.kind)]
    text, redemption_id = _cause(row)
    return Movement(
        kind=kind,
        label=label,
        points=row.points,
        text=text,
        when=timezone.localdate(row.occurred_at),
        redemption_id=redemption_id,
    )


def _expiring(household: Household, today: date) -> list[tuple[date, Decimal]]:
    """(last day, points) of the points whose last day falls within the notice window,
    soonest first."""
    end = today + timedelta(days=EXPIRY_NOTICE_DAYS)
    found = expiring_between([household.pk], today, end)
    return sorted((day, points) for (_h, day), points in found.items())


def _shops(household: Household) -> list[Shop]:
    return list(
        Shop.objects.filter(active=True, villages=household.village_id).order_by("name", "pk")
    )


@require_GET
@requires(Perm.SHOP_VIEW)
def mine(request, household):
    """The household's points at a glance: balance, expiry notices, whether the shop is
    open to it, the latest movements, and the ways to the rest."""
    household = _own_household(request, household)
    today = timezone.localdate()
    shops = _shops(household)
    check = redemption_eligibility(household, shops[0], today) if shops else None
    recent = [movement(r) for r in wallet_rows(household.pk)[:RECENT]]
    return render(
        request,
        "rewards/mine.html",
        {
            "household": household,
            "balance": wallet_balance(household.pk),
            "expiring": _expiring(household, today),
            "shops": shops,
            "check": check,
            "recent": recent,
            "notice_days": EXPIRY_NOTICE_DAYS,
        },
    )


@require_GET
@requires(Perm.SHOP_VIEW)
def mine_history(request, household):
    """Every movement of the household's points, the latest first, with its cause."""
    household = _own_household(request, household)
    page = Paginator(wallet_rows(household.pk), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "rewards/mine_history.html",
        {
            "household": household,
            "page": page,
            "movements": [movement(r) for r in page.object_list],
            "balance": wallet_balance(household.pk),
        },
    )


@require_GET
@requires(Perm.SHOP_VIEW)
def mine_catalogue(request, household):
    """The products of the shops serving the household's village: price, and whether
    the household can take one now (grade, limit left, stock, points)."""
    household = _own_household(request, household)
    today = timezone.localdate()
    shops = [(shop, redemption_eligibility(household, shop, today)) for shop in _shops(household)]
    return render(
        request,
        "rewards/mine_catalogue.html",
        {"household": household, "shops": shops, "balance": wallet_balance(household.pk)},
    )


@require_GET
@requires(Perm.SHOP_VIEW)
def mine_receipts(request, household):
    """The household's redemptions, the latest first, each with its receipt."""
    household = _own_household(request, household)
    redemptions = (
        Redemption.objects.filter(household=household)
        .select_related("shop", "void", "collected_by")
        .prefetch_related("lines__product")
        .order_by("-occurred_at", "-pk")
    )
    page = Paginator(redemptions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "rewards/mine_receipts.html", {"household": household, "page": page})
