"""Deterministic client order ids: the same intent always gets the same id.

The id hashes the owning strategy, its intent id and the fields that do not change between
attempts (venue, symbol, side, type, quantity, price, time in force), never an attempt counter
or a timestamp. A retried submission therefore carries the id of the first, and the venue (for
open orders) and the OrderTracker (always) recognise it.

Format: ``<prefix>-<32 hex>`` (128-bit BLAKE2b), at most 36 characters, matching Binance's
``newClientOrderId`` pattern ``^[a-zA-Z0-9-_]{1,36}$``.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal

from tradewind.core.commands import SubmitOrder
from tradewind.core.enums import OrderSide, OrderType, TimeInForce

__all__ = [
    "CLIENT_ORDER_ID_PATTERN",
    "client_order_id",
    "is_valid_client_order_id",
    "replacement_client_order_id",
    "submit_order",
]

CLIENT_ORDER_ID_PATTERN = re.compile(r"^[a-zA-Z0-9\-_]{1,36}$")
_PREFIX = re.compile(r"^[a-zA-Z0-9]{1,3}$")


def _canonical(value: Decimal | None) -> str:
    if value is None:
        return ""
    if not value.is_finite():
        raise ValueError(f"cannot derive an order id from {value}")
    # 1.50 and 1.5 are the same order: normalise, then write without an exponent
    return format(value.normalize(), "f")


def client_order_id(
    *,
    strategy_id: str,
    intent_id: str,
    venue: str,
    symbol: str,
    side: OrderSide,
    order_type: OrderType,
    quantity: Decimal,
    price: Decimal | None = None,
    time_in_force: TimeInForce = TimeInForce.GTC,
    prefix: str = "tw",
) -> str:
    """The id for this intent; identical inputs give identical ids, on any machine."""
    if not _PREFIX.match(prefix):
        raise ValueError(f"prefix must be 1-3 letters or digits, got {prefix!r}")
    if not strategy_id or not intent_id:
        raise ValueError("strategy_id and intent_id must be non-empty")
    fields = (
        strategy_id,
        intent_id,
        venue,
        symbol,
        side.value,
        order_type.value,
        _canonical(quantity),
        _canonical(price),
        time_in_force.value,
    )
    return f"{prefix}-{_digest(fields, b'tradewind-coid')}"


def submit_order(
    *,
    strategy_id: str,
    intent_id: str,
    venue: str,
    symbol: str,
    side: OrderSide,
    order_type: OrderType,
    quantity: Decimal,
    price: Decimal | None,
    time_in_force: TimeInForce,
    ts_init: int,
) -> SubmitOrder:
    """A SubmitOrder carrying the client order id of its intent (``client_order_id``)."""
    return SubmitOrder(
        strategy_id=strategy_id,
        client_order_id=client_order_id(
            strategy_id=strategy_id,
            intent_id=intent_id,
            venue=venue,
            symbol=symbol,
            side=side,
            order_type=order_type,
            quantity=quantity,
            price=price,
            time_in_force=time_in_force,
        ),
        venue=venue,
        symbol=symbol,
        side=side,
        order_type=order_type,
        quantity=quantity,
        price=price,
        time_in_force=time_in_force,
        ts_init=ts_init,
    )


def replacement_client_order_id(
    *, strategy_id: str, client_order_id: str, intent_id: str, prefix: str = "tw"
) -> str:
    """The id of the order that replaces ``client_order_id`` in a cancel-replace (a modify):
    the same (strategy, original, intent) always names the same replacement."""
    if not _PREFIX.match(prefix):
        raise ValueError(f"prefix must be 1-3 letters or digits, got {prefix!r}")
    if not strategy_id or not client_order_id or not intent_id:
        raise ValueError("strategy_id, client_order_id and intent_id must be non-empty")
    fields = (strategy_id, client_order_id, intent_id)
    return f"{prefix}-{_digest(fields, b'tradewind-repl')}"


def _digest(fields: tuple[str, ...], person: bytes) -> str:
    digest = hashlib.blake2b(digest_size=16, person=person)
    for field in fields:
        encoded = field.encode()
        # length-prefixed so ("ab", "c") and ("a", "bc") cannot collide
        digest.update(len(encoded).to_bytes(4, "big"))
        digest.update(encoded)
    return digest.hexdigest()


def is_valid_client_order_id(value: str) -> bool:
    """Whether ``value`` fits Binance's newClientOrderId pattern."""
    return CLIENT_ORDER_ID_PATTERN.fullmatch(value) is not None
