"""LIMIT (GTC, IOC, FOK) and LIMIT_MAKER orders: resting, crossing at the maker's price, price-time
priority, partial fills, and the locks they hold. All figures are worked by hand in comments."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from tradewind.venues.sim.engine import FEE_ACCOUNT, OrderStatus, OrderType, Side, SimError
from tradewind.venues.sim.engine import TimeInForce as TIF

BUY, SELL = Side.BUY, Side.SELL


def test_gtc_buy_rests_and_locks_price_times_quantity(h: Any) -> None:
    result = h.limit("alice", BUY, "0.5", "30000")
    order = result.order
    assert result.fills == ()
    assert order.status is OrderStatus.NEW
    assert (order.orig_qty, order.executed_qty, order.price) == (D("0.5"), 0, D(30000))
    assert order.time_in_force is TIF.GTC and order.type is OrderType.LIMIT
    # 0.5 x 30000 = 15000 USDT locked
    assert h.balance("alice", "USDT") == (D("985000"), D("15000"))
    assert h.engine.depth("BTCUSDT").bids == [(D("30000"), D("0.5"))]
    assert [o.order_id for o in h.engine.open_orders("alice", "BTCUSDT")] == [order.order_id]


def test_gtc_sell_rests_and_locks_the_quantity(h: Any) -> None:
    h.limit("bob", SELL, "1.25", "31000")
    assert h.balance("bob", "BTC") == (D("98.75"), D("1.25"))
    assert h.engine.best_bid_ask("BTCUSDT") == (None, (D("31000"), D("1.25")))


def test_a_crossing_buy_trades_at_the_makers_price_and_both_pay_commission(h: Any) -> None:
    maker = h.limit("bob", SELL, "1", "30000").order
    result = h.limit("alice", BUY, "0.4", "30100")
    taker = result.order
    assert taker.status is OrderStatus.FILLED
    assert taker.executed_qty == D("0.4")
    # 0.4 x 30000 (the maker's price, not 30100) = 12000
    assert taker.cumulative_quote_qty == D("12000")
    (fill,) = result.fills
    assert (fill.price, fill.qty, fill.quote_qty) == (D("30000"), D("0.4"), D("12000"))
    # the buyer pays 0.1% of the 0.4 BTC received: 0.0004 BTC
    assert (fill.commission, fill.commission_asset) == (D("0.0004"), "BTC")
    assert fill.is_buyer and not fill.is_maker
    # alice: 1,000,000 - 12,000 USDT, nothing left locked (the 100 USDT better price was never
    # taken); 100 + 0.4 - 0.0004 BTC
    assert h.balance("alice", "USDT") == (D("988000"), 0)
    assert h.balance("alice", "BTC") == (D("100.3996"), 0)
    # bob: 0.4 of his 1 BTC lock is gone; he gets 12000 - 12 (0.1%) USDT
    assert h.balance("bob", "BTC") == (D("99"), D("0.6"))
    assert h.balance("bob", "USDT") == (D("1011988"), 0)
    assert h.balance(FEE_ACCOUNT, "BTC") == (D("0.0004"), 0)
    assert h.balance(FEE_ACCOUNT, "USDT") == (D("12"), 0)
    resting = h.engine.get_order("bob", "BTCUSDT", order_id=maker.order_id)
    assert resting.status is OrderStatus.PARTIALLY_FILLED
    assert (resting.executed_qty, resting.cumulative_quote_qty) == (D("0.4"), D("12000"))


def test_price_then_time_priority(h: Any) -> None:
    first = h.limit("bob", SELL, "0.1", "30000").order
    second = h.limit("carol", SELL, "0.1", "30000").order
    better = h.limit("bob", SELL, "0.1", "29999").order
    result = h.limit("alice", BUY, "0.25", "30000", TIF.IOC)
    # best price first (29999), then the older of the two at 30000, then the newer one
    assert [(f.price, f.qty) for f in result.fills] == [
        (D("29999"), D("0.1")),
        (D("30000"), D("0.1")),
        (D("30000"), D("0.05")),
    ]
    trades = h.engine.my_trades("bob", "BTCUSDT")
    assert [t.order_id for t in trades] == [better.order_id, first.order_id]
    carol = h.engine.get_order("carol", "BTCUSDT", order_id=second.order_id)
    assert (carol.status, carol.executed_qty) == (OrderStatus.PARTIALLY_FILLED, D("0.05"))
    assert result.order.status is OrderStatus.FILLED
    # trade ids count per symbol from 1
    assert [f.trade_id for f in result.fills] == [1, 2, 3]


def test_gtc_remainder_rests_after_a_partial_fill(h: Any) -> None:
    h.limit("bob", SELL, "0.1", "30000")
    result = h.limit("alice", BUY, "0.3", "30000")
    assert result.order.status is OrderStatus.PARTIALLY_FILLED
    assert result.order.executed_qty == D("0.1")
    # 0.1 bought for 3000; the 0.2 left rests with 0.2 x 30000 = 6000 locked
    assert h.balance("alice", "USDT") == (D("991000"), D("6000"))
    assert h.engine.depth("BTCUSDT").bids == [(D("30000"), D("0.2"))]
    assert h.engine.depth("BTCUSDT").asks == []


def test_a_crossing_sell_walks_down_the_bids_and_rests_the_rest(h: Any) -> None:
    h.limit("bob", BUY, "0.2", "30000")
    h.limit("carol", BUY, "0.2", "29500")
    result = h.limit("alice", SELL, "0.5", "29000")
    assert [(f.price, f.qty) for f in result.fills] == [(D(30000), D("0.2")), (D(29500), D("0.2"))]
    # 6000 + 5900 = 11900 received, 11.9 commission; 0.1 BTC rests at 29000
    assert result.order.cumulative_quote_qty == D("11900")
    assert sum(f.commission for f in result.fills) == D("11.9")
    assert h.balance("alice", "USDT") == (D("1011888.1"), 0)
    assert h.balance("alice", "BTC") == (D("99.5"), D("0.1"))
    assert h.engine.depth("BTCUSDT").asks == [(D("29000"), D("0.1"))]


def test_ioc_fills_what_it_can_and_expires_the_rest(h: Any) -> None:
    h.limit("bob", SELL, "0.1", "30000")
    h.limit("bob", SELL, "0.1", "30100")
    result = h.limit("alice", BUY, "0.3", "30000", TIF.IOC)
    assert result.order.status is OrderStatus.EXPIRED
    assert result.order.executed_qty == D("0.1")
    assert h.balance("alice", "USDT") == (D("997000"), 0)
    assert h.engine.open_orders("alice") == []
    assert h.engine.depth("BTCUSDT").asks == [(D("30100"), D("0.1"))]


def test_ioc_with_nothing_to_take_expires_untouched(h: Any) -> None:
    result = h.limit("alice", BUY, "0.3", "30000", TIF.IOC)
    assert (result.order.status, result.order.executed_qty) == (OrderStatus.EXPIRED, 0)
    assert h.balance("alice", "USDT") == (D("1000000"), 0)
    assert h.engine.depth("BTCUSDT").bids == []


def test_fok_that_cannot_fill_completely_expires_without_touching_the_book(h: Any) -> None:
    h.limit("bob", SELL, "0.1", "30000")
    h.limit("carol", SELL, "0.1", "30001")
    before = h.engine.depth("BTCUSDT")
    # 0.2 available up to 30001 but only 0.1 up to the 30000 limit
    result = h.limit("alice", BUY, "0.2", "30000", TIF.FOK)
    assert (result.order.status, result.order.executed_qty, result.fills) == (
        OrderStatus.EXPIRED,
        0,
        (),
    )
    assert h.engine.depth("BTCUSDT") == before
    assert h.balance("alice", "USDT") == (D("1000000"), 0)


def test_fok_that_can_fill_fills_completely(h: Any) -> None:
    h.limit("bob", SELL, "0.1", "30000")
    h.limit("carol", SELL, "0.1", "30001")
    result = h.limit("alice", BUY, "0.2", "30001", TIF.FOK)
    assert result.order.status is OrderStatus.FILLED
    # 3000 + 3000.1
    assert result.order.cumulative_quote_qty == D("6000.1")


def test_limit_maker_rests_when_it_would_not_take(h: Any) -> None:
    h.limit("bob", SELL, "0.1", "30000")
    order = h.maker("alice", BUY, "0.1", "29999.99").order
    assert (order.type, order.status, order.time_in_force) == (
        OrderType.LIMIT_MAKER,
        OrderStatus.NEW,
        TIF.GTC,
    )
    assert h.engine.best_bid_ask("BTCUSDT")[0] == (D("29999.99"), D("0.1"))


def test_limit_maker_that_would_take_is_rejected_and_changes_nothing(h: Any) -> None:
    h.limit("bob", SELL, "0.1", "30000")
    before = h.engine.export_state()
    with pytest.raises(SimError) as caught:
        h.maker("alice", BUY, "0.1", "30000")
    assert (caught.value.code, caught.value.msg) == (
        -2010,
        "Order would immediately match and take.",
    )
    assert h.engine.export_state() == before


def test_limit_orders_need_the_funds_they_lock(h: Any) -> None:
    h.fund("dave", USDT="100")
    with pytest.raises(SimError) as caught:
        h.limit("dave", BUY, "0.01", "30000")  # needs 300 USDT
    assert (caught.value.code, caught.value.msg) == (
        -2010,
        "Account has insufficient balance for requested action.",
    )
    with pytest.raises(SimError):
        h.limit("dave", SELL, "0.01", "30000")  # dave has no BTC
    # exactly enough is enough: 0.00333 x 30000 = 99.9
    assert h.limit("dave", BUY, "0.00333", "30000").order.status is OrderStatus.NEW


def test_a_rejected_order_consumes_no_order_id(h: Any) -> None:
    first = h.limit("alice", BUY, "0.1", "30000").order.order_id
    with pytest.raises(SimError):
        h.limit("alice", BUY, "0.1", "30000.001")
    assert h.limit("alice", BUY, "0.1", "30000").order.order_id == first + 1


def test_ethbtc_notional_with_nine_decimals_is_settled_exactly(h: Any) -> None:
    # 0.0117 ETH x 0.05123 BTC = 0.000599391 BTC (9 decimals); seller's commission is
    # 0.000000599391 rounded down to 8 places = 0.00000059
    h.limit("bob", SELL, "0.0117", "0.05123", symbol="ETHBTC")
    totals = h.engine.total_by_asset()
    result = h.limit("alice", BUY, "0.0117", "0.05123", symbol="ETHBTC")
    assert result.order.cumulative_quote_qty == D("0.000599391")
    assert h.balance("bob", "BTC") == (D("100") + D("0.000599391") - D("0.00000059"), 0)
    assert h.balance("alice", "BTC") == (D("100") - D("0.000599391"), 0)
    # 0.0117 x 0.001 = 0.0000117 ETH commission
    assert h.balance("alice", "ETH") == (D("1000.0116883"), 0)
    assert h.engine.total_by_asset() == totals
