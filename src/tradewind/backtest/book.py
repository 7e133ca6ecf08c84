"""ReplayBook: the market's L2 book as the data says it is, in integer ticks and lots.

Each side is a dict price (ticks) → quantity (lots) plus its best price, kept current on every
change (a removed best is found again with one max/min over the side: replayed books hold tens
of levels, where that beats keeping a sorted structure). ``update`` returns the previous
quantity so callers (queue models) see level decreases without a second lookup.

The book is the market without us: the strategy's simulated orders live beside it
(tradewind.backtest.matching) and never enter it.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ReplayBook"]


class ReplayBook:
    """One instrument's replayed depth. Prices in ticks, quantities in lots; None: empty side."""

    __slots__ = ("asks", "best_ask", "best_bid", "bids", "update_id")

    def __init__(self) -> None:
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        self.best_bid: int | None = None
        self.best_ask: int | None = None
        self.update_id = 0  # the data's last applied update id (Binance's u), 0 if none

    def clear(self) -> None:
        self.bids.clear()
        self.asks.clear()
        self.best_bid = self.best_ask = None

    def load(self, bids: Iterable[tuple[int, int]], asks: Iterable[tuple[int, int]]) -> None:
        """Replace the whole book (zero quantities are skipped)."""
        self.bids = {p: q for p, q in bids if q}
        self.asks = {p: q for p, q in asks if q}
        self.best_bid = max(self.bids) if self.bids else None
        self.best_ask = min(self.asks) if self.asks else None

    def set_bid(self, price: int, qty: int) -> int:
        """Set one bid level (0 removes it); returns the quantity it had."""
        bids = self.bids
        if qty:
            prev = bids.get(price, 0)
            bids[price] = qty
            best = self.best_bid
            if best is None or price > best:
                self.best_bid = price
            return prev
        prev = bids.pop(price, 0)
        if price == self.best_bid:
            self.best_bid = max(bids) if bids else None
        return prev

    def set_ask(self, price: int, qty: int) -> int:
        """Set one ask level (0 removes it); returns the quantity it had."""
        asks = self.asks
        if qty:
            prev = asks.get(price, 0)
            asks[price] = qty
            best = self.best_ask
            if best is None or price < best:
                self.best_ask = price
            return prev
        prev = asks.pop(price, 0)
        if price == self.best_ask:
            self.best_ask = min(asks) if asks else None
        return prev

    @property
    def is_crossed(self) -> bool:
        bid, ask = self.best_bid, self.best_ask
        return bid is not None and ask is not None and bid >= ask
