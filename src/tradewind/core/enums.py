"""Enumerations of the order domain; values are lower-case strings so they serialise readably."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["LiquiditySide", "OrderSide", "OrderStatus", "OrderType", "TimeInForce"]


class OrderSide(StrEnum):
    """Buy or sell, from our point of view."""

    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> OrderSide:
        return OrderSide.SELL if self is OrderSide.BUY else OrderSide.BUY

    @property
    def sign(self) -> int:
        """+1 for a buy, -1 for a sell: the sign a fill gives a position."""
        return 1 if self is OrderSide.BUY else -1


class OrderType(StrEnum):
    """How an order meets the book."""

    MARKET = "market"
    LIMIT = "limit"
    LIMIT_MAKER = "limit_maker"  # post-only: the venue rejects it if it would take
    STOP_LOSS_LIMIT = "stop_loss_limit"
    TAKE_PROFIT_LIMIT = "take_profit_limit"

    @property
    def has_price(self) -> bool:
        return self is not OrderType.MARKET


class TimeInForce(StrEnum):
    """How long an order rests."""

    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"


class OrderStatus(StrEnum):
    """Where an order is in its life; the legal moves are in tradewind.oms.order_state."""

    PENDING_NEW = "pending_new"  # sent, not yet acknowledged
    NEW = "new"  # acknowledged and resting
    PARTIALLY_FILLED = "partially_filled"
    PENDING_CANCEL = "pending_cancel"  # cancel sent, not yet acknowledged
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def is_open(self) -> bool:
        return self not in _TERMINAL


_TERMINAL = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED}
)


class LiquiditySide(StrEnum):
    """Whether a fill added liquidity (maker) or removed it (taker)."""

    MAKER = "maker"
    TAKER = "taker"
    UNKNOWN = "unknown"
