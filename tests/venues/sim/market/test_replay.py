"""Replay: the engine's book and tape follow a recording; broken recordings fail by line."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.venues.sim.clock import ManualClock
from tradewind.venues.sim.engine import MatchingEngine, NewOrder, OrderType, Side, TimeInForce
from tradewind.venues.sim.market import (
    REPLAY_ACCOUNTS,
    BookEvent,
    MarketDataRecorder,
    ReplayFeeder,
    ReplayFileError,
    TradeEvent,
    default_markets,
    read_recording,
    record_sample,
)

START = 1_800_000_000_000
T0 = 1_700_000_000_000
D = Decimal


def engine_and_clock() -> tuple[MatchingEngine, ManualClock, MarketDataRecorder]:
    clock = ManualClock(START)
    engine = MatchingEngine(default_markets().specs, clock.now_ms)
    return engine, clock, MarketDataRecorder(engine)


def write_lines(tmp_path: Path, events: list[dict[str, object]]) -> Path:
    path = tmp_path / "tape.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


def book(ts: int, bids: list[list[str]], asks: list[list[str]]) -> dict[str, object]:
    return {"ts": ts, "type": "book", "symbol": "BTCUSDT", "bids": bids, "asks": asks}


def trade(ts: int, price: str, qty: str, side: str) -> dict[str, object]:
    return {
        "ts": ts,
        "type": "trade",
        "symbol": "BTCUSDT",
        "price": price,
        "qty": qty,
        "side": side,
    }


def test_replay_reproduces_top_of_book_and_trades(tmp_path: Path) -> None:
    path = tmp_path / "sample.jsonl"
    lines = record_sample(path, symbols=("BTCUSDT", "ETHBTC", "LTCUSDT"), duration_ms=30_000)
    engine, clock, recorder = engine_and_clock()
    feeder = ReplayFeeder(engine, path)
    events = feeder.events
    assert len(events) == lines
    first = events[0].ts
    checked = 0
    for ts in sorted({e.ts for e in events}):
        now = START + ts - first
        clock.set(max(now, clock.now_ms()))
        feeder.step(now)
        latest = {e.symbol: e for e in events if e.ts == ts}
        for symbol, event in latest.items():
            if isinstance(event, BookEvent):
                # the engine's whole book equals the recorded one at this instant
                depth = engine.depth(symbol, 1000)
                assert (tuple(depth.bids), tuple(depth.asks)) == (event.bids, event.asks)
                checked += 1
    assert checked == 90 and feeder.finished  # 30 books of each of 3 symbols
    recorded = sorted(
        (e.symbol, e.price, e.qty, e.side is Side.BUY) for e in events if isinstance(e, TradeEvent)
    )
    replayed = sorted(
        (t.symbol, t.price, t.qty, not t.is_buyer_maker)
        for symbol in engine.specs
        for t in recorder.recent_trades(symbol, 10_000)
    )
    assert recorded and replayed == recorded
    assert feeder.stats.rejected == 0 and feeder.stats.adjusted == 0


def test_events_wait_for_their_time(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path,
        [
            book(T0, [["100.00", "1"]], [["101.00", "1"]]),
            book(T0 + 5_000, [["100.50", "2"]], [["101.00", "1"]]),
        ],
    )
    engine, _, _ = engine_and_clock()
    feeder = ReplayFeeder(engine, path)
    feeder.step(START)  # aligns T0 with START and applies the first book
    assert engine.best_bid_ask("BTCUSDT")[0] == (D("100.00"), D("1"))
    feeder.step(START + 4_999)
    assert engine.best_bid_ask("BTCUSDT")[0] == (D("100.00"), D("1"))
    assert not feeder.finished
    feeder.step(START + 5_000)
    assert engine.best_bid_ask("BTCUSDT")[0] == (D("100.50"), D("2"))
    assert feeder.finished


def test_trade_takes_stale_better_levels_out_first(tmp_path: Path) -> None:
    # The book shows an ask at 101 but the tape prints a BUY at 102: the 101 ask was gone on
    # the real venue, so the replay cancels it and the print is exactly 0.5 at 102.
    path = write_lines(
        tmp_path,
        [
            book(T0, [["100.00", "1"]], [["101.00", "1"], ["102.00", "0.2"]]),
            trade(T0 + 100, "102.00", "0.5", "BUY"),
        ],
    )
    engine, _, recorder = engine_and_clock()
    feeder = ReplayFeeder(engine, path)
    feeder.step(START)
    feeder.step(START + 1_000)
    (printed,) = recorder.recent_trades("BTCUSDT")
    assert (printed.price, printed.qty, printed.is_buyer_maker) == (D("102.00"), D("0.5"), False)
    # the level was topped up from 0.2 to the 0.5 printed, so nothing is left there
    assert engine.depth("BTCUSDT", 10).asks == []


def test_a_user_order_inside_the_replayed_spread_is_filled_by_the_tape(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path,
        [
            book(T0, [["100.00", "1"]], [["101.00", "1"]]),
            trade(T0 + 100, "101.00", "0.3", "BUY"),
        ],
    )
    engine, clock, recorder = engine_and_clock()
    feeder = ReplayFeeder(engine, path)
    feeder.step(START)
    engine.create_account("user")
    engine.credit("user", "BTC", D(1))
    engine.place(
        "user",
        NewOrder(
            "BTCUSDT",
            Side.SELL,
            OrderType.LIMIT,
            quantity=D("0.1"),
            price=D("100.50"),
            time_in_force=TimeInForce.GTC,
        ),
    )
    clock.advance(200)
    feeder.step(START + 200)
    prints = [(t.price, t.qty) for t in recorder.recent_trades("BTCUSDT")]
    # the user's better-priced ask goes first, the replayed 101 ask gives the rest
    assert prints == [(D("100.50"), D("0.1")), (D("101.00"), D("0.2"))]


def test_sizes_below_the_minimum_are_raised_not_dropped(tmp_path: Path) -> None:
    # 0.00001 BTC at 100 USDT is 0.001 USDT, under the 5 USDT minimum: the level rests as 0.05
    # (5 / 100 = 0.05 BTC, the smallest accepted size) at the recorded price
    path = write_lines(tmp_path, [book(T0, [["100.00", "0.00001"]], [["101.00", "1"]])])
    engine, _, _ = engine_and_clock()
    feeder = ReplayFeeder(engine, path)
    feeder.step(START)
    assert engine.best_bid_ask("BTCUSDT")[0] == (D("100.00"), D("0.05"))
    assert feeder.stats.adjusted == 1


def test_loop_starts_the_tape_over(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path,
        [
            book(T0, [["100.00", "1"]], [["101.00", "1"]]),
            book(T0 + 1_000, [["99.00", "1"]], [["101.00", "1"]]),
        ],
    )
    engine, _, _ = engine_and_clock()
    feeder = ReplayFeeder(engine, path, loop=True)
    feeder.step(START)
    feeder.step(START + 1_000)
    assert engine.best_bid_ask("BTCUSDT")[0] == (D("99.00"), D("1"))
    # the span is 1 s and a pass restarts 1 s after its last event: T0 again at START + 2000
    feeder.step(START + 2_000)
    assert engine.best_bid_ask("BTCUSDT")[0] == (D("100.00"), D("1"))
    assert feeder.stats.passes == 1 and not feeder.finished


GOOD_BOOK = json.dumps(book(1, [["100.00", "1"]], [["101.00", "1"]]))
LATER_BOOK = json.dumps(book(9, [["100.00", "1"]], [["101.00", "1"]]))


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ('{"ts": 3, "type": "book"', "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"ts": 3, "type": "quote", "symbol": "BTCUSDT"}', "'type' must be"),
        (json.dumps({**book(3, [], []), "extra": 1}), "unknown key(s): extra"),
        (GOOD_BOOK.replace('"ts": 1', '"ts": 0'), "ts 0 is earlier than 1"),
        (GOOD_BOOK.replace("BTCUSDT", "NOPEUSDT"), "unknown symbol 'NOPEUSDT'"),
        (GOOD_BOOK.replace('"100.00"', '"100.005"'), "not a multiple of tick size"),
        (GOOD_BOOK.replace('"100.00", "1"', '"100.00", "0"'), "must be positive"),
        (GOOD_BOOK.replace('"100.00"', '"102.00"'), "crossed book"),
        (
            GOOD_BOOK.replace('[["100.00", "1"]]', '[["100.00", "1"], ["100.50", "1"]]'),
            "strictly descending",
        ),
        (
            '{"ts": 3, "type": "trade", "symbol": "BTCUSDT", "price": "100.00", "qty": "1", '
            '"side": "HOLD"}',
            "'side' must be",
        ),
        (
            '{"ts": 3, "type": "trade", "symbol": "BTCUSDT", "price": "100.00", "side": "BUY"}',
            "missing key(s): qty",
        ),
    ],
)
def test_a_broken_line_is_reported_by_number_and_changes_nothing(
    tmp_path: Path, broken: str, message: str
) -> None:
    path = tmp_path / "tape.jsonl"
    # line 2 is blank (allowed), line 3 is the broken one
    path.write_text(f"{GOOD_BOOK}\n\n{broken}\n{LATER_BOOK}\n", encoding="utf-8")
    engine, _, _ = engine_and_clock()
    with pytest.raises(ReplayFileError) as caught:
        ReplayFeeder(engine, path)
    assert f"{path}:3: " in str(caught.value)
    assert message in str(caught.value)
    # nothing reached the engine: no replay accounts, an empty book
    assert not any(engine.has_account(account) for account in REPLAY_ACCOUNTS)
    assert engine.depth("BTCUSDT", 10).bids == []


def test_unreadable_or_empty_recordings(tmp_path: Path) -> None:
    specs = {s.symbol: s for s in default_markets().specs}
    with pytest.raises(ReplayFileError, match="cannot read"):
        read_recording(tmp_path / "missing.jsonl", specs)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(ReplayFileError, match="no events"):
        read_recording(empty, specs)


def test_sample_recordings_are_deterministic(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    record_sample(a, seed=1)
    record_sample(b, seed=1)
    record_sample(c, seed=2)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()
