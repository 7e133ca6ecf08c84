"""Typed events, named in the past tense.

Event
  ├─ OrderEvent (client_order_id, venue, symbol)
  │    ├─ OrderSubmitted        we sent it
  │    ├─ OrderAccepted         the venue acknowledged it
  │    ├─ OrderRejected         the venue (or reconciliation) refused it
  │    ├─ OrderPendingCancel    we asked to cancel it
  │    ├─ OrderCancelRejected   the venue refused the cancel
  │    ├─ OrderCanceled
  │    ├─ OrderExpired          time in force ran out (IOC/FOK remainder, GTD)
  │    └─ OrderFilled           one execution (a Fill)
  ├─ BalanceUpdated
  ├─ InstrumentUpdated
  ├─ BookUpdated               top of a synced book after an update
  └─ BookSyncLost              a book stopped being trustworthy (gap, crossed, stale)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradewind.core import _checks
from tradewind.core.balances import Balance
from tradewind.core.enums import LiquiditySide, OrderSide, OrderType, TimeInForce
from tradewind.core.errors import DomainValueError
from tradewind.core.fills import Fill
from tradewind.core.instruments import Instrument
from tradewind.core.messages import Event

__all__ = [
    "BalanceUpdated",
    "BookSyncLost",
    "BookUpdated",
    "InstrumentUpdated",
    "OrderAccepted",
    "OrderCancelRejected",
    "OrderCanceled",
    "OrderEvent",
    "OrderExpired",
    "OrderFilled",
    "OrderPendingCancel",
    "OrderRejected",
    "OrderSubmitted",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderEvent(Event):
    """Something happened to the order ``client_order_id`` on ``venue``."""

    client_order_id: str
    venue: str
    symbol: str

    def __post_init__(self) -> None:
        Event.__post_init__(self)
        _checks.text(self, "client_order_id", self.client_order_id)
        _checks.text(self, "venue", self.venue)
        _checks.text(self, "symbol", self.symbol)


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderSubmitted(OrderEvent):
    """We sent the order. Quantity in base units, price in quote per base (None for market)."""

    strategy_id: str
    side: OrderSide
    order_type: OrderType
    quantity: Decimal
    price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC

    def __post_init__(self) -> None:
        OrderEvent.__post_init__(self)
        _checks.text(self, "strategy_id", self.strategy_id)
        _checks.positive(self, "quantity", self.quantity)
        if self.order_type.has_price:
            _checks.positive(self, "price", self.price)
        elif self.price is not None:
            raise DomainValueError("OrderSubmitted", "price", "a market order carries no price")


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderAccepted(OrderEvent):
    """The venue acknowledged the order and gave it ``venue_order_id``."""

    venue_order_id: str

    def __post_init__(self) -> None:
        OrderEvent.__post_init__(self)
        _checks.text(self, "venue_order_id", self.venue_order_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRejected(OrderEvent):
    """The order was refused; ``reason`` is the venue's message or ours."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderPendingCancel(OrderEvent):
    """We sent a cancel for the order."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCancelRejected(OrderEvent):
    """The venue refused our cancel; the order keeps its previous state."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCanceled(OrderEvent):
    """The order is canceled; any unfilled quantity is released."""

    venue_order_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderExpired(OrderEvent):
    """The order's time in force ran out (an IOC/FOK remainder, a GTD order)."""

    venue_order_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFilled(OrderEvent):
    """One execution of the order: ``last_qty`` base units at ``last_px`` quote per base.

    ``fee`` is in ``fee_asset`` (negative for a rebate).
    """

    venue_order_id: str
    trade_id: str
    side: OrderSide
    last_px: Decimal
    last_qty: Decimal
    fee: Decimal
    fee_asset: str
    liquidity_side: LiquiditySide = LiquiditySide.UNKNOWN

    def __post_init__(self) -> None:
        OrderEvent.__post_init__(self)
        _checks.text(self, "venue_order_id", self.venue_order_id)
        _checks.text(self, "trade_id", self.trade_id)
        _checks.positive(self, "last_px", self.last_px)
        _checks.positive(self, "last_qty", self.last_qty)
        _checks.finite(self, "fee", self.fee)
        _checks.text(self, "fee_asset", self.fee_asset)

    @property
    def fill(self) -> Fill:
        """The execution as a Fill value."""
        return Fill(
            venue=self.venue,
            symbol=self.symbol,
            trade_id=self.trade_id,
            venue_order_id=self.venue_order_id,
            client_order_id=self.client_order_id,
            side=self.side,
            price=self.last_px,
            qty=self.last_qty,
            fee=self.fee,
            fee_asset=self.fee_asset,
            liquidity_side=self.liquidity_side,
            ts_event=self.ts_event,
        )

    @classmethod
    def from_fill(cls, fill: Fill, *, client_order_id: str, ts_init: int) -> OrderFilled:
        """The event for ``fill`` of our order ``client_order_id``."""
        return cls(
            client_order_id=client_order_id,
            venue=fill.venue,
            symbol=fill.symbol,
            venue_order_id=fill.venue_order_id,
            trade_id=fill.trade_id,
            side=fill.side,
            last_px=fill.price,
            last_qty=fill.qty,
            fee=fill.fee,
            fee_asset=fill.fee_asset,
            liquidity_side=fill.liquidity_side,
            ts_event=fill.ts_event,
            ts_init=ts_init,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class BalanceUpdated(Event):
    """New balances of some assets on ``venue`` (only the assets listed changed)."""

    venue: str
    balances: tuple[Balance, ...]

    def __post_init__(self) -> None:
        Event.__post_init__(self)
        _checks.text(self, "venue", self.venue)
        assets = [balance.asset for balance in self.balances]
        if len(assets) != len(set(assets)):
            raise DomainValueError("BalanceUpdated", "balances", f"an asset repeats in {assets}")


@dataclass(frozen=True, slots=True, kw_only=True)
class InstrumentUpdated(Event):
    """An instrument's definition or filters changed (or were first loaded)."""

    instrument: Instrument


@dataclass(frozen=True, slots=True, kw_only=True)
class BookUpdated(Event):
    """Top of a synced, uncrossed book after update ``update_id``.

    Prices in quote per base, quantities in base units; a side is None when it is empty.
    """

    venue: str
    symbol: str
    update_id: int
    best_bid: Decimal | None
    best_bid_qty: Decimal | None
    best_ask: Decimal | None
    best_ask_qty: Decimal | None

    def __post_init__(self) -> None:
        Event.__post_init__(self)
        _checks.text(self, "venue", self.venue)
        _checks.text(self, "symbol", self.symbol)
        if (self.best_bid is None) != (self.best_bid_qty is None):
            raise DomainValueError("BookUpdated", "best_bid", "price and quantity go together")
        if (self.best_ask is None) != (self.best_ask_qty is None):
            raise DomainValueError("BookUpdated", "best_ask", "price and quantity go together")
        bid, ask = self.best_bid, self.best_ask
        if bid is not None and ask is not None and bid >= ask:
            raise DomainValueError(
                "BookUpdated", "best_bid", f"crossed: bid {self.best_bid} >= ask {self.best_ask}"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class BookSyncLost(Event):
    """The book of ``symbol`` on ``venue`` is unusable until it resyncs; ``reason`` says why."""

    venue: str
    symbol: str
    reason: str
