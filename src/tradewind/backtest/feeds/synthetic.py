"""Synthetic markets as feeds.

``SimMarketFeed``: the sim's own seeded market process (a jump-diffusion mid with books of
``levels`` levels and trades taken from the touch, tradewind.venues.sim.market.replay
``record_sample``), written to a temporary recording and read back: exactly what ``tradewind
sim`` would replay for that seed.

``StylisedFeed``: the textbook market of Avellaneda–Stoikov experiments. The mid is an
arithmetic Brownian motion (``sigma`` quote units per √s); every ``step_ms`` the book is
``levels`` levels a side of ``level_qty`` around it (a snapshot), and market orders arrive per
side as a Poisson process of rate ``A`` per second, each reaching a depth δ from the mid drawn
from an exponential of rate ``k`` — so orders reaching at least δ arrive with intensity
``A·e^(−kδ)``. Each prints ``trade_qty`` at the deepest level within its reach (none if it does
not reach the touch). Draws come from one ``random.Random(seed)``.
"""

from __future__ import annotations

import math
import random
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from tradewind.backtest.feeds.events import DepthEvent, MarketEvent, TradeEvent
from tradewind.backtest.feeds.sim_recording import SimRecordingFeed
from tradewind.backtest.units import Scale
from tradewind.venues.sim.market.replay import record_sample

__all__ = ["SimMarketFeed", "StylisedFeed"]

_MS = 1_000_000


class SimMarketFeed:
    """The sim's seeded market for ``symbol`` (one the sim knows, e.g. "BTCUSDT")."""

    def __init__(
        self,
        scale: Scale,
        *,
        symbol: str,
        seed: int,
        start_ms: int,
        duration_ms: int,
        book_interval_ms: int = 1_000,
        levels: int = 10,
        trades_per_interval: int = 2,
    ) -> None:
        self._scale = scale
        self._symbol = symbol
        self._args = {
            "seed": seed,
            "start_ms": start_ms,
            "duration_ms": duration_ms,
            "book_interval_ms": book_interval_ms,
            "levels": levels,
            "trades_per_interval": trades_per_interval,
        }

    @property
    def source(self) -> str:
        return f"sim-market:{self._symbol}"

    def events(self) -> Iterator[MarketEvent]:
        with tempfile.TemporaryDirectory(prefix="tradewind-sim-market-") as folder:
            path = Path(folder) / "market.jsonl"
            record_sample(path, symbols=(self._symbol,), **self._args)  # type: ignore[arg-type]
            yield from SimRecordingFeed(path, self._scale, symbol=self._symbol).events()


class StylisedFeed:
    """Arithmetic Brownian mid and Poisson ``A·e^(−kδ)`` market orders (see module doc)."""

    def __init__(
        self,
        scale: Scale,
        *,
        seed: int,
        start_ms: int,
        duration_ms: int,
        mid: Decimal,
        sigma: float,
        intensity_a: float,
        decay_k: float,
        step_ms: int,
        levels: int,
        level_qty: Decimal,
        trade_qty: Decimal,
    ) -> None:
        self._scale = scale
        self._seed = seed
        self._start_ms = start_ms
        self._duration_ms = duration_ms
        self._mid = mid
        self._sigma = sigma
        self._a = intensity_a
        self._k = decay_k
        self._step_ms = step_ms
        self._levels = levels
        self._level_lots = scale.lots_of(level_qty)
        self._trade_lots = scale.lots_of(trade_qty)

    @property
    def source(self) -> str:
        return "stylised"

    def events(self) -> Iterator[MarketEvent]:
        rng = random.Random(self._seed)
        tick = float(self._scale.tick_size)
        mid = float(self._mid) / tick  # in ticks
        dt = self._step_ms / 1000
        sigma_step = self._sigma / tick * math.sqrt(dt)
        k_ticks = self._k * tick  # decay per tick of distance
        rate = self._a * dt
        levels, qty, trade_qty = self._levels, self._level_lots, self._trade_lots
        for step in range(self._duration_ms // self._step_ms):
            ts = (self._start_ms + step * self._step_ms) * _MS
            mid += sigma_step * rng.gauss(0.0, 1.0)
            best_bid = math.floor(mid) if math.floor(mid) < mid else int(mid) - 1
            best_ask = best_bid + 1 if best_bid + 1 > mid else best_bid + 2
            bids = [(best_bid - i, qty) for i in range(levels)]
            asks = [(best_ask + i, qty) for i in range(levels)]
            yield DepthEvent(ts, bids, asks, snapshot=True)
            for taker_buys in (True, False):
                for n in range(_poisson(rng, rate)):
                    reach = rng.expovariate(k_ticks)  # ticks from the mid
                    if taker_buys:
                        deepest = math.floor(mid + reach)
                        if deepest < best_ask:
                            continue
                        price = min(deepest, best_ask + levels - 1)
                    else:
                        deepest = math.ceil(mid - reach)
                        if deepest > best_bid:
                            continue
                        price = max(deepest, best_bid - levels + 1)
                    yield TradeEvent(
                        ts, price, trade_qty, taker_buys, f"{step}-{int(taker_buys)}-{n}"
                    )


def _poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
