"""MarketDataSwitch: the node's market data moves to a venue's backup source and back.

A venue may have a backup market data source: a second adapter of the same venue kind on other
endpoints (``[venues.<name>] backup_rest_url`` / ``backup_ws_url``, or ``add_backup`` with an
adapter). ``use_backup(target)`` (the ``DataSourceSwitch`` protocol, called by the risk
supervisor's "backup_data" action) rebuilds the books of the target's venues on the backup:
a fresh MarketDataService on the backup adapter, subscribed to the same symbols, with the same
listeners, attached to the cache; the primary's service is closed. ``use_primary`` does the
reverse. Orders keep going to the primary adapter: only the books move.

Targets: "venue:<name>", "global" (every venue with a backup), "strategy:<id>" / "asset:<code>"
(the venues of the books those strategies subscribe to). A venue without a backup is skipped
with a log line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import TYPE_CHECKING

from tradewind.common.logging import get_logger
from tradewind.core.identifiers import parse_symbol
from tradewind.execution.market_data import MarketDataService
from tradewind.venues.base import VenueAdapter

if TYPE_CHECKING:
    from tradewind.node.node import TradingNode

__all__ = ["MarketDataSwitch"]

log = get_logger("node.data_switch")


class MarketDataSwitch:
    """Primary / backup market data per venue of one node."""

    def __init__(self, node: TradingNode) -> None:
        self._node = node
        self.backups: dict[str, VenueAdapter] = {}
        self.on_backup: set[str] = set()  # venues whose books come from the backup now
        self._primary: dict[str, VenueAdapter] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def add_backup(self, venue: str, adapter: VenueAdapter) -> None:
        """``adapter`` is venue ``venue``'s backup market data source."""
        self.backups[venue] = adapter

    def use_backup(self, target: str, reason: str) -> None:
        for venue in self._venues(target):
            if venue not in self.backups:
                log.warning("no_backup_data_source", venue=venue, reason=reason)
            elif venue not in self.on_backup:
                self.on_backup.add(venue)
                self._run(self._move(venue, self.backups[venue], "backup", reason))

    def use_primary(self, target: str) -> None:
        for venue in self._venues(target):
            if venue in self.on_backup:
                self.on_backup.discard(venue)
                primary = self._primary.get(venue) or self._node.venue(venue).adapter
                self._run(self._move(venue, primary, "primary", "backup no longer needed"))

    async def settle(self) -> None:
        """Wait until every switch started so far is done."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        await self.settle()
        for adapter in self.backups.values():
            await adapter.close()

    def _run(self, work: Coroutine[None, None, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _move(self, name: str, adapter: VenueAdapter, which: str, reason: str) -> None:
        node = self._node
        venue = node.venue(name)
        old = venue.books
        self._primary.setdefault(name, venue.adapter)
        fresh = MarketDataService(adapter, clock=node.clock)
        for listener in old.listeners:
            fresh.on_book(listener)
        symbols = list(old.symbols)
        venue.books = fresh
        node._feed.attach_books(name, fresh)
        await old.close()
        try:
            for symbol in symbols:
                await fresh.subscribe(venue.engine.instrument(symbol))
        except Exception:
            log.exception("market_data_switch_failed", venue=name, to=which)
            raise
        log.warning("market_data_switched", venue=name, to=which, reason=reason, books=symbols)

    def _venues(self, target: str) -> list[str]:
        kind, _, key = target.partition(":")
        node = self._node
        if kind == "venue":
            return [key] if key in node.cache.venues else []
        if kind == "global":
            return list(node.cache.venues)
        venues: set[str] = set()
        for actor_id, actor in node._actors.items():
            for iid in actor.subscriptions.books:
                mine = kind == "strategy" and actor_id == key
                if mine or (kind == "asset" and parse_symbol(iid.symbol)[0] == key):
                    venues.add(iid.venue)
        return sorted(venues)
