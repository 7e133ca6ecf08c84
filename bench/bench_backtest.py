"""Backtester throughput: market-data events per second replaying Binance-format data
(``snapshot.json`` 40 levels, ``depth.jsonl`` diff events, ``trades.csv`` dump rows without a
header) with no strategy and with the naive quoter (bench/naive_quoter.py), plus peak memory.

    .venv/bin/python bench/bench_backtest.py --data DIR          # existing data
    .venv/bin/python bench/bench_backtest.py --seconds 600       # generate that much first

Each mode is timed twice: parsing the files during the run, and with the data preloaded
(``BacktestEngine.preload``) so the replay alone is timed, as NautilusTrader's figures are (its
data is loaded before ``run``). Data: bench/backtest_data.py when present (the comparison
benches' generator) for --seconds 60 or 3600, else the test fixtures' generator
(tests/backtest/binance_data.py).
Each mode runs in its own process so its peak RSS is its own. Events/s counts depth and trade
events, as the engine counts them.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]


def _config(data: Path, quoter: bool) -> dict[str, object]:
    strategies = (
        [
            {
                "class": "naive_quoter:NaiveQuoter",
                "id": "naive",
                "config": {"instrument": "BTC/USDT@binance", "quantity": "0.001", "tick": "0.01"},
            }
        ]
        if quoter
        else []
    )
    return {
        "run_id": "bench",
        "seed": 1,
        "venues": {
            "binance": {
                "balances": {"USDT": "100000000", "BTC": "1000"},
                "fees": {"maker_bps": "1", "taker_bps": "5"},
                "instruments": [
                    {"symbol": "BTC/USDT", "tick_size": "0.01", "step_size": "0.00001"}
                ],
            }
        },
        "feeds": [
            {
                "kind": "binance",
                "venue": "binance",
                "symbol": "BTC/USDT",
                "snapshot": str(data / "snapshot.json"),
                "depth": str(data / "depth.jsonl"),
                "trades": [str(data / "trades.csv")],
            }
        ],
        "strategies": strategies,
    }


def _run(
    data: str,
    quoter: bool,
    preload: bool,
    queue: multiprocessing.Queue[tuple[int, float, float, int, int, int]],
) -> None:
    from tradewind.backtest.build import build_engine
    from tradewind.backtest.config import parse_backtest_config
    from tradewind.common.logging import configure_logging

    configure_logging(level="warning")
    engine = build_engine(parse_backtest_config(_config(Path(data), quoter)))
    if preload:
        engine.preload()  # parse the files first: what follows times the replay alone
    started = time.perf_counter()
    cpu_started = time.process_time()
    record = asyncio.run(engine.run())
    cpu = time.process_time() - cpu_started
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((record.events, elapsed, cpu, peak_kib, len(record.orders), len(record.fills)))


def _measure(data: Path, quoter: bool, preload: bool) -> tuple[int, float, float, int, int, int]:
    queue: multiprocessing.Queue[tuple[int, float, float, int, int, int]] = multiprocessing.Queue()
    process = multiprocessing.get_context("fork").Process(
        target=_run, args=(str(data), quoter, preload, queue)
    )
    process.start()
    result = queue.get()
    process.join()
    return result


def _generate(folder: Path, seconds: float) -> None:
    if seconds in (60, 3600):
        # the comparison benches' data set (its minute or its hour), so figures compare
        import backtest_data

        backtest_data.generate(folder, seed=16, small=seconds == 60)
        print("data: bench/backtest_data.py (seed 16)")
        return
    from tests.backtest.binance_data import write_binance_data

    write_binance_data(folder, seconds=seconds)
    print("data: tests/backtest/binance_data.py")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, help="folder with snapshot.json, depth.jsonl, trades.csv"
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="data to generate (no --data)")
    parser.add_argument(
        "--skip-quoter-preload", action="store_true", help="time the quoter on files only"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            data = Path(tmp)
            started = time.perf_counter()
            _generate(data, args.seconds)
            print(f"generated {args.seconds:g} s of data in {time.perf_counter() - started:.1f} s")
        for quoter in (False, True):
            for preload in (False, True):
                if quoter and preload and args.skip_quoter_preload:
                    continue
                events, elapsed, cpu, peak_kib, orders, fills = _measure(data, quoter, preload)
                label = "naive quoter" if quoter else "no strategy "
                mode = "replay only (preloaded)" if preload else "files parsed during the run"
                print(
                    f"{label}, {mode:28}: {events:>9,} events in {elapsed:7.2f} s = "
                    f"{events / elapsed:>9,.0f} events/s ({events / cpu:,.0f} per CPU-second), "
                    f"peak RSS {peak_kib / 1024:,.0f} MiB, orders {orders:,}, fills {fills:,}"
                )


if __name__ == "__main__":
    main()
