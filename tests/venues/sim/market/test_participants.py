"""Background participants: deterministic, always two-sided, trading, filter-abiding, shockable."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from tradewind.venues.sim.clock import ManualClock
from tradewind.venues.sim.engine import MatchingEngine, TradeExecuted
from tradewind.venues.sim.market import (
    ASK_MAKER,
    BID_MAKER,
    Markets,
    MarketSimulator,
    default_markets,
)
from tradewind.venues.sim.market.participants import LEVELS, MIN_LEVELS

START = 1_700_000_000_000
Book = tuple[tuple[tuple[Decimal, Decimal], ...], tuple[tuple[Decimal, Decimal], ...]]


def build(
    seed: int = 7, *, symbols: tuple[str, ...] | None = None, intensity: float = 1.0
) -> tuple[MatchingEngine, MarketSimulator, ManualClock, list[TradeExecuted]]:
    markets = default_markets()
    if symbols is not None:
        markets = Markets(tuple(m for m in markets if m.spec.symbol in symbols))
    clock = ManualClock(START)
    engine = MatchingEngine(markets.specs, clock.now_ms)
    trades: list[TradeExecuted] = []
    engine.add_listener(lambda e: trades.append(e) if isinstance(e, TradeExecuted) else None)
    sim = MarketSimulator(engine, list(markets.specs), seed, intensity=intensity, markets=markets)
    sim.seed_books()
    sim.step(clock.now_ms())
    return engine, sim, clock, trades


def books(engine: MatchingEngine) -> dict[str, Book]:
    out = {}
    for symbol in engine.specs:
        depth = engine.depth(symbol, 1000)
        out[symbol] = (tuple(depth.bids), tuple(depth.asks))
    return out


def run(sim: MarketSimulator, clock: ManualClock, ms: int, every_ms: int) -> int:
    actions = 0
    for _ in range(ms // every_ms):
        clock.advance(every_ms)
        actions += sim.step(clock.now_ms())
    return actions


def test_seeding_builds_twenty_levels_a_side() -> None:
    engine, _, _, _ = build()
    for symbol in engine.specs:
        depth = engine.depth(symbol, 100)
        assert len(depth.bids) == LEVELS and len(depth.asks) == LEVELS
        assert depth.bids[0][0] < depth.asks[0][0]


def test_same_seed_same_books_other_seed_other_books() -> None:
    engine_a, sim_a, clock_a, _ = build(seed=7, symbols=("BTCUSDT", "DOGEUSDT", "ETHBTC"))
    engine_b, sim_b, clock_b, _ = build(seed=7, symbols=("BTCUSDT", "DOGEUSDT", "ETHBTC"))
    engine_c, sim_c, clock_c, _ = build(seed=8, symbols=("BTCUSDT", "DOGEUSDT", "ETHBTC"))
    states_a, states_b, states_c = [], [], []
    for _ in range(120):  # two simulated minutes, a snapshot every second
        run(sim_a, clock_a, 1_000, 100)
        run(sim_b, clock_b, 1_000, 100)
        run(sim_c, clock_c, 1_000, 100)
        states_a.append(books(engine_a))
        states_b.append(books(engine_b))
        states_c.append(books(engine_c))
    assert states_a == states_b
    assert states_a != states_c


def test_books_do_not_depend_on_how_often_step_is_called() -> None:
    engine_a, sim_a, clock_a, _ = build(symbols=("ETHUSDT", "XRPUSDT"))
    engine_b, sim_b, clock_b, _ = build(symbols=("ETHUSDT", "XRPUSDT"))
    run(sim_a, clock_a, 60_000, 50)
    run(sim_b, clock_b, 60_000, 3_000)
    assert books(engine_a) == books(engine_b)


def test_ten_minutes_stay_two_sided_trade_and_barely_reject() -> None:
    engine, sim, clock, trades = build()
    actions = 0
    for _ in range(600):  # ten simulated minutes, checked every second
        actions += run(sim, clock, 1_000, 100)
        for symbol in engine.specs:
            depth = engine.depth(symbol, 100)
            assert len(depth.bids) >= MIN_LEVELS, symbol
            assert len(depth.asks) >= MIN_LEVELS, symbol
            assert depth.bids[0][0] < depth.asks[0][0]
    traded = {event.trade.symbol for event in trades}
    assert traded == set(engine.specs)
    # default intensity: 20-50 engine calls a second across the default symbols
    assert 20 * 600 <= actions <= 50 * 600
    assert sim.stats.rejected <= actions // 1000
    # the books follow the latent mid: the touch brackets it within a few levels
    for symbol in engine.specs:
        (bid, _), (ask, _) = engine.best_bid_ask(symbol)  # type: ignore[misc]
        mid = sim.mid(symbol)
        assert abs((bid + ask) / 2 - mid) / mid < Decimal("0.003"), symbol


def test_resting_quotes_respect_the_filters() -> None:
    engine, sim, clock, _ = build()
    run(sim, clock, 120_000, 200)
    for account in (BID_MAKER, ASK_MAKER):
        orders = engine.open_orders(account)
        assert orders
        for order in orders:
            spec = engine.specs[order.symbol]
            assert order.price % spec.tick_size == 0
            assert order.orig_qty % spec.step_size == 0
            assert order.orig_qty >= spec.min_qty
            assert order.price * order.orig_qty >= spec.min_notional
            assert len([o for o in orders if o.symbol == order.symbol]) <= spec.max_num_orders


def test_intensity_scales_the_flow() -> None:
    _, sim_1, clock_1, _ = build(symbols=("BTCUSDT", "ETHUSDT"), intensity=1.0)
    _, sim_3, clock_3, _ = build(symbols=("BTCUSDT", "ETHUSDT"), intensity=3.0)
    slow = run(sim_1, clock_1, 120_000, 100)
    fast = run(sim_3, clock_3, 120_000, 100)
    assert 2.0 * slow < fast < 4.0 * slow


@pytest.mark.parametrize(("symbol", "pct"), [("BTCUSDT", Decimal(10)), ("DOGEUSDT", Decimal(-10))])
def test_shock_moves_the_mid_and_the_book_follows(symbol: str, pct: Decimal) -> None:
    engine, sim, clock, _ = build()
    run(sim, clock, 30_000, 100)
    before = sim.mid(symbol)
    sim.shock(symbol, pct)
    factor = 1 + pct / 100
    assert abs(sim.mid(symbol) / (before * factor) - 1) < Decimal("0.0001")
    (bid, _), (ask, _) = engine.best_bid_ask(symbol)  # type: ignore[misc]
    assert abs((bid + ask) / 2 / (before * factor) - 1) < Decimal("0.003")
    assert len(engine.depth(symbol, 100).bids) >= MIN_LEVELS
    run(sim, clock, 30_000, 100)
    (bid, _), (ask, _) = engine.best_bid_ask(symbol)  # type: ignore[misc]
    assert abs((bid + ask) / 2 / (before * factor) - 1) < Decimal("0.01")


def test_shock_rejects_impossible_input() -> None:
    _, sim, _, _ = build(symbols=("BTCUSDT",))
    with pytest.raises(ValueError, match="positive price"):
        sim.shock("BTCUSDT", Decimal(-100))
    with pytest.raises(ValueError, match="no simulated market"):
        sim.shock("NOPEUSDT", Decimal(1))


def test_a_long_stall_skips_the_backlog() -> None:
    engine, sim, clock, _ = build(symbols=("BTCUSDT", "ETHUSDT"))
    clock.advance(10 * 3_600_000)  # ten hours without a step
    actions = sim.step(clock.now_ms())
    # only the last minute's arrivals run: about 2 x (2.0 + 1.6) x 60 = 430 calls, not 260,000
    assert actions < 1_500
    for symbol in engine.specs:
        depth = engine.depth(symbol, 100)
        assert depth.bids and depth.asks


def test_users_can_trade_against_the_background_flow() -> None:
    engine, sim, clock, _ = build(symbols=("BTCUSDT",))
    engine.create_account("user")
    engine.credit("user", "USDT", Decimal(100_000))
    from tradewind.venues.sim.engine import NewOrder, OrderType, Side

    result = engine.place(
        "user", NewOrder("BTCUSDT", Side.BUY, OrderType.MARKET, quote_order_qty=Decimal(1_000))
    )
    assert result.fills
    run(sim, clock, 10_000, 100)
    assert sim.stats.rejected == 0


async def test_run_steps_until_stopped() -> None:
    _, sim, _, _ = build(symbols=("BTCUSDT",))
    stop = asyncio.Event()
    calls = 0

    def clock_ms() -> int:
        nonlocal calls
        calls += 1
        if calls == 30:
            stop.set()
        return START + calls * 1_000

    before = sim.stats.actions
    await sim.run(clock_ms, interval_s=0, stop=stop)
    assert calls == 30
    assert sim.stats.actions > before
