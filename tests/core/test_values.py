"""Domain values: validation names the field, derived numbers are exact."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from tradewind.core import (
    Asset,
    Balance,
    DomainValueError,
    Fill,
    Instrument,
    InstrumentFilters,
    LiquiditySide,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    SimulatedClock,
    decimal_places,
    parse_symbol,
)


def filters(**overrides: object) -> InstrumentFilters:
    fields: dict[str, Any] = {
        "tick_size": D("0.01"),
        "step_size": D("0.0001"),
        "min_qty": D("0.0001"),
        "max_qty": D("1000"),
        "min_notional": D("5"),
    }
    fields.update(overrides)
    return InstrumentFilters(**fields)


def test_symbol_is_base_slash_quote() -> None:
    assert parse_symbol("BTC/USDT") == ("BTC", "USDT")
    for bad in ("BTCUSDT", "btc/usdt", "BTC/BTC", "BTC/", "/USDT", "BTC/USDT/X"):
        with pytest.raises(DomainValueError, match="symbol"):
            parse_symbol(bad)


def test_instrument_derives_base_quote_and_precisions() -> None:
    instrument = Instrument(
        venue="binance", symbol="ETH/BTC", filters=filters(tick_size=D("0.050"))
    )
    assert (instrument.base, instrument.quote) == ("ETH", "BTC")
    # tick 0.050 normalises to 0.05 → 2 places; step 0.0001 → 4 places
    assert instrument.filters.price_precision == 2
    assert instrument.filters.size_precision == 4
    assert decimal_places(D("10")) == 0
    assert decimal_places(D("0.5")) == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"tick_size": D(0)}, "tick_size"),
        ({"step_size": D("-1")}, "step_size"),
        ({"min_qty": D("2000")}, "min_qty"),
        ({"min_notional": D("10"), "max_notional": D("5")}, "min_notional"),
        ({"tick_size": D("NaN")}, "tick_size"),
        ({"tick_size": 0.01}, "tick_size"),
    ],
)
def test_bad_filters_name_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(DomainValueError) as caught:
        filters(**overrides)
    assert caught.value.field == field


def test_asset_code_and_precision() -> None:
    assert str(Asset("BTC")) == "BTC"
    with pytest.raises(DomainValueError, match="code"):
        Asset("btc")
    with pytest.raises(DomainValueError, match="precision"):
        Asset("BTC", precision=-1)


def test_balance_total_and_no_negative() -> None:
    assert Balance(asset="USDT", free=D("10.5"), locked=D("2.25")).total == D("12.75")
    with pytest.raises(DomainValueError, match="locked"):
        Balance(asset="USDT", free=D(1), locked=D("-0.01"))


def make_order(**overrides: object) -> Order:
    fields: dict[str, Any] = {
        "client_order_id": "tw-1",
        "strategy_id": "s1",
        "venue": "binance",
        "symbol": "BTC/USDT",
        "side": OrderSide.BUY,
        "order_type": OrderType.LIMIT,
        "quantity": D("2"),
        "price": D("100"),
        "ts_init": 1,
        "ts_last": 1,
    }
    fields.update(overrides)
    return Order(**fields)


def test_order_average_price_is_derived_from_exact_notional() -> None:
    # fills 1 @ 100.01 and 0.5 @ 100.04: notional 100.01 + 50.02 = 150.03, avg 150.03 / 1.5
    order = make_order(filled_qty=D("1.5"), filled_notional=D("150.03"))
    assert order.leaves_qty == D("0.5")
    assert order.avg_fill_price == D("100.02")
    assert make_order().avg_fill_price is None
    assert order.is_open and order.status is OrderStatus.PENDING_NEW


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity": D(0)}, "quantity"),
        ({"price": None}, "price"),
        ({"order_type": OrderType.MARKET}, "price"),
        ({"filled_qty": D("3")}, "filled_qty"),
        ({"ts_init": -1}, "ts_init"),
        ({"client_order_id": ""}, "client_order_id"),
    ],
)
def test_bad_orders_are_refused(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(DomainValueError) as caught:
        make_order(**overrides)
    assert caught.value.field == field


def test_fill_key_and_notional() -> None:
    fill = Fill(
        venue="binance",
        symbol="BTC/USDT",
        trade_id="77",
        venue_order_id="9",
        client_order_id=None,
        side=OrderSide.SELL,
        price=D("30000.10"),
        qty=D("0.003"),
        fee=D("-0.01"),  # a maker rebate is allowed
        fee_asset="USDT",
        liquidity_side=LiquiditySide.MAKER,
        ts_event=5,
    )
    assert fill.key == ("binance", "BTC/USDT", "77")
    assert fill.notional == D("90.00030")


def test_simulated_clock_only_moves_forward() -> None:
    clock = SimulatedClock(start_ns=100)
    assert clock.advance_by(50) == 150
    assert clock.advance_to(150) == 150
    with pytest.raises(ValueError, match="forward"):
        clock.advance_to(149)
    with pytest.raises(ValueError, match="forward"):
        clock.advance_by(-1)
    assert clock.now_ns() == 150
