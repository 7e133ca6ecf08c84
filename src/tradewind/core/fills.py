"""Fills: one execution reported by a venue, identified by (venue, trade id)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradewind.core import _checks
from tradewind.core.enums import LiquiditySide, OrderSide

__all__ = ["Fill", "FillKey"]

FillKey = tuple[str, str, str]
"""(venue, symbol, trade id): venues number trades per symbol, so the id alone collides."""
"""(venue, trade id): what makes a fill unique."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Fill:
    """One execution. ``price`` in quote per base, ``qty`` in base, ``fee`` in ``fee_asset``.

    ``client_order_id`` is None for an order we did not place (manual, another system).
    """

    venue: str
    symbol: str
    trade_id: str
    venue_order_id: str
    client_order_id: str | None
    side: OrderSide
    price: Decimal
    qty: Decimal
    fee: Decimal
    fee_asset: str
    liquidity_side: LiquiditySide = LiquiditySide.UNKNOWN
    ts_event: int

    def __post_init__(self) -> None:
        _checks.text(self, "venue", self.venue)
        _checks.text(self, "symbol", self.symbol)
        _checks.text(self, "trade_id", self.trade_id)
        _checks.text(self, "venue_order_id", self.venue_order_id)
        _checks.positive(self, "price", self.price)
        _checks.positive(self, "qty", self.qty)
        # a negative fee is a rebate, which some venues pay to makers
        _checks.finite(self, "fee", self.fee)
        _checks.text(self, "fee_asset", self.fee_asset)
        _checks.timestamp(self, "ts_event", self.ts_event)

    @property
    def key(self) -> FillKey:
        return (self.venue, self.symbol, self.trade_id)

    @property
    def notional(self) -> Decimal:
        """price × qty in quote units, exact."""
        return self.price * self.qty
