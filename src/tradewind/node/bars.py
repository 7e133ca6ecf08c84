"""Time bars built from public trades.

A bar covers [start, start + interval) on a grid aligned to the epoch (a 60 s bar starts on the
minute). A bar is emitted when the first trade of a later interval arrives, or when ``close_until``
is told the interval is over (the node calls it from a clock timer, so a quiet market still closes
its bars). Intervals without a trade produce no bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradewind.core.market import Bar, TradeTick

__all__ = ["BarAggregator"]


@dataclass(slots=True)
class _Open:
    start: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    trades: int


class BarAggregator:
    """Bars of one instrument (``venue``, ``symbol``) every ``interval_ns``."""

    def __init__(self, venue: str, symbol: str, interval_ns: int) -> None:
        if interval_ns <= 0:
            raise ValueError(f"a bar interval must be > 0 ns, got {interval_ns}")
        self.venue = venue
        self.symbol = symbol
        self.interval_ns = interval_ns
        self._open: _Open | None = None

    def on_trade(self, tick: TradeTick) -> Bar | None:
        """Add ``tick``; returns the bar it closed, if it opened a new interval."""
        start = tick.ts_event - tick.ts_event % self.interval_ns
        current = self._open
        if current is not None and start < current.start:
            return None  # a late trade of a closed interval: that bar is out already
        closed = None
        if current is not None and start > current.start:
            closed = self._close(current, tick.ts_init)
            current = None
        if current is None:
            p = tick.price
            self._open = _Open(start, p, p, p, p, tick.qty, 1)
            return closed
        current.high = max(current.high, tick.price)
        current.low = min(current.low, tick.price)
        current.close = tick.price
        current.volume += tick.qty
        current.trades += 1
        return closed

    def close_until(self, now_ns: int) -> Bar | None:
        """Close the open bar if its interval ended at or before ``now_ns``."""
        current = self._open
        if current is None or current.start + self.interval_ns > now_ns:
            return None
        return self._close(current, now_ns)

    def _close(self, bar: _Open, now_ns: int) -> Bar:
        self._open = None
        return Bar(
            venue=self.venue,
            symbol=self.symbol,
            interval_ns=self.interval_ns,
            ts_open=bar.start,
            open=bar.open,
            high=bar.high,
            low=bar.low,
            close=bar.close,
            volume=bar.volume,
            trades=bar.trades,
            ts_event=bar.start + self.interval_ns,
            ts_init=now_ns,
        )
