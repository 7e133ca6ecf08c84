"""Reference prices aggregated across venues, always as an explicit state."""

from __future__ import annotations

from tradewind.pricing.oracle import (
    NoPrice,
    OracleResult,
    Price,
    PriceOracle,
    RateLimitedSource,
    StalePrice,
)

__all__ = ["NoPrice", "OracleResult", "Price", "PriceOracle", "RateLimitedSource", "StalePrice"]
