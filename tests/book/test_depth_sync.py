"""Binance's local-book procedure: buffering, snapshot alignment, gaps, stale and crossed cases."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.book import (
    BinanceDepthSync,
    BookNotReady,
    BookValueError,
    DepthDiff,
    DepthSnapshot,
    L2OrderBook,
    ReadyBook,
    SyncOutcome,
    SyncState,
)

MS = 1_000_000


def new_sync(max_buffer: int = 100) -> BinanceDepthSync:
    book = L2OrderBook(venue="binance", symbol="BTC/USDT", price_precision=2, size_precision=3)
    return BinanceDepthSync(book, max_buffer=max_buffer)


def diff(
    first: int,
    last: int,
    bids: tuple[tuple[str, str], ...] = (),
    asks: tuple[tuple[str, str], ...] = (),
    at_ms: int = 0,
) -> DepthDiff:
    return DepthDiff(
        first_update_id=first,
        final_update_id=last,
        bids=tuple((D(p), D(q)) for p, q in bids),
        asks=tuple((D(p), D(q)) for p, q in asks),
        ts_event=at_ms * MS,
        ts_init=at_ms * MS,
    )


def snapshot(last_update_id: int, at_ms: int = 0) -> DepthSnapshot:
    return DepthSnapshot(
        last_update_id=last_update_id,
        bids=((D("100.00"), D("1")), (D("99.00"), D("2"))),
        asks=((D("101.00"), D("1")), (D("102.00"), D("2"))),
        ts_event=at_ms * MS,
        ts_init=at_ms * MS,
    )


def best(sync: BinanceDepthSync, now_ms: int = 0) -> tuple[D | None, D | None]:
    view = sync.view(now_ms * MS, 10_000 * MS)
    assert isinstance(view, ReadyBook), view
    bid, ask = view.book.best_bid(), view.book.best_ask()
    return (bid.price if bid else None, ask.price if ask else None)


def test_documented_happy_path() -> None:
    sync = new_sync()
    assert sync.state is SyncState.AWAITING_SNAPSHOT and sync.needs_snapshot
    # stream: 95-99, 100-104, 105-107 buffered before the snapshot (lastUpdateId 101)
    assert sync.on_diff(diff(95, 99, bids=(("98.00", "9"),))) is SyncOutcome.BUFFERED
    assert sync.on_diff(diff(100, 104, bids=(("100.50", "1"),))) is SyncOutcome.BUFFERED
    assert sync.on_diff(diff(105, 107, asks=(("101.00", "0"),))) is SyncOutcome.BUFFERED
    assert sync.buffered == 3
    assert sync.on_snapshot(snapshot(101)) is SyncOutcome.SYNCED
    # 95-99 dropped (u <= 101); 100-104 straddles 102; then 105 == 104 + 1
    assert sync.is_synced and not sync.needs_snapshot and sync.buffered == 0
    assert best(sync) == (D("100.50"), D("102.00"))
    assert sync.on_diff(diff(108, 108, bids=(("100.75", "1"),))) is SyncOutcome.APPLIED
    assert best(sync) == (D("100.75"), D("102.00"))


def test_snapshot_older_than_the_buffer_is_refused_until_a_newer_one() -> None:
    sync = new_sync()
    sync.on_diff(diff(200, 205))
    # lastUpdateId 150: the first buffered diff starts at 200 > 151 → diffs 151..199 are missing
    assert sync.on_snapshot(snapshot(150)) is SyncOutcome.SNAPSHOT_TOO_OLD
    assert sync.needs_snapshot and sync.view(0, MS) == BookNotReady(
        "binance", "BTC/USDT", "not synced (awaiting_snapshot)"
    )
    assert sync.on_snapshot(snapshot(202)) is SyncOutcome.SYNCED
    assert sync.on_diff(diff(206, 206)) is SyncOutcome.APPLIED


def test_first_diff_after_an_empty_buffer_must_straddle() -> None:
    sync = new_sync()
    assert sync.on_snapshot(snapshot(50)) is SyncOutcome.SYNCED
    assert sync.on_diff(diff(40, 50)) is SyncOutcome.DROPPED_STALE  # u <= lastUpdateId
    # U=45 <= 51 <= u=55: the first applied diff may overlap the snapshot
    assert sync.on_diff(diff(45, 55)) is SyncOutcome.APPLIED
    assert sync.on_diff(diff(56, 60)) is SyncOutcome.APPLIED


def test_first_diff_past_the_snapshot_is_a_gap() -> None:
    sync = new_sync()
    sync.on_snapshot(snapshot(50))
    assert sync.on_diff(diff(53, 55)) is SyncOutcome.RESYNC_REQUESTED
    assert sync.state is SyncState.RESYNCING and "gap" in (sync.last_fault or "")


def test_gap_mid_stream_resyncs_and_recovers() -> None:
    sync = new_sync()
    sync.on_snapshot(snapshot(10))
    sync.on_diff(diff(11, 12))
    # 13..14 lost: next U is 15, not 13
    outcome = sync.on_diff(diff(15, 16, bids=(("100.20", "1"),)))
    assert outcome is SyncOutcome.RESYNC_REQUESTED
    assert sync.state is SyncState.RESYNCING and sync.needs_snapshot and sync.resyncs == 1
    view = sync.view(0, MS)
    assert isinstance(view, BookNotReady) and "gap" in view.reason
    assert sync.staleness_ns(0) is None
    # the diff that revealed the gap is kept: a snapshot at 14 can use it
    assert sync.buffered == 1
    assert sync.on_diff(diff(17, 17)) is SyncOutcome.BUFFERED
    assert sync.on_snapshot(snapshot(14)) is SyncOutcome.SYNCED
    assert best(sync) == (D("100.20"), D("101.00"))
    assert sync.sync_lost(5).reason.startswith("gap")


def test_old_and_repeated_diffs_are_dropped_without_harm() -> None:
    sync = new_sync()
    sync.on_snapshot(snapshot(10))
    sync.on_diff(diff(11, 15, bids=(("100.10", "1"),)))
    assert sync.on_diff(diff(11, 15, bids=(("100.90", "1"),))) is SyncOutcome.DROPPED_STALE
    assert sync.on_diff(diff(3, 8)) is SyncOutcome.DROPPED_STALE
    assert sync.dropped_stale == 2
    assert best(sync) == (D("100.10"), D("101.00"))
    assert sync.is_synced


def test_overlapping_diff_after_the_first_is_a_fault() -> None:
    sync = new_sync()
    sync.on_snapshot(snapshot(10))
    sync.on_diff(diff(11, 15))
    # U=14 <= 15 < u=18: the stream contradicts itself (U must be 16)
    assert sync.on_diff(diff(14, 18)) is SyncOutcome.RESYNC_REQUESTED
    assert "overlap" in (sync.last_fault or "")


def test_a_crossed_result_is_a_fault_never_a_book() -> None:
    sync = new_sync()
    sync.on_snapshot(snapshot(10))
    # a bid at 101.00 meets the best ask 101.00
    outcome = sync.on_diff(diff(11, 11, bids=(("101.00", "1"),)))
    assert outcome is SyncOutcome.RESYNC_REQUESTED
    assert "crossed" in (sync.last_fault or "")
    assert isinstance(sync.view(0, 10**12), BookNotReady)
    assert sync.top_of_book(0) is None


def test_a_crossed_snapshot_is_refused() -> None:
    sync = new_sync()
    sync.on_diff(diff(11, 12))
    crossed = DepthSnapshot(
        last_update_id=10,
        bids=((D("105.00"), D("1")),),
        asks=((D("101.00"), D("1")),),
        ts_event=0,
        ts_init=0,
    )
    assert sync.on_snapshot(crossed) is SyncOutcome.RESYNC_REQUESTED
    assert sync.needs_snapshot and sync.buffered == 1  # the buffer survives for the next one
    assert sync.on_snapshot(snapshot(10)) is SyncOutcome.SYNCED


def test_gap_inside_the_buffer_is_found_while_replaying() -> None:
    sync = new_sync()
    for first, last in ((11, 12), (13, 14), (16, 17), (18, 19)):
        sync.on_diff(diff(first, last))
    assert sync.on_snapshot(snapshot(10)) is SyncOutcome.RESYNC_REQUESTED
    assert sync.buffered == 2  # 16-17 (which showed the gap) and 18-19 are kept
    assert sync.on_snapshot(snapshot(15)) is SyncOutcome.SYNCED
    assert sync.view(0, MS).book.update_id == 19  # type: ignore[union-attr]


def test_staleness_and_the_age_guard() -> None:
    sync = new_sync()
    sync.on_snapshot(snapshot(10, at_ms=1_000))
    sync.on_diff(diff(11, 11, at_ms=1_500))
    assert sync.staleness_ns(1_700 * MS) == 200 * MS
    assert isinstance(sync.view(1_700 * MS, 200 * MS), ReadyBook)
    stale = sync.view(1_701 * MS, 200 * MS)
    assert isinstance(stale, BookNotReady) and stale.reason.startswith("stale")


def test_bad_levels_raise_and_the_gap_then_forces_a_resync() -> None:
    sync = new_sync()
    sync.on_snapshot(snapshot(10))
    with pytest.raises(BookValueError):
        sync.on_diff(diff(11, 11, bids=(("100.123", "1"),)))
    assert sync.is_synced and best(sync) == (D("100.00"), D("101.00"))
    # the refused diff leaves a hole: the next one cannot follow and triggers a resync
    assert sync.on_diff(diff(12, 12)) is SyncOutcome.RESYNC_REQUESTED


def test_buffer_overflow_drops_the_oldest_and_the_snapshot_says_so() -> None:
    sync = new_sync(max_buffer=2)
    for update in range(11, 15):
        sync.on_diff(diff(update, update))
    assert sync.buffered == 2  # 13 and 14 remain
    assert sync.on_snapshot(snapshot(10)) is SyncOutcome.SNAPSHOT_TOO_OLD
    assert sync.on_snapshot(snapshot(12)) is SyncOutcome.SYNCED


def test_top_of_book_event() -> None:
    sync = new_sync()
    sync.on_snapshot(snapshot(10, at_ms=3))
    event = sync.top_of_book(ts_init=99)
    assert event is not None
    assert (event.best_bid, event.best_ask, event.update_id) == (D("100.00"), D("101.00"), 10)
    assert (event.ts_event, event.ts_init) == (3 * MS, 99)


def test_diff_ids_are_validated() -> None:
    with pytest.raises(ValueError, match="U <= u"):
        diff(5, 4)


@settings(max_examples=120, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["next", "skip", "repeat", "old"]),
            st.integers(min_value=1, max_value=3),
            st.integers(min_value=9_000, max_value=11_000),
            st.integers(min_value=0, max_value=3),
        ),
        max_size=40,
    )
)
def test_never_serves_a_crossed_or_out_of_sequence_book(
    steps: list[tuple[str, int, int, int]],
) -> None:
    # a stream with random gaps, repeats and old diffs, and random levels that may cross;
    # whenever the sync says it is ready, the book must be uncrossed and must equal the
    # snapshot plus exactly the contiguous diffs applied since it
    sync = new_sync()
    sync.on_snapshot(snapshot(100))
    model: dict[str, dict[D, D]] = {
        "bid": {D("100.00"): D(1), D("99.00"): D(2)},
        "ask": {D("101.00"): D(1), D("102.00"): D(2)},
    }
    last = 100
    for kind, width, cents, size in steps:
        price = D(cents).scaleb(-2)
        side = "bid" if cents < 10_050 else "ask"
        levels = ((str(price), str(size)),)
        changes: dict[str, Any] = {f"{side}s": levels}
        if kind == "next":
            message = diff(last + 1, last + width, **changes)
        elif kind == "skip":
            message = diff(last + 2, last + 1 + width, **changes)
        elif kind == "repeat":
            message = diff(max(1, last - width + 1), last, **changes)
        else:
            message = diff(1, max(1, last - 5), **changes)
        outcome = sync.on_diff(message)
        if outcome is SyncOutcome.APPLIED:
            last = message.final_update_id
            if size:
                model[side][price] = D(size)
            else:
                model[side].pop(price, None)
        if not sync.is_synced:
            assert outcome in (SyncOutcome.RESYNC_REQUESTED, SyncOutcome.BUFFERED)
            break
        view = sync.view(0, MS)
        assert isinstance(view, ReadyBook)
        assert not view.book.is_crossed
        depth = view.book.depth(1000)
        assert {level.price: level.qty for level in depth.bids} == model["bid"]
        assert {level.price: level.qty for level in depth.asks} == model["ask"]
