"""Index desk journal: event encode / decode rate and SQLite append / replay rate.

    .venv/bin/python bench/bench_journal.py [--events 20000] [--repeat 3]

Builds ``--events`` index desk events in the mix a busy desk journals (per batch: 1 deposit,
1 order, 1 BatchPlanned of 3 legs and 3 targets, 6 LotRecorded, 1 BatchClosed), then times, best
of ``--repeat``: ``to_json`` of every event, ``decode_event`` of every payload (the codec's
checks included), ``DeskJournal.append_many`` into a fresh SQLite file in chunks of 1,000
(WAL, synchronous=FULL) and ``DeskJournal.replay`` of the whole journal (read + decode).
Prints events per second for each.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from eth_utils import to_checksum_address

from tradewind.common.logging import configure_logging
from tradewind.core.enums import OrderSide
from tradewind.desks.index.events import (
    BatchClosed,
    BatchPlanned,
    CollateralDeposited,
    IndexEvent,
    IndexOrderAccepted,
    LotRecorded,
    OrderKey,
    PlannedLeg,
    decode_event,
)
from tradewind.desks.index.journal import DeskJournal

SYMBOLS = ("BTC/USDT", "ETH/USDT", "SOL/USDT")
PRICES = {"BTC/USDT": Decimal("95000.01"), "ETH/USDT": Decimal("3100.5"), "SOL/USDT": Decimal(150)}


def history(count: int) -> list[IndexEvent]:
    """About ``count`` events, batch after batch (12 events a batch)."""
    events: list[IndexEvent] = []
    ts = 1_700_000_000_000_000_000
    batch = 0
    while len(events) < count:
        batch += 1
        address = to_checksum_address(f"0x{batch % 97 + 1:040x}")
        key = OrderKey(1, address, f"o-{batch}")
        ts += 1_000_000
        events.append(
            CollateralDeposited(
                deposit_id=f"d-{batch}",
                chain_id=1,
                address=address,
                asset="USDT",
                amount=Decimal("1000.12345678"),
                routing_fees=Decimal("0.5"),
                ts=ts,
            )
        )
        events.append(
            IndexOrderAccepted(
                chain_id=1,
                address=address,
                client_order_id=key.client_order_id,
                symbol="TW3",
                side=OrderSide.BUY,
                amount=Decimal(900),
                ts=ts + 1,
            )
        )
        quantities = {s: Decimal("0.00123") * (i + 1) for i, s in enumerate(SYMBOLS)}
        events.append(
            BatchPlanned.build(
                batch_id=f"b-{batch}",
                legs=[
                    PlannedLeg(
                        symbol=s,
                        side=OrderSide.BUY,
                        quantity=q,
                        limit_price=PRICES[s],
                        client_order_id=f"ix-{batch}-{i}",
                    )
                    for i, (s, q) in enumerate(quantities.items())
                ],
                targets={key: quantities},
                ts=ts + 2,
            )
        )
        for i, (symbol, qty) in enumerate(quantities.items()):
            for half in range(2):
                events.append(
                    LotRecorded(
                        venue="sim",
                        trade_id=f"{batch}-{i}-{half}",
                        batch_id=f"b-{batch}",
                        client_order_id=f"ix-{batch}-{i}",
                        symbol=symbol,
                        side=OrderSide.BUY,
                        price=PRICES[symbol],
                        qty=qty / 2,
                        fee=Decimal("0.00000047"),
                        fee_asset=symbol.split("/")[0],
                        ts=ts + 3 + half,
                    )
                )
        events.append(BatchClosed(batch_id=f"b-{batch}", ts=ts + 5))
    return events[:count]


def best_rate(count: int, repeat: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return count / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    configure_logging(level="WARNING")
    events = history(args.events)
    payloads = [event.to_json() for event in events]
    n = len(events)
    encode = best_rate(n, args.repeat, lambda: [event.to_json() for event in events])
    decode = best_rate(n, args.repeat, lambda: [decode_event(text) for text in payloads])

    folder = Path(tempfile.mkdtemp(prefix="bench-journal-"))
    runs = iter(range(args.repeat))

    def append() -> None:
        journal = DeskJournal.open(f"sqlite:///{folder / f'j{next(runs)}.sqlite'}")
        for start in range(0, n, 1000):
            journal.append_many(events[start : start + 1000])
        journal.close()

    appended = best_rate(n, args.repeat, append)
    journal = DeskJournal.open(f"sqlite:///{folder / 'j0.sqlite'}")
    replayed = best_rate(n, args.repeat, lambda: sum(1 for _ in journal.replay()))
    assert list(journal.replay()) == events
    journal.close()
    print(f"events: {n}")
    print(f"to_json:      {encode:>10,.0f} events/s")
    print(f"decode_event: {decode:>10,.0f} events/s")
    print(f"append_many:  {appended:>10,.0f} events/s (SQLite file, chunks of 1,000)")
    print(f"replay:       {replayed:>10,.0f} events/s (SQLite file, read + decode)")


if __name__ == "__main__":
    main()
