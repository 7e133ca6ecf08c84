"""Live measures and dashboard benchmarks: what one reading of every measure, and one dashboard
snapshot, cost on a running node; and the VaR sample of the live measures.

1. ``LiveMeasures.readings()`` (every framework measure, recomputed) and
   ``Dashboard.snapshot_json()`` (node state, positions, ``--resting`` open orders, the last 50
   of ``--fills`` fills, every reading, JSON) in a running TradingNode on a TestClock with the
   in-process venue: p50 / p99 per call.
2. The VaR/ES/correlation step of a live-measures sample: ``value_at_risk`` (historical,
   parametric and Monte Carlo at 20,000 paths) + ``correlations`` over ``--assets`` assets ×
   1,440 sampled returns: best / median of ``--runs``.

    .venv/bin/python bench/bench_dashboard.py [--calls 2000] [--resting 20] [--fills 200]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from decimal import Decimal

import numpy as np

from bench_common import percentile, seeded_venue
from tradewind.core import OrderSide, OrderType, SubmitOrder
from tradewind.core.clock import TestClock
from tradewind.monitor.web import Dashboard
from tradewind.node import Strategy, TradingNode
from tradewind.node.config import load_node_config
from tradewind.node.live_measures import attach_live_measures
from tradewind.risk.live.market_risk import correlations, value_at_risk

T0 = 1_700_000_000_000_000_000


class Book(Strategy):
    """Only subscribes the book, so the cache has a mid (the oracle price)."""

    def __init__(self) -> None:
        super().__init__("bench")
        self.subscribe_book("BTC/USDT@inproc")


def _timed(call: object, calls: int) -> list[int]:
    assert callable(call)
    samples: list[int] = []
    gc.disable()
    try:
        for _ in range(calls):
            start = time.perf_counter_ns()
            call()
            samples.append(time.perf_counter_ns() - start)
    finally:
        gc.enable()
    return samples


async def bench_node(calls: int, resting: int, fills: int) -> tuple[list[int], list[int], int]:
    clock = TestClock(T0)
    adapter = seeded_venue(clock, Decimal(5))
    node = TradingNode(load_node_config({}, environ={}), clock=clock,
                       adapters={"inproc": adapter})  # fmt: skip
    node.add(Book())
    measures = attach_live_measures(node)
    await node.start()
    await node.wait_books_synced()

    def order(n: int, side: OrderSide, price: str) -> SubmitOrder:
        return SubmitOrder(strategy_id="bench", client_order_id=f"b{n}", venue="inproc",
                           symbol="BTC/USDT", side=side, order_type=OrderType.LIMIT,
                           quantity=Decimal("0.01"), price=Decimal(price), ts_init=T0)  # fmt: skip

    for n in range(fills):  # crossing the maker: one fill each, one at a time (self-cross)
        side, price = (OrderSide.SELL, "94000") if n % 2 else (OrderSide.BUY, "96000")
        node.send(order(n, side, price))
        await node.drain()
        clock.advance_by(1_000_000)
        await node.drain()
    for n in range(fills, fills + resting):
        node.send(order(n, OrderSide.BUY, "93000"))
    await node.drain()
    assert len(node.cache.fills()) == fills, (
        f"{len(node.cache.fills())} of {fills} crossing orders filled"
    )
    dashboard = Dashboard(node)
    try:
        readings = _timed(measures.readings, calls)
        snapshots = _timed(dashboard.snapshot_json, calls)
        size = len(dashboard.snapshot_json())
    finally:
        await node.stop()
    return readings, snapshots, size


def bench_var(assets: int, runs: int) -> list[float]:
    rng = np.random.default_rng(7)
    returns = rng.normal(0, 0.001, (1440, assets))
    exposures = list(rng.uniform(-1000, 1000, assets))
    names = [f"A{i}" for i in range(assets)]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        value_at_risk(returns, exposures, 100_000.0, period_s=60, paths=20_000)
        correlations(returns, names)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--resting", type=int, default=20)
    parser.add_argument("--fills", type=int, default=200)
    parser.add_argument("--assets", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from tradewind.common.logging import configure_logging

    configure_logging("warning")
    readings, snapshots, size = asyncio.run(bench_node(args.calls, args.resting, args.fills))
    for what, samples in (("LiveMeasures.readings()", readings), ("snapshot JSON", snapshots)):
        p50, p99 = (percentile(samples, pct) / 1000 for pct in (50, 99))
        print(f"{what}: p50 {p50:.0f} us   p99 {p99:.0f} us   ({len(samples)} calls)")
    print(f"  snapshot: {size} bytes, {args.resting} resting orders, {args.fills} fills (50 shown)")
    times = bench_var(args.assets, args.runs)
    print(
        f"VaR sample, {args.assets} assets x 1440 returns: best {min(times) * 1000:.1f} ms"
        f"   median {statistics.median(times) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
