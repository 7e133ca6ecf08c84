"""Orders as immutable snapshots; the OMS state machine produces the next snapshot from an event."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from tradewind.core import _checks
from tradewind.core.enums import OrderSide, OrderStatus, OrderType, TimeInForce
from tradewind.core.errors import DomainValueError

__all__ = ["Order"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Order:
    """One order's state. Quantities in base units, prices in quote units per base unit.

    ``filled_notional`` is the exact sum of price × quantity over fills, so the average fill
    price is derived rather than accumulated (an accumulated average drifts).
    """

    client_order_id: str
    strategy_id: str
    venue: str
    symbol: str
    side: OrderSide
    order_type: OrderType
    quantity: Decimal
    price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    status: OrderStatus = OrderStatus.PENDING_NEW
    venue_order_id: str | None = None
    filled_qty: Decimal = Decimal(0)
    filled_notional: Decimal = Decimal(0)
    ts_init: int
    ts_last: int

    def __post_init__(self) -> None:
        _checks.text(self, "client_order_id", self.client_order_id)
        _checks.text(self, "strategy_id", self.strategy_id)
        _checks.text(self, "venue", self.venue)
        _checks.text(self, "symbol", self.symbol)
        _checks.positive(self, "quantity", self.quantity)
        _checks.non_negative(self, "filled_qty", self.filled_qty)
        _checks.non_negative(self, "filled_notional", self.filled_notional)
        _checks.timestamp(self, "ts_init", self.ts_init)
        _checks.timestamp(self, "ts_last", self.ts_last)
        if self.order_type.has_price:
            _checks.positive(self, "price", self.price)
        elif self.price is not None:
            raise DomainValueError("Order", "price", "a market order carries no price")
        if self.filled_qty > self.quantity:
            raise DomainValueError(
                "Order", "filled_qty", f"{self.filled_qty} exceeds quantity {self.quantity}"
            )

    @property
    def leaves_qty(self) -> Decimal:
        """Quantity still to fill."""
        return self.quantity - self.filled_qty

    @property
    def avg_fill_price(self) -> Decimal | None:
        """Average fill price, or None before the first fill."""
        if self.filled_qty == 0:
            return None
        return self.filled_notional / self.filled_qty

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    def evolve(self, **changes: Any) -> Order:
        """A copy with ``changes`` applied (validated like a new order)."""
        return replace(self, **changes)
