"""What the tick-to-order, risk and dashboard benchmarks share: the BTCUSDT symbol of their
in-process venue, its matching engine seeded with a resting bid and ask, and the percentile they
report (nearest rank)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from tradewind.core.clock import TestClock
from tradewind.venues.inprocess import InProcessAdapter
from tradewind.venues.sim.clock import ManualClock
from tradewind.venues.sim.engine import MatchingEngine, NewOrder, Side, SymbolSpec, TimeInForce
from tradewind.venues.sim.engine import OrderType as SimType

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


def seeded_engine(now_ms: Callable[[], int], trader: str, maker_size: Decimal) -> MatchingEngine:
    """A BTCUSDT matching engine on ``now_ms``: a "maker" account rests ``maker_size`` BTC at
    94,000 (bid) and 96,000 (ask), and ``trader`` is funded with 10 BTC and 10,000,000 USDT."""
    venue = MatchingEngine([SPEC], now_ms)
    for account, assets in (("maker", {"BTC": "1000", "USDT": "100000000"}),
                            (trader, {"BTC": "10", "USDT": "10000000"})):  # fmt: skip
        venue.create_account(account)
        for asset, amount in assets.items():
            venue.credit(account, asset, Decimal(amount))
    for side, price in ((Side.BUY, "94000"), (Side.SELL, "96000")):
        maker = NewOrder("BTCUSDT", side, SimType.LIMIT, maker_size, price=Decimal(price),
                         time_in_force=TimeInForce.GTC)  # fmt: skip
        venue.place("maker", maker)
    return venue


def seeded_venue(clock: TestClock, maker_size: Decimal) -> InProcessAdapter:
    """``seeded_engine`` on ``clock`` behind an in-process adapter trading as "node"."""
    venue = seeded_engine(ManualClock(clock=clock).now_ms, "node", maker_size)
    return InProcessAdapter(venue, "node", venue="inproc", clock=clock)


def percentile(samples: list[int], pct: float) -> int:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]
