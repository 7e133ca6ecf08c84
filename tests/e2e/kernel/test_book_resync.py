"""With WebSocket drops and depth sequence gaps injected through the sim's admin API, the
kernel's book resyncs by itself, and is never served crossed or stale without saying so."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tradewind.book.depth_sync import BookNotReady, ReadyBook
from tradewind.core.clock import LiveClock
from tradewind.core.events import BookSyncLost, BookUpdated
from tradewind.execution.market_data import MarketDataService
from tradewind.venues.binance import BinanceAdapter, BinanceConfig
from tradewind.venues.sim.process import SimEndpoints

from ..conftest import SimAccount, SimAdmin

pytestmark = pytest.mark.e2e
SYMBOL = "BTC/USDT"
_SECOND = 1_000_000_000


class _SkewedClock(LiveClock):
    """The wall clock plus ``skew_ns``: lets the test age every book at once, deterministically."""

    def __init__(self) -> None:
        super().__init__()
        self.skew_ns = 0

    def now_ns(self) -> int:
        return super().now_ns() + self.skew_ns


async def _until(predicate: Callable[[], bool], timeout_s: float = 15.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not predicate():
            await asyncio.sleep(0.02)


async def test_drops_and_gaps_resync_the_book_by_themselves(
    sim: SimEndpoints, admin: SimAdmin, account: SimAccount
) -> None:
    adapter = BinanceAdapter(
        BinanceConfig(venue="sim", rest_url=sim.rest_url, ws_url=sim.ws_url,
                      api_key=account.api_key, api_secret=account.api_secret)
    )  # fmt: skip
    instruments = {i.symbol: i for i in await adapter.load_instruments()}
    clock = _SkewedClock()
    books = MarketDataService(adapter, clock=clock)
    events: list[BookUpdated | BookSyncLost] = []
    crossed_served: list[BookUpdated] = []

    def watch(event: BookUpdated | BookSyncLost) -> None:
        events.append(event)
        bid, ask = (
            (event.best_bid, event.best_ask) if isinstance(event, BookUpdated) else (None, None)
        )
        if bid is not None and ask is not None and bid >= ask:
            crossed_served.append(event)

    books.on_book(watch)
    await books.subscribe(instruments[SYMBOL])
    await books.wait_synced(SYMBOL)

    # 1. a sequence gap: the next diff skips ids, the sync notices and fetches a snapshot
    snapshots_before = books.stats(SYMBOL)["snapshots"]
    admin.post("/faults", {"depth_gap": ["BTCUSDT"]})
    await _until(lambda: books.sync(SYMBOL).resyncs >= 1)
    assert any(isinstance(e, BookSyncLost) and "gap" in e.reason for e in events)
    await _until(lambda: books.sync(SYMBOL).is_synced)
    assert books.stats(SYMBOL)["snapshots"] > snapshots_before

    # 2. every socket dropped: the book is refused at once, with the reason, then comes back
    resyncs = books.sync(SYMBOL).resyncs
    admin.post("/faults", {"drop_websockets": True})
    await _until(lambda: books.stats(SYMBOL)["disconnects"] >= 1)
    lost = [e for e in events if isinstance(e, BookSyncLost) and "disconnected" in e.reason]
    assert lost
    await _until(lambda: books.sync(SYMBOL).is_synced)
    assert books.sync(SYMBOL).resyncs > resyncs
    view = books.view(SYMBOL)
    assert isinstance(view, ReadyBook) and not view.book.is_crossed

    # 3. a book older than the reader allows is refused as stale, not served: the service's
    # clock jumps 6 s past the adapter's, so even a diff stamped this instant is 6 s > 5 s old
    clock.skew_ns = 6 * _SECOND
    stale = books.view(SYMBOL)
    assert isinstance(stale, BookNotReady)
    assert (stale.venue, stale.symbol) == ("sim", SYMBOL)
    assert stale.reason.startswith("stale: last update ")
    assert stale.reason.endswith(f" ns ago > {5 * _SECOND} ns")
    age_ns = int(stale.reason.split()[3])
    assert age_ns >= 6 * _SECOND
    # a reader allowing more than that still gets the book; back in step, it is fresh again
    assert isinstance(books.view(SYMBOL, max_age_ns=60 * _SECOND), ReadyBook)
    clock.skew_ns = 0
    assert isinstance(books.view(SYMBOL), ReadyBook)
    assert crossed_served == []
    await books.close()
    await adapter.close()
