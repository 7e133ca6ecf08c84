"""Tick-to-order latency through the kernel with the in-process venue (no network).

One iteration: a maker account adds a level to the BTCUSDT book in the MatchingEngine → the
InProcessAdapter delivers the depth diff → MarketDataService applies it and emits BookUpdated →
the strategy callback issues a SubmitOrder → ExecutionEngine (pre-trade, tracker, rate limiter,
adapter.submit) → OrderAccepted on the bus. Measured from just before the maker's order reaches
the engine to the strategy seeing OrderAccepted. The strategy's order is then canceled, outside
the measured span. Prints p50 / p90 / p99 / max in microseconds.

    .venv/bin/python bench/bench_tick_to_order.py --ticks 5000
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from decimal import Decimal

from bench_common import percentile, seeded_engine
from tradewind.bus import InProcessMessageBus
from tradewind.core import (
    BookSyncLost,
    BookUpdated,
    CancelOrder,
    LiveClock,
    OrderAccepted,
    OrderSide,
    OrderType,
    SubmitOrder,
)
from tradewind.execution.engine import ExecutionEngine
from tradewind.execution.market_data import MarketDataService
from tradewind.oms import RateLimit, RateLimiter, RateLimitKind, client_order_id
from tradewind.venues.inprocess import InProcessAdapter
from tradewind.venues.sim.engine import NewOrder, Side, TimeInForce
from tradewind.venues.sim.engine import OrderType as SimType


async def run(ticks: int, warmup: int) -> list[int]:
    # a two-sided book so the first snapshot syncs
    venue = seeded_engine(lambda: time.time_ns() // 1_000_000, "kernel", Decimal("1"))

    clock = LiveClock()
    bus = InProcessMessageBus()
    adapter = InProcessAdapter(venue, "kernel", venue="inprocess", clock=clock)
    limiter = RateLimiter(
        [RateLimit(RateLimitKind.REQUEST_WEIGHT, 60 * 10**9, 10**9)], clock=clock, name="bench"
    )
    engine = ExecutionEngine(adapter=adapter, bus=bus, limiter=limiter, clock=clock)
    await engine.start()
    market = MarketDataService(adapter, clock=clock)
    await market.subscribe(engine.instrument("BTC/USDT"))
    await market.wait_synced("BTC/USDT")

    loop = asyncio.get_running_loop()
    state: dict[str, object] = {"tick": 0, "accepted": loop.create_future()}
    tasks: set[asyncio.Task[object]] = set()

    def strategy(event: BookUpdated | BookSyncLost) -> None:
        # the strategy: on every book update, bid 5% under the best ask
        if not isinstance(event, BookUpdated) or event.best_ask is None:
            return
        index = int(state["tick"])  # type: ignore[call-overload]
        price = (event.best_ask * Decimal("0.95")).quantize(Decimal("0.01"))
        quantity = Decimal("0.001")
        cid = client_order_id(strategy_id="bench", intent_id=str(index), venue="inprocess",
                              symbol="BTC/USDT", side=OrderSide.BUY, order_type=OrderType.LIMIT,
                              quantity=quantity, price=price)  # fmt: skip
        command = SubmitOrder(strategy_id="bench", client_order_id=cid, venue="inprocess",
                              symbol="BTC/USDT", side=OrderSide.BUY, order_type=OrderType.LIMIT,
                              quantity=quantity, price=price, ts_init=clock.now_ns())  # fmt: skip
        task = loop.create_task(engine.submit(command))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def accepted(event: OrderAccepted) -> None:
        future = state["accepted"]
        assert isinstance(future, asyncio.Future)
        if not future.done():
            future.set_result(event)

    market.on_book(strategy)
    bus.subscribe(OrderAccepted, accepted)
    samples: list[int] = []
    gc.disable()
    try:
        for index in range(warmup + ticks):
            state["tick"] = index
            state["accepted"] = loop.create_future()
            level = Decimal(97000) + Decimal(index % 500)  # a new ask level, off the top
            start = time.perf_counter_ns()
            venue.place("maker", NewOrder("BTCUSDT", Side.SELL, SimType.LIMIT, Decimal("0.01"),
                                          price=level, time_in_force=TimeInForce.GTC))  # fmt: skip
            event = await state["accepted"]  # type: ignore[misc]
            elapsed = time.perf_counter_ns() - start
            if index >= warmup:
                samples.append(elapsed)
            await engine.cancel(CancelOrder(venue="inprocess", symbol="BTC/USDT",
                                            client_order_id=event.client_order_id,
                                            ts_init=clock.now_ns()))  # fmt: skip
            if index % 200 == 0:
                gc.collect()
    finally:
        gc.enable()
        await market.close()
        await engine.stop()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args()
    from tradewind.common.logging import configure_logging

    configure_logging("warning")
    samples = asyncio.run(run(args.ticks, args.warmup))
    us = [s / 1000 for s in samples]
    p50, p90, p99 = (percentile(samples, pct) / 1000 for pct in (50, 90, 99))
    print(f"tick-to-order (book update → strategy → SubmitOrder → OrderAccepted), {len(us)} ticks")
    print(
        f"  p50 {p50:.1f} us   p90 {p90:.1f} us   p99 {p99:.1f} us   max {max(us):.1f} us"
        f"   mean {statistics.fmean(us):.1f} us"
    )


if __name__ == "__main__":
    main()
