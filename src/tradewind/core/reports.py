"""Reports: what a venue says about orders and trades, the input of reconciliation."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradewind.core import _checks
from tradewind.core.enums import LiquiditySide, OrderSide, OrderStatus, OrderType
from tradewind.core.errors import DomainValueError
from tradewind.core.fills import Fill
from tradewind.core.messages import Report

__all__ = ["FillReport", "OrderStatusReport"]


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderStatusReport(Report):
    """The venue's view of one order. Quantities in base units, price in quote per base.

    ``client_order_id`` is None for an order placed outside Tradewind.
    """

    venue: str
    symbol: str
    venue_order_id: str
    client_order_id: str | None
    side: OrderSide
    order_type: OrderType
    status: OrderStatus
    quantity: Decimal
    filled_qty: Decimal
    price: Decimal | None = None

    def __post_init__(self) -> None:
        Report.__post_init__(self)
        _checks.text(self, "venue", self.venue)
        _checks.text(self, "symbol", self.symbol)
        _checks.text(self, "venue_order_id", self.venue_order_id)
        _checks.positive(self, "quantity", self.quantity)
        _checks.non_negative(self, "filled_qty", self.filled_qty)
        if self.filled_qty > self.quantity:
            raise DomainValueError(
                "OrderStatusReport", "filled_qty", f"{self.filled_qty} > quantity {self.quantity}"
            )
        if self.status is OrderStatus.PENDING_NEW or self.status is OrderStatus.PENDING_CANCEL:
            raise DomainValueError(
                "OrderStatusReport", "status", f"{self.status} is a local state, not a venue one"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class FillReport(Report):
    """The venue's record of one trade of one order (``client_order_id`` None if unknown)."""

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

    def __post_init__(self) -> None:
        Report.__post_init__(self)
        self.to_fill()  # validates every field the same way a Fill does

    def to_fill(self, client_order_id: str | None = None) -> Fill:
        """The trade as a Fill, optionally naming our order id when the venue did not."""
        return Fill(
            venue=self.venue,
            symbol=self.symbol,
            trade_id=self.trade_id,
            venue_order_id=self.venue_order_id,
            client_order_id=client_order_id or self.client_order_id,
            side=self.side,
            price=self.price,
            qty=self.qty,
            fee=self.fee,
            fee_asset=self.fee_asset,
            liquidity_side=self.liquidity_side,
            ts_event=self.ts_event,
        )
