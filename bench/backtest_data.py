"""The backtester comparison data set (issue 16): one BTCUSDT hour in Binance's formats, seeded.

    .venv/bin/python bench/backtest_data.py OUT_DIR [--seed 16] [--small]

Writes into OUT_DIR:
  snapshot.json  a REST depth snapshot ``{"lastUpdateId", "bids", "asks"}``, 40 levels a side
  depth.jsonl    diff-depth events ``{"e":"depthUpdate","E":ms,"s":"BTCUSDT","U","u","b","a"}``,
                 one every 10 ms (100 Hz): 360,000 of them, about 525,000 level deltas
  trades.csv     data-dump trades, no header: ``id,price,qty,quote_qty,time,is_buyer_maker,
                 is_best_match``, one every 100 ms (10 Hz): 36,000 of them
``--small`` writes the first minute's worth instead (6,000 updates, 600 trades).

The market: tick 0.01, step 0.00001, prices written with 2 places and quantities with 5, the
spread always one tick. The diffs keep the 20 levels nearest the touch on each side populated
(levels deeper than that keep whatever they last had, as on Binance). Each update either moves
the mid (probability 0.1, so about 36,000 times: 1-3 ticks up or down; the levels it crosses are
deleted, the new touch levels added, and missing levels inside the 20-level window filled) or
changes the size of 1-2 levels within the window (sometimes to zero and back later, since a
deleted level inside the window is refilled on the next move). Trades print at the current touch
on a random side; about 5% print one or two ticks through it (a sweep). ``U``/``u`` count level
deltas, so ``U`` of each event is the previous ``u`` + 1, as Binance's sequence check expects.
The same seed gives byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

SYMBOL = "BTCUSDT"
START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
DEPTH_INTERVAL_MS = 10
TRADE_INTERVAL_MS = 100
SNAPSHOT_LEVELS = 40
WINDOW_LEVELS = 20
FIRST_BID_TICKS = 4_200_000  # 42,000.00 USDT
SNAPSHOT_UPDATE_ID = 1_000_000
MOVE_PROBABILITY = 0.1
SIZE_CHANGE_TWO_LEVELS = 0.07  # tuned so the hour has about 525,000 level deltas
SWEEP_PROBABILITY = 0.05
STEPS_PER_UNIT = 100_000  # quantities in steps of 0.00001


def price_str(ticks: int) -> str:
    return f"{ticks // 100}.{ticks % 100:02d}"


def qty_str(steps: int) -> str:
    return f"{steps // STEPS_PER_UNIT}.{steps % STEPS_PER_UNIT:05d}"


@dataclass
class SyntheticBook:
    """The generator's own book: price ticks → quantity steps per side, and the touch."""

    best_bid: int
    bids: dict[int, int] = field(default_factory=dict)
    asks: dict[int, int] = field(default_factory=dict)

    @property
    def best_ask(self) -> int:
        return self.best_bid + 1


def random_size(rng: random.Random) -> int:
    return rng.randint(100, 300_000)  # 0.00100 .. 3.00000 BTC


def write_snapshot(book: SyntheticBook, rng: random.Random, out: Path) -> None:
    for level in range(SNAPSHOT_LEVELS):
        book.bids[book.best_bid - level] = random_size(rng)
        book.asks[book.best_ask + level] = random_size(rng)
    snapshot = {
        "lastUpdateId": SNAPSHOT_UPDATE_ID,
        "bids": [[price_str(p), qty_str(book.bids[p])] for p in sorted(book.bids, reverse=True)],
        "asks": [[price_str(p), qty_str(book.asks[p])] for p in sorted(book.asks)],
    }
    out.write_text(json.dumps(snapshot, separators=(",", ":")) + "\n")


def move_deltas(book: SyntheticBook, rng: random.Random) -> tuple[dict[int, int], dict[int, int]]:
    """Move the touch 1-3 ticks; return the bid and ask level changes (0 = delete)."""
    ticks = rng.choice((1, 2, 3)) * rng.choice((1, -1))
    bid_changes: dict[int, int] = {}
    ask_changes: dict[int, int] = {}
    if ticks > 0:  # asks at the old touch are lifted, new bids join above the old best bid
        for p in range(book.best_ask, book.best_ask + ticks):
            if p in book.asks:
                ask_changes[p] = 0
        for p in range(book.best_bid + 1, book.best_bid + ticks + 1):
            bid_changes[p] = random_size(rng)
    else:
        for p in range(book.best_bid + ticks + 1, book.best_bid + 1):
            if p in book.bids:
                bid_changes[p] = 0
        for p in range(book.best_ask + ticks, book.best_ask):
            ask_changes[p] = random_size(rng)
    book.best_bid += ticks
    for p, q in bid_changes.items():
        apply_level(book.bids, p, q)
    for p, q in ask_changes.items():
        apply_level(book.asks, p, q)
    # refill the 20-level window on both sides (levels the mid left behind or that were emptied)
    for level in range(WINDOW_LEVELS):
        for side, price, changes in (
            (book.bids, book.best_bid - level, bid_changes),
            (book.asks, book.best_ask + level, ask_changes),
        ):
            if price not in side:
                size = random_size(rng)
                side[price] = size
                changes[price] = size
    return bid_changes, ask_changes


def size_deltas(book: SyntheticBook, rng: random.Random) -> tuple[dict[int, int], dict[int, int]]:
    """Change 1-2 level sizes inside the window; the touch levels are never emptied."""
    count = 2 if rng.random() < SIZE_CHANGE_TWO_LEVELS else 1
    bid_changes: dict[int, int] = {}
    ask_changes: dict[int, int] = {}
    for _ in range(count):
        level = min(rng.randrange(WINDOW_LEVELS), rng.randrange(WINDOW_LEVELS))  # near the touch
        is_bid = rng.random() < 0.5
        side, changes = (book.bids, bid_changes) if is_bid else (book.asks, ask_changes)
        price = book.best_bid - level if is_bid else book.best_ask + level
        if price in changes:
            continue  # one change per level per event: Binance sends a level's final size
        empty = level > 0 and price in side and rng.random() < 0.15  # only delete what exists
        size = 0 if empty else random_size(rng)
        changes[price] = size
        apply_level(side, price, size)
    return bid_changes, ask_changes


def apply_level(side: dict[int, int], price: int, size: int) -> None:
    if size == 0:
        side.pop(price, None)
    else:
        side[price] = size


def write_depth_and_trades(
    book: SyntheticBook, rng: random.Random, updates: int, directory: Path
) -> tuple[int, int, int]:
    """Write depth.jsonl and trades.csv; return (level deltas, mid moves, trades)."""
    update_id = SNAPSHOT_UPDATE_ID
    deltas = 0
    moves = 0
    trades = 0
    trade_every = TRADE_INTERVAL_MS // DEPTH_INTERVAL_MS
    with (
        (directory / "depth.jsonl").open("w") as depth_file,
        (directory / "trades.csv").open("w") as trade_file,
    ):
        for i in range(updates):
            event_ms = START_MS + (i + 1) * DEPTH_INTERVAL_MS
            if rng.random() < MOVE_PROBABILITY:
                bid_changes, ask_changes = move_deltas(book, rng)
                moves += 1
            else:
                bid_changes, ask_changes = size_deltas(book, rng)
            count = len(bid_changes) + len(ask_changes)
            event = {
                "e": "depthUpdate",
                "E": event_ms,
                "s": SYMBOL,
                "U": update_id + 1,
                "u": update_id + count,
                "b": [[price_str(p), qty_str(q)] for p, q in sorted(bid_changes.items())],
                "a": [[price_str(p), qty_str(q)] for p, q in sorted(ask_changes.items())],
            }
            update_id += count
            deltas += count
            depth_file.write(json.dumps(event, separators=(",", ":")) + "\n")
            if (i + 1) % trade_every == 0:  # a trade 5 ms after every 10th update
                trades += 1
                trade_file.write(trade_row(book, rng, trades, event_ms + 5))
    return deltas, moves, trades


def trade_row(book: SyntheticBook, rng: random.Random, trade_id: int, time_ms: int) -> str:
    buyer_is_maker = rng.random() < 0.5  # the seller hit the bid
    through = rng.choice((1, 2)) if rng.random() < SWEEP_PROBABILITY else 0
    price = book.best_bid - through if buyer_is_maker else book.best_ask + through
    size = rng.randint(10, 50_000)  # 0.00010 .. 0.50000 BTC
    quote_hundred_thousandths = price * size  # ticks (1e-2) x steps (1e-5) = 1e-7 units
    quote = (
        f"{quote_hundred_thousandths // 10_000_000}.{quote_hundred_thousandths % 10_000_000:07d}"
    )
    return (
        f"{trade_id},{price_str(price)},{qty_str(size)},{quote},{time_ms},"
        f"{'True' if buyer_is_maker else 'False'},True\n"
    )


def generate(directory: Path, seed: int, small: bool) -> tuple[int, int, int, int]:
    """Write the data set; return (updates, level deltas, mid moves, trades)."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    book = SyntheticBook(best_bid=FIRST_BID_TICKS)
    write_snapshot(book, rng, directory / "snapshot.json")
    updates = 6_000 if small else 360_000
    deltas, moves, trades = write_depth_and_trades(book, rng, updates, directory)
    return updates, deltas, moves, trades


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--small", action="store_true", help="one minute instead of one hour")
    args = parser.parse_args()
    updates, deltas, moves, trades = generate(args.directory, args.seed, args.small)
    print(
        f"{args.directory}: {updates:,} depth updates, {deltas:,} level deltas, "
        f"{moves:,} mid moves, {trades:,} trades"
    )


if __name__ == "__main__":
    main()
