"""L2 book updates per second on a recorded-like Binance diff stream; Tradewind vs NautilusTrader.

    .venv/bin/python bench/bench_book.py [--messages 200000] [--symbols 10] [--seed 7]

The stream is deterministic and synthetic, shaped like Binance's ``<symbol>@depth@100ms``:
per symbol a snapshot of 100 levels a side, then diff messages (U, u, b, a) of 1-6 levels each
with prices and sizes as 8-decimal strings, 30% of level changes deletions (size 0), and a mid
that drifts by a tick now and then (the diff that moves it deletes the levels it would cross).

Measured, each over the same stream and in the same process:
  full path      venue strings → DepthDiff → BinanceDepthSync.on_diff (sequence check, apply,
                 crossed check); the same with a Decimal made of every value first; and
                 NautilusTrader from Python: Price/Quantity.from_str → OrderBookDelta →
                 OrderBook(L2_MBP).apply_delta
  apply only     pre-parsed Decimals → L2OrderBook.apply_diff; pre-built deltas → apply_delta
  structure only the side structure alone on pre-converted keys: dict + sorted list of int
                 ticks (chosen), SortedDict of int ticks, SortedDict of Decimal prices
"Updates" are level changes (deltas); messages/s are printed too.

Recorded (2 shared cores, Python 3.11.7, nautilus-trader 1.221.0, defaults: 200,000 messages,
666,611 level deltas, 10 symbols), updates/s:
  full path       tradewind (strings) 474,300   via Decimal 442,790   nautilus 265,283  (1.79x)
  apply only      tradewind 678,033             nautilus (Rust, pre-built deltas) 5,027,904
  structure only  dict+list 5,215,347   SortedDict[int] 2,503,698   SortedDict[Decimal] 480,423
From Python, on venue input, the book beats NautilusTrader's; on pre-built deltas Nautilus's Rust
core is ~7x faster, the gap being our per-value parsing and validation, not the structure.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from bisect import bisect_left, insort
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sortedcontainers import SortedDict

from tradewind.book import BinanceDepthSync, DepthDiff, DepthSnapshot, L2OrderBook, SyncOutcome
from tradewind.common.logging import configure_logging

PRICE_PLACES = 2
SIZE_PLACES = 5
SNAPSHOT_LEVELS = 100

RawLevels = list[list[str]]


@dataclass(frozen=True, slots=True)
class RawDiff:
    """One Binance depth diff message as it arrives (strings), for one symbol."""

    symbol: str
    first_update_id: int
    final_update_id: int
    bids: RawLevels
    asks: RawLevels


@dataclass(frozen=True, slots=True)
class Stream:
    snapshots: dict[str, tuple[int, RawLevels, RawLevels]]
    diffs: list[RawDiff]

    @property
    def deltas(self) -> int:
        return sum(len(diff.bids) + len(diff.asks) for diff in self.diffs)


def _price(ticks: int) -> str:
    return f"{ticks // 100}.{ticks % 100:02d}000000"


def _size(units: int) -> str:
    whole, frac = divmod(units, 10**SIZE_PLACES)
    return f"{whole}.{frac:05d}000"


def synthetic_stream(messages: int, symbols: int, seed: int) -> Stream:
    """A deterministic, never-crossed diff stream over ``symbols`` symbols."""
    rng = random.Random(seed)
    names = [f"S{index}/USDT" for index in range(symbols)]
    mids = {name: rng.randint(1_000_00, 60_000_00) for name in names}
    live: dict[str, tuple[set[int], set[int]]] = {}
    snapshots = {}
    for name in names:
        mid = mids[name]
        bids = {mid - offset for offset in range(1, SNAPSHOT_LEVELS + 1)}
        asks = {mid + offset for offset in range(1, SNAPSHOT_LEVELS + 1)}
        live[name] = (bids, asks)
        snapshots[name] = (
            1_000,
            [[_price(p), _size(rng.randint(1, 500_000))] for p in sorted(bids, reverse=True)],
            [[_price(p), _size(rng.randint(1, 500_000))] for p in sorted(asks)],
        )
    next_id = {name: 1_001 for name in names}
    diffs = []
    for _ in range(messages):
        name = names[rng.randrange(symbols)]
        bids, asks = live[name]
        bid_changes: dict[int, int] = {}
        ask_changes: dict[int, int] = {}
        if rng.random() < 0.02:  # the mid drifts a tick; remove what the move would cross
            mids[name] += rng.choice((-1, 1))
            mid = mids[name]
            for price in [p for p in bids if p >= mid]:
                bids.discard(price)
                bid_changes[price] = 0
            for price in [p for p in asks if p <= mid]:
                asks.discard(price)
                ask_changes[price] = 0
        mid = mids[name]
        for _ in range(rng.randint(1, 6)):
            is_bid = rng.random() < 0.5
            # most activity near the top of the book, like real depth streams
            offset = 1 + min(int(rng.expovariate(1 / 8)), 150)
            price = mid - offset if is_bid else mid + offset
            side, changes = (bids, bid_changes) if is_bid else (asks, ask_changes)
            if rng.random() < 0.3:
                side.discard(price)
                changes[price] = 0
            else:
                side.add(price)
                changes[price] = rng.randint(1, 500_000)
        first = next_id[name]
        width = rng.randint(1, 3)  # Binance batches several engine updates into one message
        next_id[name] = first + width
        diffs.append(
            RawDiff(
                name,
                first,
                first + width - 1,
                [[_price(p), _size(q)] for p, q in bid_changes.items()],
                [[_price(p), _size(q)] for p, q in ask_changes.items()],
            )
        )
    return Stream(snapshots, diffs)


def _levels(raw: RawLevels) -> tuple[tuple[Decimal, Decimal], ...]:
    return tuple((Decimal(price), Decimal(size)) for price, size in raw)


def _timed(run: Callable[[], None]) -> float:
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        run()
        return time.perf_counter() - start
    finally:
        gc.enable()


def _synced(stream: Stream) -> dict[str, BinanceDepthSync]:
    syncs = {}
    for name, (last_id, bids, asks) in stream.snapshots.items():
        sync = BinanceDepthSync(
            L2OrderBook(
                venue="binance",
                symbol=name,
                price_precision=PRICE_PLACES,
                size_precision=SIZE_PLACES,
            )
        )
        sync.on_snapshot(
            DepthSnapshot(
                last_update_id=last_id,
                bids=_levels(bids),
                asks=_levels(asks),
                ts_event=0,
                ts_init=0,
            )
        )
        syncs[name] = sync
    return syncs


def tradewind_full(stream: Stream, *, as_decimal: bool) -> float:
    syncs = _synced(stream)

    def convert(raw: RawLevels) -> tuple[tuple[Decimal | str, Decimal | str], ...]:
        if as_decimal:
            return _levels(raw)
        return tuple((price, size) for price, size in raw)

    def run() -> None:
        for diff in stream.diffs:
            outcome = syncs[diff.symbol].on_diff(
                DepthDiff(
                    first_update_id=diff.first_update_id,
                    final_update_id=diff.final_update_id,
                    bids=convert(diff.bids),
                    asks=convert(diff.asks),
                    ts_event=0,
                    ts_init=0,
                )
            )
            if outcome is not SyncOutcome.APPLIED:
                raise AssertionError(f"{diff.symbol}: {outcome}")

    seconds = _timed(run)
    for sync in syncs.values():
        assert sync.is_synced and not sync.view(0, 1).book.is_crossed  # type: ignore[union-attr]
    return seconds


def tradewind_apply(stream: Stream) -> float:
    books = {
        name: L2OrderBook(
            venue="binance", symbol=name, price_precision=PRICE_PLACES, size_precision=SIZE_PLACES
        )
        for name in stream.snapshots
    }
    parsed = [
        (books[d.symbol], _levels(d.bids), _levels(d.asks), d.final_update_id) for d in stream.diffs
    ]

    def run() -> None:
        for book, bids, asks, update_id in parsed:
            book.apply_diff(bids, asks, update_id=update_id, ts_event=0, ts_init=0)

    return _timed(run)


def structure_only(stream: Stream, design: str) -> float:
    """Apply pre-converted levels to a bare side structure: the data-structure choice alone.

    ``design``: "dict+list" (what L2OrderBook uses), "SortedDict[int]" or "SortedDict[Decimal]".
    """
    decimal_keys = design == "SortedDict[Decimal]"

    def keyed(raw: RawLevels, sign: int) -> list[tuple[object, object]]:
        levels = _levels(raw)
        if decimal_keys:
            return [(sign * price, size) for price, size in levels]
        return [
            (sign * int(price.scaleb(PRICE_PLACES)), int(size.scaleb(SIZE_PLACES)))
            for price, size in levels
        ]

    parsed = [(diff.symbol, keyed(diff.bids, -1) + keyed(diff.asks, 1)) for diff in stream.diffs]
    if design == "dict+list":
        books_list: dict[str, tuple[dict[Any, Any], list[Any], dict[Any, Any], list[Any]]] = {}
        for name, (_, bids, asks) in stream.snapshots.items():
            bid_levels, ask_levels = dict(keyed(bids, -1)), dict(keyed(asks, 1))
            books_list[name] = (bid_levels, sorted(bid_levels), ask_levels, sorted(ask_levels))

        def run_list() -> None:
            for name, levels in parsed:
                bids, bid_keys, asks, ask_keys = books_list[name]
                for key, size in levels:
                    side, keys = (bids, bid_keys) if key < 0 else (asks, ask_keys)  # type: ignore[operator]
                    if size:
                        if key not in side:
                            insort(keys, key)
                        side[key] = size
                    elif side.pop(key, None) is not None:
                        del keys[bisect_left(keys, key)]

        return _timed(run_list)

    books_sorted = {
        name: (SortedDict(keyed(bids, -1)), SortedDict(keyed(asks, 1)))
        for name, (_, bids, asks) in stream.snapshots.items()
    }

    def run_sorted() -> None:
        for name, levels in parsed:
            bids, asks = books_sorted[name]
            for key, size in levels:
                side = bids if key < 0 else asks  # type: ignore[operator]
                if size:
                    side[key] = size
                else:
                    side.pop(key, None)

    return _timed(run_sorted)


def nautilus(stream: Stream) -> tuple[float, float] | str:
    """(full path seconds, apply-only seconds), or why NautilusTrader could not be measured."""
    try:
        from nautilus_trader.model.book import OrderBook
        from nautilus_trader.model.data import BookOrder, OrderBookDelta
        from nautilus_trader.model.enums import BookAction, BookType, OrderSide
        from nautilus_trader.model.identifiers import InstrumentId
        from nautilus_trader.model.objects import Price, Quantity
    except ImportError as exc:
        return f"nautilus-trader is not installed ({exc})"

    ids = {
        name: InstrumentId.from_str(f"{name.replace('/', '')}.BINANCE") for name in stream.snapshots
    }

    def books() -> dict[str, OrderBook]:
        made = {name: OrderBook(ids[name], BookType.L2_MBP) for name in stream.snapshots}
        for name, (_, bids, asks) in stream.snapshots.items():
            for side, levels in ((OrderSide.BUY, bids), (OrderSide.SELL, asks)):
                for price, size in levels:
                    order = BookOrder(side, Price.from_str(price), Quantity.from_str(size), 0)
                    delta = OrderBookDelta(ids[name], BookAction.ADD, order, 0, 1_000, 0, 0)
                    made[name].apply_delta(delta)
        return made

    def deltas(diff: RawDiff) -> list[OrderBookDelta]:
        built = []
        instrument = ids[diff.symbol]
        for side, levels in ((OrderSide.BUY, diff.bids), (OrderSide.SELL, diff.asks)):
            for price, size in levels:
                quantity = Quantity.from_str(size)
                action = BookAction.UPDATE if quantity.as_double() else BookAction.DELETE
                order = BookOrder(side, Price.from_str(price), quantity, 0)
                sequence = diff.final_update_id
                built.append(OrderBookDelta(instrument, action, order, 0, sequence, 0, 0))
        return built

    full_books = books()

    def full() -> None:
        for diff in stream.diffs:
            book = full_books[diff.symbol]
            for delta in deltas(diff):
                book.apply_delta(delta)

    full_seconds = _timed(full)
    apply_books = books()
    prebuilt = [(apply_books[diff.symbol], deltas(diff)) for diff in stream.diffs]

    def apply() -> None:
        for book, built in prebuilt:
            for delta in built:
                book.apply_delta(delta)

    return full_seconds, _timed(apply)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--symbols", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    configure_logging("warning")
    stream = synthetic_stream(args.messages, args.symbols, args.seed)
    messages, deltas = len(stream.diffs), stream.deltas
    print(f"stream: {messages:,} messages, {deltas:,} level deltas, {args.symbols} symbols")

    def line(name: str, seconds: float) -> None:
        print(
            f"  {name:<24} {deltas / seconds:>12,.0f} updates/s"
            f"  {messages / seconds:>11,.0f} messages/s  ({seconds:.2f} s)"
        )

    theirs = nautilus(stream)
    print("full path: venue strings in, book updated")
    ours_full = tradewind_full(stream, as_decimal=False)
    line("tradewind (strings)", ours_full)
    line("tradewind (via Decimal)", tradewind_full(stream, as_decimal=True))
    if isinstance(theirs, str):
        print(f"  nautilus: not measured: {theirs}")
    else:
        line("nautilus from Python", theirs[0])
    print("apply only: pre-parsed input")
    line("tradewind apply_diff", tradewind_apply(stream))
    if not isinstance(theirs, str):
        line("nautilus apply_delta", theirs[1])
    print("data structure only: pre-converted keys, no validation")
    for design in ("dict+list", "SortedDict[int]", "SortedDict[Decimal]"):
        line(design, structure_only(stream, design))
    if not isinstance(theirs, str):
        print(f"full path, tradewind / nautilus: {theirs[0] / ours_full:.2f}x")


if __name__ == "__main__":
    main()
