"""hftbacktest 2.4 on the backtester comparison hour: events per second and peak memory.

    .venv/bin/pip install -e '.[bench]'     (hftbacktest 2.4, numba)
    .venv/bin/python bench/backtest_data.py .benchdata/hour            (once; ~45 MB)
    .venv/bin/python bench/bench_backtest_hftbacktest.py .benchdata/hour [--runs 3]

The data set of bench/backtest_data.py (a 40-level snapshot, 360,000 Binance diff events with
about 525,000 level deltas, 36,000 trades) is converted once to hftbacktest's event array (one
row per level delta or trade, exchange and local timestamps equal: no feed latency; the snapshot
as DEPTH_SNAPSHOT events), saved as .npz next to the data and loaded by the runs. Two runs,
each in a fresh process so the peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) is that
run's own:
  quoter       a numba strategy: on every feed event, if the best bid (ask) moved, cancel the
               resting bid (ask) and post one 0.001 BTC GTX (post-only) one tick under the best
               bid (over the best ask); a HashMapMarketDepthBacktest with the risk-averse queue
               model, no partial fills, zero order latency, maker/taker fees 0.02%/0.04%
  no strategy  the same backtest stepped with wait_next_feed and nothing else
events/s = (diff events + trades) / wall time (and per CPU-second of the process, which a
loaded machine distorts less) of the backtest loop (numba compiled beforehand
on the --small data set, so compilation is not counted); rows/s counts hftbacktest's own rows
(level deltas + trades). Figures in docs/performance.md.
Recorded (2 shared cores at load 6-11, hftbacktest 2.4.4), per CPU-second / wall:
  quoter 1,748,491 / 533,687 events/s, 72,196 orders, peak RSS 381 MB; no strategy
  4,320,291 / 1,182,844 events/s, 381 MB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

SIZE = 0.001
TICK = 0.01
LOT = 0.00001


def load_events(directory: Path) -> tuple[Any, Any, int]:
    """(snapshot rows, event rows, diff events + trades) in hftbacktest's event_dtype."""
    from hftbacktest import (
        BUY_EVENT,
        DEPTH_EVENT,
        DEPTH_SNAPSHOT_EVENT,
        EXCH_EVENT,
        LOCAL_EVENT,
        SELL_EVENT,
        TRADE_EVENT,
    )
    from hftbacktest.binding import event_dtype

    both = EXCH_EVENT | LOCAL_EVENT
    snapshot = json.loads((directory / "snapshot.json").read_text())
    lines = (directory / "depth.jsonl").read_text().splitlines()
    first_ns = json.loads(lines[0])["E"] * 1_000_000 - 1
    snap_rows = [
        (both | DEPTH_SNAPSHOT_EVENT | BUY_EVENT, first_ns, first_ns, float(p), float(q), 0, 0, 0.0)
        for p, q in snapshot["bids"]
    ] + [
        (
            both | DEPTH_SNAPSHOT_EVENT | SELL_EVENT,
            first_ns,
            first_ns,
            float(p),
            float(q),
            0,
            0,
            0.0,
        )
        for p, q in snapshot["asks"]
    ]
    rows: list[tuple[int, int, int, float, float, int, int, float]] = []
    for line in lines:
        event = json.loads(line)
        ts = event["E"] * 1_000_000
        for p, q in event["b"]:
            rows.append((both | DEPTH_EVENT | BUY_EVENT, ts, ts, float(p), float(q), 0, 0, 0.0))
        for p, q in event["a"]:
            rows.append((both | DEPTH_EVENT | SELL_EVENT, ts, ts, float(p), float(q), 0, 0, 0.0))
    trades = 0
    for line in (directory / "trades.csv").read_text().splitlines():
        _id, price, qty, _quote, time_ms, buyer_is_maker, _best = line.split(",")
        ts = int(time_ms) * 1_000_000
        aggressor = SELL_EVENT if buyer_is_maker == "True" else BUY_EVENT
        rows.append((both | TRADE_EVENT | aggressor, ts, ts, float(price), float(qty), 0, 0, 0.0))
        trades += 1
    events = np.array(rows, dtype=event_dtype)
    events = events[np.argsort(events["exch_ts"], kind="stable")]
    return np.array(snap_rows, dtype=event_dtype), events, len(lines) + trades


def convert(directory: Path) -> tuple[Path, Path, int]:
    """Write (once) the data set as hftbacktest .npz files; return them and the message count.

    hftbacktest's own workflow: convert offline, then the backtest loads the .npz, so the
    runs' peak memory is hftbacktest's and not that of the JSON parsing here.
    """
    events_path = directory / "hftbacktest_events.npz"
    snapshot_path = directory / "hftbacktest_snapshot.npz"
    count_path = directory / "hftbacktest_messages.txt"
    if not count_path.exists():
        snapshot, events, messages = load_events(directory)
        np.savez(events_path, data=events)
        np.savez(snapshot_path, data=snapshot)
        count_path.write_text(f"{messages}\n")
    return events_path, snapshot_path, int(count_path.read_text())


def build_backtest(snapshot: Path, events: Path) -> Any:
    from hftbacktest import BacktestAsset, HashMapMarketDepthBacktest

    asset = (
        BacktestAsset()
        .data([str(events)])
        .initial_snapshot(str(snapshot))
        .linear_asset(1.0)
        .constant_order_latency(0, 0)
        .risk_adverse_queue_model()
        .no_partial_fill_exchange()
        .trading_value_fee_model(0.0002, 0.0004)
        .tick_size(TICK)
        .lot_size(LOT)
        .last_trades_capacity(0)
    )
    return HashMapMarketDepthBacktest([asset])


def compiled_loops() -> tuple[Any, Any]:
    from hftbacktest import GTX, LIMIT
    from numba import njit

    @njit
    def quoter(hbt: Any, size: float) -> tuple[int, int]:
        feeds = 0
        orders = 0
        next_id = 1
        bid_id = 0
        ask_id = 0
        last_bid = 0
        last_ask = 0
        timeout = 3_600_000_000_000_000
        while True:
            status = hbt.wait_next_feed(True, timeout)
            if status == 1:
                break
            if status != 2 and status != 3:
                continue
            if status == 2:
                feeds += 1
            depth = hbt.depth(0)
            best_bid = depth.best_bid_tick
            best_ask = depth.best_ask_tick
            if best_bid != last_bid:
                if bid_id != 0:
                    hbt.cancel(0, bid_id, False)
                bid_id = next_id
                next_id += 1
                price = (best_bid - 1) * depth.tick_size
                hbt.submit_buy_order(0, bid_id, price, size, GTX, LIMIT, False)
                orders += 1
                last_bid = best_bid
            if best_ask != last_ask:
                if ask_id != 0:
                    hbt.cancel(0, ask_id, False)
                ask_id = next_id
                next_id += 1
                price = (best_ask + 1) * depth.tick_size
                hbt.submit_sell_order(0, ask_id, price, size, GTX, LIMIT, False)
                orders += 1
                last_ask = best_ask
            hbt.clear_inactive_orders(0)
        return feeds, orders

    @njit
    def no_strategy(hbt: Any) -> tuple[int, int]:
        feeds = 0
        while hbt.wait_next_feed(False, 3_600_000_000_000_000) != 1:
            feeds += 1
        return feeds, 0

    return quoter, no_strategy


def child(directory: Path, mode: str, warm_directory: Path | None) -> dict[str, object]:
    quoter, no_strategy = compiled_loops()
    if warm_directory is not None:  # compile the numba loop on a small data set first
        events, snapshot, _ = convert(warm_directory)
        hbt = build_backtest(snapshot, events)
        quoter(hbt, SIZE) if mode == "quoter" else no_strategy(hbt)
        hbt.close()
    events, snapshot, messages = convert(directory)
    rows = len(np.load(events)["data"])
    hbt = build_backtest(snapshot, events)
    started = time.perf_counter()
    cpu_started = time.process_time()
    feeds, orders = quoter(hbt, SIZE) if mode == "quoter" else no_strategy(hbt)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    position = hbt.position(0)
    values = hbt.state_values(0)
    trades = int(values.num_trades)
    hbt.close()
    return {
        "mode": mode,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "events_per_cpu_s": messages / cpu_seconds,
        "messages": messages,
        "rows": rows,
        "feeds": int(feeds),
        "orders": int(orders),
        "fills": trades,
        "position": float(position),
        "events_per_s": messages / seconds,
        "rows_per_s": rows / seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="written by bench/backtest_data.py")
    parser.add_argument("--runs", type=int, default=1, help="best of N fresh processes per mode")
    parser.add_argument("--child", choices=("quoter", "none"), help=argparse.SUPPRESS)
    parser.add_argument("--warm", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.directory, args.child, args.warm)))
        return
    warm = args.directory.parent / (args.directory.name + "-small")
    if not (warm / "depth.jsonl").exists():
        subprocess.run(
            [
                sys.executable,
                str(Path(__file__).with_name("backtest_data.py")),
                str(warm),
                "--small",
            ],
            check=True,
        )
    convert(args.directory)  # in this process, so the runs below only load the .npz
    convert(warm)
    for mode in ("quoter", "none"):
        best: dict[str, Any] | None = None
        for _ in range(args.runs):
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    str(args.directory),
                    "--child",
                    mode,
                    "--warm",
                    str(warm),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            if best is None or result["events_per_s"] > best["events_per_s"]:
                best = result
        assert best is not None
        print(
            f"hftbacktest {mode:>7}: {best['events_per_s']:>12,.0f} events/s "
            f"({best['messages']:,} diff events + trades in {best['seconds']:.3f} s wall, "
            f"{best['events_per_cpu_s']:,.0f} per CPU-second; "
            f"{best['rows_per_s']:,.0f} rows/s over {best['rows']:,} rows), "
            f"orders {best['orders']:,}, fills {best['fills']:,}, "
            f"peak RSS {best['peak_rss_mb']:,.0f} MB"
        )


if __name__ == "__main__":
    main()
