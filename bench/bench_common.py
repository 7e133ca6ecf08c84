"""What the tick-to-order and risk benchmarks share: the BTCUSDT symbol of their in-process
venue and the percentile they report (nearest rank)."""

from __future__ import annotations

from decimal import Decimal

from tradewind.venues.sim.engine import SymbolSpec

SPEC = SymbolSpec(
    symbol="BTCUSDT",
    base_asset="BTC",
    quote_asset="USDT",
    tick_size=Decimal("0.01"),
    step_size=Decimal("0.00001"),
    min_qty=Decimal("0.00001"),
    min_notional=Decimal("5"),
    max_num_orders=100_000,
)


def percentile(samples: list[int], pct: float) -> int:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]
