"""An in-process venue on a TestClock for node tests: a MatchingEngine with a maker account that
makes the book and prints trades, and an account the node trades."""

from __future__ import annotations

from decimal import Decimal

from tradewind.core.clock import TestClock
from tradewind.venues.inprocess import InProcessAdapter
from tradewind.venues.sim.clock import ManualClock
from tradewind.venues.sim.engine import MatchingEngine, NewOrder, Side, SymbolSpec, TimeInForce
from tradewind.venues.sim.engine import OrderType as SimType

T0 = 1_700_000_000_000_000_000

BTC_SPEC = SymbolSpec(
    symbol="BTCUSDT",
    base_asset="BTC",
    quote_asset="USDT",
    tick_size=Decimal("0.01"),
    step_size=Decimal("0.00001"),
    min_qty=Decimal("0.00001"),
    min_notional=Decimal("5"),
    max_num_orders=100_000,
)


class Venue:
    """A MatchingEngine on ``clock`` with a two-sided BTCUSDT book (bid 94000, ask 96000)."""

    def __init__(self, clock: TestClock, name: str = "inproc") -> None:
        self.clock = clock
        self.engine = MatchingEngine([BTC_SPEC], ManualClock(clock=clock).now_ms)
        for account, assets in (
            ("maker", {"BTC": "1000", "USDT": "100000000"}),
            ("node", {"BTC": "10", "USDT": "10000000"}),
        ):
            self.engine.create_account(account)
            for asset, amount in assets.items():
                self.engine.credit(account, asset, Decimal(amount))
        self.place(Side.BUY, "94000", "1")
        self.place(Side.SELL, "96000", "1")
        self.adapter = InProcessAdapter(self.engine, "node", venue=name, clock=clock)

    def place(self, side: Side, price: str, qty: str, account: str = "maker") -> None:
        """A resting limit order (or a taker, if it crosses) by ``account``."""
        self.engine.place(
            account,
            NewOrder(
                "BTCUSDT",
                side,
                SimType.LIMIT,
                Decimal(qty),
                price=Decimal(price),
                time_in_force=TimeInForce.GTC,
            ),
        )

    def open_orders(self) -> list[tuple[str, Decimal]]:
        """The node account's open orders as (client id, price)."""
        return [
            (view.client_order_id, view.price)
            for view in self.engine.open_orders("node", "BTCUSDT")
        ]
