"""Order vocabulary of the engine: Binance's enums, the order request, and immutable reports.

``NewOrder`` goes in; ``OrderView``, ``Fill``, ``Trade`` and ``PlaceResult`` come out. Every
value here is a snapshot: the engine never mutates one after handing it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    LIMIT = "LIMIT"
    MARKET = "MARKET"
    LIMIT_MAKER = "LIMIT_MAKER"


class TimeInForce(StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"


class OrderStatus(StrEnum):
    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    EXPIRED_IN_MATCH = "EXPIRED_IN_MATCH"


class ExecutionType(StrEnum):
    NEW = "NEW"
    TRADE = "TRADE"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"
    REJECTED = "REJECTED"
    TRADE_PREVENTION = "TRADE_PREVENTION"


class StpMode(StrEnum):
    NONE = "NONE"
    EXPIRE_TAKER = "EXPIRE_TAKER"
    EXPIRE_MAKER = "EXPIRE_MAKER"
    EXPIRE_BOTH = "EXPIRE_BOTH"


OPEN_STATUSES = frozenset({OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED})


@dataclass(frozen=True, slots=True)
class NewOrder:
    """An order request. ``quantity`` in base units, ``quote_order_qty`` and ``price`` in quote."""

    symbol: str
    side: Side
    type: OrderType
    quantity: Decimal | None = None
    quote_order_qty: Decimal | None = None
    price: Decimal | None = None
    time_in_force: TimeInForce | None = None
    client_order_id: str | None = None
    stp_mode: StpMode = StpMode.EXPIRE_TAKER


@dataclass(frozen=True, slots=True)
class OrderView:
    """An order as Binance reports it. Quantities in base units, prices and quote amounts in quote
    units, times in epoch ms. ``price`` is 0 for MARKET; ``time_in_force`` is GTC for MARKET and
    LIMIT_MAKER, as Binance prints them."""

    order_id: int
    account_id: str
    symbol: str
    client_order_id: str
    side: Side
    type: OrderType
    time_in_force: TimeInForce
    price: Decimal
    orig_qty: Decimal
    executed_qty: Decimal
    cumulative_quote_qty: Decimal
    status: OrderStatus
    time: int
    update_time: int
    working_time: int
    orig_quote_order_qty: Decimal
    stp_mode: StpMode
    orig_client_order_id: str | None = None


@dataclass(frozen=True, slots=True)
class Fill:
    """One side of one trade as its account sees it. ``qty`` in base, ``price``/``quote_qty`` in
    quote, ``commission`` in ``commission_asset``, ``time`` in epoch ms."""

    trade_id: int
    symbol: str
    order_id: int
    account_id: str
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    is_buyer: bool
    is_maker: bool
    time: int


@dataclass(frozen=True, slots=True)
class Trade:
    """A public trade print. ``qty`` in base, ``price``/``quote_qty`` in quote, time in epoch ms."""

    trade_id: int
    symbol: str
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    time: int
    buyer_order_id: int
    seller_order_id: int
    is_buyer_maker: bool
    taker_order_id: int


@dataclass(frozen=True, slots=True)
class PlaceResult:
    """What ``place`` returns: the order after matching and the taker's own fills, in order."""

    order: OrderView
    fills: tuple[Fill, ...]
