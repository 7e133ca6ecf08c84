"""Pre-trade rounding per side and filter rejections that name the filter."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from tradewind.core import Instrument, InstrumentFilters, OrderSide, OrderType
from tradewind.oms import (
    PreparedOrder,
    PreTradeRejection,
    prepare_order,
    round_price,
    round_quantity,
)

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def instrument(**overrides: object) -> Instrument:
    fields: dict[str, Any] = {
        "tick_size": D("0.05"),
        "step_size": D("0.001"),
        "min_qty": D("0.002"),
        "max_qty": D("100"),
        "min_notional": D("10"),
        "max_notional": D("100000"),
    }
    fields.update(overrides)
    return Instrument(
        venue="binance",
        symbol="BTC/USDT",
        filters=InstrumentFilters(**fields),
    )


@pytest.mark.parametrize(
    ("price", "side", "expected"),
    [
        ("100.07", BUY, "100.05"),  # a buy never pays more: down
        ("100.07", SELL, "100.10"),  # a sell never receives less: up
        ("100.05", BUY, "100.05"),  # on the grid: unchanged
        ("100.05", SELL, "100.05"),
        ("0.049", BUY, "0"),
        ("0.049", SELL, "0.05"),
    ],
)
def test_price_rounds_toward_our_advantage(price: str, side: OrderSide, expected: str) -> None:
    assert round_price(D(price), D("0.05"), side) == D(expected)


def test_quantity_always_rounds_down() -> None:
    assert round_quantity(D("1.23456"), D("0.001")) == D("1.234")
    assert round_quantity(D("1.2349999"), D("0.001")) == D("1.234")
    assert round_quantity(D("7"), D("5")) == D("5")
    with pytest.raises(ValueError, match="step_size"):
        round_quantity(D(1), D(0))


def test_limit_order_is_rounded_and_priced() -> None:
    result = prepare_order(
        instrument(), side=SELL, order_type=OrderType.LIMIT, quantity=D("0.12345"), price=D("99.91")
    )
    # qty 0.12345 → 0.123; sell price 99.91 → 99.95; notional 0.123 * 99.95 = 12.29385
    assert result == PreparedOrder(SELL, OrderType.LIMIT, D("0.123"), D("99.95"), D("12.29385"))


@pytest.mark.parametrize(
    ("quantity", "price", "filter_name"),
    [
        ("0.0009", "100", "step_size"),  # rounds to 0
        ("0.001", "100", "min_qty"),
        ("101", "100", "max_qty"),
        ("0.099", "100", "min_notional"),  # 9.9 < 10
        ("99", "2000", "max_notional"),  # 198000 > 100000
        ("1", "0.04", "tick_size"),  # a buy at 0.04 rounds to 0
    ],
)
def test_rejections_name_the_filter(quantity: str, price: str, filter_name: str) -> None:
    result = prepare_order(
        instrument(), side=BUY, order_type=OrderType.LIMIT, quantity=D(quantity), price=D(price)
    )
    assert isinstance(result, PreTradeRejection) and result.filter == filter_name


def test_min_notional_is_checked_after_rounding() -> None:
    # a buy of 0.1 @ 100.04 rounds to 100.00 → notional exactly 10: passes
    ok = prepare_order(
        instrument(), side=BUY, order_type=OrderType.LIMIT, quantity=D("0.1"), price=D("100.04")
    )
    assert isinstance(ok, PreparedOrder) and ok.notional == D(10)
    # 0.0999 @ 101 is 10.0899 as asked, but 0.0999 rounds down to 0.099 → 9.999 < 10
    rejected = prepare_order(
        instrument(), side=BUY, order_type=OrderType.LIMIT, quantity=D("0.0999"), price=D("101")
    )
    assert isinstance(rejected, PreTradeRejection) and rejected.filter == "min_notional"
    assert "9.999" in rejected.reason and "< 10" in rejected.reason


def test_market_orders_use_market_step_and_a_reference_price() -> None:
    market = instrument(market_step_size=D("0.01"), market_max_qty=D("5"))
    result = prepare_order(
        market, side=BUY, order_type=OrderType.MARKET, quantity=D("0.129"), reference_price=D(100)
    )
    assert result == PreparedOrder(BUY, OrderType.MARKET, D("0.12"), None, D("12.00"))
    too_big = prepare_order(
        market, side=BUY, order_type=OrderType.MARKET, quantity=D("6"), reference_price=D(100)
    )
    assert isinstance(too_big, PreTradeRejection) and too_big.filter == "market_max_qty"
    blind = prepare_order(market, side=BUY, order_type=OrderType.MARKET, quantity=D("1"))
    assert isinstance(blind, PreTradeRejection) and blind.filter == "min_notional"


def test_bad_input_raises_instead_of_rejecting() -> None:
    with pytest.raises(ValueError, match="quantity"):
        prepare_order(instrument(), side=BUY, order_type=OrderType.LIMIT, quantity=D(0), price=D(1))
    with pytest.raises(ValueError, match="needs a price"):
        prepare_order(instrument(), side=BUY, order_type=OrderType.LIMIT, quantity=D(1))
    with pytest.raises(ValueError, match="takes no price"):
        prepare_order(
            instrument(), side=BUY, order_type=OrderType.MARKET, quantity=D(1), price=D(1)
        )
