"""MarketDataService: local L2 books kept in step with a venue adapter's depth streams.

Per symbol: the adapter's diff stream feeds a BinanceDepthSync; whenever the sync needs a
snapshot (start, sequence gap, crossed book, stream reconnect) a resync task fetches one, with
backoff while the venue fails. A dropped stream throws the book away at once (a fresh sync,
``last_fault`` saying why), so readers never see a stale book presented as current: they read
through ``view``, which also refuses a book older than ``max_age_ns``.

Events: BookUpdated after every applied diff or snapshot, BookSyncLost on every fault, posted on
the bus when one is given and passed to ``on_book`` listeners.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from tradewind.book.depth_sync import BinanceDepthSync, BookView, DepthDiff, SyncOutcome
from tradewind.book.order_book import BookValueError
from tradewind.bus.interface import MessageBus
from tradewind.common.logging import get_logger
from tradewind.core.clock import LiveClock, TimerClock, seconds_to_ns
from tradewind.core.events import BookSyncLost, BookUpdated
from tradewind.core.instruments import Instrument
from tradewind.venues.base import StreamStatus, Subscription, VenueAdapter, VenueError

__all__ = ["BookListener", "MarketDataService"]

log = get_logger("execution.market_data")

BookListener = Callable[[BookUpdated | BookSyncLost], None]

_SECOND = 1_000_000_000


@dataclass(slots=True)
class _Feed:
    instrument: Instrument
    sync: BinanceDepthSync
    wanted: asyncio.Event = field(default_factory=asyncio.Event)
    synced: asyncio.Event = field(default_factory=asyncio.Event)
    connected: bool = False
    stream: Subscription | None = None
    task: asyncio.Task[None] | None = None
    snapshots: int = 0
    disconnects: int = 0


class MarketDataService:
    """Books for the symbols subscribed on one adapter. Ages and timeouts in nanoseconds.

    ``max_age_ns`` is the default freshness ``view`` demands; ``snapshot_limit`` the depth of
    each REST snapshot (levels per side).
    """

    def __init__(
        self,
        adapter: VenueAdapter,
        *,
        bus: MessageBus | None = None,
        clock: TimerClock | None = None,
        snapshot_limit: int = 1000,
        max_age_ns: int = 5 * _SECOND,
        retry_delay_s: float = 0.2,
        max_retry_delay_s: float = 5.0,
    ) -> None:
        self._adapter = adapter
        self._bus = bus
        self._clock = clock or LiveClock()
        self._limit = snapshot_limit
        self._max_age_ns = max_age_ns
        self._retry_delay_s = retry_delay_s
        self._max_retry_delay_s = max_retry_delay_s
        self._feeds: dict[str, _Feed] = {}
        self._listeners: list[BookListener] = []

    # -- wiring --------------------------------------------------------------------------------

    def on_book(self, listener: BookListener) -> None:
        """Call ``listener`` with every BookUpdated / BookSyncLost (synchronously, in order)."""
        self._listeners.append(listener)

    @property
    def listeners(self) -> tuple[BookListener, ...]:
        """The ``on_book`` listeners (a replacement service takes them over)."""
        return tuple(self._listeners)

    @property
    def symbols(self) -> tuple[str, ...]:
        """The symbols subscribed."""
        return tuple(self._feeds)

    async def subscribe(self, instrument: Instrument) -> None:
        """Start the diff stream of ``instrument`` and sync its book in the background."""
        symbol = instrument.symbol
        if symbol in self._feeds:
            return
        feed = _Feed(instrument, BinanceDepthSync.for_instrument(instrument))
        self._feeds[symbol] = feed
        feed.task = asyncio.create_task(self._resync_loop(feed), name=f"resync:{symbol}")
        feed.stream = await self._adapter.stream_depth(
            symbol,
            lambda diff: self._on_diff(feed, diff),
            lambda status, detail: self._on_status(feed, status, detail),
        )
        feed.connected = True
        feed.wanted.set()

    async def wait_synced(self, symbol: str, timeout_s: float = 10.0) -> None:
        """Wait until the book of ``symbol`` is synced; raises TimeoutError."""
        feed = self._feed(symbol)
        deadline = self._clock.now_ns() + seconds_to_ns(timeout_s)
        while not feed.sync.is_synced:
            # the event is set by the snapshot that syncs the book, cleared by every fault
            await self._clock.wait_for(feed.synced.wait(), deadline - self._clock.now_ns())
            if not feed.sync.is_synced:
                feed.synced.clear()  # lost again before we looked

    async def close(self) -> None:
        feeds, self._feeds = list(self._feeds.values()), {}
        for feed in feeds:
            if feed.stream is not None:
                await feed.stream.close()
            if feed.task is not None:
                feed.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await feed.task

    # -- reading -------------------------------------------------------------------------------

    def view(self, symbol: str, max_age_ns: int | None = None) -> BookView:
        """The book if synced, uncrossed and fresh; otherwise BookNotReady with the reason."""
        age = self._max_age_ns if max_age_ns is None else max_age_ns
        return self._feed(symbol).sync.view(self._clock.now_ns(), age)

    def sync(self, symbol: str) -> BinanceDepthSync:
        """The sync of ``symbol`` (its state, resync count, last fault)."""
        return self._feed(symbol).sync

    def stats(self, symbol: str) -> dict[str, int]:
        feed = self._feed(symbol)
        return {
            "snapshots": feed.snapshots,
            "resyncs": feed.sync.resyncs,
            "disconnects": feed.disconnects,
        }

    def _feed(self, symbol: str) -> _Feed:
        try:
            return self._feeds[symbol]
        except KeyError:
            raise KeyError(f"no book subscribed for {symbol!r}") from None

    # -- inputs --------------------------------------------------------------------------------

    def _on_diff(self, feed: _Feed, diff: DepthDiff) -> None:
        try:
            outcome = feed.sync.on_diff(diff)
        except BookValueError as exc:
            # a level finer than the instrument's precision: the venue changed the grid
            log.warning("depth_diff_unusable", symbol=feed.instrument.symbol, error=str(exc))
            self._lose(feed, f"diff unusable: {exc}", replace=True)
            return
        if outcome is SyncOutcome.APPLIED:
            self._publish_top(feed)
        elif outcome is SyncOutcome.RESYNC_REQUESTED:
            feed.synced.clear()
            self._publish(feed.sync.sync_lost(self._clock.now_ns()))
            feed.wanted.set()

    def _on_status(self, feed: _Feed, status: StreamStatus, detail: str) -> None:
        if status is StreamStatus.DISCONNECTED:
            feed.connected = False
            feed.disconnects += 1
            self._lose(feed, f"stream disconnected: {detail}", replace=True)
        else:
            feed.connected = True
            feed.wanted.set()

    def _lose(self, feed: _Feed, reason: str, *, replace: bool) -> None:
        if replace:
            # a fresh sync: AWAITING_SNAPSHOT, nothing served until a new snapshot lands
            fresh = BinanceDepthSync.for_instrument(feed.instrument)
            fresh.last_fault = reason
            fresh.resyncs = feed.sync.resyncs + 1
            feed.sync = fresh
        feed.synced.clear()
        log.warning("book_sync_lost", symbol=feed.instrument.symbol, reason=reason)
        now = self._clock.now_ns()
        self._publish(
            BookSyncLost(
                venue=feed.instrument.venue,
                symbol=feed.instrument.symbol,
                reason=reason,
                ts_event=now,
                ts_init=now,
            )
        )
        feed.wanted.set()

    async def _resync_loop(self, feed: _Feed) -> None:
        symbol = feed.instrument.symbol
        delay = self._retry_delay_s
        while True:
            await feed.wanted.wait()
            feed.wanted.clear()
            if not feed.connected or not feed.sync.needs_snapshot:
                continue
            try:
                snapshot = await self._adapter.depth_snapshot(symbol, self._limit)
            except VenueError as exc:
                log.warning("depth_snapshot_failed", symbol=symbol, error=str(exc))
                await self._clock.sleep(seconds_to_ns(delay))
                delay = min(self._max_retry_delay_s, delay * 2)
                feed.wanted.set()
                continue
            feed.snapshots += 1
            sync = feed.sync
            try:
                outcome = sync.on_snapshot(snapshot)
            except BookValueError as exc:
                log.warning("depth_snapshot_unusable", symbol=symbol, error=str(exc))
                outcome = SyncOutcome.RESYNC_REQUESTED
            if outcome is SyncOutcome.SYNCED:
                delay = self._retry_delay_s
                feed.synced.set()
                self._publish_top(feed)
                continue
            # too old (diffs moved on) or a fault right after it: give the stream a moment
            await self._clock.sleep(
                seconds_to_ns(min(delay, 0.1) if outcome is SyncOutcome.SNAPSHOT_TOO_OLD else delay)
            )
            feed.wanted.set()

    # -- outputs -------------------------------------------------------------------------------

    def _publish_top(self, feed: _Feed) -> None:
        if not self._listeners and self._bus is None:
            return
        event = feed.sync.top_of_book(self._clock.now_ns())
        if event is not None:
            self._publish(event)

    def _publish(self, event: BookUpdated | BookSyncLost) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("book_listener_failed", symbol=event.symbol)
        if self._bus is not None:
            self._bus.post(event)
