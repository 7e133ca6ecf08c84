"""Cost basis over 1,000,000 synthetic transactions, once per method; prints seconds per method.

    .venv/bin/python bench/bench_cost_basis.py [--n 1000000] [--methods fifo,hifo] [--no-warm-up]
        [--repeat 3]   (each method that many times; prints the best CPU seconds of each)

Instruction counts (independent of the machine's load): run one method under valgrind
(`valgrind --tool=cachegrind --cache-sim=no ... --n 50000 --methods hifo --no-warm-up`) and
subtract the count of `--methods ''` (generating the ledger).

The ledger: two accounts trading BTC against USD (buys with a USD fee, sells, some with a BNB fee
priced from a table), and a transfer between the accounts every 50 transactions. Specific
identification names, for every sale, lots of the same account (content keys precomputed as the
store has them). Aim (issue 13): under 3 s per method.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from decimal import Decimal

from tradewind.portfolio.costbasis import (
    CostBasisConfig,
    CostBasisMethod,
    compute_cost_basis,
    disposal_ref,
    lot_id_of,
)
from tradewind.portfolio.ledger import EntryKind, Movement, Transaction
from tradewind.portfolio.prices import Priced, PriceResult

_ACCOUNTS = ("binance:main", "kraken:main")


def synthetic(
    n: int, seed: int = 7
) -> tuple[list[Transaction], list[str], dict[str, dict[str, Decimal]]]:
    """`n` transactions, their content keys, and specific-ID selections naming real lots."""
    rng = random.Random(seed)
    txs: list[Transaction] = []
    keys: list[str] = []
    selections: dict[str, dict[str, Decimal]] = {}
    # open lots per account for the selections: [lot id, remaining] newest last
    open_lots: dict[str, list[list[object]]] = {a: [] for a in _ACCOUNTS}
    held_by: dict[str, Decimal] = {a: Decimal(0) for a in _ACCOUNTS}
    ts = 1_600_000_000_000
    for account in _ACCOUNTS:  # BNB to pay fees with, so fee disposals have lots
        tx = Transaction(
            EntryKind.TRADE,
            ts,
            (
                Movement(account, "BNB", Decimal(10_000)),
                Movement(account, "USD", Decimal(-1_000_000)),
            ),
            source="bench",
        )
        txs.append(tx)
        keys.append(tx.content_key())
    for i in range(n - len(_ACCOUNTS)):
        ts += rng.randrange(1_000, 120_000)
        account = _ACCOUNTS[i % 2]
        lots = open_lots[account]
        held = held_by[account]
        if i % 50 == 49 and held > 0:
            qty = min(held, Decimal(rng.randrange(1, 50)) / 1000)
            other = _ACCOUNTS[(i + 1) % 2]
            tx = Transaction(
                EntryKind.TRANSFER,
                ts,
                (Movement(account, "BTC", -qty), Movement(other, "BTC", qty)),
                source="bench",
            )
            # FIFO leaves the oldest lots first under specific ID when nothing is named
            _consume_fifo(lots, qty, open_lots[other])
            held_by[account] -= qty
            held_by[other] += qty
        elif rng.random() < 0.55 or held <= 0:
            qty = Decimal(rng.randrange(1, 1000)) / 1000
            price = Decimal(rng.randrange(20_000, 60_000))
            tx = Transaction(
                EntryKind.TRADE,
                ts,
                (Movement(account, "BTC", qty), Movement(account, "USD", -(qty * price))),
                fees=(Movement(account, "USD", -Decimal("1.25")),),
                source="bench",
            )
            key = tx.content_key()
            lots.append([lot_id_of(key, 0), qty])
            held_by[account] += qty
            txs.append(tx)
            keys.append(key)
            continue
        else:
            top = lots[-1]
            qty = min(top[1], Decimal(rng.randrange(1, 1000)) / 1000)  # type: ignore[type-var]
            price = Decimal(rng.randrange(20_000, 60_000))
            fees = (Movement(account, "BNB", -Decimal("0.001")),) if i % 7 == 0 else ()
            tx = Transaction(
                EntryKind.TRADE,
                ts,
                (Movement(account, "BTC", -qty), Movement(account, "USD", qty * price)),
                fees=fees,
                source="bench",
            )
            key = tx.content_key()
            selections[disposal_ref(key)] = {str(top[0]): qty}  # type: ignore[dict-item]
            top[1] -= qty  # type: ignore[operator]
            held_by[account] -= qty
            if top[1] == 0:
                lots.pop()
            txs.append(tx)
            keys.append(key)
            continue
        txs.append(tx)
        keys.append(tx.content_key())
    return txs, keys, selections


def _consume_fifo(lots: list[list[object]], qty: Decimal, into: list[list[object]]) -> None:
    while qty > 0:
        lot = lots[0]
        part = min(lot[1], qty)  # type: ignore[type-var]
        lot[1] -= part  # type: ignore[operator]
        qty -= part
        into.insert(0, [lot[0], part])  # arrives as an old lot: named last by the generator
        if lot[1] == 0:
            lots.pop(0)


def _bnb(asset: str, _ms: int) -> PriceResult:
    return Priced(Decimal("300"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument(
        "--methods",
        default=",".join(m.value for m in CostBasisMethod),
        help="comma-separated methods to run ('' runs none: the cost of generating the ledger)",
    )
    parser.add_argument("--no-warm-up", action="store_true", help="skip the warm-up run")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per method (the machine's load varies)"
    )
    args = parser.parse_args()
    methods = [CostBasisMethod(m) for m in args.methods.split(",") if m]
    started = time.perf_counter()
    txs, keys, selections = synthetic(args.n)
    print(f"generated {len(txs):,} transactions in {time.perf_counter() - started:.1f} s")
    gc.collect()
    gc.freeze()  # the ledger lives for the whole bench: keep it out of the collector's way
    # The first run also pays for the allocator growing its arenas; it is shown as warm-up.
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    runs = [(m.value, m) for m in methods for _ in range(args.repeat)]
    best: dict[str, float] = {}
    if methods and not args.no_warm_up:
        runs.insert(0, ("warm-up", CostBasisMethod.FIFO))
    for label, method in runs:
        config = CostBasisConfig(method=method)
        started = time.perf_counter()
        cpu_started = time.process_time()
        result = compute_cost_basis(
            txs,
            config,
            prices=_bnb,
            keys=keys,
            selections=selections if method is CostBasisMethod.SPECIFIC_ID else None,
        )
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        print(
            f"{label:12s} {seconds:6.2f} s (cpu {cpu_seconds:5.2f} s)  legs={len(result.legs):,} "
            f"unmatched={len(result.unmatched)} open_lots={len(result.open_lots):,}"
        )
        del result  # free it before the next timing starts
        if label != "warm-up":
            best[label] = min(best.get(label, cpu_seconds), cpu_seconds)
    if args.repeat > 1:
        print("best CPU seconds of", args.repeat, "runs:")
        for label, cpu_seconds in best.items():
            print(f"{label:12s} {cpu_seconds:5.2f} s")


if __name__ == "__main__":
    main()
