"""NodeRiskView: what the risk engine reads of the node — open orders, positions and orders
from the venue engines, the reference price from the cache's last top of book (the mid)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from tradewind.core.identifiers import InstrumentId
from tradewind.core.orders import Order
from tradewind.core.positions import Position
from tradewind.node.cache import Cache
from tradewind.node.router import ExecutionRouter

__all__ = ["NodeRiskView"]


class NodeRiskView:
    """tradewind.risk.engine.RiskView over a node's router and cache; prices quote per base."""

    def __init__(self, router: ExecutionRouter, cache: Cache) -> None:
        self._router = router
        self._cache = cache
        self._instruments: dict[tuple[str, str], InstrumentId] = {}

    def open_orders(self) -> Iterator[Order]:
        # unsorted, no copy: the risk check runs on every command
        for engine in self._router:
            for order in engine.tracker:
                if order.status.is_open:
                    yield order

    def positions(self) -> Iterator[Position]:
        for engine in self._router:
            for position in engine.ledger.positions():
                if not position.is_flat:
                    yield position

    def order(self, client_order_id: str) -> Order | None:
        return self._router.find_order(client_order_id)

    def reference_price(self, venue: str, symbol: str) -> Decimal | None:
        """The mid of the last top of book, or None without a two-sided book."""
        key = (venue, symbol)
        instrument = self._instruments.get(key)
        if instrument is None:
            instrument = self._instruments[key] = InstrumentId(symbol, venue)
        top = self._cache.top(instrument)
        if top is None or top.best_bid is None or top.best_ask is None:
            return None
        return (top.best_bid + top.best_ask) / 2
