"""Cache: what a strategy may read — orders, fills, positions, balances, books, trades, bars.

    engines (orders, fills, balances)  ─┐
    market data (books, top of book)   ─┼─▶ Cache (read-only API) ◀── strategies, desks
    trades and bars (fed by the node)  ─┤
    quote controls (risk supervisor)   ─┘

Orders, fills and balances are read from the venue engines, which own them (restored from the
store and reconciled with the venue), so the cache never disagrees with them. Books come from each
venue's MarketDataService. Trades and bars are kept here: the last ``trades_kept`` per instrument
and the last bar per instrument. Every value handed out is immutable (frozen dataclasses, tuples)
except a ReadyBook's L2OrderBook, which a reader must not modify.

Instruments are named venue-qualified (``InstrumentId``: "BTC/USDT@sim"). The node feeds the
cache through ``CacheFeed``; strategies get the ``Cache`` only.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from decimal import Decimal

from tradewind.book.depth_sync import BookNotReady, BookView
from tradewind.core.balances import Balance
from tradewind.core.events import BookUpdated
from tradewind.core.fills import Fill
from tradewind.core.identifiers import InstrumentId
from tradewind.core.instruments import Instrument
from tradewind.core.market import Bar, TradeTick
from tradewind.core.orders import Order
from tradewind.core.positions import Position
from tradewind.execution.market_data import MarketDataService
from tradewind.node.router import ExecutionRouter
from tradewind.risk.actions import NORMAL, QuoteControls

__all__ = ["Cache", "CacheFeed"]

_Key = tuple[str, str]  # (venue, symbol)


class Cache:
    """Read-only view of the node's state; quantities in base units, prices quote per base."""

    def __init__(self, router: ExecutionRouter, *, trades_kept: int = 100) -> None:
        self._router = router
        self._books: dict[str, MarketDataService] = {}
        self._tops: dict[_Key, BookUpdated] = {}
        self._trades: dict[_Key, deque[TradeTick]] = {}
        self._bars: dict[_Key, Bar] = {}
        self._trades_kept = trades_kept
        self._controls: dict[str, QuoteControls] = {}

    # -- instruments ---------------------------------------------------------------------------

    def instrument(self, instrument: InstrumentId) -> Instrument | None:
        """The listed instrument (filters), or None if the venue or symbol is unknown."""
        engine = self._router.engine(instrument.venue)
        return None if engine is None else engine.instruments.get(instrument.symbol)

    @property
    def venues(self) -> tuple[str, ...]:
        return self._router.venues

    # -- orders and fills ----------------------------------------------------------------------

    def order(self, client_order_id: str) -> Order | None:
        return self._router.find_order(client_order_id)

    def orders(
        self,
        instrument: InstrumentId | None = None,
        *,
        strategy_id: str | None = None,
        open_only: bool = False,
    ) -> tuple[Order, ...]:
        """Orders of every venue (or one instrument), optionally one strategy's, open ones."""
        found = []
        for engine in self._router:
            if instrument is not None and engine.venue != instrument.venue:
                continue
            for order in engine.tracker:
                if instrument is not None and order.symbol != instrument.symbol:
                    continue
                if strategy_id is not None and order.strategy_id != strategy_id:
                    continue
                if open_only and not order.is_open:
                    continue
                found.append(order)
        return tuple(found)

    def fills(self, instrument: InstrumentId | None = None) -> tuple[Fill, ...]:
        """Our fills (of every venue, or one instrument), in the order they were applied."""
        found: list[Fill] = []
        for engine in self._router:
            if instrument is not None and engine.venue != instrument.venue:
                continue
            found.extend(
                fill
                for fill in engine.ledger.fills()
                if instrument is None or fill.symbol == instrument.symbol
            )
        return tuple(found)

    def position(self, instrument: InstrumentId) -> Position:
        """Net position from our fills on the instrument (flat if none)."""
        engine = self._router.engine(instrument.venue)
        if engine is None:
            return Position(venue=instrument.venue, symbol=instrument.symbol)
        return engine.ledger.position(instrument.venue, instrument.symbol)

    # -- balances ------------------------------------------------------------------------------

    def balances(self, venue: str) -> dict[str, Balance]:
        """The venue account's balances as last fetched (a copy)."""
        engine = self._router.engine(venue)
        return {} if engine is None else dict(engine.balances)

    def balance(self, venue: str, asset: str) -> Decimal:
        """Free + locked of ``asset`` on ``venue`` (0 if none)."""
        held = self.balances(venue).get(asset)
        return Decimal(0) if held is None else held.free + held.locked

    # -- market data ---------------------------------------------------------------------------

    def book(self, instrument: InstrumentId, max_age_ns: int | None = None) -> BookView:
        """The book if synced and fresh, else BookNotReady with the reason."""
        books = self._books.get(instrument.venue)
        if books is None:
            return BookNotReady(instrument.venue, instrument.symbol, "no market data on venue")
        try:
            return books.view(instrument.symbol, max_age_ns)
        except KeyError:
            return BookNotReady(instrument.venue, instrument.symbol, "book not subscribed")

    def top(self, instrument: InstrumentId) -> BookUpdated | None:
        """The last top of book seen (best bid/ask and sizes), or None."""
        return self._tops.get((instrument.venue, instrument.symbol))

    def tops(self) -> tuple[BookUpdated, ...]:
        """The last top of every book seen, one per (venue, symbol)."""
        return tuple(self._tops.values())

    def trades(self, instrument: InstrumentId) -> tuple[TradeTick, ...]:
        """The last public trades of the instrument, oldest first."""
        kept = self._trades.get((instrument.venue, instrument.symbol))
        return () if kept is None else tuple(kept)

    def last_trade(self, instrument: InstrumentId) -> TradeTick | None:
        kept = self._trades.get((instrument.venue, instrument.symbol))
        return kept[-1] if kept else None

    def last_bar(self, instrument: InstrumentId) -> Bar | None:
        return self._bars.get((instrument.venue, instrument.symbol))

    # -- risk ----------------------------------------------------------------------------------

    def quote_controls(self, strategy_id: str) -> QuoteControls:
        """What the risk supervisor's action plans ask of this strategy's quotes: spread and
        size factors, and whether to quote (normal: 1, 1, True)."""
        return self._controls.get(strategy_id, NORMAL)


class CacheFeed:
    """The node's write side of a Cache."""

    def __init__(self, cache: Cache) -> None:
        self._cache = cache

    def attach_books(self, venue: str, books: MarketDataService) -> None:
        self._cache._books[venue] = books

    def top(self, event: BookUpdated) -> None:
        self._cache._tops[(event.venue, event.symbol)] = event

    def trade(self, tick: TradeTick) -> None:
        key = (tick.venue, tick.symbol)
        kept = self._cache._trades.get(key)
        if kept is None:
            kept = self._cache._trades[key] = deque(maxlen=self._cache._trades_kept)
        kept.append(tick)

    def bar(self, bar: Bar) -> None:
        self._cache._bars[(bar.venue, bar.symbol)] = bar

    def quote_controls(self, strategy_id: str, controls: QuoteControls) -> None:
        if controls == NORMAL:
            self._cache._controls.pop(strategy_id, None)
        else:
            self._cache._controls[strategy_id] = controls

    def trades(self, ticks: Iterable[TradeTick]) -> None:
        for tick in ticks:
            self.trade(tick)
