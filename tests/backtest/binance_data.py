"""A small seeded generator of Binance-format test data: ``snapshot.json`` (40 levels a side),
``depth.jsonl`` (diff-depth events at 100 Hz, 20 levels a side, one-tick spread, the mid moving
1-3 ticks every tenth update) and ``trades.csv`` (the dumps' format without a header, 10 Hz, at
the touch or one or two ticks through it). Prices in ticks of 0.01 around 30000."""

from __future__ import annotations

import json
import random
from pathlib import Path

__all__ = ["write_binance_data"]

_LOT = 10**-5


def _qty(rng: random.Random) -> str:
    return f"{rng.randint(1, 200_000) * _LOT:.5f}"


def _price(ticks: int) -> str:
    return f"{ticks // 100}.{ticks % 100:02d}"


def write_binance_data(
    directory: Path, *, seconds: float = 10.0, seed: int = 7, start_ms: int = 1_700_000_000_000
) -> dict[str, int]:
    """Write the three files into ``directory``; returns counts of depth updates and trades."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    best_bid = 3_000_000
    bids = {best_bid - i: _qty(rng) for i in range(40)}
    asks = {best_bid + 1 + i: _qty(rng) for i in range(40)}
    update_id = 1_000
    snapshot = {
        "lastUpdateId": update_id,
        "bids": [[_price(p), bids[p]] for p in sorted(bids, reverse=True)],
        "asks": [[_price(p), asks[p]] for p in sorted(asks)],
    }
    (directory / "snapshot.json").write_text(json.dumps(snapshot), encoding="utf-8")
    steps = int(seconds * 100)
    depth_lines: list[str] = []
    trade_lines: list[str] = []
    trade_id = 1
    for step in range(steps):
        ts = start_ms + step * 10
        b: list[list[str]] = []
        a: list[list[str]] = []
        if step % 10 == 9:
            move = rng.choice((-3, -2, -1, 1, 2, 3))
            new_bid = best_bid + move
            if move > 0:
                for p in range(best_bid + 1, new_bid + 1):
                    asks.pop(p, None)
                    a.append([_price(p), "0"])
                    bids[p] = _qty(rng)
                    b.append([_price(p), bids[p]])
            else:
                for p in range(new_bid + 1, best_bid + 1):
                    bids.pop(p, None)
                    b.append([_price(p), "0"])
                    asks[p] = _qty(rng)
                    a.append([_price(p), asks[p]])
            best_bid = new_bid
        else:
            for _ in range(rng.choice((1, 1, 2))):
                if rng.random() < 0.5:
                    p = best_bid - rng.randrange(20)
                    bids[p] = _qty(rng)
                    b.append([_price(p), bids[p]])
                else:
                    p = best_bid + 1 + rng.randrange(20)
                    asks[p] = _qty(rng)
                    a.append([_price(p), asks[p]])
        update_id += 1
        depth_lines.append(
            json.dumps(
                {
                    "e": "depthUpdate",
                    "E": ts,
                    "s": "BTCUSDT",
                    "U": update_id,
                    "u": update_id,
                    "b": b,
                    "a": a,
                },
                separators=(",", ":"),
            )
        )
        if step % 10 == 4:
            buy = rng.random() < 0.5
            through = rng.choice((0, 0, 0, 1, 2))
            price = best_bid + 1 + through if buy else best_bid - through
            qty = rng.randint(1, 50_000) * _LOT
            trade_lines.append(
                f"{trade_id},{_price(price)},{qty:.5f},{qty * price / 100:.8f},{ts + 5},"
                f"{'False' if buy else 'True'},True"
            )
            trade_id += 1
    (directory / "depth.jsonl").write_text("\n".join(depth_lines) + "\n", encoding="utf-8")
    (directory / "trades.csv").write_text("\n".join(trade_lines) + "\n", encoding="utf-8")
    return {"depth": len(depth_lines), "trades": len(trade_lines)}
