"""``/metrics`` with 10,000 series: the node's registry rendered to Prometheus text format.

The registry is a real node's (``NodeMetrics``: order-flow counters and the ack-latency
histogram for ``--venues`` venues × 10 symbols, the scrape-time collector with risk states and
``--readings`` measure readings, each a value and a band series). Two timings over ``--runs``:

1. ``render(registry)``: what a scrape costs on the event loop (collectors included);
2. ``GET /metrics`` through ``MetricsHttpServer`` over loopback with an aiohttp client.

    .venv/bin/python bench/bench_metrics.py [--runs 300] [--readings 4800] [--venues 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from decimal import Decimal

import aiohttp

from bench_common import percentile
from tradewind.common.metrics import render
from tradewind.core.clock import TestClock
from tradewind.core.enums import LiquiditySide, OrderSide, OrderType
from tradewind.core.events import OrderAccepted, OrderFilled, OrderSubmitted
from tradewind.node import NodeConfig, TradingNode
from tradewind.node.config import MetricsSection
from tradewind.risk.readings import MeasureReading, Threshold

T0 = 1_700_000_000_000_000_000
ONE = Decimal(1)


class ManyMeasures:
    """``count`` readings over 60 measure names and as many scopes as it takes."""

    def __init__(self, count: int) -> None:
        limit = Threshold("max", 0.03, warning=0.02)
        self._readings = [
            MeasureReading(f"measure_{i % 60}", f"asset:A{i // 60}", i / 1e5, "ratio", limit, T0)
            for i in range(count)
        ]

    def readings(self) -> list[MeasureReading]:
        return self._readings


async def build_node(readings: int, venues: int) -> TradingNode:
    clock = TestClock(T0)
    node = TradingNode(NodeConfig(metrics=MetricsSection(listen="127.0.0.1:0")), clock=clock)
    node.add_measure_source(ManyMeasures(readings))
    for v in range(venues):
        venue = f"venue{v}"
        for s in range(10):
            symbol = f"S{s}/USDT"
            cid = f"c-{v}-{s}"
            await node.bus.publish(
                OrderSubmitted(
                    client_order_id=cid, venue=venue, symbol=symbol, strategy_id="bench",
                    side=OrderSide.BUY, order_type=OrderType.LIMIT, quantity=ONE, price=ONE,
                    ts_event=T0, ts_init=T0,
                )
            )  # fmt: skip
            clock.advance_by(2_000_000)
            await node.bus.publish(
                OrderAccepted(
                    client_order_id=cid, venue=venue, symbol=symbol, venue_order_id=cid,
                    ts_event=T0, ts_init=T0,
                )
            )  # fmt: skip
            await node.bus.publish(
                OrderFilled(
                    client_order_id=cid, venue=venue, symbol=symbol, trade_id=cid,
                    venue_order_id=cid, side=OrderSide.BUY, last_qty=ONE, last_px=ONE, fee=ONE,
                    fee_asset="USDT", liquidity_side=LiquiditySide.MAKER,
                    ts_event=T0, ts_init=T0,
                )
            )  # fmt: skip
    return node


def series_count(text: str) -> int:
    return sum(1 for line in text.splitlines() if line and not line.startswith("#"))


def bench_render(node: TradingNode, runs: int) -> tuple[list[int], list[int]]:
    """Wall time and CPU time of this thread per render (on a shared machine the CPU time is
    what a render costs when it has a core to itself)."""
    wall, cpu = [], []
    gc.collect()
    gc.disable()
    try:
        for _ in range(runs):
            started, started_cpu = time.perf_counter_ns(), time.thread_time_ns()
            render(node.metrics.registry)
            cpu.append(time.thread_time_ns() - started_cpu)
            wall.append(time.perf_counter_ns() - started)
    finally:
        gc.enable()
    return wall, cpu


async def bench_http(node: TradingNode, runs: int) -> list[int]:
    server = node.metrics.server
    assert server is not None
    await server.start()
    samples = []
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(runs):
                started = time.perf_counter_ns()
                async with http.get(server.url) as response:
                    await response.read()
                samples.append(time.perf_counter_ns() - started)
    finally:
        await server.stop()
    return samples


def _ms(ns: int) -> str:
    return f"{ns / 1e6:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--readings", type=int, default=4800)
    parser.add_argument("--venues", type=int, default=5)
    args = parser.parse_args()
    node = asyncio.run(build_node(args.readings, args.venues))
    body, _ = render(node.metrics.registry)
    print(f"series: {series_count(body.decode())}, body: {len(body) / 1024:.0f} KiB")
    wall, cpu = bench_render(node, args.runs)
    for label, samples in (("render wall", wall), ("render cpu ", cpu)):
        print(
            f"{label}:  p50 {_ms(percentile(samples, 50))}  p99 {_ms(percentile(samples, 99))}"
            f"  max {_ms(max(samples))}"
        )
    fetched = asyncio.run(bench_http(node, args.runs))
    print(
        f"GET /metrics wall: p50 {_ms(percentile(fetched, 50))}  p99 {_ms(percentile(fetched, 99))}"
        f"  max {_ms(max(fetched))}"
    )


if __name__ == "__main__":
    main()
