"""Price limits on the tick, liquidity within them, and legs padded onto the venue's grid."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from tradewind.core.enums import OrderSide
from tradewind.desks.index.solver import (
    SolverConfig,
    constituent_limit,
    depth_within,
    price_limit,
)
from tradewind.desks.index.solver.legs import LegRefusal, LegSize, size_leg

if TYPE_CHECKING:
    from conftest import Market  # type: ignore[import-not-found]

D = Decimal
BUY = OrderSide.BUY
SELL = OrderSide.SELL


@pytest.mark.parametrize(
    ("best", "threshold", "tick", "side", "expected"),
    [
        ("100.00", "0.01", "0.01", BUY, "101.00"),
        ("100.07", "0.01", "0.05", BUY, "101.05"),  # 101.0707 down to the tick
        ("100.07", "0.01", "0.05", SELL, "99.10"),  # 99.0693 up to the tick
        ("100.00", "0", "0.01", BUY, "100.00"),
        ("0.1234", "0.005", "0.0001", BUY, "0.1240"),  # 0.124017 down
        ("0.1234", "0.005", "0.0001", SELL, "0.1228"),  # 0.122783 up
        ("3", "0.4", "1", SELL, "2"),  # 1.8 up
    ],
)
def test_price_limit_never_goes_past_the_threshold(
    best: str, threshold: str, tick: str, side: OrderSide, expected: str
) -> None:
    limit = price_limit(D(best), D(threshold), D(tick), side)
    assert limit == D(expected)
    bound = D(best) * (1 + D(threshold) if side is BUY else 1 - D(threshold))
    assert (limit <= bound) if side is BUY else (limit >= bound)
    assert limit % D(tick) == 0


def test_depth_within_stops_at_the_limit_and_at_the_level_count() -> None:
    asks = ((D(100), D(1)), (D(101), D(2)), (D(102), D(4)), (D(103), D(8)))
    assert depth_within(asks, D("101.5"), BUY, 10) == D(3)
    assert depth_within(asks, D(200), BUY, 2) == D(3)
    assert depth_within(asks, D(99), BUY, 10) == D(0)
    bids = ((D(100), D(1)), (D(99), D(2)), (D(98), D(4)))
    assert depth_within(bids, D(99), SELL, 10) == D(3)
    assert depth_within(bids, D(98), SELL, 10) == D(7)


def test_constituent_limit_plans_on_a_fraction_of_depth_on_the_step(market: Market) -> None:
    instrument = market.instrument("BTC/USDT", tick="0.1", step="0.01")
    book = market.book(
        bids=[("99.9", "1.005"), ("99.0", "5")],
        asks=[("100.1", "1.005"), ("100.5", "2"), ("101.2", "9"), ("101.3", "9")],
    )
    config = SolverConfig(price_threshold=D("0.01"), depth_levels=3, liquidity_fraction=D("0.5"))
    buy = constituent_limit("BTC/USDT", BUY, book, instrument.filters, config)
    assert buy is not None
    assert buy.limit_price == D("101.1")  # 101.101 down to the tick
    assert buy.depth == D("3.005")  # 101.2 is beyond the limit
    assert buy.liquidity == D("1.50")  # 1.5025 down to the step
    sell = constituent_limit("BTC/USDT", SELL, book, instrument.filters, config)
    assert sell is not None
    assert sell.limit_price == D("99.0")  # 98.901 up to the tick
    assert sell.depth == D("6.005")
    assert (
        constituent_limit(
            "BTC/USDT", SELL, market.book(asks=[("1", "1")]), instrument.filters, config
        )
        is None
    )
    assert constituent_limit("BTC/USDT", BUY, None, instrument.filters, config) is None


def test_liquidity_is_capped_by_max_qty_and_max_notional(market: Market) -> None:
    book = market.book(asks=[("10", "100")])
    config = SolverConfig(liquidity_fraction=D(1))
    by_qty = market.instrument("X/USDT", step="1", max_qty="7")
    limit = constituent_limit("X/USDT", BUY, book, by_qty.filters, config)
    assert limit is not None and limit.liquidity == D(7)
    by_notional = market.instrument("X/USDT", step="1", max_notional="55")
    limit = constituent_limit("X/USDT", BUY, book, by_notional.filters, config)
    assert limit is not None and limit.liquidity == D(5)  # 55 / 10.1 = 5.4


def _size(side: OrderSide, needed: str, price: str, market: Market, **kwargs: object) -> object:
    filters = market.instrument(
        "X/USDT",
        step=str(kwargs.pop("step", "0.01")),
        min_qty=kwargs.pop("min_qty", None),  # type: ignore[arg-type]
        min_notional=str(kwargs.pop("min_notional", "0")),
        max_qty=str(kwargs.pop("max_qty", "1000000")),
    ).filters
    return size_leg(
        side,
        D(needed),
        D(price),
        filters,
        padding=D(str(kwargs.pop("padding", "0"))),
        net_factor=D(str(kwargs.pop("net", "1"))),
        spare_inventory=D(str(kwargs.pop("spare", "0"))),
    )


def test_buy_leg_rounds_up_to_the_step(market: Market) -> None:
    assert _size(BUY, "1.234", "10", market) == LegSize(D("1.24"), D(0))
    assert _size(BUY, "1.23", "10", market) == LegSize(D("1.23"), D(0))


def test_buy_leg_is_grossed_up_for_the_taker_fee(market: Market) -> None:
    # 1.23 / 0.999 = 1.23123...: 1.23 would deliver 1.22877 net, so 1.24
    assert _size(BUY, "1.23", "10", market, net="0.999") == LegSize(D("1.24"), D(0))
    # 0.999 * 2 = 1.998 net >= 1.998 exactly: no extra step
    assert _size(BUY, "1.998", "10", market, net="0.999") == LegSize(D("2.00"), D(0))


def test_buy_leg_is_padded_to_min_qty_and_min_notional(market: Market) -> None:
    assert _size(BUY, "0.01", "10", market, min_qty="0.5") == LegSize(D("0.50"), D(0))
    # 5 USDT min notional at 3 per unit: 1.666.. -> 1.67; with 10% padding 5.5/3 -> 1.84
    assert _size(BUY, "0.01", "3", market, min_notional="5") == LegSize(D("1.67"), D(0))
    padded = _size(BUY, "0.01", "3", market, min_notional="5", padding="0.1")
    assert padded == LegSize(D("1.84"), D(0))
    assert _size(BUY, "9", "3", market, min_notional="5") == LegSize(D("9.00"), D(0))


def test_buy_leg_over_max_qty_is_refused(market: Market) -> None:
    refusal = _size(BUY, "0.01", "3", market, min_notional="5", max_qty="1")
    assert isinstance(refusal, LegRefusal) and "max_qty" in refusal.reason


def test_sell_leg_pads_from_inventory_or_rounds_down(market: Market) -> None:
    # 1.234 needed: 1.24 if house inventory has the 0.006, else 1.23 (orders wait for the rest)
    assert _size(SELL, "1.234", "10", market, spare="0.006") == LegSize(D("1.24"), D("0.006"))
    assert _size(SELL, "1.234", "10", market, spare="0.005") == LegSize(D("1.23"), D(0))
    # min notional 5 at 10: 0.5 needed; 0.2 to sell and 0.3 spare pads it
    assert _size(SELL, "0.2", "10", market, min_notional="5", spare="0.3") == LegSize(
        D("0.50"), D("0.3")
    )
    refusal = _size(SELL, "0.2", "10", market, min_notional="5", spare="0.29")
    assert isinstance(refusal, LegRefusal) and "min_notional" in refusal.reason
