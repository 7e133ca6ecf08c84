"""Reference prices aggregated across venues, always as an explicit state.

``aggregate.AggregatedOracle`` combines CEX mids, DEX spot/TWAP and on-chain feeds with weights
and per-source staleness; ``oracle.PriceOracle`` is the older CEX-mid-only median.
"""

from __future__ import annotations

from tradewind.pricing.aggregate import (
    AggregatedOracle,
    OracleConfig,
    OracleState,
    PriceNotUsableError,
    ReferencePrice,
    SourceConfig,
    SourceKind,
)
from tradewind.pricing.oracle import (
    NoPrice,
    OracleResult,
    Price,
    PriceOracle,
    RateLimitedSource,
    StalePrice,
)

__all__ = [
    "AggregatedOracle",
    "NoPrice",
    "OracleConfig",
    "OracleResult",
    "OracleState",
    "Price",
    "PriceNotUsableError",
    "PriceOracle",
    "RateLimitedSource",
    "ReferencePrice",
    "SourceConfig",
    "SourceKind",
    "StalePrice",
]
