"""Instruments: a tradable pair on one venue and the filters the venue applies to its orders.

    Instrument(venue, symbol)         "BTC/USDT" on "binance"
      └─ InstrumentFilters            tick, step, min/max qty, min/max notional, market step

Venue symbols ("BTCUSDT") are mapped by the venue adapter; core only knows unified symbols.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradewind.core import _checks
from tradewind.core.errors import DomainValueError
from tradewind.core.identifiers import parse_symbol

__all__ = ["Instrument", "InstrumentFilters", "decimal_places"]


def decimal_places(increment: Decimal) -> int:
    """Decimal places needed to write multiples of ``increment`` (0.01 → 2, 0.5 → 1, 10 → 0)."""
    exponent = increment.normalize().as_tuple().exponent
    if not isinstance(exponent, int):
        raise DomainValueError("increment", "exponent", f"{increment} is not finite")
    return max(0, -exponent)


@dataclass(frozen=True, slots=True, kw_only=True)
class InstrumentFilters:
    """What a venue accepts. Prices in quote units, quantities in base units, notional in quote.

    ``max_notional``, ``market_step_size``, ``market_min_qty`` and ``market_max_qty`` are optional:
    ``None`` means the venue declares no such filter (market orders then use the limit ones).
    """

    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    min_notional: Decimal = Decimal(0)
    max_notional: Decimal | None = None
    market_step_size: Decimal | None = None
    market_min_qty: Decimal | None = None
    market_max_qty: Decimal | None = None

    def __post_init__(self) -> None:
        _checks.positive(self, "tick_size", self.tick_size)
        _checks.positive(self, "step_size", self.step_size)
        _checks.non_negative(self, "min_qty", self.min_qty)
        _checks.positive(self, "max_qty", self.max_qty)
        _checks.non_negative(self, "min_notional", self.min_notional)
        _checks.optional_positive(self, "max_notional", self.max_notional)
        _checks.optional_positive(self, "market_step_size", self.market_step_size)
        if self.market_min_qty is not None:
            _checks.non_negative(self, "market_min_qty", self.market_min_qty)
        _checks.optional_positive(self, "market_max_qty", self.market_max_qty)
        if self.min_qty > self.max_qty:
            raise DomainValueError(
                "InstrumentFilters", "min_qty", f"{self.min_qty} exceeds max_qty {self.max_qty}"
            )
        if self.max_notional is not None and self.min_notional > self.max_notional:
            raise DomainValueError(
                "InstrumentFilters",
                "min_notional",
                f"{self.min_notional} exceeds max_notional {self.max_notional}",
            )

    @property
    def price_precision(self) -> int:
        """Decimal places of a valid price."""
        return decimal_places(self.tick_size)

    @property
    def size_precision(self) -> int:
        """Decimal places of a valid quantity (limit or market)."""
        market = self.market_step_size or self.step_size
        return max(decimal_places(self.step_size), decimal_places(market))


@dataclass(frozen=True, slots=True, kw_only=True)
class Instrument:
    """A spot pair on one venue; ``symbol`` is unified "BASE/QUOTE"."""

    venue: str
    symbol: str
    filters: InstrumentFilters

    def __post_init__(self) -> None:
        _checks.text(self, "venue", self.venue)
        parse_symbol(self.symbol)

    @property
    def base(self) -> str:
        return parse_symbol(self.symbol)[0]

    @property
    def quote(self) -> str:
        return parse_symbol(self.symbol)[1]
