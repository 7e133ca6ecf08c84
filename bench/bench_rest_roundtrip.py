"""Order round trip through the official Binance SDK to a ``tradewind sim`` process on loopback.

Measures wall time from the SDK call to its parsed response for POST /api/v3/order (a LIMIT GTC
that rests) and DELETE /api/v3/order, plus GET /api/v3/depth. Prints p50/p90/p99 in ms.

    .venv/bin/python bench/bench_rest_roundtrip.py --orders 2000
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from binance_sdk_spot.rest_api.models import NewOrderNewOrderRespTypeEnum

from tradewind.venues.sim.clients import binance_sdk
from tradewind.venues.sim.process import SimProcess


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


def report(name: str, samples_ms: list[float]) -> None:
    print(
        f"{name:<28} n={len(samples_ms):<6} p50={percentile(samples_ms, 50):.3f} ms  "
        f"p90={percentile(samples_ms, 90):.3f} ms  p99={percentile(samples_ms, 99):.3f} ms  "
        f"mean={statistics.fmean(samples_ms):.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=2000, help="orders to place and cancel")
    parser.add_argument("--warmup", type=int, default=200, help="untimed round trips first")
    parser.add_argument("--market", action="store_true", help="keep background participants on")
    parser.add_argument("--persist", action="store_true", help="run the sim with its SQLite store")
    args = parser.parse_args()

    env = {
        "TRADEWIND_SIM__ORDERS_PER_10S": "1000000",
        "TRADEWIND_SIM__REQUEST_WEIGHT_PER_MINUTE": "100000000",
    }
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "sim.sqlite" if args.persist else None
        with SimProcess(database=database, market=args.market, admin=False, env=env) as sim:
            client = binance_sdk(sim.rest_url, sim.ws_url, sim.api_key, sim.api_secret)
            rest = client.rest_api
            # Below the simulated BTC mid (95,000): the order rests, market on or off.
            price = Decimal("90000.00")
            place_ms: list[float] = []
            cancel_ms: list[float] = []
            depth_ms: list[float] = []
            for i in range(args.warmup + args.orders):
                t0 = time.perf_counter()
                placed = rest.new_order(
                    symbol="BTCUSDT",
                    side="BUY",
                    type="LIMIT",
                    time_in_force="GTC",
                    quantity=Decimal("0.001"),
                    price=price,
                    new_order_resp_type=NewOrderNewOrderRespTypeEnum.RESULT,
                ).data()
                t1 = time.perf_counter()
                rest.delete_order(symbol="BTCUSDT", order_id=placed.order_id).data()
                t2 = time.perf_counter()
                rest.depth(symbol="BTCUSDT", limit=20).data()
                t3 = time.perf_counter()
                if i >= args.warmup:
                    place_ms.append((t1 - t0) * 1000)
                    cancel_ms.append((t2 - t1) * 1000)
                    depth_ms.append((t3 - t2) * 1000)
    mode = f"market={'on' if args.market else 'off'} persistence={'on' if args.persist else 'off'}"
    print(f"official SDK -> tradewind sim over loopback ({mode})")
    report("POST /api/v3/order", place_ms)
    report("DELETE /api/v3/order", cancel_ms)
    report("GET /api/v3/depth limit=20", depth_ms)


if __name__ == "__main__":
    main()
