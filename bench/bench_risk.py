"""Risk benchmarks: Monte Carlo VaR (200 assets × 100,000 paths) and the pre-trade check.

1. ``monte_carlo_var`` on a random positive-definite 200 × 200 covariance, 100,000 paths,
   99 % 1-day: wall time of each of ``--runs`` runs (best and median), numpy's BLAS threads as
   configured (2 cores here).
2. ``RiskEngine.check`` of a SubmitOrder that passes every rule (notional, position, open
   orders, rate, price band, self-cross all on), in a running TradingNode on a TestClock with
   the in-process venue, ``--resting`` open orders of our own and a two-sided book: the
   engine's real view (NodeRiskView over the router and cache). p50 / p99 / max per check.

    .venv/bin/python bench/bench_risk.py [--runs 5] [--checks 20000] [--resting 20]
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
from tradewind.node import Strategy, TradingNode
from tradewind.node.config import load_node_config
from tradewind.risk.var import monte_carlo_var, parametric_var

T0 = 1_700_000_000_000_000_000
LIMITS = {
    "max_order_notional": "1000000",
    "max_position": {"BTC": "1000"},
    "max_open_orders": 1000,
    "max_orders_per_window": 1_000_000_000,
    "rate_window_ms": 1000,
    "price_band_bps": 1000,
    "self_cross": True,
}


def bench_var(runs: int) -> list[float]:
    rng = np.random.default_rng(42)
    k = 200
    factors = rng.normal(0, 0.01, (k, 10))
    covariance = factors @ factors.T + np.diag(rng.uniform(1e-5, 4e-4, k))
    weights = rng.dirichlet(np.ones(k))
    exact = parametric_var(weights, covariance).var
    times = []
    for run in range(runs):
        start = time.perf_counter()
        estimate = monte_carlo_var(weights, covariance, paths=100_000, seed=run)
        times.append(time.perf_counter() - start)
        print(
            f"  run {run}: {times[-1] * 1000:.0f} ms  VaR {estimate.var:.5f}"
            f" (parametric {exact:.5f})"
        )
    return times


class Book(Strategy):
    """Only subscribes the book, so the cache has a mid for the price band."""

    def __init__(self) -> None:
        super().__init__("bench")
        self.subscribe_book("BTC/USDT@inproc")


async def bench_check(checks: int, resting: int) -> list[int]:
    clock = TestClock(T0)
    adapter = seeded_venue(clock, Decimal(1))
    node = TradingNode(load_node_config({"risk": LIMITS}, environ={}), clock=clock,
                       adapters={"inproc": adapter})  # fmt: skip
    node.add(Book())
    await node.start()
    await node.wait_books_synced()

    def order(n: int, side: OrderSide, price: str) -> SubmitOrder:
        return SubmitOrder(strategy_id="bench", client_order_id=f"b{n}", venue="inproc",
                           symbol="BTC/USDT", side=side, order_type=OrderType.LIMIT,
                           quantity=Decimal("0.01"), price=Decimal(price), ts_init=T0)  # fmt: skip

    for n in range(resting):  # our own resting bids and asks, away from each other
        ours, price = (OrderSide.BUY, "93000") if n % 2 else (OrderSide.SELL, "97000")
        node.send(order(n, ours, price))
    await node.drain()
    assert len(node.cache.orders(open_only=True)) == resting, "the resting orders did not rest"
    command = order(-1, OrderSide.BUY, "93500")
    samples: list[int] = []
    gc.disable()
    try:
        for _ in range(checks):
            start = time.perf_counter_ns()
            refusal = node.risk.check(command)
            samples.append(time.perf_counter_ns() - start)
            assert refusal is None, refusal
    finally:
        gc.enable()
        await node.stop()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--checks", type=int, default=20_000)
    parser.add_argument("--resting", type=int, default=20)
    args = parser.parse_args()
    from tradewind.common.logging import configure_logging

    configure_logging("warning")
    print("Monte Carlo VaR 99 % 1-day, 200 assets x 100,000 paths")
    times = bench_var(args.runs)
    print(f"  best {min(times) * 1000:.0f} ms   median {statistics.median(times) * 1000:.0f} ms")
    samples = asyncio.run(bench_check(args.checks, args.resting))
    p50, p99 = (percentile(samples, pct) / 1000 for pct in (50, 99))
    print(f"pre-trade check, every rule on, {args.resting} resting orders, {len(samples)} checks")
    print(f"  p50 {p50:.1f} us   p99 {p99:.1f} us   max {max(samples) / 1000:.1f} us")


if __name__ == "__main__":
    main()
