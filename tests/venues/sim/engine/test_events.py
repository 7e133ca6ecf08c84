"""What listeners hear: order updates and trades as they happen, then one BalancesChanged per
account, and nothing when events are off."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from tradewind.venues.sim.engine import (
    FEE_ACCOUNT,
    BalanceAdjusted,
    BalancesChanged,
    ExecutionType,
    OrderStatus,
    OrderUpdated,
    Side,
    TradeExecuted,
)
from tradewind.venues.sim.engine import TimeInForce as TIF

BUY, SELL = Side.BUY, Side.SELL


def describe(event: Any) -> tuple[Any, ...]:
    if isinstance(event, OrderUpdated):
        return ("order", event.order.account_id, event.execution_type, event.order.status)
    if isinstance(event, TradeExecuted):
        return ("trade", event.trade.trade_id)
    if isinstance(event, BalancesChanged):
        return ("balances", event.account_id, tuple(sorted(event.balances)))
    return ("adjusted", event.account_id, event.asset, event.delta)


def test_a_crossing_order_reports_new_trades_then_balances(h: Any) -> None:
    h.limit("bob", SELL, "0.1", "30000")
    h.limit("carol", SELL, "0.1", "30001")
    h.take_events()
    h.clock.advance(5)
    h.limit("alice", BUY, "0.15", "30001", TIF.IOC)
    events = h.take_events()
    assert [describe(e) for e in events] == [
        ("order", "alice", ExecutionType.NEW, OrderStatus.NEW),
        ("trade", 1),
        ("order", "bob", ExecutionType.TRADE, OrderStatus.FILLED),
        ("order", "alice", ExecutionType.TRADE, OrderStatus.PARTIALLY_FILLED),
        ("trade", 2),
        ("order", "carol", ExecutionType.TRADE, OrderStatus.PARTIALLY_FILLED),
        ("order", "alice", ExecutionType.TRADE, OrderStatus.FILLED),
        ("balances", "alice", ("BTC", "USDT")),
        ("balances", "bob", ("BTC", "USDT")),
        ("balances", FEE_ACCOUNT, ("BTC", "USDT")),
        ("balances", "carol", ("BTC", "USDT")),
    ]
    trade = events[1].trade
    assert (trade.price, trade.qty, trade.quote_qty, trade.time) == (
        D(30000),
        D("0.1"),
        D(3000),
        h.clock.now,
    )
    assert trade.is_buyer_maker is False
    assert (trade.buyer_order_id, trade.taker_order_id) == (events[0].order.order_id,) * 2
    maker_fill = events[2].fill
    assert (maker_fill.is_maker, maker_fill.is_buyer, maker_fill.commission) == (True, False, D(3))
    taker_fill = events[3].fill
    assert (taker_fill.is_maker, taker_fill.commission, taker_fill.commission_asset) == (
        False,
        D("0.0001"),
        "BTC",
    )
    # the absolute balances after the whole operation: 3000 + 1500.05 spent
    alice = events[7].balances
    assert alice["USDT"] == (D("1000000") - D("4500.05"), 0)
    assert alice["BTC"] == (D("100.14985"), 0)


def test_an_ioc_remainder_expires_with_an_event(h: Any) -> None:
    h.limit("bob", SELL, "0.1", "30000")
    h.take_events()
    h.limit("alice", BUY, "0.2", "30000", TIF.IOC)
    kinds = [describe(e)[:4] for e in h.take_events() if isinstance(e, OrderUpdated)]
    assert kinds[-1] == ("order", "alice", ExecutionType.EXPIRED, OrderStatus.EXPIRED)


def test_resting_and_cancel_events(h: Any) -> None:
    order = h.limit("alice", BUY, "0.1", "30000", client_order_id="c1").order
    assert [describe(e) for e in h.take_events()] == [
        ("order", "alice", ExecutionType.NEW, OrderStatus.NEW),
        ("balances", "alice", ("USDT",)),
    ]
    h.engine.cancel("alice", "BTCUSDT", order_id=order.order_id, new_client_order_id="c2")
    events = h.take_events()
    assert [describe(e) for e in events] == [
        ("order", "alice", ExecutionType.CANCELED, OrderStatus.CANCELED),
        ("balances", "alice", ("USDT",)),
    ]
    assert (events[0].order.client_order_id, events[0].order.orig_client_order_id) == ("c2", "c1")
    assert events[1].balances["USDT"] == (D("1000000"), 0)


def test_credit_and_debit_report_the_delta_then_the_balance(h: Any) -> None:
    h.engine.credit("alice", "USDT", D("10"), reason="deposit")
    h.engine.debit("alice", "USDT", D("4"), reason="withdrawal")
    events = h.take_events()
    assert [describe(e) for e in events] == [
        ("adjusted", "alice", "USDT", D("10")),
        ("balances", "alice", ("USDT",)),
        ("adjusted", "alice", "USDT", D("-4")),
        ("balances", "alice", ("USDT",)),
    ]
    assert isinstance(events[0], BalanceAdjusted) and events[0].reason == "deposit"
    assert events[3].balances["USDT"] == (D("1000006"), 0)


def test_a_failing_listener_does_not_undo_the_operation(h: Any) -> None:
    def broken(_: object) -> None:
        raise RuntimeError("listener bug")

    seen: list[object] = []
    h.engine.add_listener(broken)
    h.engine.add_listener(seen.append)
    result = h.limit("alice", BUY, "0.1", "30000")
    assert result.order.status is OrderStatus.NEW
    assert len(seen) == 2  # the listener after the broken one still heard both events


def test_no_events_when_emission_is_off(make_harness: Any, btc: Any) -> None:
    h = make_harness([btc()], emit_events=False)
    h.fund("alice", USDT="100000", BTC="1")
    h.fund("bob", USDT="100000", BTC="1")
    h.limit("bob", SELL, "0.5", "30000")
    result = h.limit("alice", BUY, "0.5", "30000")
    assert result.order.status is OrderStatus.FILLED
    assert len(result.fills) == 1
    assert h.events == []
