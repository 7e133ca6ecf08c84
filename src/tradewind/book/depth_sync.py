"""A local book kept in step with a venue from one REST snapshot plus a diff stream.

Implements Binance's documented procedure for a local order book:

    1. buffer stream diffs (U = first update id, u = final update id in the diff)
    2. take a snapshot (lastUpdateId)
    3. drop buffered diffs with u <= lastUpdateId
    4. the first diff applied must have U <= lastUpdateId + 1 <= u (else the snapshot is too old:
       fetch another)
    5. every later diff must have U == previous u + 1; u <= previous u is an old duplicate and
       is dropped; anything else is a gap → RESYNCING and a new snapshot

A book that comes out crossed (best bid >= best ask) is a fault like a gap: it is cleared and
resynced, never served. Readers get a book only through ``view``, which also refuses a book that
has not been updated for longer than the reader allows.

    AWAITING_SNAPSHOT ──snapshot ok──▶ SYNCED ──gap / crossed / overlap──▶ RESYNCING
            ▲  │ too old: ask again                                          │
            └──┘                          SYNCED ◀──────snapshot ok──────────┘
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from tradewind.book.order_book import BookValueError, L2OrderBook, LevelInput
from tradewind.common.logging import get_logger
from tradewind.core.events import BookSyncLost, BookUpdated
from tradewind.core.instruments import Instrument

__all__ = [
    "BinanceDepthSync",
    "BookNotReady",
    "BookView",
    "DepthDiff",
    "DepthSnapshot",
    "ReadyBook",
    "SyncOutcome",
    "SyncState",
]

log = get_logger("book.sync")


@dataclass(frozen=True, slots=True, kw_only=True)
class DepthDiff:
    """One diff-stream message: absolute quantities for changed levels (0 removes a level).

    ``first_update_id`` is Binance's U, ``final_update_id`` its u. Timestamps in ns.
    """

    first_update_id: int
    final_update_id: int
    bids: tuple[LevelInput, ...]
    asks: tuple[LevelInput, ...]
    ts_event: int
    ts_init: int

    def __post_init__(self) -> None:
        if not 0 <= self.first_update_id <= self.final_update_id:
            raise ValueError(
                f"diff update ids must satisfy 0 <= U <= u, got U={self.first_update_id} "
                f"u={self.final_update_id}"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class DepthSnapshot:
    """A REST depth snapshot as of ``last_update_id``. Timestamps in ns."""

    last_update_id: int
    bids: tuple[LevelInput, ...]
    asks: tuple[LevelInput, ...]
    ts_event: int
    ts_init: int


class SyncState(StrEnum):
    """Where the local book is in the procedure."""

    AWAITING_SNAPSHOT = "awaiting_snapshot"
    SYNCED = "synced"
    RESYNCING = "resyncing"


class SyncOutcome(StrEnum):
    """What one input did. The caller fetches a snapshot on SNAPSHOT_TOO_OLD / RESYNC_REQUESTED."""

    BUFFERED = "buffered"  # kept until a snapshot arrives
    APPLIED = "applied"  # a diff was applied to a synced book
    DROPPED_STALE = "dropped_stale"  # a diff older than the book (u <= current update id)
    SYNCED = "synced"  # a snapshot (and the buffered diffs after it) made the book usable
    SNAPSHOT_TOO_OLD = "snapshot_too_old"  # the snapshot predates the buffered diffs
    RESYNC_REQUESTED = "resync_requested"  # gap, overlap or crossed book: need a new snapshot


@dataclass(frozen=True, slots=True)
class ReadyBook:
    """A synced, uncrossed, fresh book; ``age_ns`` since its last update was received."""

    book: L2OrderBook
    age_ns: int


@dataclass(frozen=True, slots=True)
class BookNotReady:
    """The book must not be used; ``reason`` says why (not synced, stale, ...)."""

    venue: str
    symbol: str
    reason: str


BookView = ReadyBook | BookNotReady


class BinanceDepthSync:
    """Owns one L2OrderBook and applies snapshot + diffs in Binance's documented order.

    ``max_buffer``: diffs kept while waiting for a snapshot; the oldest go first, which is safe
    because a snapshot that needed them is then reported too old and fetched again.
    """

    def __init__(self, book: L2OrderBook, *, max_buffer: int = 10_000) -> None:
        if max_buffer < 1:
            raise ValueError(f"max_buffer must be >= 1, got {max_buffer}")
        self._book = book
        self._buffer: deque[DepthDiff] = deque(maxlen=max_buffer)
        self._state = SyncState.AWAITING_SNAPSHOT
        self._first_after_snapshot = False
        self.last_fault: str | None = None
        self.resyncs = 0
        self.dropped_stale = 0

    @classmethod
    def for_instrument(
        cls, instrument: Instrument, *, max_buffer: int = 10_000
    ) -> BinanceDepthSync:
        return cls(L2OrderBook.for_instrument(instrument), max_buffer=max_buffer)

    @property
    def state(self) -> SyncState:
        return self._state

    @property
    def is_synced(self) -> bool:
        return self._state is SyncState.SYNCED

    @property
    def needs_snapshot(self) -> bool:
        """Whether the caller should fetch a snapshot now."""
        return self._state is not SyncState.SYNCED

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def staleness_ns(self, now_ns: int) -> int | None:
        """Nanoseconds since the last update was received; None if the book is not synced."""
        if not self.is_synced:
            return None
        return max(0, now_ns - self._book.ts_last)

    def view(self, now_ns: int, max_age_ns: int) -> BookView:
        """The book if synced, uncrossed and updated within ``max_age_ns``; else why not."""
        book = self._book
        if not self.is_synced:
            reason = f"not synced ({self._state})"
            if self.last_fault:
                reason += f": {self.last_fault}"
            return BookNotReady(book.venue, book.symbol, reason)
        age = max(0, now_ns - book.ts_last)
        if age > max_age_ns:
            return BookNotReady(
                book.venue, book.symbol, f"stale: last update {age} ns ago > {max_age_ns} ns"
            )
        return ReadyBook(book, age)

    def top_of_book(self, ts_init: int) -> BookUpdated | None:
        """A BookUpdated event for the current top, or None when not synced."""
        if not self.is_synced:
            return None
        book = self._book
        bid, ask = book.best_bid(), book.best_ask()
        return BookUpdated(
            venue=book.venue,
            symbol=book.symbol,
            update_id=book.update_id,
            best_bid=None if bid is None else bid.price,
            best_bid_qty=None if bid is None else bid.qty,
            best_ask=None if ask is None else ask.price,
            best_ask_qty=None if ask is None else ask.qty,
            ts_event=book.ts_event,
            ts_init=ts_init,
        )

    def sync_lost(self, ts_init: int) -> BookSyncLost:
        """A BookSyncLost event describing the last fault."""
        return BookSyncLost(
            venue=self._book.venue,
            symbol=self._book.symbol,
            reason=self.last_fault or f"state {self._state}",
            ts_event=ts_init,
            ts_init=ts_init,
        )

    # -- inputs --------------------------------------------------------------------------------

    def on_diff(self, diff: DepthDiff) -> SyncOutcome:
        """Feed one stream diff."""
        if self._state is not SyncState.SYNCED:
            self._buffer.append(diff)
            return SyncOutcome.BUFFERED
        return self._apply_in_sequence(diff)

    def on_snapshot(self, snapshot: DepthSnapshot) -> SyncOutcome:
        """Feed a REST snapshot; replays the buffered diffs that follow it.

        A snapshot with a level finer than the book's precision raises BookValueError and
        changes nothing.
        """
        last_id = snapshot.last_update_id
        pending = [diff for diff in self._buffer if diff.final_update_id > last_id]
        if pending and pending[0].first_update_id > last_id + 1:
            log.info(
                "snapshot_too_old",
                symbol=self._book.symbol,
                last_update_id=last_id,
                first_buffered=pending[0].first_update_id,
            )
            return SyncOutcome.SNAPSHOT_TOO_OLD
        self._book.apply_snapshot(
            snapshot.bids,
            snapshot.asks,
            update_id=last_id,
            ts_event=snapshot.ts_event,
            ts_init=snapshot.ts_init,
        )
        if self._book.is_crossed:
            return self._fault(f"snapshot {last_id} is crossed", keep=pending)
        self._state = SyncState.SYNCED
        self._first_after_snapshot = True
        self._buffer.clear()
        for index, diff in enumerate(pending):
            try:
                outcome = self._apply_in_sequence(diff)
            except BookValueError as exc:
                return self._fault(f"buffered diff {diff.final_update_id} unusable: {exc}")
            if outcome is SyncOutcome.RESYNC_REQUESTED:
                # keep what followed the fault: the next snapshot may be able to use it
                self._buffer.extend(pending[index + 1 :])
                return outcome
        log.info("book_synced", symbol=self._book.symbol, update_id=self._book.update_id)
        return SyncOutcome.SYNCED

    def _apply_in_sequence(self, diff: DepthDiff) -> SyncOutcome:
        book = self._book
        current = book.update_id
        if diff.final_update_id <= current:
            self.dropped_stale += 1
            return SyncOutcome.DROPPED_STALE
        if self._first_after_snapshot:
            in_sequence = diff.first_update_id <= current + 1
        else:
            in_sequence = diff.first_update_id == current + 1
        if not in_sequence:
            kind = "gap" if diff.first_update_id > current + 1 else "overlap"
            return self._fault(
                f"{kind}: diff U={diff.first_update_id} u={diff.final_update_id} "
                f"after update {current}",
                keep=(diff,),
            )
        book.apply_diff(
            diff.bids,
            diff.asks,
            update_id=diff.final_update_id,
            ts_event=diff.ts_event,
            ts_init=diff.ts_init,
        )
        self._first_after_snapshot = False
        if book.is_crossed:
            return self._fault(f"crossed after update {diff.final_update_id}")
        return SyncOutcome.APPLIED

    def _fault(self, reason: str, keep: Sequence[DepthDiff] = ()) -> SyncOutcome:
        self._book.clear()
        self._state = SyncState.RESYNCING
        self._first_after_snapshot = False
        self._buffer.clear()
        self._buffer.extend(keep)
        self.last_fault = reason
        self.resyncs += 1
        log.warning("book_resync", venue=self._book.venue, symbol=self._book.symbol, reason=reason)
        return SyncOutcome.RESYNC_REQUESTED
