"""NodeRiskView: what the risk engine reads of the node — open orders, positions and orders
from the venue engines, the reference price from the cache's last top of book (the mid).

Open orders: the engines' trackers keep every order ever placed, so scanning them per command
would grow without bound. The view keeps the ids of the orders that may be open instead: every
open order when it ``refresh``es (the node calls it after reconciling), plus each order the node
places afterwards (``track``); an id whose order is no longer open is dropped when next read.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from tradewind.core.identifiers import InstrumentId
from tradewind.core.orders import Order
from tradewind.core.positions import Position
from tradewind.node.cache import Cache
from tradewind.node.router import ExecutionRouter
from tradewind.oms.order_tracker import OrderTracker

__all__ = ["NodeRiskView"]


class NodeRiskView:
    """tradewind.risk.engine.RiskView over a node's router and cache; prices quote per base."""

    def __init__(self, router: ExecutionRouter, cache: Cache) -> None:
        self._router = router
        self._cache = cache
        self._instruments: dict[tuple[str, str], InstrumentId] = {}
        self._live: dict[str, OrderTracker] | None = None  # id → its venue's, maybe open

    def refresh(self) -> None:
        """Rescan every tracker for open orders (after restore and reconciliation)."""
        self._live = {
            order.client_order_id: engine.tracker
            for engine in self._router
            for order in engine.tracker
            if order.is_open
        }

    def track(self, order: Order) -> None:
        """An order the node just placed (a submit, or a modify's replacement)."""
        if self._live is None:
            self.refresh()
        assert self._live is not None
        engine = self._router.engine(order.venue)
        if engine is not None:
            self._live[order.client_order_id] = engine.tracker

    def open_orders(self) -> Iterator[Order]:
        if self._live is None:
            self.refresh()
        assert self._live is not None
        closed = []
        for client_order_id, tracker in self._live.items():
            order = tracker.get(client_order_id)
            if order is None or not order.status.is_open:
                closed.append(client_order_id)
            else:
                yield order
        for client_order_id in closed:
            del self._live[client_order_id]

    def positions(self) -> Iterator[Position]:
        for engine in self._router:
            for position in engine.ledger.positions():
                if not position.is_flat:
                    yield position

    def order(self, client_order_id: str) -> Order | None:
        return self._router.find_order(client_order_id)

    def reference_price(self, venue: str, symbol: str) -> Decimal | None:
        """The mid of the last top of book, or None without a two-sided book."""
        bid, ask = self.touch(venue, symbol)
        if bid is None or ask is None:
            return None
        return (bid + ask) / 2

    def touch(self, venue: str, symbol: str) -> tuple[Decimal | None, Decimal | None]:
        """Best bid and best ask of the last top of book (None where unknown)."""
        key = (venue, symbol)
        instrument = self._instruments.get(key)
        if instrument is None:
            instrument = self._instruments[key] = InstrumentId(symbol, venue)
        top = self._cache.top(instrument)
        return (None, None) if top is None else (top.best_bid, top.best_ask)
