"""Throughput of the simulated exchange's matching engine, in order operations per second.

A seeded, deterministic mix over one symbol and several accounts: resting limit orders placed
around a fixed mid, cancels of open orders, and crossing orders (half MARKET, half IOC LIMIT)
that take liquidity. Requests are built before the clock starts (afresh for every run, so no
run meets a Decimal whose hash an earlier run cached) and the timed loop only calls the engine,
with event emission off. Between batches of operations (untimed) the harness asks
the engine which orders are still open, so most cancels hit live orders; the rest are Binance's
-2011 "Unknown order sent." and count as operations too. Prints the mix and the best of N runs.

    .venv/bin/python bench/bench_matching_engine.py [--ops 200000] [--runs 5] [--seed 7]
        [--add 0.45 --cancel 0.45]   (the rest of the mix is crossing orders)
    TRADEWIND_PURE_PYTHON=1 .venv/bin/python bench/bench_matching_engine.py
        (the engine's Python source instead of the modules setup.py compiled)
        [--cpu-time]   (time the loop in this process's CPU seconds instead of wall seconds)

``--cpu-time`` is for a shared machine: wall time there counts the other processes' turns on
the cores too, so two runs minutes apart can differ by 3x; CPU time varies far less (caches
and clock speed still do). Compare before and after with the same clock, back to back.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from tradewind.venues.sim.engine import (
    MatchingEngine,
    NewOrder,
    OrderStatus,
    OrderType,
    Side,
    SimError,
    StpMode,
    SymbolSpec,
    TimeInForce,
)
from tradewind.venues.sim.engine import engine as engine_module

SYMBOL = "BTCUSDT"
TICK = Decimal("0.01")
MID_TICKS = 3_000_000  # 30,000.00 USDT
BATCH = 500  # operations between two (untimed) refreshes of the open-order lists
SPEC = SymbolSpec(
    symbol=SYMBOL,
    base_asset="BTC",
    quote_asset="USDT",
    tick_size=TICK,
    step_size=Decimal("0.00001"),
    min_price=Decimal("0.01"),
    max_price=Decimal("1000000"),
    min_qty=Decimal("0.00001"),
    max_qty=Decimal("9000"),
    market_max_qty=Decimal("100"),
    min_notional=Decimal("5"),
    max_num_orders=100_000,
)
_OPEN = (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)


@dataclass(frozen=True, slots=True)
class Op:
    """One prepared operation: a placement, or a cancel of one of the account's open orders."""

    kind: str  # add | cancel | cross
    account: str
    order: NewOrder | None = None
    pick: int = 0


def build_ops(n: int, seed: int, accounts: list[str], add: float, cancel: float) -> list[Op]:
    rng = random.Random(seed)
    ops: list[Op] = []
    for _ in range(n):
        account = accounts[rng.randrange(len(accounts))]
        roll = rng.random()
        if roll < add:
            side = Side.BUY if rng.random() < 0.5 else Side.SELL
            offset = rng.randint(1, 200)
            ticks = MID_TICKS - offset if side is Side.BUY else MID_TICKS + offset
            order = NewOrder(
                SYMBOL,
                side,
                OrderType.LIMIT,
                quantity=Decimal(rng.randint(2, 200)).scaleb(-4),
                price=ticks * TICK,
                time_in_force=TimeInForce.GTC,
            )
            ops.append(Op("add", account, order))
        elif roll < add + cancel:
            ops.append(Op("cancel", account, pick=rng.randrange(1 << 30)))
        else:
            side = Side.BUY if rng.random() < 0.5 else Side.SELL
            qty = Decimal(rng.randint(2, 400)).scaleb(-4)
            if rng.random() < 0.5:
                order = NewOrder(
                    SYMBOL, side, OrderType.MARKET, quantity=qty, stp_mode=StpMode.NONE
                )
            else:
                limit = MID_TICKS + 100 if side is Side.BUY else MID_TICKS - 100
                order = NewOrder(
                    SYMBOL,
                    side,
                    OrderType.LIMIT,
                    quantity=qty,
                    price=limit * TICK,
                    time_in_force=TimeInForce.IOC,
                    stp_mode=StpMode.NONE,
                )
            ops.append(Op("cross", account, order))
    return ops


def fresh_engine(accounts: list[str]) -> MatchingEngine:
    engine = MatchingEngine([SPEC], lambda: 1_700_000_000_000, emit_events=False)
    for account in accounts:
        engine.create_account(account)
        engine.credit(account, "USDT", Decimal("1000000000"))
        engine.credit(account, "BTC", Decimal("100000"))
    return engine


def run(
    ops: list[Op], accounts: list[str], clock: Callable[[], float] = time.perf_counter
) -> tuple[float, Counter[str], int]:
    """Run every op on a fresh engine; returns (timed seconds of ``clock``, ops by outcome,
    taker fills)."""
    engine = fresh_engine(accounts)
    # Keep the harness's prepared requests and earlier runs out of the collector's way: a
    # server has no 200,000 requests sitting in memory. The collector stays on for the run.
    gc.collect()
    gc.freeze()
    open_ids: dict[str, list[int]] = {a: [] for a in accounts}
    # a plain dict in the timed loop: Counter defines __delitem__ in Python, which sends every
    # ``done[k] += 1`` through a slow slot (~4 % of the loop's instructions, none of them the
    # engine's)
    done = dict.fromkeys(("add", "cancel", "cancel_skipped", "cancel_unknown", "cross"), 0)
    fills = 0
    place = engine.place
    cancel = engine.cancel
    elapsed = 0.0
    for first in range(0, len(ops), BATCH):
        for account in accounts:
            open_ids[account] = [o.order_id for o in engine.open_orders(account, SYMBOL)]
        start = clock()
        for op in ops[first : first + BATCH]:
            if op.kind == "cancel":
                ids = open_ids[op.account]
                if not ids:
                    done["cancel_skipped"] += 1
                    continue
                i = op.pick % len(ids)
                order_id = ids[i]
                ids[i] = ids[-1]
                ids.pop()
                try:
                    cancel(op.account, SYMBOL, order_id=order_id)
                    done["cancel"] += 1
                except SimError:
                    done["cancel_unknown"] += 1  # filled since the last refresh
                continue
            assert op.order is not None
            result = place(op.account, op.order)
            done[op.kind] += 1
            fills += len(result.fills)
            if op.kind == "add" and result.order.status in _OPEN:
                open_ids[op.account].append(result.order.order_id)
        elapsed += clock() - start
    gc.unfreeze()
    return elapsed, Counter({kind: n for kind, n in done.items() if n}), fills


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Order operations per second of the sim matching engine (one core)."
    )
    parser.add_argument("--ops", type=int, default=200_000, help="operations per run")
    parser.add_argument("--runs", type=int, default=5, help="runs; the best is reported")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the mix")
    parser.add_argument("--accounts", type=int, default=8, help="trading accounts")
    parser.add_argument(
        "--cpu-time", action="store_true", help="time in process CPU seconds, not wall seconds"
    )
    parser.add_argument("--add", type=float, default=0.45, help="share of resting limit adds")
    parser.add_argument("--cancel", type=float, default=0.45, help="share of cancels")
    args = parser.parse_args()
    if args.add < 0 or args.cancel < 0 or args.add + args.cancel > 1:
        parser.error("--add and --cancel must be non-negative and sum to at most 1")
    accounts = [f"acct{i}" for i in range(args.accounts)]
    cross = 1 - args.add - args.cancel
    print(
        f"mix: {args.ops} ops, seed {args.seed}, {args.accounts} accounts: "
        f"{args.add:.0%} resting limit adds, {args.cancel:.0%} cancels, "
        f"{cross:.0%} crossing (half MARKET, half IOC LIMIT), events off, "
        f"{'CPU' if args.cpu_time else 'wall'} time"
    )
    # setup.py compiles the engine with Cython; TRADEWIND_PURE_PYTHON=1 runs its .py source
    compiled = Path(engine_module.__file__ or "").suffix != ".py"
    print(
        f"engine: {'compiled (Cython)' if compiled else 'plain Python'} ({engine_module.__file__})"
    )
    best = best_accepted = 0.0
    for i in range(args.runs):
        # the same seeded mix, but fresh request objects every run, as a server parses each
        # request anew: a Decimal caches its hash, so reusing run 1's requests made later runs
        # cheaper than any real request (issue 12)
        ops = build_ops(args.ops, args.seed, accounts, args.add, args.cancel)
        elapsed, done, fills = run(
            ops, accounts, time.process_time if args.cpu_time else time.perf_counter
        )
        executed = sum(v for k, v in done.items() if k != "cancel_skipped")
        accepted = executed - done["cancel_unknown"]
        best = max(best, executed / elapsed)
        best_accepted = max(best_accepted, accepted / elapsed)
        print(
            f"run {i + 1}: {executed} ops in {elapsed:.3f} s = {executed / elapsed:,.0f} ops/s "
            f"({dict(sorted(done.items()))}, {fills} taker fills)"
        )
    print(f"best: {best:,.0f} ops/s (all engine calls)")
    print(f"best: {best_accepted:,.0f} ops/s (accepted operations only, -2011 cancels not counted)")


if __name__ == "__main__":
    main()
