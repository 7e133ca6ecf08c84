"""Prices for the portfolio: result states, a candle-backed CCXT source with a store cache, and a
synchronous lookup table that pure code (cost basis, PnL) reads after an async prefetch.

    states.py       Priced | StalePrice | NoPrice | RateLimited
    ccxt_source.py  PriceSource protocol, CcxtPriceSource (fetch_ohlcv + cache, fetch_ticker)
    table.py        PriceTable: prefetch from a source, then a sync PriceLookup
"""

from __future__ import annotations

from typing import Any

from tradewind.portfolio.prices.states import (
    NoPrice,
    Priced,
    PriceLookup,
    PriceResult,
    PriceState,
    RateLimited,
    StalePrice,
    state_of,
)
from tradewind.portfolio.prices.table import PriceTable


def __getattr__(name: str) -> Any:
    # ccxt is a heavy import; pure code (cost basis, reports) only needs the states.
    if name in {"TIMEFRAME_MS", "CcxtPriceSource", "PriceSource"}:
        from tradewind.portfolio.prices import ccxt_source

        return getattr(ccxt_source, name)
    raise AttributeError(name)


__all__ = [
    "TIMEFRAME_MS",
    "CcxtPriceSource",
    "NoPrice",
    "PriceLookup",
    "PriceResult",
    "PriceSource",
    "PriceState",
    "PriceTable",
    "Priced",
    "RateLimited",
    "StalePrice",
    "state_of",
]
