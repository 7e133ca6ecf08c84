"""Tick-to-order latency through the TradingNode and a Strategy, in-process venue (no network).

The same path as bench_tick_to_order.py, but the strategy is a ``Strategy`` on a ``TradingNode``:
a maker adds an ask level in the MatchingEngine → InProcessAdapter depth diff → MarketDataService
→ node → cache → ``Strategy.on_book`` → ``submit`` → the venue's command worker → router →
ExecutionEngine (pre-trade, tracker, rate limiter, adapter.submit) → OrderAccepted on the bus →
node → ``Strategy.on_order_event``. Measured from just before the maker's order reaches the
engine to the strategy seeing OrderAccepted; the strategy then cancels, outside the span.
Prints p50 / p90 / p99 / max in microseconds. Every command passes the node's risk engine;
``--risk`` turns every pre-trade limit on (wide enough that none refuses).

    .venv/bin/python bench/bench_node_tick_to_order.py --ticks 5000 [--risk]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from decimal import Decimal

from bench_common import SPEC, percentile, seeded_engine
from tradewind.core import BookUpdated, LiveClock, OrderAccepted, OrderEvent, OrderSide
from tradewind.node import Strategy, TradingNode
from tradewind.node.config import load_node_config
from tradewind.venues.inprocess import InProcessAdapter
from tradewind.venues.sim.clock import RealClock
from tradewind.venues.sim.engine import MatchingEngine, NewOrder, Side, TimeInForce
from tradewind.venues.sim.engine import OrderType as SimType


class Bidder(Strategy):
    """On every book update, bid 5% under the best ask; report each acceptance."""

    def __init__(self) -> None:
        super().__init__("bench")
        self.subscribe_book("BTC/USDT@inprocess")
        self.tick = 0
        self.accepted: asyncio.Future[str] | None = None

    def on_book(self, event: BookUpdated) -> None:
        if event.best_ask is None or self.accepted is None or self.accepted.done():
            return
        price = (event.best_ask * Decimal("0.95")).quantize(Decimal("0.01"))
        self.submit("BTC/USDT@inprocess", OrderSide.BUY, Decimal("0.001"), price,
                    intent=str(self.tick))  # fmt: skip

    def on_order_event(self, event: OrderEvent) -> None:
        if isinstance(event, OrderAccepted) and self.accepted and not self.accepted.done():
            self.accepted.set_result(event.client_order_id)


RISK_LIMITS = {
    "max_order_notional": "1000000",
    "max_position": {"BTC": "1000"},
    "max_open_orders": 1000,
    "max_orders_per_window": 1_000_000_000,
    "price_band_bps": 2000,
}


async def run(ticks: int, warmup: int, risk: bool = False) -> list[int]:
    clock = LiveClock()
    venue = seeded_engine(RealClock(clock).now_ms, "kernel", Decimal("1"))
    adapter = InProcessAdapter(venue, "kernel", venue="inprocess", clock=clock)
    config = load_node_config({"risk": RISK_LIMITS if risk else {}}, environ={})
    node = TradingNode(config, clock=clock, adapters={"inprocess": adapter})
    bidder = Bidder()
    node.add(bidder)
    await node.start()
    await node.wait_books_synced()
    loop = asyncio.get_running_loop()
    samples: list[int] = []
    gc.disable()
    try:
        for index in range(warmup + ticks):
            bidder.tick = index
            bidder.accepted = loop.create_future()
            level = Decimal(97000) + Decimal(index % 500)  # a new ask level, off the top
            start = time.perf_counter_ns()
            venue.place("maker", NewOrder("BTCUSDT", Side.SELL, SimType.LIMIT, Decimal("0.01"),
                                          price=level, time_in_force=TimeInForce.GTC))  # fmt: skip
            client_id = await bidder.accepted
            elapsed = time.perf_counter_ns() - start
            if index >= warmup:
                samples.append(elapsed)
            bidder.cancel(client_id)
            await node.drain()
            if index % 200 == 0:
                gc.collect()
    finally:
        gc.enable()
        await node.stop()
    return samples


async def start_to_ready() -> int:
    """ns from an unbuilt node to RUNNING with its book synced (in-process venue)."""
    clock = LiveClock()
    venue = MatchingEngine([SPEC], RealClock(clock).now_ms)
    venue.create_account("kernel")
    adapter = InProcessAdapter(venue, "kernel", venue="inprocess", clock=clock)
    node = TradingNode(clock=clock, adapters={"inprocess": adapter})
    node.add(Bidder())
    start = time.perf_counter_ns()
    await node.start()
    await node.wait_books_synced()
    elapsed = time.perf_counter_ns() - start
    await node.stop()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--risk", action="store_true", help="every pre-trade limit on")
    args = parser.parse_args()
    from tradewind.common.logging import configure_logging

    configure_logging("warning")
    samples = asyncio.run(run(args.ticks, args.warmup, args.risk))
    us = [s / 1000 for s in samples]
    p50, p90, p99 = (percentile(samples, pct) / 1000 for pct in (50, 90, 99))
    limits = "on" if args.risk else "off"
    print(f"node tick-to-order (book → Strategy.on_book → submit → OrderAccepted → "
          f"Strategy.on_order_event), {len(us)} ticks, risk limits {limits}")  # fmt: skip
    print(
        f"  p50 {p50:.1f} us   p90 {p90:.1f} us   p99 {p99:.1f} us   max {max(us):.1f} us"
        f"   mean {statistics.fmean(us):.1f} us"
    )
    ready_ms = asyncio.run(start_to_ready()) / 1e6
    print(f"node start to ready (in-process venue, one book): {ready_ms:.1f} ms")


if __name__ == "__main__":
    main()
