"""The monthly report's arithmetic (rewards/reports.py), by hand and by hypothesis:
the funding account and the stock account always add up to the 分."""

from datetime import date
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanxin.rewards.reports import (
    Flow,
    FundingFlow,
    MonthFlow,
    cost_per_point,
    funding_accounts,
    month_totals,
    next_month,
    stock_accounts,
    yuan,
)

OCT, NOV, DEC = date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)


def test_a_month_worked_by_hand():
    """Towels: 40 bought in October at 8.50, 20 more in November at 9.10; 30 redeemed
    and one void of 2 in November, one lost. Soap: 100 at 1.20, 10 redeemed, the
    stocktake counts one fewer than the book."""
    stock = [
        MonthFlow(1, OCT, Flow.RECEIPT, D(40), D("340.00")),
        MonthFlow(1, NOV, Flow.RECEIPT, D(20), D("182.00")),
        MonthFlow(1, NOV, Flow.REDEMPTION, D(-30)),
        MonthFlow(1, NOV, Flow.REDEMPTION, D(2)),  # a void gives two back
        MonthFlow(1, NOV, Flow.ADJUSTMENT, D(-1)),
        MonthFlow(2, NOV, Flow.RECEIPT, D(100), D("120.00")),
        MonthFlow(2, NOV, Flow.REDEMPTION, D(-10)),
        MonthFlow(2, NOV, Flow.STOCKTAKE, D(-1)),
    ]
    funding = [
        FundingFlow(7, OCT, money_in=D("1000.00"), goods_cost=D("340.00")),
        FundingFlow(7, NOV, goods_cost=D("182.00")),
        FundingFlow(8, NOV, money_in=D("500.00"), goods_cost=D("120.00")),
    ]
    report = month_totals(month=NOV, stock=stock, funding=funding, points_redeemed=D(250))
    towels, soap = report.products
    # (340.00 + 182.00) / (40 + 20) = 8.7
    assert towels.unit_cost == D("8.7000")
    assert towels.closing_quantity == 31
    assert towels.closing_value == D("269.70")
    assert towels.adjusted_value == D("-8.70")
    assert towels.redeemed_quantity == 28
    assert towels.redeemed_cost == D("243.60")  # 28 × 8.70
    assert soap.closing_value == D("106.80")  # 89 × 1.20
    assert soap.variance_value == D("-1.20")
    assert report.funding_opening == D("660.00")
    assert (report.money_in, report.goods_cost) == (D("500.00"), D("302.00"))
    assert report.funding_balance == D("858.00") == report.total_in - report.total_cost
    assert report.stock_opening_value == D("340.00")
    assert report.stock_value == D("376.50")
    assert report.redeemed_cost == D("255.60")
    assert report.cost_per_point == D("1.02")
    assert report.problems() == []


def test_the_rounding_of_the_unit_cost_falls_on_the_redeemed_goods():
    """Three bought for 10.00 cost 3.3333 each; one redeemed leaves 6.67 of stock, so
    the redeemed one cost 3.33 and the account balances to the 分."""
    stock = [
        MonthFlow(1, NOV, Flow.RECEIPT, D(3), D("10.00")),
        MonthFlow(1, NOV, Flow.REDEMPTION, D(-1)),
    ]
    (account,) = stock_accounts(stock, NOV).values()
    assert account.unit_cost == D("3.3333")
    assert account.closing_value == D("6.67")
    assert account.redeemed_cost == D("3.33")


def test_a_product_that_did_not_move_keeps_its_value_and_cost():
    stock = [MonthFlow(1, OCT, Flow.RECEIPT, D(10), D("25.00"))]
    account = stock_accounts(stock, DEC)[1]
    assert (account.opening_quantity, account.opening_value) == (10, D("25.00"))
    assert (account.closing_value, account.unit_cost, account.moved) == (
        D("25.00"),
        D("2.5"),
        False,
    )


def test_an_empty_shelf_keeps_the_last_unit_cost_for_a_late_void():
    stock = [
        MonthFlow(1, OCT, Flow.RECEIPT, D(2), D("9.00")),
        MonthFlow(1, OCT, Flow.REDEMPTION, D(-2)),
        MonthFlow(1, NOV, Flow.REDEMPTION, D(1)),  # a void in the next month
    ]
    account = stock_accounts(stock, NOV)[1]
    assert account.unit_cost == D("4.5")
    assert account.closing_value == D("4.50")
    assert account.redeemed_cost == D("-4.50")  # goods came back


def test_rows_after_the_month_are_ignored():
    stock = [MonthFlow(1, DEC, Flow.RECEIPT, D(2), D("9.00"))]
    assert stock_accounts(stock, NOV) == {}
    assert funding_accounts([FundingFlow(1, DEC, money_in=D(5))], NOV) == {}


def test_cost_per_point():
    assert cost_per_point(D("100.00"), D(0)) is None
    assert cost_per_point(D("100.00"), D(300)) == D("0.33")
    assert cost_per_point(D("100.00"), D(200)) == D("0.50")


def test_yuan_rounds_half_up():
    assert yuan(D("0.005")) == D("0.01")
    assert yuan(D("2.675")) == D("2.68")


MONTHS = [date(2025, m, 1) for m in range(1, 13)]


@st.composite
def histories(draw):
    """A shop's year: receipts paid from two sources, redemptions that never take
    more than is on the shelf, voids, losses and stocktake variances."""
    stock, funding = [], []
    on_hand = {1: 0, 2: 0, 3: 0}
    for month in MONTHS[: draw(st.integers(1, 12))]:
        for product in on_hand:
            for _ in range(draw(st.integers(0, 3))):
                kind = draw(st.sampled_from(list(Flow)))
                if kind is Flow.RECEIPT:
                    qty = draw(st.integers(1, 200))
                    cost = qty * D(draw(st.integers(1, 20_000))) / 100
                    source = draw(st.sampled_from([7, 8]))
                    stock.append(MonthFlow(product, month, kind, D(qty), cost))
                    funding.append(FundingFlow(source, month, goods_cost=cost))
                    on_hand[product] += qty
                else:
                    qty = draw(st.integers(-on_hand[product], 5))
                    stock.append(MonthFlow(product, month, kind, D(qty)))
                    on_hand[product] += qty
        for source in (7, 8):
            amount = D(draw(st.integers(0, 500_000))) / 100
            funding.append(FundingFlow(source, month, money_in=amount))
    return stock, funding, on_hand


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.integers(0, 11), st.integers(0, 5_000))
def test_the_report_always_adds_up(history, month_index, points):
    stock, funding, _ = history
    month = MONTHS[month_index]
    report = month_totals(month=month, stock=stock, funding=funding, points_redeemed=D(points))
    assert report.problems() == []
    for account in report.products:
        assert account.closing_quantity == sum(
            r.quantity for r in stock if r.product_id == account.product_id and r.month <= month
        )
        assert account.closing_quantity >= 0 and account.closing_value >= 0
    # the month's closing is the next month's opening
    later = month_totals(
        month=next_month(month), stock=stock, funding=funding, points_redeemed=D(0)
    )
    assert later.stock_opening_value == report.stock_value
    assert later.funding_opening == report.funding_balance
