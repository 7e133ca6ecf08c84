"""NewIndexOrder -> MintInvoice latency: a FIX/JSON client, the index desk and a ``tradewind sim``
process, all on loopback. Each order is sent, and the clock stops when its MintInvoice arrives
(every batch, fill, lot assignment and journal write in between included). Orders go one at a
time so each figure is one order's own path. Prints p50/p90/p99 in ms.

    .venv/bin/python bench/bench_index_order_to_invoice.py --orders 40 --amount 200
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from eth_account import Account

from tradewind.common.config import DeskConfig
from tradewind.desks.index.runtime import IndexDeskRuntime, post_local_deposit
from tradewind.gateway.fixjson.client import FixJsonClient
from tradewind.node.venue_factory import VenueSettings
from tradewind.venues.sim.process import SimProcess

KEY = "0x" + "be" * 32
CHAIN = 42161


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def run(args: argparse.Namespace, tmp: Path) -> list[float]:
    with SimProcess(database=tmp / "sim.sqlite") as sim:
        config = DeskConfig.model_validate({
            "port": 0, "database": str(tmp / "desk.sqlite"),
            "kernel_database": str(tmp / "kernel.sqlite"),
            "batch_interval_ms": args.batch_interval_ms, "local_deposits": True,
        })  # fmt: skip
        venue = VenueSettings(name="sim", rest_url=sim.rest_url, ws_url=sim.ws_url,
                              api_key=sim.api_key, api_secret=sim.api_secret)  # fmt: skip
        async with IndexDeskRuntime(config, venue) as runtime:
            user = Account.from_key(KEY).address
            await post_local_deposit(
                runtime.url, token=runtime.local_deposit_token, deposit_id="bench",
                chain_id=CHAIN, address=user,
                amount=str(args.amount * (args.orders + args.warmup + 1)),
            )  # fmt: skip
            samples: list[float] = []
            async with FixJsonClient(runtime.ws_url, KEY, chain_id=CHAIN) as client:
                for n in range(args.warmup + args.orders):
                    coid = f"b{n}"
                    while True:
                        started = time.perf_counter()
                        seq = await client.new_index_order(
                            coid, args.index, "buy", str(args.amount)
                        )
                        answer = await client.ack_or_nak(seq)
                        if answer.msg_type == "ACK":
                            break
                        # the gateway's per-user rate limit: wait for the bucket, not timed
                        await asyncio.sleep(0.5)
                    await client.wait_for(
                        "MintInvoice", lambda m, c=coid: m.client_order_id == c, timeout=60
                    )
                    if n >= args.warmup:
                        samples.append((time.perf_counter() - started) * 1000)
                    await asyncio.sleep(args.pause)
            return samples


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=40, help="measured orders")
    parser.add_argument("--warmup", type=int, default=3, help="orders not measured")
    parser.add_argument("--amount", type=int, default=200, help="USDT per order")
    parser.add_argument("--index", default="TW10", help="index symbol (TW10: 10 legs)")
    parser.add_argument("--batch-interval-ms", type=int, default=20)
    parser.add_argument(
        "--pause",
        type=float,
        default=0.0,
        help="seconds between orders (each order sends ~10-15 venue orders; the venue allows "
        "100 per 10 s, so back to back the desk's limiter, not the path, sets the tail)",
    )
    args = parser.parse_args()
    os.environ.setdefault("TRADEWIND_LOG__LEVEL", "warning")
    from tradewind.common.logging import configure_logging

    configure_logging(os.environ["TRADEWIND_LOG__LEVEL"])
    with tempfile.TemporaryDirectory() as tmp:
        samples = asyncio.run(run(args, Path(tmp)))
    print(
        f"NewIndexOrder->MintInvoice {args.index} {args.amount} USDT pause={args.pause}s  "
        f"n={len(samples)}  "
        f"p50={percentile(samples, 50):.1f} ms  p90={percentile(samples, 90):.1f} ms  "
        f"p99={percentile(samples, 99):.1f} ms  mean={statistics.fmean(samples):.1f} ms"
    )


if __name__ == "__main__":
    main()
