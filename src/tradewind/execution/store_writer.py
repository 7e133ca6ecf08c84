"""StoreWriter: KernelStore calls from async code, off the event loop, in submission order.

One worker thread runs every write, so writes commit in the order they were asked for: if a
later write is on disk after a crash, every earlier one is too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from tradewind.core.balances import Balance
from tradewind.core.fills import Fill
from tradewind.core.orders import Order
from tradewind.store.kernel_store import KernelStore

__all__ = ["StoreWriter"]

T = TypeVar("T")


class StoreWriter:
    """Async facade over a KernelStore with a single writer thread."""

    def __init__(self, store: KernelStore) -> None:
        self.store = store
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kernel-store")

    async def _run(self, call: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def save_order(self, order: Order) -> None:
        await self._run(lambda: self.store.save_order(order))

    async def save_orders(self, orders: Iterable[Order]) -> None:
        snapshot = list(orders)
        await self._run(lambda: self.store.save_orders(snapshot))

    async def record_fill(self, fill: Fill, order: Order | None) -> bool:
        return await self._run(lambda: self.store.record_fill(fill, order))

    async def attribute_fill(self, fill: Fill, order: Order) -> None:
        await self._run(lambda: self.store.attribute_fill(fill, order))

    async def advance_trade_cursor(self, venue: str, symbol: str, trade_id: str) -> None:
        await self._run(lambda: self.store.advance_trade_cursor(venue, symbol, trade_id))

    async def save_balances(self, venue: str, holdings: Iterable[Balance], ts_ns: int) -> None:
        snapshot = list(holdings)
        await self._run(lambda: self.store.save_balances(venue, snapshot, ts_ns))

    async def load_orders(self, venue: str) -> list[Order]:
        return await self._run(lambda: self.store.load_orders(venue))

    async def load_fills(self, venue: str) -> list[Fill]:
        return await self._run(lambda: self.store.load_fills(venue))

    async def last_trade_ids(self, venue: str) -> dict[str, str]:
        return await self._run(lambda: self.store.last_trade_ids(venue))

    async def close(self) -> None:
        """Finish queued writes, then release the thread and the database."""
        await self._run(lambda: None)
        self._executor.shutdown(wait=True)
        self.store.close()
