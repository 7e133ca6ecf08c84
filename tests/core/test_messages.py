"""Events, commands and reports: validation at construction and the fill views."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from tradewind.core import (
    Balance,
    BalanceUpdated,
    BookUpdated,
    DomainValueError,
    FillReport,
    LiquiditySide,
    OrderFilled,
    OrderSide,
    OrderStatus,
    OrderStatusReport,
    OrderSubmitted,
    OrderType,
    SubmitOrder,
)


def test_order_filled_round_trips_through_fill() -> None:
    event = OrderFilled(
        client_order_id="tw-1",
        venue="binance",
        symbol="BTC/USDT",
        venue_order_id="55",
        trade_id="9001",
        side=OrderSide.BUY,
        last_px=D("30000.5"),
        last_qty=D("0.01"),
        fee=D("0.00001"),
        fee_asset="BTC",
        liquidity_side=LiquiditySide.TAKER,
        ts_event=10,
        ts_init=11,
    )
    fill = event.fill
    assert fill.key == ("binance", "BTC/USDT", "9001") and fill.client_order_id == "tw-1"
    assert OrderFilled.from_fill(fill, client_order_id="tw-1", ts_init=11) == event


def test_book_updated_refuses_a_crossed_top() -> None:
    common: dict[str, Any] = {
        "venue": "binance",
        "symbol": "BTC/USDT",
        "update_id": 1,
        "ts_event": 0,
        "ts_init": 0,
    }
    BookUpdated(
        **common, best_bid=D(1), best_bid_qty=D(1), best_ask=D(2), best_ask_qty=D(1)
    )  # fine
    with pytest.raises(DomainValueError, match="crossed"):
        BookUpdated(**common, best_bid=D(2), best_bid_qty=D(1), best_ask=D(2), best_ask_qty=D(1))
    with pytest.raises(DomainValueError, match="together"):
        BookUpdated(**common, best_bid=D(1), best_bid_qty=None, best_ask=None, best_ask_qty=None)


def test_balance_updated_refuses_a_repeated_asset() -> None:
    balance = Balance(asset="BTC", free=D(1))
    with pytest.raises(DomainValueError, match="repeats"):
        BalanceUpdated(venue="binance", balances=(balance, balance), ts_event=0, ts_init=0)


def test_market_orders_carry_no_price_limit_orders_need_one() -> None:
    common: dict[str, Any] = {
        "strategy_id": "s",
        "client_order_id": "c",
        "venue": "binance",
        "symbol": "BTC/USDT",
        "side": OrderSide.BUY,
        "quantity": D(1),
        "ts_init": 0,
    }
    SubmitOrder(**common, order_type=OrderType.MARKET)
    with pytest.raises(DomainValueError, match="price"):
        SubmitOrder(**common, order_type=OrderType.MARKET, price=D(1))
    with pytest.raises(DomainValueError, match="price"):
        SubmitOrder(**common, order_type=OrderType.LIMIT)
    with pytest.raises(DomainValueError, match="ts_event"):
        OrderSubmitted(
            **{k: v for k, v in common.items()},
            order_type=OrderType.LIMIT,
            price=D(1),
            ts_event=-5,
        )


def test_reports_validate_like_the_values_they_describe() -> None:
    with pytest.raises(DomainValueError, match="local state"):
        OrderStatusReport(
            venue="binance",
            symbol="BTC/USDT",
            venue_order_id="1",
            client_order_id=None,
            side=OrderSide.BUY,
            order_type=OrderType.LIMIT,
            status=OrderStatus.PENDING_NEW,
            quantity=D(1),
            filled_qty=D(0),
            price=D(1),
            ts_event=0,
            ts_init=0,
        )
    with pytest.raises(DomainValueError, match="qty"):
        FillReport(
            venue="binance",
            symbol="BTC/USDT",
            trade_id="1",
            venue_order_id="1",
            client_order_id=None,
            side=OrderSide.BUY,
            price=D(1),
            qty=D(0),
            fee=D(0),
            fee_asset="USDT",
            ts_event=0,
            ts_init=0,
        )
