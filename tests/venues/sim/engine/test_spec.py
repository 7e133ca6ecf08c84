"""SymbolSpec: validation on construction and the exchangeInfo filters it prints."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D

import pytest

from tradewind.venues.sim.engine import SymbolSpec


def test_filters_print_like_binance_exchange_info(btc: Callable[..., SymbolSpec]) -> None:
    assert btc().exchange_info_filters() == [
        {
            "filterType": "PRICE_FILTER",
            "minPrice": "0.01000000",
            "maxPrice": "1000000.00000000",
            "tickSize": "0.01000000",
        },
        {
            "filterType": "LOT_SIZE",
            "minQty": "0.00001000",
            "maxQty": "9000.00000000",
            "stepSize": "0.00001000",
        },
        {
            "filterType": "MARKET_LOT_SIZE",
            "minQty": "0.00000000",
            "maxQty": "100.00000000",
            "stepSize": "0.00000000",
        },
        {
            "filterType": "PERCENT_PRICE_BY_SIDE",
            "bidMultiplierUp": "5",
            "bidMultiplierDown": "0.2",
            "askMultiplierUp": "5",
            "askMultiplierDown": "0.2",
            "avgPriceMins": 5,
        },
        {
            "filterType": "NOTIONAL",
            "minNotional": "5.00000000",
            "applyMinToMarket": True,
            "maxNotional": "9000000.00000000",
            "applyMaxToMarket": False,
            "avgPriceMins": 5,
        },
        {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
    ]


def test_legacy_symbols_print_min_notional_instead_of_notional(
    btc: Callable[..., SymbolSpec],
) -> None:
    filters = btc(legacy_min_notional=True, apply_min_to_market=False).exchange_info_filters()
    types = [f["filterType"] for f in filters]
    assert "NOTIONAL" not in types
    assert filters[4] == {
        "filterType": "MIN_NOTIONAL",
        "minNotional": "5.00000000",
        "applyToMarket": False,
        "avgPriceMins": 5,
    }


def test_values_finer_than_8_places_keep_their_digits(btc: Callable[..., SymbolSpec]) -> None:
    spec = btc(base_asset_precision=10, step_size=D("0.0000000001"), min_qty=D(0))
    lot = spec.exchange_info_filters()[1]
    assert lot["stepSize"] == "0.0000000001"


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"tick_size": D(0)}, "tick_size must be positive"),
        ({"step_size": D(0)}, "step_size must be positive"),
        ({"min_price": D(10), "max_price": D(5)}, "min_price must not exceed max_price"),
        ({"min_qty": D(10), "max_qty": D(5)}, "min_qty must not exceed max_qty"),
        ({"min_notional": D(10), "max_notional": D(5)}, "min_notional must not exceed"),
        ({"tick_size": D("0.000000001")}, "tick_size has more decimals than quote_asset"),
        ({"step_size": D("0.000000001")}, "step_size has more decimals than base_asset"),
        ({"quote_asset": "BTC"}, "base_asset and quote_asset must differ"),
        ({"symbol": "btcusdt"}, "symbol must be upper-case"),
        ({"min_qty": D(-1)}, "min_qty must not be negative"),
        ({"bid_multiplier_down": D(6)}, "bid_multiplier_down must not exceed"),
        ({"max_num_orders": 0}, "max_num_orders must be a positive integer"),
        ({"avg_price_mins": -1}, "avg_price_mins must be a non-negative integer"),
        ({"base_asset_precision": 19}, "base_asset_precision must be an integer in 0..18"),
        ({"max_price": D("NaN")}, "max_price must be a finite Decimal"),
    ],
)
def test_invalid_specs_are_rejected_with_the_reason(
    btc: Callable[..., SymbolSpec], overrides: dict[str, object], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        btc(**overrides)


def test_zero_min_and_max_price_disable_those_bounds(btc: Callable[..., SymbolSpec]) -> None:
    spec = btc(min_price=D(0), max_price=D(0))
    assert spec.min_price == 0 and spec.max_price == 0
