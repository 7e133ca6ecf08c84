"""One valid instance of every core message type, for round-trip tests."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from tradewind.core import (
    Balance,
    BalanceUpdated,
    BookSyncLost,
    BookUpdated,
    CancelAllOrders,
    CancelOrder,
    FillReport,
    Instrument,
    InstrumentFilters,
    InstrumentUpdated,
    LiquiditySide,
    Message,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderExpired,
    OrderFilled,
    OrderPendingCancel,
    OrderRejected,
    OrderSide,
    OrderStatus,
    OrderStatusReport,
    OrderSubmitted,
    OrderType,
    SubmitOrder,
    TimeInForce,
)
from tradewind.core.commands import ModifyOrder
from tradewind.core.market import Bar, TradeTick

T: dict[str, Any] = {"ts_event": 1_700_000_000_000_000_001, "ts_init": 1_700_000_000_000_000_002}
ORDER: dict[str, Any] = {"client_order_id": "tw-abc", "venue": "binance", "symbol": "BTC/USDT", **T}


def all_samples() -> list[Message]:
    filters = InstrumentFilters(
        tick_size=D("0.01"),
        step_size=D("0.00001"),
        min_qty=D("0.00001"),
        max_qty=D("9000"),
        min_notional=D("5"),
        max_notional=D("9000000"),
        market_step_size=D("0.001"),
        market_min_qty=None,
        market_max_qty=D("100"),
    )
    return [
        OrderSubmitted(
            **ORDER,
            strategy_id="mm-1",
            side=OrderSide.BUY,
            order_type=OrderType.LIMIT,
            quantity=D("0.12300"),
            price=D("30000.10"),
            time_in_force=TimeInForce.IOC,
        ),
        OrderAccepted(**ORDER, venue_order_id="123456"),
        OrderRejected(**ORDER, reason="Filter failure: NOTIONAL"),
        OrderPendingCancel(**ORDER),
        OrderCancelRejected(**ORDER, reason="Unknown order sent."),
        OrderCanceled(**ORDER, venue_order_id=None),
        OrderExpired(**ORDER, venue_order_id="123456"),
        OrderFilled(
            **ORDER,
            venue_order_id="123456",
            trade_id="987",
            side=OrderSide.SELL,
            last_px=D("30000.10"),
            last_qty=D("1E-5"),
            fee=D("-0.0001"),
            fee_asset="USDT",
            liquidity_side=LiquiditySide.MAKER,
        ),
        BalanceUpdated(
            venue="binance",
            balances=(
                Balance(asset="BTC", free=D("1.5"), locked=D("0.25")),
                Balance(asset="USDT", free=D("0")),
            ),
            **T,
        ),
        InstrumentUpdated(
            instrument=Instrument(venue="binance", symbol="BTC/USDT", filters=filters), **T
        ),
        BookUpdated(
            venue="binance",
            symbol="BTC/USDT",
            update_id=42,
            best_bid=D("29999.99"),
            best_bid_qty=D("0.5"),
            best_ask=None,
            best_ask_qty=None,
            **T,
        ),
        BookSyncLost(venue="binance", symbol="BTC/USDT", reason="gap", **T),
        SubmitOrder(
            strategy_id="idx",
            client_order_id="tw-1",
            venue="binance",
            symbol="ETH/USDT",
            side=OrderSide.BUY,
            order_type=OrderType.MARKET,
            quantity=D("2"),
            ts_init=5,
        ),
        CancelOrder(venue="binance", symbol="ETH/USDT", client_order_id="tw-1", ts_init=6),
        CancelAllOrders(venue="binance", symbol="ETH/USDT", ts_init=7),
        ModifyOrder(
            venue="binance",
            symbol="ETH/USDT",
            client_order_id="tw-1",
            new_client_order_id="tw-2",
            price=D("3000.5"),
            ts_init=8,
        ),
        TradeTick(
            venue="binance",
            symbol="BTC/USDT",
            trade_id="991",
            price=D("95000.01"),
            qty=D("0.0002"),
            aggressor=OrderSide.SELL,
            ts_event=9,
            ts_init=10,
        ),
        Bar(
            venue="binance",
            symbol="BTC/USDT",
            interval_ns=60_000_000_000,
            ts_open=0,
            open=D("95000"),
            high=D("95010.5"),
            low=D("94990"),
            close=D("95001"),
            volume=D("1.25"),
            trades=42,
            ts_event=60_000_000_000,
            ts_init=60_000_000_001,
        ),
        OrderStatusReport(
            venue="binance",
            symbol="BTC/USDT",
            venue_order_id="123456",
            client_order_id=None,
            side=OrderSide.BUY,
            order_type=OrderType.LIMIT_MAKER,
            status=OrderStatus.PARTIALLY_FILLED,
            quantity=D("1"),
            filled_qty=D("0.4"),
            price=D("30000"),
            **T,
        ),
        FillReport(
            venue="binance",
            symbol="BTC/USDT",
            trade_id="988",
            venue_order_id="123456",
            client_order_id="tw-abc",
            side=OrderSide.BUY,
            price=D("30000"),
            qty=D("0.4"),
            fee=D("0.0004"),
            fee_asset="BNB",
            **T,
        ),
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # parametrized at collection: one test case per message type
    if "sample_message" in metafunc.fixturenames:
        samples = all_samples()
        metafunc.parametrize("sample_message", samples, ids=[type(m).__name__ for m in samples])


@pytest.fixture
def samples() -> list[Message]:
    return all_samples()
