"""Public market data that is not a book: trades printed on a venue, and bars built from them.

    TradeTick   one public trade (anyone's), as the venue printed it
    Bar         open/high/low/close/volume of the trades in one time interval

Prices in quote per base, quantities in base units, times in ns since the epoch.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradewind.core import _checks
from tradewind.core.enums import OrderSide
from tradewind.core.errors import DomainValueError
from tradewind.core.messages import Event

__all__ = ["Bar", "TradeTick"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TradeTick(Event):
    """A public trade of ``qty`` base units at ``price`` on ``venue``.

    ``aggressor`` is the taker's side (BUY when the buyer took the ask), None if the venue does
    not say. ``trade_id`` is the venue's, unique per (venue, symbol).
    """

    venue: str
    symbol: str
    trade_id: str
    price: Decimal
    qty: Decimal
    aggressor: OrderSide | None = None

    def __post_init__(self) -> None:
        Event.__post_init__(self)
        _checks.text(self, "venue", self.venue)
        _checks.text(self, "symbol", self.symbol)
        _checks.text(self, "trade_id", self.trade_id)
        _checks.positive(self, "price", self.price)
        _checks.positive(self, "qty", self.qty)


@dataclass(frozen=True, slots=True, kw_only=True)
class Bar(Event):
    """The trades of ``symbol`` on ``venue`` in [ts_open, ts_open + interval_ns).

    ``ts_event`` is the interval's end. ``volume`` in base units, ``trades`` how many printed.
    """

    venue: str
    symbol: str
    interval_ns: int
    ts_open: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    trades: int

    def __post_init__(self) -> None:
        Event.__post_init__(self)
        _checks.text(self, "venue", self.venue)
        _checks.text(self, "symbol", self.symbol)
        if self.interval_ns <= 0:
            raise DomainValueError("Bar", "interval_ns", f"must be > 0, got {self.interval_ns}")
        for name in ("open", "high", "low", "close", "volume"):
            _checks.positive(self, name, getattr(self, name))
        if not self.low <= min(self.open, self.close) <= max(self.open, self.close) <= self.high:
            raise DomainValueError("Bar", "high", "low <= open, close <= high does not hold")
        if self.trades < 1:
            raise DomainValueError("Bar", "trades", "a bar holds at least one trade")
