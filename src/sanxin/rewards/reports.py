"""The arithmetic of a shop's monthly report, over plain rows: no ORM here, so the
selectors sum in SQL and this module does the rest (and hypothesis can try it).

Money is Decimal yuan. The rules an auditor can redo by hand:

- **Goods cost** of a stock receipt = quantity × unit cost (unit costs are whole 分,
  so the product is exact). It is paid from the receipt's funding source.
- **Funding balance** = money received − goods cost, per source and in total; the
  month's closing balance = opening balance + money in − goods cost.
- **Unit cost of a product in a month** (全月一次加权平均): (opening stock value +
  the month's goods cost) ÷ (opening quantity + the month's received quantity),
  rounded half up to 4 decimals; a month with nothing on hand and nothing received
  keeps the last unit cost.
- **Stock value** = book quantity × that unit cost, rounded half up to 分 — the
  closing value of a month is the opening value of the next.
- Adjustments (loss, damage) and stocktake variances are valued at quantity × unit
  cost, rounded to 分. **Cost of redeemed goods** is what is left: opening value +
  goods cost − adjustments − variances − closing value, so the stock account balances
  to the 分 (the rounding of the unit cost falls on the redeemed goods). Goods given
  back by a void are redeemed goods coming back: they count against the month's.
- **Points redeemed** = points of the month's redemptions − points given back by the
  month's voids. **Cost of one point** = cost of redeemed goods ÷ points redeemed,
  rounded half up to 分 (none when no point was redeemed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
UNIT_COST_PLACES = Decimal("0.0001")
ZERO = Decimal("0")
NO_YUAN = Decimal("0.00")  # money sums start here, so that nothing shows as 0.00


def yuan(amount: Decimal | int) -> Decimal:
    """Rounded half up to 分."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


class Flow(StrEnum):
    """What a stock movement does to the stock account (the selectors map the
    movement kinds onto these)."""

    RECEIPT = "receipt"  # goods bought, at cost, paid from a funding source
    REDEMPTION = "redemption"  # issued by a redemption (negative), back by a void (positive)
    ADJUSTMENT = "adjustment"  # loss or damage, confirmed by a second person
    STOCKTAKE = "stocktake"  # counted − book at a stocktake


@dataclass(frozen=True)
class MonthFlow:
    """One product's movements of one flow in one month, summed (a row of SQL)."""

    product_id: int
    month: date  # the first day of the month
    flow: Flow
    quantity: Decimal  # signed, as posted (issues negative)
    cost: Decimal = ZERO  # receipts: Σ quantity × unit cost; other flows: 0


@dataclass(frozen=True)
class ProductMonth:
    """One product's stock account for one month."""

    product_id: int
    month: date
    opening_quantity: Decimal
    opening_value: Decimal
    received_quantity: Decimal
    received_cost: Decimal
    redeemed_quantity: Decimal  # net of voids, positive = issued
    adjusted_quantity: Decimal  # signed (losses negative)
    variance_quantity: Decimal  # signed (counted − book)
    closing_quantity: Decimal
    unit_cost: Decimal  # the month's weighted average, 4 decimals
    closing_value: Decimal
    redeemed_cost: Decimal
    adjusted_value: Decimal  # signed
    variance_value: Decimal  # signed

    @property
    def moved(self) -> bool:
        return any(
            (
                self.received_quantity,
                self.redeemed_quantity,
                self.adjusted_quantity,
                self.variance_quantity,
            )
        )


def stock_accounts(flows: Iterable[MonthFlow], month: date) -> dict[int, ProductMonth]:
    """Each product's stock account for `month`, folding its months from the first
    one it moved in: the rows may reach back to the start, rows after `month` are
    ignored. Products that never moved by the end of `month` are absent."""
    month = month_start(month)
    by_product: dict[int, dict[date, dict[Flow, MonthFlow]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for row in flows:
        if row.month > month:
            continue
        months = by_product[row.product_id]
        seen = months[row.month].get(row.flow)
        if seen is not None:  # the same flow twice: add them up
            row = MonthFlow(
                row.product_id,
                row.month,
                row.flow,
                seen.quantity + row.quantity,
                seen.cost + row.cost,
            )
        months[row.month][row.flow] = row
    return {
        product_id: _fold(product_id, months, month) for product_id, months in by_product.items()
    }


def _fold(product_id: int, months: dict[date, dict[Flow, MonthFlow]], until: date) -> ProductMonth:
    quantity, value, unit_cost = ZERO, NO_YUAN, ZERO
    current = min(months)
    account: ProductMonth | None = None
    while current <= until:
        account = _month(product_id, current, months.get(current, {}), quantity, value, unit_cost)
        quantity, value, unit_cost = (
            account.closing_quantity,
            account.closing_value,
            account.unit_cost,
        )
        current = next_month(current)
    assert account is not None
    return account


def _month(
    product_id: int,
    month: date,
    flows: dict[Flow, MonthFlow],
    opening_quantity: Decimal,
    opening_value: Decimal,
    last_unit_cost: Decimal,
) -> ProductMonth:
    def q(flow: Flow) -> Decimal:
        row = flows.get(flow)
        return Decimal(row.quantity) if row else ZERO

    received_quantity = q(Flow.RECEIPT)
    received_cost = yuan(flows[Flow.RECEIPT].cost) if Flow.RECEIPT in flows else NO_YUAN
    available = opening_quantity + received_quantity
    if available > 0:
        unit_cost = ((opening_value + received_cost) / available).quantize(
            UNIT_COST_PLACES, rounding=ROUND_HALF_UP
        )
    else:
        unit_cost = last_unit_cost
    redeemed = q(Flow.REDEMPTION)
    adjusted = q(Flow.ADJUSTMENT)
    variance = q(Flow.STOCKTAKE)
    closing_quantity = available + redeemed + adjusted + variance
    closing_value = yuan(closing_quantity * unit_cost)
    adjusted_value = yuan(adjusted * unit_cost)
    variance_value = yuan(variance * unit_cost)
    redeemed_cost = opening_value + received_cost + adjusted_value + variance_value - closing_value
    return ProductMonth(
        product_id=product_id,
        month=month,
        opening_quantity=opening_quantity,
        opening_value=opening_value,
        received_quantity=received_quantity,
        received_cost=received_cost,
        redeemed_quantity=-redeemed,
        adjusted_quantity=adjusted,
        variance_quantity=variance,
        closing_quantity=closing_quantity,
        unit_cost=unit_cost,
        closing_value=closing_value,
        redeemed_cost=redeemed_cost,
        adjusted_value=adjusted_value,
        variance_value=variance_value,
    )


@dataclass(frozen=True)
class FundingFlow:
    """One funding source's money in and goods cost of one month (a row of SQL)."""

    source_id: int
    month: date
    money_in: Decimal = ZERO
    goods_cost: Decimal = ZERO


@dataclass(frozen=True)
class FundingMonth:
    source_id: int
    opening_balance: Decimal
    money_in: Decimal
    goods_cost: Decimal
    closing_balance: Decimal
    total_in: Decimal  # to the end of the month
    total_cost: Decimal


def funding_accounts(flows: Iterable[FundingFlow], month: date) -> dict[int, FundingMonth]:
    """Each funding source's account for `month`: balance = money in − goods cost,
    before the month (opening) and at its end (closing)."""
    month = month_start(month)
    sums: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: NO_YUAN))
    for row in flows:
        if row.month > month:
            continue
        s = sums[row.source_id]
        part = "now" if row.month == month else "before"
        s[f"{part}_in"] += yuan(row.money_in)
        s[f"{part}_cost"] += yuan(row.goods_cost)
    accounts = {}
    for source_id, s in sums.items():
        opening = s["before_in"] - s["before_cost"]
        accounts[source_id] = FundingMonth(
            source_id=source_id,
            opening_balance=opening,
            money_in=s["now_in"],
            goods_cost=s["now_cost"],
            closing_balance=opening + s["now_in"] - s["now_cost"],
            total_in=s["before_in"] + s["now_in"],
            total_cost=s["before_cost"] + s["now_cost"],
        )
    return accounts


def cost_per_point(redeemed_cost: Decimal, points: Decimal) -> Decimal | None:
    """Yuan of goods per point redeemed, to 分; None when no point was redeemed."""
    if points <= 0:
        return None
    return yuan(redeemed_cost / points)


@dataclass(frozen=True)
class MonthTotals:
    """A shop's month in figures: the funding account, the stock account, the points."""

    month: date
    funding_opening: Decimal
    money_in: Decimal
    goods_cost: Decimal
    funding_balance: Decimal  # closing
    total_in: Decimal  # to the end of the month
    total_cost: Decimal
    stock_opening_value: Decimal
    stock_value: Decimal  # closing
    redeemed_cost: Decimal
    adjusted_value: Decimal
    variance_value: Decimal
    points_redeemed: Decimal  # net of the month's voids
    cost_per_point: Decimal | None
    products: list[ProductMonth] = field(default_factory=list)
    sources: list[FundingMonth] = field(default_factory=list)

    def problems(self) -> list[str]:
        """The identities the report must satisfy; empty when it adds up."""
        found = []
        if self.funding_balance != self.funding_opening + self.money_in - self.goods_cost:
            found.append("funding: closing ≠ opening + money in − goods cost")
        if self.funding_balance != self.total_in - self.total_cost:
            found.append("funding: closing ≠ all money in − all goods cost")
        book_value = sum((yuan(p.closing_quantity * p.unit_cost) for p in self.products), NO_YUAN)
        if self.stock_value != book_value:
            found.append("stock: value ≠ Σ book quantity × unit cost")
        if self.goods_cost != self.goods_cost_into_stock:
            found.append("goods cost paid from the sources ≠ goods received into stock")
        moved = (
            self.stock_opening_value
            + self.goods_cost_into_stock
            - self.redeemed_cost
            + self.adjusted_value
            + self.variance_value
        )
        if moved != self.stock_value:
            found.append("stock: opening + received − redeemed ± adjustments ≠ closing")
        return found

    @property
    def goods_cost_into_stock(self) -> Decimal:
        """The month's receipts at cost, from the stock side (equals goods_cost when
        every receipt of the shop's products is paid from the shop's sources)."""
        return sum((p.received_cost for p in self.products), NO_YUAN)


def month_totals(
    *,
    month: date,
    stock: Iterable[MonthFlow],
    funding: Iterable[FundingFlow],
    points_redeemed: Decimal,
) -> MonthTotals:
    """The month's figures of one shop (or of any set of products and sources)."""
    month = month_start(month)
    products = sorted(stock_accounts(stock, month).values(), key=lambda p: p.product_id)
    sources = sorted(funding_accounts(funding, month).values(), key=lambda s: s.source_id)
    redeemed_cost = sum((p.redeemed_cost for p in products), NO_YUAN)
    return MonthTotals(
        month=month,
        funding_opening=sum((s.opening_balance for s in sources), NO_YUAN),
        money_in=sum((s.money_in for s in sources), NO_YUAN),
        goods_cost=sum((s.goods_cost for s in sources), NO_YUAN),
        funding_balance=sum((s.closing_balance for s in sources), NO_YUAN),
        total_in=sum((s.total_in for s in sources), NO_YUAN),
        total_cost=sum((s.total_cost for s in sources), NO_YUAN),
        stock_opening_value=sum((p.opening_value for p in products), NO_YUAN),
        stock_value=sum((p.closing_value for p in products), NO_YUAN),
        redeemed_cost=sum((p.redeemed_cost for p in products), NO_YUAN),
        adjusted_value=sum((p.adjusted_value for p in products), NO_YUAN),
        variance_value=sum((p.variance_value for p in products), NO_YUAN),
        points_redeemed=Decimal(points_redeemed),
        cost_per_point=cost_per_point(redeemed_cost, Decimal(points_redeemed)),
        products=products,
        sources=sources,
    )
