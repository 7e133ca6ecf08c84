"""The events feeds produce: depth (a snapshot or a diff) and trades, in integer units.

Times are ns since the Unix epoch; prices in ticks and quantities in lots of the feed's
``Scale`` (tradewind.backtest.units). ``line`` is where the event came from in its file (0 for
synthetic data), so the engine can name it when the data turns out to be inconsistent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

__all__ = ["DepthEvent", "Feed", "ListFeed", "MarketEvent", "TradeEvent"]


class DepthEvent:
    """Levels (price ticks, qty lots) of one book; qty 0 removes a level.

    ``snapshot``: the levels are the whole book (replace it), else a diff. ``first_id`` /
    ``last_id`` are the data's update ids (Binance's U and u; a snapshot's lastUpdateId in both;
    -1 when the data has none, and then no sequence is checked).
    """

    __slots__ = ("asks", "bids", "first_id", "last_id", "line", "snapshot", "ts")

    def __init__(
        self,
        ts: int,
        bids: list[tuple[int, int]],
        asks: list[tuple[int, int]],
        *,
        snapshot: bool = False,
        first_id: int = -1,
        last_id: int = -1,
        line: int = 0,
    ) -> None:
        self.ts = ts
        self.bids = bids
        self.asks = asks
        self.snapshot = snapshot
        self.first_id = first_id
        self.last_id = last_id
        self.line = line


class TradeEvent:
    """A public print of ``qty`` lots at ``price`` ticks; ``taker_buys``: the aggressor bought
    (it lifted asks), else it sold into the bids."""

    __slots__ = ("line", "price", "qty", "taker_buys", "trade_id", "ts")

    def __init__(
        self, ts: int, price: int, qty: int, taker_buys: bool, trade_id: str, line: int = 0
    ) -> None:
        self.ts = ts
        self.price = price
        self.qty = qty
        self.taker_buys = taker_buys
        self.trade_id = trade_id
        self.line = line


MarketEvent = DepthEvent | TradeEvent


class Feed(Protocol):
    """One instrument's events in time order (ties keep file order).

    ``source`` names the feed in errors (a file path, or "sim-market:BTCUSDT"). Iterating
    raises BacktestDataError naming the file and line for unreadable or out-of-order data.
    """

    @property
    def source(self) -> str: ...

    def events(self) -> Iterator[MarketEvent]: ...


class ListFeed:
    """Events already in memory (hand-built sequences, generated data), in the given order."""

    def __init__(self, source: str, events: list[MarketEvent]) -> None:
        self._source = source
        self._events = events

    @property
    def source(self) -> str:
        return self._source

    def events(self) -> Iterator[MarketEvent]:
        return iter(self._events)
