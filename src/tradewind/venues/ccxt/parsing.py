"""CCXT unified structures → core types, validated.

CCXT hands numbers over as floats. Each becomes ``Decimal(str(x))`` — the shortest decimal that
round-trips the float, which for a venue's on-grid prices and sizes is the venue's own decimal —
and is checked to be finite and non-negative before it is used. No float reaches core.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from tradewind.core.balances import Balance
from tradewind.core.enums import LiquiditySide, OrderSide, OrderStatus, OrderType
from tradewind.core.errors import DomainValueError
from tradewind.core.instruments import Instrument, InstrumentFilters
from tradewind.core.market import TradeTick
from tradewind.core.reports import FillReport, OrderStatusReport
from tradewind.venues.base import MalformedPayload, UnknownSymbol

__all__ = ["balances", "decimal_of", "fill_report", "instrument", "levels", "order_report"]

_MS = 1_000_000
_T = TypeVar("_T")
_TYPES = {
    "limit": OrderType.LIMIT,
    "market": OrderType.MARKET,
    "limit_maker": OrderType.LIMIT_MAKER,
}
_SIDES = {"buy": OrderSide.BUY, "sell": OrderSide.SELL}


def decimal_of(venue: str, value: Any, what: str) -> Decimal:
    """A CCXT number (float, int or numeric string) as an exact, finite, non-negative Decimal."""
    if value is None or isinstance(value, bool):
        raise MalformedPayload(venue, f"{what} is missing")
    try:
        out = Decimal(str(value))
    except InvalidOperation:
        raise MalformedPayload(venue, f"{what} is not a number: {value!r}") from None
    if not out.is_finite() or out < 0:
        raise MalformedPayload(venue, f"{what} is not a finite non-negative number: {value!r}")
    return out


def _optional(venue: str, value: Any, what: str) -> Decimal | None:
    return None if value is None else decimal_of(venue, value, what)


def _build(source: str, build: Callable[..., _T], **fields: Any) -> _T:
    try:
        return build(**fields)
    except DomainValueError as exc:
        raise MalformedPayload(source, str(exc)) from None


def levels(venue: str, raw: Any, what: str) -> tuple[tuple[Decimal, Decimal], ...]:
    if not isinstance(raw, list):
        raise MalformedPayload(venue, f"{what} is not a list")
    out = []
    for level in raw:
        if not isinstance(level, list | tuple) or len(level) < 2:
            raise MalformedPayload(venue, f"bad level in {what}: {level!r}")
        out.append((decimal_of(venue, level[0], what), decimal_of(venue, level[1], what)))
    return tuple(out)


def instrument(venue: str, market: Mapping[str, Any]) -> Instrument | None:
    """A CCXT market (precisionMode TICK_SIZE) → Instrument; None if not an active spot market."""
    if not market.get("spot") or market.get("active") is False:
        return None
    precision = market.get("precision") or {}
    limits = market.get("limits") or {}
    amount = limits.get("amount") or {}
    cost = limits.get("cost") or {}
    market_limits = limits.get("market") or {}
    symbol = market.get("symbol")
    filters = _build(
        venue,
        InstrumentFilters,
        tick_size=decimal_of(venue, precision.get("price"), f"{symbol} precision.price"),
        step_size=decimal_of(venue, precision.get("amount"), f"{symbol} precision.amount"),
        min_qty=_optional(venue, amount.get("min"), "limits.amount.min") or Decimal(0),
        max_qty=_optional(venue, amount.get("max"), "limits.amount.max") or Decimal("1e12"),
        min_notional=_optional(venue, cost.get("min"), "limits.cost.min") or Decimal(0),
        max_notional=_optional(venue, cost.get("max"), "limits.cost.max") or None,
        market_min_qty=_optional(venue, market_limits.get("min"), "limits.market.min"),
        market_max_qty=_optional(venue, market_limits.get("max"), "limits.market.max") or None,
    )
    result: Instrument = _build(venue, Instrument, venue=venue, symbol=symbol, filters=filters)
    return result


def _status(venue: str, raw: Any, filled: Decimal) -> OrderStatus:
    if raw == "open":
        return OrderStatus.PARTIALLY_FILLED if filled > 0 else OrderStatus.NEW
    if raw == "closed":
        return OrderStatus.FILLED
    if raw in ("canceled", "cancelled"):
        return OrderStatus.CANCELED
    if raw == "expired":
        return OrderStatus.EXPIRED
    if raw == "rejected":
        return OrderStatus.REJECTED
    raise MalformedPayload(venue, f"unknown order status {raw!r}")


def _choice(venue: str, table: Mapping[str, Any], raw: Any, what: str) -> Any:
    try:
        return table[raw]
    except (KeyError, TypeError):
        raise MalformedPayload(venue, f"unknown {what} {raw!r}") from None


def order_report(
    venue: str, order: Mapping[str, Any], known: set[str], now_ns: int
) -> OrderStatusReport:
    """A CCXT order → OrderStatusReport; ``known``: the symbols load_instruments listed."""
    if not isinstance(order, Mapping):
        raise MalformedPayload(venue, f"order is a {type(order).__name__}")
    symbol = order.get("symbol")
    if symbol not in known:
        raise UnknownSymbol(venue, f"order for unknown symbol {symbol!r}")
    order_id = order.get("id")
    if not isinstance(order_id, str) or not order_id:
        raise MalformedPayload(venue, f"order id missing: {order_id!r}")
    filled = decimal_of(venue, order.get("filled") or 0, "filled")
    price = _optional(venue, order.get("price"), "price")
    order_type = _choice(venue, _TYPES, order.get("type"), "order type")
    timestamp = order.get("lastUpdateTimestamp") or order.get("timestamp")
    client_id = order.get("clientOrderId")
    return _build(
        venue,
        OrderStatusReport,
        venue=venue,
        symbol=symbol,
        venue_order_id=order_id,
        client_order_id=client_id if isinstance(client_id, str) and client_id else None,
        side=_choice(venue, _SIDES, order.get("side"), "side"),
        order_type=order_type,
        status=_status(venue, order.get("status"), filled),
        quantity=decimal_of(venue, order.get("amount"), "amount"),
        filled_qty=filled,
        price=price if price and order_type is not OrderType.MARKET else None,
        ts_event=int(timestamp) * _MS if isinstance(timestamp, int | float) else now_ns,
        ts_init=now_ns,
    )


def fill_report(venue: str, trade: Mapping[str, Any], known: set[str], now_ns: int) -> FillReport:
    """A CCXT trade of ours (fetchMyTrades / watchMyTrades) → FillReport."""
    if not isinstance(trade, Mapping):
        raise MalformedPayload(venue, f"trade is a {type(trade).__name__}")
    symbol = trade.get("symbol")
    if symbol not in known:
        raise UnknownSymbol(venue, f"trade for unknown symbol {symbol!r}")
    fee = trade.get("fee") or {}
    trade_id, order_id = trade.get("id"), trade.get("order")
    if not isinstance(trade_id, str) or not isinstance(order_id, str):
        raise MalformedPayload(venue, "trade lacks its id or order id")
    timestamp = trade.get("timestamp")
    liquidity = {"maker": LiquiditySide.MAKER, "taker": LiquiditySide.TAKER}.get(
        trade.get("takerOrMaker") or "", LiquiditySide.UNKNOWN
    )
    return _build(
        venue,
        FillReport,
        venue=venue,
        symbol=symbol,
        trade_id=trade_id,
        venue_order_id=order_id,
        client_order_id=None,
        side=_choice(venue, _SIDES, trade.get("side"), "side"),
        price=decimal_of(venue, trade.get("price"), "price"),
        qty=decimal_of(venue, trade.get("amount"), "amount"),
        fee=decimal_of(venue, fee.get("cost") or 0, "fee.cost"),
        fee_asset=fee.get("currency") or "UNKNOWN",
        liquidity_side=liquidity,
        ts_event=int(timestamp) * _MS if isinstance(timestamp, int | float) else now_ns,
        ts_init=now_ns,
    )


def trade_tick(venue: str, trade: Mapping[str, Any], symbol: str, now_ns: int) -> TradeTick:
    """A CCXT public trade (watchTrades) of ``symbol`` → TradeTick; ``side`` is the taker's."""
    if not isinstance(trade, Mapping):
        raise MalformedPayload(venue, f"trade is a {type(trade).__name__}")
    if trade.get("symbol") != symbol:
        raise UnknownSymbol(venue, f"trade for {trade.get('symbol')!r} on the {symbol} stream")
    trade_id = trade.get("id")
    if not isinstance(trade_id, str) or not trade_id:
        raise MalformedPayload(venue, f"trade id missing: {trade_id!r}")
    side = trade.get("side")
    timestamp = trade.get("timestamp")
    return _build(
        venue,
        TradeTick,
        venue=venue,
        symbol=symbol,
        trade_id=trade_id,
        price=decimal_of(venue, trade.get("price"), "price"),
        qty=decimal_of(venue, trade.get("amount"), "amount"),
        aggressor=None if side is None else _choice(venue, _SIDES, side, "side"),
        ts_event=int(timestamp) * _MS if isinstance(timestamp, int | float) else now_ns,
        ts_init=now_ns,
    )


def balances(venue: str, raw: Any) -> dict[str, Balance]:
    """A CCXT balance structure (fetchBalance) → non-zero balances by asset."""
    if not isinstance(raw, Mapping):
        raise MalformedPayload(venue, f"balance is a {type(raw).__name__}")
    free_by_asset, used_by_asset = raw.get("free") or {}, raw.get("used") or {}
    if not isinstance(free_by_asset, Mapping) or not isinstance(used_by_asset, Mapping):
        raise MalformedPayload(venue, "balance free/used are not objects")
    out: dict[str, Balance] = {}
    for asset, free in free_by_asset.items():
        free_d = decimal_of(venue, free or 0, f"{asset} free")
        locked_d = decimal_of(venue, used_by_asset.get(asset) or 0, f"{asset} used")
        if free_d or locked_d:
            out[asset] = _build(venue, Balance, asset=asset, free=free_d, locked=locked_d)
    return out
