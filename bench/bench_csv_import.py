"""CSV import rate: 100,000 generated Binance trade-history rows and Koinly rows; prints rows/s.

    .venv/bin/python bench/bench_csv_import.py [--rows 100000]

Times `load_csv` (read, validate every cell, build transactions, merge same-key twins) per
format on a file in a temporary folder. Aim: 100,000 rows in under 10 s.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from tradewind.portfolio.importers.csv_import import load_csv

_PAIRS = [("BTC", "USDT"), ("ETH", "USDT"), ("ETH", "BTC"), ("SOL", "FDUSD"), ("1INCH", "USDT")]


def _when(i: int) -> str:
    second = 1_700_000_000 + i * 7
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(second))


def binance_rows(n: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    lines = ['"Date(UTC)","Pair","Side","Price","Executed","Amount","Fee"']
    for i in range(n):
        base, quote = rng.choice(_PAIRS)
        qty = rng.randint(1, 10**8) / 10**6
        price = rng.randint(1, 10**6) / 100
        fee_asset = rng.choice([base, quote, "BNB"])
        lines.append(
            f'"{_when(i)}","{base}{quote}","{rng.choice(["BUY", "SELL"])}","{price:.2f}",'
            f'"{qty:.8f}{base}","{qty * price:.8f}{quote}","{qty / 1000:.8f}{fee_asset}"'
        )
    return "\n".join(lines) + "\n"


def koinly_rows(n: int, seed: int = 2) -> str:
    rng = random.Random(seed)
    lines = [
        "Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,"
        "Net Worth Amount,Net Worth Currency,Label,Description,TxHash"
    ]
    for i in range(n):
        qty = f"{rng.randint(1, 10**8) / 10**6:.6f}"
        kind = i % 4
        if kind == 0:
            row = f"{_when(i)} UTC,{qty},USDT,{qty},ETH,0.1,USDT,100,USD,,trade,"
        elif kind == 1:
            row = f"{_when(i)} UTC,,,{qty},ETH,,,,,reward,staking,"
        elif kind == 2:
            row = f"{_when(i)} UTC,{qty},BTC,,,0.0001,BTC,,,,withdraw,0x{i:064x}"
        else:
            row = f"{_when(i)} UTC,,,{qty},SOL,,,,,,deposit,0x{i:064x}"
        lines.append(row)
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for fmt, text in (("binance", binance_rows(args.rows)), ("koinly", koinly_rows(args.rows))):
            path = Path(folder) / f"{fmt}.csv"
            path.write_text(text)
            start = time.perf_counter()
            transactions = load_csv(path, fmt, f"{fmt}:bench")
            seconds = time.perf_counter() - start
            print(
                f"{fmt:8} {args.rows:>9,} rows  {seconds:6.2f} s  "
                f"{args.rows / seconds:>9,.0f} rows/s"
                f"  ({len(transactions):,} transactions)"
            )


if __name__ == "__main__":
    main()
