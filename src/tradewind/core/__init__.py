"""Pure trading domain: no I/O, imports nothing else from tradewind.

assets, instruments (+ filters)    what can be traded and how
orders, fills, balances, positions the state of an account, all amounts exact (Decimal)
messages → events / commands / reports   what travels on the bus
clock                               time as integer nanoseconds since the epoch
"""

from __future__ import annotations

from tradewind.core.assets import Asset
from tradewind.core.balances import Balance
from tradewind.core.clock import (
    Clock,
    LiveClock,
    SimulatedClock,
    TestClock,
    TimeEvent,
    TimerClock,
)
from tradewind.core.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from tradewind.core.enums import LiquiditySide, OrderSide, OrderStatus, OrderType, TimeInForce
from tradewind.core.errors import DomainValueError
from tradewind.core.events import (
    BalanceUpdated,
    BookSyncLost,
    BookUpdated,
    InstrumentUpdated,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderPendingCancel,
    OrderRejected,
    OrderSubmitted,
)
from tradewind.core.fills import Fill, FillKey
from tradewind.core.identifiers import (
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    Venue,
    VenueOrderId,
    parse_symbol,
)
from tradewind.core.instruments import Instrument, InstrumentFilters, decimal_places
from tradewind.core.market import Bar, TradeTick
from tradewind.core.messages import Command, Event, Message, Report
from tradewind.core.orders import Order
from tradewind.core.positions import Position
from tradewind.core.reports import FillReport, OrderStatusReport

__all__ = [
    "Asset",
    "Balance",
    "BalanceUpdated",
    "Bar",
    "BookSyncLost",
    "BookUpdated",
    "CancelAllOrders",
    "CancelOrder",
    "ClientOrderId",
    "Clock",
    "Command",
    "DomainValueError",
    "Event",
    "Fill",
    "FillKey",
    "FillReport",
    "Instrument",
    "InstrumentFilters",
    "InstrumentId",
    "InstrumentUpdated",
    "LiquiditySide",
    "LiveClock",
    "Message",
    "ModifyOrder",
    "Order",
    "OrderAccepted",
    "OrderCancelRejected",
    "OrderCanceled",
    "OrderEvent",
    "OrderExpired",
    "OrderFilled",
    "OrderPendingCancel",
    "OrderRejected",
    "OrderSide",
    "OrderStatus",
    "OrderStatusReport",
    "OrderSubmitted",
    "OrderType",
    "Position",
    "Report",
    "SimulatedClock",
    "StrategyId",
    "SubmitOrder",
    "TestClock",
    "TimeEvent",
    "TimeInForce",
    "TimerClock",
    "TradeId",
    "TradeTick",
    "Venue",
    "VenueOrderId",
    "decimal_places",
    "parse_symbol",
]
