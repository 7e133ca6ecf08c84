"""A kernel as a child process, for the kill -9 and soak tests: ``python -m
tradewind.app.soak_runner``.

It runs a deterministic stream of intents through an ExecutionEngine on a real venue and writes
one JSON object per line on stdout (``ready``, ``progress``, ``summary``), so a parent can kill it
mid-stream and start it again on the same database. Intent ``i`` always yields the same client
order id, so a restarted run resumes where the first stopped: intents already sent are refused
by the restored OrderTracker and only their unfinished cancels are sent.

Intent kinds, by ``i % 4`` (``--pattern mixed``) or always kind 0 (``--pattern rest``):
    0  limit buy at anchor × 0.90, rests, then canceled        (2 order operations)
    1  limit buy at anchor × 1.05, crosses the book and fills   (1)
    2  limit sell at anchor × 1.10, rests, then canceled        (2)
    3  limit sell at anchor × 0.95, crosses and fills           (1)
``--anchor`` is a fixed price given by the parent, so both runs derive the same ids.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from decimal import Decimal
from typing import Any

from tradewind.bus import InProcessMessageBus
from tradewind.core.clock import LiveClock
from tradewind.core.commands import CancelOrder, SubmitOrder
from tradewind.core.enums import OrderSide, OrderType
from tradewind.execution.engine import ExecutionEngine
from tradewind.execution.store_writer import StoreWriter
from tradewind.node.venue_factory import VenueSettings, open_venue
from tradewind.oms.client_ids import client_order_id
from tradewind.oms.pretrade import round_price
from tradewind.oms.rate_limiter import provisional_limiter
from tradewind.store.kernel_store import KernelStore

__all__ = ["main"]

_KINDS = {
    0: (OrderSide.BUY, Decimal("0.90"), True),
    1: (OrderSide.BUY, Decimal("1.05"), False),
    2: (OrderSide.SELL, Decimal("1.10"), True),
    3: (OrderSide.SELL, Decimal("0.95"), False),
}


def _emit(kind: str, **fields: Any) -> None:
    print(json.dumps({"event": kind, **fields}), flush=True)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--adapter", default="binance", choices=["binance", "ccxt"])
    parser.add_argument("--venue-name", default="sim")
    parser.add_argument("--rest-url", required=True)
    parser.add_argument("--ws-url", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--api-secret", required=True)
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of the kernel store")
    parser.add_argument("--symbol", default="BTC/USDT")
    parser.add_argument("--anchor", required=True, help="reference price, quote per base")
    parser.add_argument("--qty", default="0.0002")
    parser.add_argument("--intents", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--pattern", default="mixed", choices=["mixed", "rest"])
    parser.add_argument("--prefix", default="k")
    parser.add_argument("--progress-every", type=int, default=10)
    return parser.parse_args(argv)


class _Run:
    def __init__(self, engine: ExecutionEngine, args: argparse.Namespace) -> None:
        self.engine = engine
        self.args = args
        self.done = 0
        self.operations = 0
        self.tick = engine.instrument(args.symbol).filters.tick_size

    def command(self, index: int) -> tuple[SubmitOrder, bool]:
        kind = 0 if self.args.pattern == "rest" else index % 4
        side, factor, rests = _KINDS[kind]
        price = round_price(Decimal(self.args.anchor) * factor, self.tick, side)
        quantity = Decimal(self.args.qty)
        intent = f"{self.args.prefix}{index}"
        cid = client_order_id(
            strategy_id="soak",
            intent_id=intent,
            venue=self.engine.venue,
            symbol=self.args.symbol,
            side=side,
            order_type=OrderType.LIMIT,
            quantity=quantity,
            price=price,
        )
        command = SubmitOrder(
            strategy_id="soak",
            client_order_id=cid,
            venue=self.engine.venue,
            symbol=self.args.symbol,
            side=side,
            order_type=OrderType.LIMIT,
            quantity=quantity,
            price=price,
            ts_init=time.time_ns(),
        )
        return command, rests

    async def intent(self, index: int) -> None:
        command, rests = self.command(index)
        known = command.client_order_id in self.engine.tracker
        order = await self.engine.submit(command)
        if not known:
            self.operations += 1
        if rests and order is not None and order.status.is_open:
            await self.engine.cancel(
                CancelOrder(
                    venue=command.venue,
                    symbol=command.symbol,
                    client_order_id=command.client_order_id,
                    ts_init=time.time_ns(),
                )
            )
            self.operations += 1
        self.done += 1
        if self.done % self.args.progress_every == 0:
            _emit("progress", done=self.done, operations=self.operations)

    async def worker(self, indices: asyncio.Queue[int]) -> None:
        while True:
            try:
                index = indices.get_nowait()
            except asyncio.QueueEmpty:
                return
            await self.intent(index)


async def run(args: argparse.Namespace) -> int:
    clock = LiveClock()
    # a conservative start; the engine adopts the venue's declared limits once it has them
    limiter = provisional_limiter(clock, "soak")
    settings = VenueSettings(
        name=args.venue_name,
        rest_url=args.rest_url,
        ws_url=args.ws_url,
        api_key=args.api_key,
        api_secret=args.api_secret,
    )
    adapter = open_venue(args.adapter, settings, limiter=limiter)
    # opening runs the migrations: blocking I/O, so off the event loop
    store = StoreWriter(await asyncio.to_thread(KernelStore.open, args.db))
    engine = ExecutionEngine(
        adapter=adapter, bus=InProcessMessageBus(), limiter=limiter, clock=clock, store=store
    )
    await engine.start()
    _emit("ready", orders=len(engine.tracker), fills=len(engine.ledger))
    run = _Run(engine, args)
    started = time.monotonic()
    indices: asyncio.Queue[int] = asyncio.Queue()
    for index in range(args.intents):
        indices.put_nowait(index)
    await asyncio.gather(*(run.worker(indices) for _ in range(args.concurrency)))
    elapsed = time.monotonic() - started
    # let the stream deliver the last executions, then check against the venue's own records
    await asyncio.sleep(0.5)
    await engine.drain()
    await engine.reconcile()
    balances = await engine.refresh_balances()
    _emit(
        "summary",
        operations=run.operations,
        seconds=round(elapsed, 3),
        orders={
            order.client_order_id: [str(order.status), str(order.filled_qty), order.venue_order_id]
            for order in engine.tracker
        },
        fills=sorted(fill.trade_id for fill in engine.fills()),
        balances={asset: str(balance.total) for asset, balance in balances.items()},
        delta={asset: str(amount) for asset, amount in engine.position_delta().items()},
        rate_limit_refusals=engine.rate_limit_refusals,
        refused_reports=engine.refused_reports,
        usage={label: list(pair) for label, pair in limiter.usage().items()},
        limits=[limit.label for limit in limiter.limits],
    )
    await engine.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    from tradewind.common.logging import configure_logging

    configure_logging("warning")
    return asyncio.run(run(_parse(argv)))


if __name__ == "__main__":
    sys.exit(main())
