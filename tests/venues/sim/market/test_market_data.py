"""Recent trades, aggTrades, klines and the 24 h ticker, worked by hand on five trades.

The tape (BTCUSDT, M = 1_699_999_980_000, a minute boundary):

    id  time      price     qty    quote   taker  taker order
    1   M+5000    50000.00  0.001  50.00   BUY    A   (maker order a)
    2   M+5000    50000.00  0.002  100.00  BUY    A   (maker order b, same price)
    3   M+5000    50010.00  0.001  50.01   BUY    A   (maker order c)
    4   M+65000   49990.00  0.001  49.99   SELL   B   (maker order d)
    5   M+70000   49990.00  0.001  49.99   SELL   C   (maker order d again)

Aggregates: trades 1-2 (one taker, one price), 3, 4, 5 (4 and 5: different takers).
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

import pytest

from tradewind.venues.sim.clock import ManualClock
from tradewind.venues.sim.engine import (
    MatchingEngine,
    NewOrder,
    OrderType,
    Side,
    SimError,
    TimeInForce,
    Trade,
)
from tradewind.venues.sim.market import AggTrade, Kline, MarketDataRecorder, default_markets
from tradewind.venues.sim.market.klines import interval_open, next_open

M = 1_699_999_980_000
D = Decimal


def limit(side: Side, qty: str, price: str) -> NewOrder:
    return NewOrder(
        "BTCUSDT",
        side,
        OrderType.LIMIT,
        quantity=D(qty),
        price=D(price),
        time_in_force=TimeInForce.GTC,
    )


def market(side: Side, qty: str) -> NewOrder:
    return NewOrder("BTCUSDT", side, OrderType.MARKET, quantity=D(qty))


class Tape(NamedTuple):
    recorder: MarketDataRecorder
    engine: MatchingEngine
    clock: ManualClock
    pushed_aggs: list[AggTrade]
    pushed_klines: list[Kline]


@pytest.fixture
def tape() -> Tape:
    specs = [m.spec for m in default_markets() if m.spec.symbol in ("BTCUSDT", "ETHUSDT")]
    clock = ManualClock(M + 1_000)
    engine = MatchingEngine(specs, clock.now_ms)
    recorder = MarketDataRecorder(engine)
    pushed_aggs: list[AggTrade] = []
    pushed_klines: list[Kline] = []
    recorder.on_agg_trade(pushed_aggs.append)
    recorder.on_kline(pushed_klines.append)
    for account in ("maker", "taker"):
        engine.create_account(account)
        engine.credit(account, "USDT", D(1_000_000))
        engine.credit(account, "BTC", D(1))
    engine.place("maker", limit(Side.SELL, "0.001", "50000.00"))
    engine.place("maker", limit(Side.SELL, "0.002", "50000.00"))
    engine.place("maker", limit(Side.SELL, "0.001", "50010.00"))
    clock.set(M + 5_000)
    engine.place("taker", market(Side.BUY, "0.004"))
    clock.set(M + 65_000)
    engine.place("maker", limit(Side.BUY, "0.002", "49990.00"))
    engine.place("taker", market(Side.SELL, "0.001"))
    clock.set(M + 70_000)
    engine.place("taker", market(Side.SELL, "0.001"))
    return Tape(recorder, engine, clock, pushed_aggs, pushed_klines)


def test_recent_trades_are_the_latest_oldest_first(tape: Tape) -> None:
    recorder = tape.recorder
    trades = recorder.recent_trades("BTCUSDT")
    assert [(t.trade_id, t.price, t.qty, t.is_buyer_maker) for t in trades] == [
        (1, D("50000"), D("0.001"), False),
        (2, D("50000"), D("0.002"), False),
        (3, D("50010"), D("0.001"), False),
        (4, D("49990"), D("0.001"), True),
        (5, D("49990"), D("0.001"), True),
    ]
    assert [t.trade_id for t in recorder.recent_trades("BTCUSDT", limit=2)] == [4, 5]
    assert recorder.recent_trades("ETHUSDT") == []


def test_agg_trades_group_one_taker_at_one_price(tape: Tape) -> None:
    recorder, pushed = tape.recorder, tape.pushed_aggs
    expected = [
        AggTrade(1, "BTCUSDT", D("50000"), D("0.003"), 1, 2, M + 5_000, False),
        AggTrade(2, "BTCUSDT", D("50010"), D("0.001"), 3, 3, M + 5_000, False),
        AggTrade(3, "BTCUSDT", D("49990"), D("0.001"), 4, 4, M + 65_000, True),
        AggTrade(4, "BTCUSDT", D("49990"), D("0.001"), 5, 5, M + 70_000, True),
    ]
    assert recorder.agg_trades("BTCUSDT") == expected
    # pushed once each, complete (aggregate 1 with both of its trades)
    assert pushed == expected
    assert recorder.agg_trades("BTCUSDT", from_id=2, limit=2) == expected[1:3]
    assert recorder.agg_trades("BTCUSDT", start_time=M + 6_000, end_time=M + 70_000) == expected[2:]
    assert recorder.agg_trades("BTCUSDT", end_time=M + 65_000, limit=2) == expected[1:3]
    assert recorder.agg_trades("BTCUSDT", limit=1) == expected[3:]


def test_agg_trade_queries_reject_what_binance_rejects(tape: Tape) -> None:
    recorder = tape.recorder
    with pytest.raises(SimError) as span:
        recorder.agg_trades("BTCUSDT", start_time=M, end_time=M + 3_600_001)
    assert span.value.code == -1127
    with pytest.raises(SimError) as order:
        recorder.agg_trades("BTCUSDT", start_time=M + 2, end_time=M + 1)
    assert order.value.code == -1023
    with pytest.raises(SimError) as symbol:
        recorder.agg_trades("NOPEUSDT")
    assert symbol.value.code == -1121


def test_one_minute_klines(tape: Tape) -> None:
    recorder = tape.recorder
    first, second = recorder.klines("BTCUSDT", "1m")
    # bar M: trades 1-3. volume 0.001 + 0.002 + 0.001 = 0.004; quote 50 + 100 + 50.01 = 200.01;
    # all three taken by a buyer, so taker-buy volumes equal the totals
    assert first == Kline(
        "BTCUSDT",
        "1m",
        M,
        M + 59_999,
        D("50000"),
        D("50010"),
        D("50000"),
        D("50010"),
        D("0.004"),
        D("200.01"),
        3,
        D("0.004"),
        D("200.01"),
        1,
        3,
    )
    # bar M+60000: trades 4-5, both taken by sellers: taker-buy volumes 0
    assert second == Kline(
        "BTCUSDT",
        "1m",
        M + 60_000,
        M + 119_999,
        D("49990"),
        D("49990"),
        D("49990"),
        D("49990"),
        D("0.002"),
        D("99.98"),
        2,
        D(0),
        D(0),
        4,
        5,
    )


def test_five_minute_kline_holds_all_five_trades(tape: Tape) -> None:
    recorder = tape.recorder
    # M mod 300_000 = 180_000, so the 5m bar opens at M - 180_000 and holds M+5000..M+70000
    (bar,) = recorder.klines("BTCUSDT", "5m")
    assert (bar.open_time, bar.close_time) == (M - 180_000, M + 119_999)
    prices = (bar.open, bar.high, bar.low, bar.close)
    assert prices == (D("50000"), D("50010"), D("49990"), D("49990"))
    # volume 0.004 + 0.002 = 0.006; quote 200.01 + 99.98 = 299.99
    assert (bar.volume, bar.quote_volume, bar.trade_count) == (D("0.006"), D("299.99"), 5)
    assert (bar.taker_buy_base_volume, bar.taker_buy_quote_volume) == (D("0.004"), D("200.01"))


def test_one_second_klines_fill_gaps_with_flat_bars(tape: Tape) -> None:
    recorder = tape.recorder
    bars = recorder.klines("BTCUSDT", "1s", start_time=M + 5_000, limit=3)
    assert [b.open_time for b in bars] == [M + 5_000, M + 6_000, M + 7_000]
    assert bars[0].trade_count == 3
    # nothing traded in M+6000 and M+7000: flat at the previous close 50010, ids -1
    for flat in bars[1:]:
        assert (flat.open, flat.high, flat.low, flat.close) == (D("50010"),) * 4
        assert (flat.volume, flat.trade_count, flat.first_trade_id, flat.last_trade_id) == (
            D(0),
            0,
            -1,
            -1,
        )
    # the latest three bars up to now = M+71500: M+69000 (flat 49990), M+70000, M+71000 (flat)
    latest = recorder.klines("BTCUSDT", "1s", limit=3, now_ms=M + 71_500)
    assert [b.open_time for b in latest] == [M + 69_000, M + 70_000, M + 71_000]
    assert [b.trade_count for b in latest] == [0, 1, 0]
    assert {b.close for b in latest} == {D("49990")}
    # a start inside a bar begins with the next bar, as Binance does
    assert recorder.klines("BTCUSDT", "1m", start_time=M + 1)[0].open_time == M + 60_000
    assert recorder.klines("BTCUSDT", "1m", end_time=M + 59_999) == recorder.klines(
        "BTCUSDT", "1m", limit=1, end_time=M
    )


def test_kline_bad_input(tape: Tape) -> None:
    recorder = tape.recorder
    with pytest.raises(SimError) as bad_interval:
        recorder.klines("BTCUSDT", "2m")
    assert bad_interval.value.code == -1120
    with pytest.raises(SimError):
        recorder.klines("BTCUSDT", "1m", limit=0)
    assert recorder.klines("ETHUSDT", "1m") == []


def test_kline_pushes_after_each_trading_operation(tape: Tape) -> None:
    pushed = tape.pushed_klines
    # three operations traded (the buy sweep and two sells), 16 intervals each
    assert len(pushed) == 3 * 16
    last_minute = [k for k in pushed if k.interval == "1m"][-1]
    assert (last_minute.open_time, last_minute.trade_count) == (M + 60_000, 2)


def test_current_kline_for_streams(tape: Tape) -> None:
    recorder = tape.recorder
    assert recorder.current_kline("BTCUSDT", "1m", M + 70_500).trade_count == 2  # type: ignore[union-attr]
    later = recorder.current_kline("BTCUSDT", "1m", M + 200_000)
    assert later is not None and later.open_time == M + 180_000 and later.trade_count == 0
    assert recorder.current_kline("ETHUSDT", "1m", M) is None


def test_ticker_24hr_over_the_whole_tape(tape: Tape) -> None:
    recorder = tape.recorder
    now = M + 120_000
    ticker = recorder.ticker_24hr("BTCUSDT", now)
    # open 50000 (trade 1), last 49990 (trade 5): change -10, -10 / 50000 = -0.020 %
    assert ticker.price_change == D("-10")
    assert ticker.price_change_percent == D("-0.020")
    # weighted average = quote / volume = 299.99 / 0.006 = 49998.333333...
    assert ticker.weighted_avg_price == D("49998.33333333")
    assert (ticker.open_price, ticker.high_price, ticker.low_price, ticker.last_price) == (
        D("50000"),
        D("50010"),
        D("49990"),
        D("49990"),
    )
    volumes = (ticker.volume, ticker.quote_volume, ticker.last_qty)
    assert volumes == (D("0.006"), D("299.99"), D("0.001"))
    assert (ticker.first_id, ticker.last_id, ticker.count) == (1, 5, 5)
    assert ticker.prev_close_price == 0
    # the window opens on the first minute boundary at or after now - 24 h; now is one
    assert (ticker.open_time, ticker.close_time) == (now - 86_400_000, now)


def test_ticker_24hr_window_rolls_by_whole_minutes(tape: Tape) -> None:
    recorder = tape.recorder
    # now - 24h = M + 30000, so the window opens at M + 60000: only trades 4 and 5 are in it,
    # and the previous close is trade 3's 50010
    ticker = recorder.ticker_24hr("BTCUSDT", M + 86_400_000 + 30_000)
    assert ticker.open_time == M + 60_000
    assert (ticker.first_id, ticker.last_id, ticker.count) == (4, 5, 2)
    assert (ticker.open_price, ticker.last_price, ticker.prev_close_price) == (
        D("49990"),
        D("49990"),
        D("50010"),
    )
    assert ticker.price_change == 0 and ticker.price_change_percent == 0
    assert (ticker.volume, ticker.quote_volume) == (D("0.002"), D("99.98"))
    # a day after the last minute bar nothing is left in the window
    quiet = recorder.ticker_24hr("BTCUSDT", M + 86_400_000 + 65_000)
    assert (quiet.count, quiet.first_id, quiet.last_id, quiet.volume) == (0, -1, -1, 0)
    assert quiet.last_price == quiet.prev_close_price == D("49990")


def test_memory_is_bounded() -> None:
    specs = [m.spec for m in default_markets() if m.spec.symbol == "BTCUSDT"]
    engine = MatchingEngine(specs, lambda: M)
    recorder = MarketDataRecorder(engine, max_trades=3, max_klines=2)
    for trade_id in range(1, 11):
        recorder.record(
            Trade(
                trade_id,
                "BTCUSDT",
                D("100"),
                D("1"),
                D("100"),
                M + trade_id * 1_000,
                trade_id,
                trade_id + 100,
                False,
                trade_id + 100,
            )
        )
    assert [t.trade_id for t in recorder.recent_trades("BTCUSDT")] == [8, 9, 10]
    assert [a.first_trade_id for a in recorder.agg_trades("BTCUSDT")] == [8, 9, 10]
    assert [k.open_time for k in recorder.klines("BTCUSDT", "1s")] == [M + 9_000, M + 10_000]


def test_week_and_month_boundaries() -> None:
    wednesday = 1_704_240_000_000  # 2024-01-03 00:00 UTC
    assert interval_open("1w", wednesday + 5_000) == 1_704_067_200_000  # Monday 2024-01-01
    mid_february = 1_707_955_200_000  # 2024-02-15
    assert interval_open("1M", mid_february) == 1_706_745_600_000  # 2024-02-01
    # 2024 is a leap year: February has 29 days
    assert next_open("1M", 1_706_745_600_000) == 1_709_251_200_000  # 2024-03-01
    assert next_open("1M", 1_733_011_200_000) == 1_735_689_600_000  # 2024-12-01 -> 2025-01-01
