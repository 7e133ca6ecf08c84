"""What a price lookup can answer. A report shows the state, never a silent number.

Priced(value)               a fresh price
StalePrice(value, age_ms)   the nearest known price is older than the source allows
NoPrice(reason)             the venue has no price for this asset at that time
RateLimited(retry_after_s)  the venue refused to answer now; try again later
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "NoPrice",
    "PriceLookup",
    "PriceResult",
    "PriceState",
    "Priced",
    "RateLimited",
    "StalePrice",
    "state_of",
]


class PriceState(StrEnum):
    """The name of a price result's state, as shown in reports."""

    PRICED = "priced"
    STALE = "stale"
    NO_PRICE = "no_price"
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True, slots=True)
class Priced:
    """A price in report-currency units per asset unit."""

    value: Decimal


@dataclass(frozen=True, slots=True)
class StalePrice:
    """The newest price known is `age_ms` milliseconds older than the time asked about."""

    value: Decimal
    age_ms: int


@dataclass(frozen=True, slots=True)
class NoPrice:
    """No price is known (no market, no candle in range); `reason` says which."""

    reason: str = ""


@dataclass(frozen=True, slots=True)
class RateLimited:
    """The venue rate-limited the request; `retry_after_s` seconds is its hint (0 if none)."""

    retry_after_s: float = 0.0


PriceResult = Priced | StalePrice | NoPrice | RateLimited

PriceLookup = Callable[[str, int], PriceResult]
"""Synchronous (asset, UTC epoch ms) -> price in the report currency; pure code calls this."""


def state_of(result: PriceResult) -> PriceState:
    """The state name of a price result."""
    if isinstance(result, Priced):
        return PriceState.PRICED
    if isinstance(result, StalePrice):
        return PriceState.STALE
    if isinstance(result, NoPrice):
        return PriceState.NO_PRICE
    return PriceState.RATE_LIMITED
