"""MARKET orders by base quantity and by quote quantity, their funds checks and expiry."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from tradewind.venues.sim.engine import OrderStatus, Side, SimError, TimeInForce

BUY, SELL = Side.BUY, Side.SELL


def test_market_buy_by_quantity_sweeps_levels(h: Any) -> None:
    h.limit("bob", SELL, "0.1", "30000")
    h.limit("carol", SELL, "0.2", "30010")
    result = h.market("alice", BUY, qty="0.25")
    order = result.order
    assert [(f.price, f.qty) for f in result.fills] == [(D(30000), D("0.1")), (D(30010), D("0.15"))]
    # 0.1 x 30000 + 0.15 x 30010 = 3000 + 4501.5
    assert order.cumulative_quote_qty == D("7501.5")
    assert order.status is OrderStatus.FILLED
    assert (order.price, order.time_in_force, order.orig_quote_order_qty) == (0, TimeInForce.GTC, 0)
    assert h.balance("alice", "USDT") == (D("992498.5"), 0)


def test_market_buy_larger_than_the_book_expires_the_rest(h: Any) -> None:
    h.limit("bob", SELL, "0.1", "30000")
    result = h.market("alice", BUY, qty="1")
    assert (result.order.status, result.order.executed_qty) == (OrderStatus.EXPIRED, D("0.1"))
    assert h.engine.depth("BTCUSDT").asks == []


def test_market_order_on_an_empty_book_expires_with_no_change(h: Any) -> None:
    result = h.market("alice", SELL, qty="1")
    assert (result.order.status, result.order.executed_qty, result.fills) == (
        OrderStatus.EXPIRED,
        0,
        (),
    )
    assert h.balance("alice", "BTC") == (D("100"), 0)


def test_market_buy_by_quote_spends_it_in_whole_steps(h: Any) -> None:
    h.limit("bob", SELL, "0.1", "30000")
    h.limit("carol", SELL, "1", "30010")
    result = h.market("alice", BUY, quote="4000")
    order = result.order
    # level 1: 4000 would buy 0.1333 but only 0.1 rests there: 3000 spent.
    # level 2: 1000 / 30010 = 0.0333222... rounded down to the 0.00001 step = 0.03332,
    # costing 999.9332; the 0.0668 left cannot buy one more step (0.3001), so it is FILLED.
    assert [(f.price, f.qty) for f in result.fills] == [
        (D(30000), D("0.1")),
        (D(30010), D("0.03332")),
    ]
    assert order.cumulative_quote_qty == D("3999.9332")
    assert order.status is OrderStatus.FILLED
    assert (order.orig_qty, order.executed_qty) == (D("0.13332"), D("0.13332"))
    assert order.orig_quote_order_qty == D("4000")
    assert h.balance("alice", "USDT") == (D("1000000") - D("3999.9332"), 0)


def test_market_sell_by_quote_receives_up_to_the_amount(h: Any) -> None:
    h.limit("bob", BUY, "0.1", "30000")
    h.limit("carol", BUY, "1", "29990")
    result = h.market("alice", SELL, quote="4500")
    # level 1: 0.1 for 3000; level 2: 1500 / 29990 = 0.0500166 -> 0.05001 for 1499.7999
    assert [(f.price, f.qty) for f in result.fills] == [
        (D(30000), D("0.1")),
        (D(29990), D("0.05001")),
    ]
    assert result.order.cumulative_quote_qty == D("4499.7999")
    assert result.order.status is OrderStatus.FILLED
    assert h.balance("alice", "BTC") == (D("100") - D("0.15001"), 0)


def test_quote_order_too_small_for_one_step_expires(h: Any) -> None:
    h.limit("bob", SELL, "1", "30000")
    # 5.2 USDT buys 0.00017 (5.1 USDT): fine; but against a 600,000 price one step costs 6
    h.limit("carol", SELL, "1", "600000", symbol="BTCUSDT")
    assert h.market("alice", BUY, quote="5.2").order.executed_qty == D("0.00017")
    h.engine.cancel_all("bob", "BTCUSDT")
    h.clock.advance(600_000)
    result = h.market("alice", BUY, quote="5.9")
    assert (result.order.status, result.order.executed_qty) == (OrderStatus.EXPIRED, 0)


def test_market_buy_needs_the_estimated_cost(h: Any) -> None:
    h.limit("bob", SELL, "0.01", "30000")
    h.fund("dave", USDT="299.99")
    with pytest.raises(SimError) as caught:
        h.market("dave", BUY, qty="0.01")  # costs 300
    assert caught.value.code == -2010
    h.fund("dave", USDT="0.01")
    assert h.market("dave", BUY, qty="0.01").order.status is OrderStatus.FILLED


def test_market_buy_by_quote_needs_the_quote_amount(h: Any) -> None:
    h.limit("bob", SELL, "1", "30000")
    h.fund("dave", USDT="99")
    with pytest.raises(SimError):
        h.market("dave", BUY, quote="100")


def test_market_sells_need_the_base(h: Any) -> None:
    h.limit("bob", BUY, "1", "30000")
    h.fund("dave", BTC="0.1")
    with pytest.raises(SimError):
        h.market("dave", SELL, qty="0.2")
    # selling for 6000 USDT at 30000 needs 0.2 BTC
    with pytest.raises(SimError):
        h.market("dave", SELL, quote="6000")
    assert h.market("dave", SELL, quote="3000").order.executed_qty == D("0.1")
