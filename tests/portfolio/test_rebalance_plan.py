"""The rebalancing plan against cases worked by hand (BTC/USDT and ETH/USDT as the sim lists
them: BTC step 0.00001, ETH step 0.0001, minimum notional 5 USDT)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradewind.core.enums import OrderSide
from tradewind.core.instruments import InstrumentFilters
from tradewind.portfolio.rebalance import (
    RebalanceError,
    parse_targets,
    plan_rebalance,
)

FILTERS = {
    "BTC/USDT": InstrumentFilters(
        tick_size=Decimal("0.01"),
        step_size=Decimal("0.00001"),
        min_qty=Decimal("0.00001"),
        max_qty=Decimal(9000),
        min_notional=Decimal(5),
    ),
    "ETH/USDT": InstrumentFilters(
        tick_size=Decimal("0.01"),
        step_size=Decimal("0.0001"),
        min_qty=Decimal("0.0001"),
        max_qty=Decimal(9000),
        min_notional=Decimal(5),
    ),
}
PRICES = {"BTC": Decimal(30000), "ETH": Decimal(2000)}


def test_over_target_assets_are_sold_down_to_the_step() -> None:
    """1 BTC (30,000) + 10 ETH (20,000) = 50,000 USDT; targets 0.5 / 0.3 / 0.2.

    BTC: 25,000 target, 5,000 over -> 5,000 / 30,000 = 0.1666… -> 0.16666 BTC (step 0.00001)
    ETH: 15,000 target, 5,000 over -> 2.5 ETH; USDT: 0 -> 10,000 from the sales.
    """
    targets = parse_targets("BTC=0.5,ETH=0.3,USDT=0.2")
    holdings = {"BTC": Decimal(1), "ETH": Decimal(10)}
    plan = plan_rebalance(holdings, PRICES, targets, quote="USDT", filters=FILTERS)
    assert plan.total == Decimal(50000)
    assert [(x.asset, x.value, x.weight, x.target_value) for x in plan.lines] == [
        ("BTC", Decimal(30000), 0.6, Decimal(25000)),
        ("ETH", Decimal(20000), 0.4, Decimal(15000)),
        ("USDT", Decimal(0), 0.0, Decimal(10000)),
    ]
    assert [(o.symbol, o.side, o.quantity) for o in plan.orders] == [
        ("BTC/USDT", OrderSide.SELL, Decimal("0.16666")),
        ("ETH/USDT", OrderSide.SELL, Decimal("2.5")),
    ]
    assert plan.orders[0].notional == Decimal("4999.80")
    assert plan.skipped == ()


def test_sells_come_before_buys_and_untargeted_holdings_are_sold() -> None:
    """2 ETH (4,000) + 6,000 USDT = 10,000; targets BTC 0.5, USDT 0.5 (ETH not named: 0).

    Sell all 2 ETH; buy 5,000 / 30,000 = 0.16666 BTC (rounded down); USDT ends near 5,000.
    """
    plan = plan_rebalance(
        {"ETH": Decimal(2), "USDT": Decimal(6000)},
        PRICES,
        parse_targets("BTC=0.5,USDT=0.5"),
        quote="USDT",
        filters=FILTERS,
    )
    assert [(o.symbol, o.side, o.quantity) for o in plan.orders] == [
        ("ETH/USDT", OrderSide.SELL, Decimal(2)),
        ("BTC/USDT", OrderSide.BUY, Decimal("0.16666")),
    ]


def test_a_difference_under_the_minimum_notional_is_left_out_and_said_why() -> None:
    """0.5 BTC (15,000) + 15,004 USDT = 30,004; 0.5 each -> buy 2 / 30,000 = 0.0000666 BTC ->
    0.00006 BTC, 1.80 USDT: under the 5 USDT minimum notional."""
    plan = plan_rebalance(
        {"BTC": Decimal("0.5"), "USDT": Decimal(15004)},
        PRICES,
        parse_targets("BTC=0.5,USDT=0.5"),
        quote="USDT",
        filters=FILTERS,
    )
    assert plan.orders == ()
    [skipped] = plan.skipped
    assert (skipped.symbol, skipped.side, skipped.quantity) == (
        "BTC/USDT",
        OrderSide.BUY,
        Decimal("0.00006"),
    )
    assert "minimum notional 5 USDT" in skipped.reason


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("BTC=0.5,ETH=0.3", "add up to 0.8, not 1"),
        ("BTC=0.5,BTC=0.5", "BTC is given twice"),
        ("BTC=half,USDT=0.5", "not a number"),
        ("BTC=1.5,USDT=-0.5", "between 0 and 1"),
        ("BTC", "not ASSET=WEIGHT"),
    ],
)
def test_bad_targets_are_refused_with_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(RebalanceError, match=message):
        parse_targets(text)


def test_unpriced_or_unlisted_assets_are_refused() -> None:
    with pytest.raises(RebalanceError, match="no price in USDT for SOL"):
        plan_rebalance(
            {"SOL": Decimal(1)}, PRICES, {"USDT": Decimal(1)}, quote="USDT", filters=FILTERS
        )
    with pytest.raises(RebalanceError, match="lists no DOGE/USDT"):
        plan_rebalance(
            {"DOGE": Decimal(1)},
            {**PRICES, "DOGE": Decimal("0.1")},
            {"USDT": Decimal(1)},
            quote="USDT",
            filters=FILTERS,
        )
