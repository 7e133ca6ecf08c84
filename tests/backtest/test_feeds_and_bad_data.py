"""Feeds read Binance's recorded formats and the sim's recordings; bad data gets an error naming
the file and line, or (a sequence gap) the documented resync with a warning."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from tradewind.backtest.engine import BacktestEngine
from tradewind.backtest.errors import BacktestDataError
from tradewind.backtest.feeds.binance import BinanceDepthFeed, BinanceTradesFeed
from tradewind.backtest.feeds.events import DepthEvent, TradeEvent
from tradewind.backtest.feeds.sim_recording import SimRecordingFeed
from tradewind.backtest.feeds.synthetic import SimMarketFeed, StylisedFeed
from tradewind.backtest.venue import GapPolicy
from tradewind.venues.sim.market.replay import record_sample

from .helpers import BTC, SCALE

SNAPSHOT = {"lastUpdateId": 10, "bids": [["100.00", "1.5"]], "asks": [["100.01", "2"]]}


def _diff(ts: int, first: int, last: int, bid: str = "1") -> str:
    return json.dumps(
        {
            "e": "depthUpdate",
            "E": ts,
            "s": "BTCUSDT",
            "U": first,
            "u": last,
            "b": [["100.00", bid]],
            "a": [],
        }
    )


def _write(path: Path, lines: list[str], *, newline_at_end: bool = True) -> Path:
    path.write_text("\n".join(lines) + ("\n" if newline_at_end else ""), encoding="utf-8")
    return path


def _depth(
    tmp_path: Path, lines: list[str], snapshot: object = SNAPSHOT, **kw: bool
) -> BinanceDepthFeed:
    (tmp_path / "snapshot.json").write_text(json.dumps(snapshot))
    return BinanceDepthFeed(
        _write(tmp_path / "depth.jsonl", lines, **kw),
        SCALE,
        symbol="BTCUSDT",
        snapshot=tmp_path / "snapshot.json",
    )


def test_binance_depth_reads_snapshot_then_diffs(tmp_path: Path) -> None:
    events = list(_depth(tmp_path, [_diff(1000, 9, 11), _diff(1010, 12, 12, "0")]).events())
    snapshot, first, second = events
    assert isinstance(snapshot, DepthEvent) and snapshot.snapshot and snapshot.last_id == 10
    assert snapshot.ts == first.ts == 1000 * 10**6  # the snapshot is timed by the first diff
    assert snapshot.bids == [(10000, 150_000_000)] and snapshot.asks == [(10001, 200_000_000)]
    assert isinstance(second, DepthEvent) and second.bids == [(10000, 0)] and second.line == 2


def test_out_of_order_timestamps_name_file_and_line(tmp_path: Path) -> None:
    feed = _depth(tmp_path, [_diff(1000, 11, 11), _diff(999, 12, 12)])
    with pytest.raises(BacktestDataError, match=r"depth.jsonl:2: time 999000000 ns is earlier"):
        list(feed.events())


def test_a_crossed_snapshot_is_refused(tmp_path: Path) -> None:
    crossed = {"lastUpdateId": 1, "bids": [["100.01", "1"]], "asks": [["100.01", "1"]]}
    with pytest.raises(BacktestDataError, match=r"snapshot.json:1: crossed snapshot"):
        list(_depth(tmp_path, [_diff(1000, 2, 2)], snapshot=crossed).events())


def test_a_truncated_jsonl_file_is_named(tmp_path: Path) -> None:
    lines = [_diff(1000, 11, 11), _diff(1010, 12, 12)[:25]]
    with pytest.raises(BacktestDataError, match=r"depth.jsonl:2: not valid JSON: truncated"):
        list(_depth(tmp_path, lines, newline_at_end=False).events())


def test_trades_csv_with_and_without_header_and_aggtrades(tmp_path: Path) -> None:
    rows = [
        "1,100.00,0.5,50.0,1700000000000,True,True",
        "2,100.01,0.25,25.0,1700000000001,false,True",
    ]
    plain = BinanceTradesFeed(_write(tmp_path / "t.csv", rows), SCALE, symbol="BTCUSDT")
    header = BinanceTradesFeed(
        _write(
            tmp_path / "h.csv", ["id,price,qty,quote_qty,time,is_buyer_maker,is_best_match", *rows]
        ),
        SCALE,
        symbol="BTCUSDT",
    )
    assert [
        (e.price, e.qty, e.taker_buys) for e in plain.events() if isinstance(e, TradeEvent)
    ] == [(10000, 50_000_000, False), (10001, 25_000_000, True)]
    assert [e.line for e in header.events()] == [2, 3]
    agg = BinanceTradesFeed(
        _write(tmp_path / "a.csv", ["7,100.00,0.5,1,3,1735689600000000,True,True"]),
        SCALE,
        symbol="BTCUSDT",
    )
    [event] = list(agg.events())
    assert isinstance(event, TradeEvent) and event.ts == 1735689600000000 * 1000  # µs dumps
    assert event.trade_id == "7"


def test_trades_stream_jsonl(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {
                "e": "trade",
                "E": 5,
                "s": "BTCUSDT",
                "t": 9,
                "p": "100.00",
                "q": "1",
                "T": 5,
                "m": False,
                "M": True,
            }
        ),
        json.dumps(
            {
                "stream": "btcusdt@aggTrade",
                "data": {
                    "e": "aggTrade",
                    "E": 6,
                    "s": "BTCUSDT",
                    "a": 3,
                    "p": "100.01",
                    "q": "2",
                    "f": 1,
                    "l": 2,
                    "T": 6,
                    "m": True,
                    "M": True,
                },
            }
        ),
    ]
    feed = BinanceTradesFeed(_write(tmp_path / "t.jsonl", lines), SCALE, symbol="BTCUSDT")
    events = [e for e in feed.events() if isinstance(e, TradeEvent)]
    assert [(e.trade_id, e.taker_buys, e.ts) for e in events] == [
        ("9", True, 5 * 10**6),
        ("3", False, 6 * 10**6),
    ]


def test_a_truncated_csv_row_is_named(tmp_path: Path) -> None:
    rows = ["1,100.00,0.5,50.0,1700000000000,True,True", "2,100.01,0.25,25.0,17000"]
    feed = BinanceTradesFeed(
        _write(tmp_path / "t.csv", rows, newline_at_end=False), SCALE, symbol="BTCUSDT"
    )
    with pytest.raises(BacktestDataError, match=r"t.csv:2: truncated"):
        list(feed.events())


def test_off_grid_prices_are_refused(tmp_path: Path) -> None:
    feed = BinanceTradesFeed(
        _write(tmp_path / "t.csv", ["1,100.001,0.5,50.0,1700000000000,True,True"]),
        SCALE,
        symbol="BTCUSDT",
    )
    with pytest.raises(BacktestDataError, match=r"t.csv:1: price 100.001 has more than 2 decimal"):
        list(feed.events())


async def _replay(feed: BinanceDepthFeed, policy: GapPolicy) -> BacktestEngine:
    engine = BacktestEngine()
    engine.add_venue("bt", [BTC], gap_policy=policy)
    engine.add_feed("bt", "BTC/USDT", feed)
    await engine.run()
    return engine


async def test_a_gap_in_update_ids_is_an_error_under_the_error_policy(tmp_path: Path) -> None:
    feed = _depth(tmp_path, [_diff(1000, 11, 11), _diff(1010, 13, 13)])
    with pytest.raises(
        BacktestDataError, match=r"depth.jsonl:2: gap in update ids: expected U=12, got U=13"
    ):
        await _replay(feed, "error")


async def test_a_gap_drops_the_book_until_the_next_snapshot_with_a_warning(tmp_path: Path) -> None:
    later = dict(SNAPSHOT, lastUpdateId=20, E=1030, bids=[["99.00", "3"]])
    lines = [
        _diff(1000, 11, 11),
        _diff(1010, 13, 13),  # gap: the book is dropped
        _diff(1020, 14, 14),  # ignored: no book until a snapshot
        json.dumps(later),  # the recorder's fresh snapshot
        _diff(1040, 21, 21, "4"),
    ]
    with capture_logs() as logs:
        engine = await _replay(_depth(tmp_path, lines), "resync")
    [warning] = [entry for entry in logs if entry["event"] == "backtest_book_resync"]
    assert warning["log_level"] == "warning" and warning["line"] == 2
    assert "gap in update ids" in warning["reason"]
    venue = engine.venues["bt"]
    assert venue.resyncs == 1
    book = venue.market("BTC/USDT").book
    assert book.bids == {10000: 400_000_000, 9900: 300_000_000}
    market = [
        (s.best_bid, s.best_ask)
        for s in engine.recorder.build(
            run_id="x",
            seed=0,
            config_digest="",
            start_ns=0,
            end_ns=0,
            events=0,
            valuation_asset="USDT",
            initial_balances={},
            marks={},
        ).market
    ]
    assert (None, None) in market  # the dropped book was recorded as empty


def test_sim_recordings_read_as_books_and_trades(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    lines = record_sample(path, duration_ms=5_000, seed=3)
    events = list(SimRecordingFeed(path, SCALE, symbol="BTCUSDT").events())
    assert len(events) == lines
    assert isinstance(events[0], DepthEvent) and events[0].snapshot
    assert any(isinstance(e, TradeEvent) for e in events)
    text = path.read_text().splitlines()
    text[2] = text[2].replace('"type"', '"kind"')
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(BacktestDataError, match=r"rec.jsonl:3: "):
        list(SimRecordingFeed(path, SCALE, symbol="BTCUSDT").events())


def test_the_sim_market_feed_is_the_sims_seeded_market() -> None:
    def take(seed: int) -> list[tuple[int, int]]:
        feed = SimMarketFeed(
            SCALE, symbol="BTCUSDT", seed=seed, start_ms=1_700_000_000_000, duration_ms=3_000
        )
        return [
            (e.ts, e.bids[0][0] if isinstance(e, DepthEvent) else e.price) for e in feed.events()
        ]

    assert take(1) == take(1) and take(1) != take(2)


def test_the_stylised_market_prints_less_often_further_from_the_mid() -> None:
    feed = StylisedFeed(
        SCALE,
        seed=5,
        start_ms=0,
        duration_ms=200_000,
        mid=Decimal(100),
        sigma=0.0,
        intensity_a=50.0,
        decay_k=20.0,
        step_ms=100,
        levels=10,
        level_qty=Decimal(1),
        trade_qty=Decimal("0.1"),
    )
    trades = [e for e in feed.events() if isinstance(e, TradeEvent)]
    buys = [e.price for e in trades if e.taker_buys]
    # mid 100.00 exactly: best ask 100.01; arrivals reaching δ decay as e^(−kδ), k = 20 per unit
    near, far = buys.count(10001), buys.count(10005)
    assert near > 0 and far > 0
    ratio = far / near
    expected = pytest.approx(2.718281828 ** (-20 * 0.04), rel=0.35)
    assert ratio == expected
