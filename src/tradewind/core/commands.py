"""Commands, named with verbs: what a component asks an execution client to do."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradewind.core import _checks
from tradewind.core.enums import OrderSide, OrderType, TimeInForce
from tradewind.core.errors import DomainValueError
from tradewind.core.messages import Command

__all__ = ["CancelAllOrders", "CancelOrder", "ModifyOrder", "SubmitOrder"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitOrder(Command):
    """Place an order. Quantity in base units, price in quote per base (None for market).

    ``client_order_id`` is deterministic (tradewind.oms.client_ids), so resending this command
    names the same order.
    """

    strategy_id: str
    client_order_id: str
    venue: str
    symbol: str
    side: OrderSide
    order_type: OrderType
    quantity: Decimal
    price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC

    def __post_init__(self) -> None:
        Command.__post_init__(self)
        for name in ("strategy_id", "client_order_id", "venue", "symbol"):
            _checks.text(self, name, getattr(self, name))
        _checks.positive(self, "quantity", self.quantity)
        if self.order_type.has_price:
            _checks.positive(self, "price", self.price)
        elif self.price is not None:
            raise DomainValueError("SubmitOrder", "price", "a market order carries no price")


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOrder(Command):
    """Cancel one order, named by our id (and the venue's, when known)."""

    venue: str
    symbol: str
    client_order_id: str
    venue_order_id: str | None = None

    def __post_init__(self) -> None:
        Command.__post_init__(self)
        for name in ("venue", "symbol", "client_order_id"):
            _checks.text(self, name, getattr(self, name))


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelAllOrders(Command):
    """Cancel every open order of ``symbol`` on ``venue``."""

    venue: str
    symbol: str

    def __post_init__(self) -> None:
        Command.__post_init__(self)
        _checks.text(self, "venue", self.venue)
        _checks.text(self, "symbol", self.symbol)


@dataclass(frozen=True, slots=True, kw_only=True)
class ModifyOrder(Command):
    """Change an open order's quantity and/or price (base units, quote per base).

    Venues without an amend get a cancel-replace: ``client_order_id`` is cancelled, then the
    order is placed again as ``new_client_order_id`` (deterministic too, so a resend names the
    same replacement). Fields left None keep the order's value.
    """

    venue: str
    symbol: str
    client_order_id: str
    new_client_order_id: str
    quantity: Decimal | None = None
    price: Decimal | None = None

    def __post_init__(self) -> None:
        Command.__post_init__(self)
        for name in ("venue", "symbol", "client_order_id", "new_client_order_id"):
            _checks.text(self, name, getattr(self, name))
        _checks.optional_positive(self, "quantity", self.quantity)
        _checks.optional_positive(self, "price", self.price)
        if self.quantity is None and self.price is None:
            raise DomainValueError("ModifyOrder", "quantity", "nothing to change")
        if self.new_client_order_id == self.client_order_id:
            raise DomainValueError(
                "ModifyOrder", "new_client_order_id", "the replacement needs an id of its own"
            )
