"""Identifier types shared across the domain.

Plain ``str`` aliases keep events cheap to build and to serialise; the names document intent.
``symbol`` values are CCXT-style unified symbols ("BTC/USDT"); venue symbols ("BTCUSDT") never
appear in core, adapters translate at the edge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NewType

from tradewind.core.errors import DomainValueError

__all__ = [
    "ClientOrderId",
    "InstrumentId",
    "StrategyId",
    "TradeId",
    "Venue",
    "VenueOrderId",
    "parse_symbol",
]

Venue = NewType("Venue", str)
"""A venue name as configured: "binance", "sim", "kraken"."""

ClientOrderId = NewType("ClientOrderId", str)
"""Our id for an order, sent to the venue so a retry is recognised as the same order."""

VenueOrderId = NewType("VenueOrderId", str)
"""The venue's id for an order, known once the venue acknowledged it."""

TradeId = NewType("TradeId", str)
"""The venue's id for one execution; unique per (venue, trade id)."""

StrategyId = NewType("StrategyId", str)
"""The component that owns an order (a desk, a strategy instance)."""

_SYMBOL = re.compile(r"^([A-Z0-9]{1,20})/([A-Z0-9]{1,20})$")


def parse_symbol(symbol: str) -> tuple[str, str]:
    """Split "BASE/QUOTE" into (base, quote); raises DomainValueError if malformed."""
    match = _SYMBOL.match(symbol)
    if match is None:
        raise DomainValueError(
            "symbol", "symbol", f"expected BASE/QUOTE in upper case, got {symbol!r}"
        )
    base, quote = match.group(1), match.group(2)
    if base == quote:
        raise DomainValueError("symbol", "symbol", f"base and quote are the same in {symbol!r}")
    return base, quote


@dataclass(frozen=True, slots=True)
class InstrumentId:
    """A symbol on a venue, written ``BASE/QUOTE@venue`` ("BTC/USDT@sim", "ETH/USDT@sim-b")."""

    symbol: str
    venue: str

    def __post_init__(self) -> None:
        parse_symbol(self.symbol)
        if not _VENUE.match(self.venue):
            raise DomainValueError(
                "InstrumentId", "venue", f"letters, digits, '-' or '_' expected, got {self.venue!r}"
            )

    @classmethod
    def parse(cls, text: str) -> InstrumentId:
        """``BASE/QUOTE@venue`` as an InstrumentId; DomainValueError if malformed."""
        symbol, at, venue = text.partition("@")
        if not at:
            raise DomainValueError(
                "InstrumentId", "venue", f"expected BASE/QUOTE@venue, got {text!r}"
            )
        return cls(symbol, venue)

    def __str__(self) -> str:
        return f"{self.symbol}@{self.venue}"


_VENUE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
