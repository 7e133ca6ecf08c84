"""LiveMeasures on a node: the example quoter on the in-process venue (TestClock); a taker hits
its bid and the holdings, PnL, execution latency and turnover follow the fill exactly; inputs the
node lacks read UNKNOWN; RFQ figures come from what a desk records."""

from __future__ import annotations

import asyncio
import socket
from decimal import Decimal

import pytest
from tests.node.inprocess_venue import T0, Venue

from tradewind.core import OrderSide, OrderType, SubmitOrder
from tradewind.core.clock import SECOND_NS, TestClock
from tradewind.node import Strategy, TradingNode
from tradewind.node.config import load_node_config
from tradewind.node.examples.quoter import Quoter, QuoterConfig
from tradewind.node.live_measures import LiveMeasures, attach_live_measures
from tradewind.risk.live.inventory import Holding
from tradewind.risk.live.providers import BorrowState
from tradewind.risk.readings import Band, MeasureReading
from tradewind.venues.sim.engine import Side


def _by_key(readings: list[MeasureReading]) -> dict[tuple[str, str], MeasureReading]:
    return {(r.name, r.scope): r for r in readings}


class _Wallet:
    async def holdings(self) -> list[Holding]:
        return [Holding("BTC", Decimal(5), "wallet:base", on_chain=True)]


class _Lending:
    async def state(self) -> BorrowState:
        return BorrowState(Decimal(1500), Decimal(1000), {"USDT": Decimal(0)})


class _Gas:
    def __init__(self) -> None:
        self.prices = iter([10, 30])

    async def gas_price_wei(self) -> int:
        return next(self.prices)


async def _running(
    clock: TestClock, venue: Venue, window_s: float = 86_400, **providers: object
) -> tuple[TradingNode, LiveMeasures]:
    config = load_node_config(
        {"risk": {"measures": {"sample_interval_s": 1, "window_s": window_s}}}, environ={}
    )
    node = TradingNode(config, clock=clock, adapters={"inproc": venue.adapter})
    node.add(
        Quoter(
            "quoter",
            QuoterConfig(
                instrument="BTC/USDT@inproc",
                quantity=Decimal("0.001"),
                spread_bps=Decimal(100),
                refresh_ns=3600 * SECOND_NS,
                bar_ns=3600 * SECOND_NS,
            ),
        )
    )
    measures = attach_live_measures(node, **providers)  # type: ignore[arg-type]
    await node.start()
    await node.wait_books_synced()
    await node.drain()
    return node, measures


async def test_measures_follow_a_fill_of_the_quoter() -> None:
    clock = TestClock(T0)
    venue = Venue(clock)  # bid 94000, ask 96000; the node holds 10 BTC and 10,000,000 USDT
    node, _ = await _running(clock, venue)
    try:
        [(_, price)] = venue.open_orders()
        assert price == Decimal("93060.00")  # 1 % under 94000
        before = _by_key(node.measure_readings())
        # prices: mid 95,000; inventory 10 × 95,000 + 10,000,000 = 10,950,000
        assert before[("inventory_value", "global")].value == pytest.approx(10_950_000)
        assert before[("net_delta", "asset:BTC")].value == pytest.approx(950_000 / 10_950_000)
        assert before[("net_delta", "asset:BTC")].band is Band.CRITICAL
        assert before[("concentration", "global")].value == pytest.approx(950_000 / 10_950_000)
        # the quoter's submit was acknowledged: submit → ack measured on the node's clock
        assert before[("execution_latency_ms", "global")].value == pytest.approx(0.0)

        # a second maker bid under ours keeps the book two-sided, then a taker sells 1.001 BTC:
        # it takes the maker's 1 at 94000, then our 0.001 at 93060
        venue.place(Side.BUY, "93000", "1")
        venue.engine.create_account("taker")
        venue.engine.credit("taker", "BTC", Decimal(5))
        venue.place(Side.SELL, "93060", "1.001", account="taker")
        clock.advance_by(SECOND_NS)
        await node.drain()
        [fill] = node.cache.fills()
        assert (fill.price, fill.qty) == (Decimal("93060.00"), Decimal("0.001"))
        after = _by_key(node.measure_readings())
        btc = Decimal(10) + fill.qty - (fill.fee if fill.fee_asset == "BTC" else 0)
        usdt = Decimal(10_000_000) - fill.notional - (fill.fee if fill.fee_asset == "USDT" else 0)
        mid = (Decimal(93_000) + Decimal(96_000)) / 2  # bid 93000 (maker), ask 96000
        total = btc * mid + usdt
        assert after[("inventory_value", "global")].value == pytest.approx(float(total))
        assert after[("net_delta", "asset:BTC")].value == pytest.approx(float(btc * mid / total))
        # PnL of the 0.001 BTC bought at 93060, marked at 94500, less its fee (valued at the
        # mark when the venue took it in BTC)
        fee_value = fill.fee * (mid if fill.fee_asset == "BTC" else 1)
        pnl = fill.qty * (mid - fill.price) - fee_value
        assert after[("pnl_total", "global")].value == pytest.approx(float(pnl), abs=1e-6)
        assert after[("pnl", "asset:BTC")].value == pytest.approx(float(pnl), abs=1e-6)
        assert after[("uptime", "global")].value == pytest.approx(1.0)
        # turnover: 93.06 traded over the average inventory value sampled so far
        turnover = after[("turnover", "global")].value
        assert turnover is not None and 0 < turnover < 93.06 / 10_000_000
    finally:
        await node.stop()


async def test_inputs_the_node_lacks_read_unknown_then_come_from_providers_and_desks() -> None:
    clock = TestClock(T0)
    node, measures = await _running(clock, Venue(clock), window_s=60)
    try:
        readings = _by_key(node.measure_readings())
        for name in (
            "on_chain_share",
            "hedged_share",
            "hedge_coverage",
            "liquidation_buffer",
            "flash_loan_exposure",
            "gas_risk_ratio",
            "quote_response_ms",
            "quote_acceptance",
            "settlement_success",
            "gas_price_variation",
            "var_99_1d_historical",
        ):
            reading = readings[(name, "global")]
            assert reading.value is None and reading.band is Band.UNKNOWN, name

        # an RFQ desk reports: two quotes answered in 100 and 300 ms, one executed
        now = clock.now_ns()
        measures.record_quote("q1", now - 100_000_000, now)
        measures.record_quote("q2", now - 300_000_000, now)
        measures.record_quote_filled("q1")
        for ok in (True, True, True, False):
            measures.record_settlement(ok)
        measures.record_flash_loan(Decimal(0))
        readings = _by_key(node.measure_readings())
        assert readings[("quote_response_ms", "global")].value == pytest.approx(200.0)
        assert readings[("quote_acceptance", "global")].value == pytest.approx(0.5)
        assert readings[("settlement_success", "global")].value == pytest.approx(0.75)
        assert readings[("settlement_success", "global")].band is Band.CRITICAL
        with pytest.raises(ValueError, match="never recorded"):
            measures.record_quote_filled("q9")
        # a minute later (the window) the first quotes have left it
        clock.advance_by(60 * SECOND_NS + 1)
        later = clock.now_ns()
        measures.record_quote("q3", later - 50_000_000, later)
        readings = _by_key(node.measure_readings())
        assert readings[("quote_acceptance", "global")].value == 0.0
        assert readings[("quote_response_ms", "global")].value == pytest.approx(50.0)
        with pytest.raises(ValueError, match="never recorded"):
            measures.record_quote_filled("q1")
        with pytest.raises(ValueError, match="non-negative"):
            measures.record_gas_spent(Decimal(-1))
    finally:
        await node.stop()


async def test_providers_feed_on_chain_borrowing_and_gas_measures() -> None:
    clock = TestClock(T0)
    node, measures = await _running(
        clock, Venue(clock), on_chain=_Wallet(), borrowing=_Lending(), gas_price=_Gas()
    )
    try:
        await measures.sample()  # the second gas price
        readings = _by_key(node.measure_readings())
        # 5 BTC on chain at 95,000 of 15 × 95,000 + 10,000,000
        total = 15 * 95_000 + 10_000_000
        assert readings[("on_chain_share", "global")].value == pytest.approx(5 * 95_000 / total)
        assert readings[("liquidation_buffer", "global")].value == pytest.approx(0.5)
        # gas 10 then 30 wei: population std 10 over mean 20
        assert readings[("gas_price_variation", "global")].value == pytest.approx(0.5)
    finally:
        await node.stop()


async def test_var_and_correlation_appear_once_enough_prices_were_sampled() -> None:
    clock = TestClock(T0)
    venue = Venue(clock)
    config = load_node_config(
        {"risk": {"measures": {"sample_interval_s": 1, "min_returns": 3}}}, environ={}
    )
    node = TradingNode(config, clock=clock, adapters={"inproc": venue.adapter})
    node.add(
        Quoter(
            "quoter",
            QuoterConfig(instrument="BTC/USDT@inproc", quantity=Decimal("0.001")),
        )
    )
    measures = attach_live_measures(node)
    await node.start()
    await node.wait_books_synced()
    try:
        # the maker moves the bid up by 500 each sample: the mid walks 95000 → 95250 → ...
        for step in range(1, 5):
            venue.place(Side.BUY, str(94_000 + 500 * step), "1")
            clock.advance_by(SECOND_NS)
            await node.drain()
            await measures.sample()
        readings = _by_key(node.measure_readings())
        for method in ("historical", "parametric", "monte_carlo"):
            var = readings[(f"var_99_1d_{method}", "global")]
            assert var.value is not None and var.value >= 0, method
        assert readings[("max_drawdown", "global")].value == pytest.approx(0.0)
    finally:
        await node.stop()


class _Books(Strategy):
    """Subscribes both venues' books (the oracle prices); places nothing itself."""

    def __init__(self) -> None:
        super().__init__("hedger")
        self.subscribe_book("BTC/USDT@inproc")
        self.subscribe_book("BTC/USDT@hedge")


async def test_a_sale_on_the_hedge_venue_covers_the_exposure_it_offsets() -> None:
    clock = TestClock(T0)
    main, hedge = Venue(clock), Venue(clock, name="hedge")
    # exposure: 10 BTC held on the main venue against a target of 9.98 = 0.02 BTC
    config = load_node_config(
        {"risk": {"measures": {"hedge_venues": ["hedge"], "inventory_targets": {"BTC": "9.98"}}}},
        environ={},
    )
    node = TradingNode(
        config, clock=clock, adapters={"inproc": main.adapter, "hedge": hedge.adapter}
    )
    node.add(_Books())
    attach_live_measures(node)
    await node.start()
    await node.wait_books_synced()
    try:
        before = _by_key(node.measure_readings())
        assert before[("hedge_coverage", "asset:BTC")].value == 0.0
        node.send(
            SubmitOrder(
                strategy_id="hedger",
                client_order_id="h1",
                venue="hedge",
                symbol="BTC/USDT",
                side=OrderSide.SELL,
                order_type=OrderType.LIMIT,
                quantity=Decimal("0.01"),
                price=Decimal(94_000),
                ts_init=clock.now_ns(),
            )
        )
        await node.drain()
        clock.advance_by(SECOND_NS)
        await node.drain()
        [fill] = node.cache.fills()
        after = _by_key(node.measure_readings())
        # the 0.01 BTC sold on the hedge venue covers half of the 0.02 exposure
        assert after[("hedge_coverage", "asset:BTC")].value == pytest.approx(0.5)
        assert after[("hedge_coverage", "global")].band is Band.CRITICAL
        # hedged share: the hedge venue's holdings over all of them, at the mid of the book
        # the measures price BTC from (the main venue's, bid 94000 / ask 96000 → 95,000)
        hedge_btc = Decimal(10) - fill.qty - (fill.fee if fill.fee_asset == "BTC" else 0)
        hedge_usdt = (
            Decimal(10_000_000) + fill.notional - (fill.fee if fill.fee_asset == "USDT" else 0)
        )
        mid = Decimal(95_000)
        hedged = hedge_btc * mid + hedge_usdt
        total = hedged + Decimal(10) * mid + Decimal(10_000_000)
        assert after[("hedged_share", "global")].value == pytest.approx(float(hedged / total))
        # net delta counts every holding against the target, the hedge venue's too
        delta = (Decimal(10) + hedge_btc - Decimal("9.98")) * mid / total
        assert after[("net_delta", "asset:BTC")].value == pytest.approx(float(delta))
    finally:
        await node.stop()


async def test_uptime_counts_from_the_first_time_up_and_a_halt_is_downtime() -> None:
    clock = TestClock(T0)
    node, _ = await _running(clock, Venue(clock))
    try:
        clock.advance_by(99 * SECOND_NS)
        await node.drain()
        readings = _by_key(node.measure_readings())
        assert readings[("uptime", "global")].value == pytest.approx(1.0)
        node.halt("test: handler failed")  # the node stops trading: down from now
        clock.advance_by(2 * SECOND_NS)
        readings = _by_key(node.measure_readings())
        uptime = readings[("uptime", "global")]
        # sampled each second: the halt is seen at the next tick (100 s), so the second it
        # happened in counts as up: 100 s up of 101 observed
        assert uptime.value == pytest.approx(100 / 101)
        assert uptime.band is Band.WARNING  # 98 % ≤ uptime < 99.5 %
        assert readings[("node_health", "global")].value == pytest.approx(0.3)  # no sync
    finally:
        await node.stop()


async def test_network_latency_is_a_tcp_handshake_with_each_venue_and_rebalances_count() -> None:
    server = await asyncio.start_server(lambda _r, w: w.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    with socket.socket() as closed:  # a port nobody listens on: no figure, not a made-up one
        closed.bind(("127.0.0.1", 0))
        dead = closed.getsockname()[1]
    venues = {
        name: {"rest_url": f"http://127.0.0.1:{p}", "ws_url": f"ws://127.0.0.1:{p}"}
        for name, p in (("up", port), ("down", dead))
    }
    node = TradingNode(load_node_config({"venues": venues}, environ={}))  # not started
    measures = LiveMeasures(node)
    try:
        await measures.sample()
        measures.record_rebalance()
        measures.record_rebalance()
        readings = _by_key(measures.readings())
        latency = readings[("network_latency_ms", "global")]
        assert latency.value is not None and 0 <= latency.value < 200
        assert measures._network.count(node.clock.now_ns()) == 1  # only the listening venue
        assert readings[("rebalance_count", "global")].value == 2.0
        assert readings[("rebalance_count", "global")].band is Band.OK  # no tolerance set
    finally:
        server.close()
        await server.wait_closed()
