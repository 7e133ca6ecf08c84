"""Binance Spot wire formats: request parameters to engine values, engine values to Binance JSON.

Numbers are strict: the whole value must match (``fullmatch``: a trailing newline, as in
``price=91898.93%0A``, is illegal, where ``re.match`` with ``$`` would let it through).

Binance prints prices and quantities as strings with 8 decimals; we do the same so clients that
parse strictly (the official SDK's models) and loosely (CCXT) both read them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from typing import Any, TypeVar

from tradewind.venues.sim.engine import (
    Fill,
    NewOrder,
    OrderType,
    OrderView,
    Side,
    SimError,
    StpMode,
    TimeInForce,
    Trade,
)
from tradewind.venues.sim.market import AggTrade, Kline, Ticker24h

_DECIMAL = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")
_INTEGER = re.compile(r"^-?[0-9]{1,20}$")
_CLIENT_ORDER_ID = re.compile(r"^[a-zA-Z0-9-_]{1,36}$")
E = TypeVar("E", bound=StrEnum)


def fmt(value: Decimal) -> str:
    """A Binance-style decimal string, 8 places."""
    return f"{value:.8f}"


def fmt_balance(value: Decimal) -> str:
    """A balance to 8 places, rounded down: never show more than the account holds."""
    return f"{value.quantize(_EIGHT_PLACES, rounding=ROUND_DOWN):.8f}"


_EIGHT_PLACES = Decimal("0.00000001")


def missing(name: str) -> SimError:
    return SimError(
        -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def require(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if value is None or value == "":
        raise missing(name)
    return value


def parse_decimal(params: Mapping[str, str], name: str) -> Decimal | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not _DECIMAL.fullmatch(raw):
        raise SimError(
            -1100,
            f"Illegal characters found in parameter '{name}'; "
            "legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
        )
    return Decimal(raw)


def parse_int(params: Mapping[str, str], name: str, default: int | None = None) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not _INTEGER.fullmatch(raw):
        raise SimError(
            -1100,
            f"Illegal characters found in parameter '{name}'; legal range is '^[0-9]{{1,20}}$'.",
        )
    return int(raw)


def parse_enum(params: Mapping[str, str], name: str, enum: type[E]) -> E | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return enum(raw.upper())
    except ValueError as exc:
        legal = ", ".join(member.value for member in enum)
        raise SimError(
            -1100,
            f"Illegal characters found in parameter '{name}'; legal range is '{legal}'.",
        ) from exc


def parse_limit(params: Mapping[str, str], default: int, maximum: int) -> int:
    limit = parse_int(params, "limit", default)
    assert limit is not None
    if limit <= 0:
        raise SimError(-1100, "Illegal characters found in parameter 'limit'; legal range is '1-'.")
    return min(limit, maximum)


def parse_client_order_id(params: Mapping[str, str], name: str) -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not _CLIENT_ORDER_ID.fullmatch(raw):
        raise SimError(
            -1100,
            f"Illegal characters found in parameter '{name}'; "
            "legal range is '^[a-zA-Z0-9-_]{1,36}$'.",
        )
    return raw


def parse_new_order(params: Mapping[str, str]) -> NewOrder:
    """Validate a POST /api/v3/order request the way Binance does, parameter by parameter."""
    symbol = require(params, "symbol").upper()
    side = parse_enum(params, "side", Side)
    if side is None:
        raise missing("side")
    raw_type = require(params, "type").upper()
    try:
        order_type = OrderType(raw_type)
    except ValueError as exc:
        raise SimError(-1116, "Invalid orderType.") from exc
    quantity = parse_decimal(params, "quantity")
    quote_qty = parse_decimal(params, "quoteOrderQty")
    price = parse_decimal(params, "price")
    tif = parse_enum(params, "timeInForce", TimeInForce)
    stp = parse_enum(params, "selfTradePreventionMode", StpMode) or StpMode.EXPIRE_TAKER
    client_order_id = parse_client_order_id(params, "newClientOrderId")
    if order_type is OrderType.LIMIT:
        if tif is None:
            raise missing("timeInForce")
        if quantity is None:
            raise missing("quantity")
        if price is None:
            raise missing("price")
        if quote_qty is not None:
            raise SimError(-1106, "Parameter 'quoteOrderQty' sent when not required.")
    elif order_type is OrderType.LIMIT_MAKER:
        if quantity is None:
            raise missing("quantity")
        if price is None:
            raise missing("price")
        if tif is not None:
            raise SimError(-1106, "Parameter 'timeInForce' sent when not required.")
    else:
        if price is not None:
            raise SimError(-1106, "Parameter 'price' sent when not required.")
        if tif is not None:
            raise SimError(-1106, "Parameter 'timeInForce' sent when not required.")
        if quantity is None and quote_qty is None:
            raise SimError(
                -1102,
                "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!",
            )
        if quantity is not None and quote_qty is not None:
            raise SimError(-1106, "Parameter 'quoteOrderQty' sent when not required.")
    return NewOrder(
        symbol=symbol,
        side=side,
        type=order_type,
        quantity=quantity,
        quote_order_qty=quote_qty,
        price=price,
        time_in_force=tif,
        client_order_id=client_order_id,
        stp_mode=stp,
    )


def _order_state(order: OrderView) -> dict[str, Any]:
    """The fields every order-shaped answer shares, in Binance's order."""
    return {
        "price": fmt(order.price),
        "origQty": fmt(order.orig_qty),
        "executedQty": fmt(order.executed_qty),
        "origQuoteOrderQty": fmt(order.orig_quote_order_qty),
        "cummulativeQuoteQty": fmt(order.cumulative_quote_qty),
        "status": order.status.value,
        "timeInForce": order.time_in_force.value,
        "type": order.type.value,
        "side": order.side.value,
    }


def _order_ids(order: OrderView) -> dict[str, Any]:
    return {
        "symbol": order.symbol,
        "orderId": order.order_id,
        "orderListId": -1,
        "clientOrderId": order.client_order_id,
    }


def order_json(order: OrderView) -> dict[str, Any]:
    """GET /api/v3/order, openOrders and allOrders items."""
    return {
        **_order_ids(order),
        **_order_state(order),
        "stopPrice": "0.00000000",
        "icebergQty": "0.00000000",
        "time": order.time,
        "updateTime": order.update_time,
        "isWorking": True,
        "workingTime": order.working_time,
        "selfTradePreventionMode": order.stp_mode.value,
    }


def new_order_response(
    order: OrderView, fills: tuple[Fill, ...], resp_type: str, transact_time: int
) -> dict[str, Any]:
    """POST /api/v3/order in ACK, RESULT or FULL form."""
    body: dict[str, Any] = {**_order_ids(order), "transactTime": transact_time}
    if resp_type == "ACK":
        return body
    body.update(_order_state(order))
    body["workingTime"] = order.working_time
    body["selfTradePreventionMode"] = order.stp_mode.value
    if resp_type == "FULL":
        body["fills"] = [
            {
                "price": fmt(fill.price),
                "qty": fmt(fill.qty),
                "commission": fmt(fill.commission),
                "commissionAsset": fill.commission_asset,
                "tradeId": fill.trade_id,
            }
            for fill in fills
        ]
    return body


def cancel_response(order: OrderView, transact_time: int) -> dict[str, Any]:
    """DELETE /api/v3/order and the items of DELETE /api/v3/openOrders."""
    return {
        "symbol": order.symbol,
        "origClientOrderId": order.orig_client_order_id or order.client_order_id,
        "orderId": order.order_id,
        "orderListId": -1,
        "clientOrderId": order.client_order_id,
        "transactTime": transact_time,
        **_order_state(order),
        "selfTradePreventionMode": order.stp_mode.value,
    }


def my_trade_json(fill: Fill) -> dict[str, Any]:
    return {
        "symbol": fill.symbol,
        "id": fill.trade_id,
        "orderId": fill.order_id,
        "orderListId": -1,
        "price": fmt(fill.price),
        "qty": fmt(fill.qty),
        "quoteQty": fmt(fill.quote_qty),
        "commission": fmt(fill.commission),
        "commissionAsset": fill.commission_asset,
        "time": fill.time,
        "isBuyer": fill.is_buyer,
        "isMaker": fill.is_maker,
        "isBestMatch": True,
    }


def public_trade_json(trade: Trade) -> dict[str, Any]:
    return {
        "id": trade.trade_id,
        "price": fmt(trade.price),
        "qty": fmt(trade.qty),
        "quoteQty": fmt(trade.quote_qty),
        "time": trade.time,
        "isBuyerMaker": trade.is_buyer_maker,
        "isBestMatch": True,
    }


def levels_json(levels: list[tuple[Decimal, Decimal]]) -> list[list[str]]:
    return [[fmt(price), fmt(qty)] for price, qty in levels]


def agg_trade_json(agg: AggTrade) -> dict[str, Any]:
    return {
        "a": agg.agg_id,
        "p": fmt(agg.price),
        "q": fmt(agg.qty),
        "f": agg.first_trade_id,
        "l": agg.last_trade_id,
        "T": agg.time,
        "m": agg.is_buyer_maker,
        "M": True,
    }


def kline_row(k: Kline) -> list[Any]:
    """A GET /api/v3/klines row."""
    return [
        k.open_time,
        fmt(k.open),
        fmt(k.high),
        fmt(k.low),
        fmt(k.close),
        fmt(k.volume),
        k.close_time,
        fmt(k.quote_volume),
        k.trade_count,
        fmt(k.taker_buy_base_volume),
        fmt(k.taker_buy_quote_volume),
        "0",
    ]


def kline_stream_json(k: Kline, now_ms: int) -> dict[str, Any]:
    """The ``k`` object of a ``<symbol>@kline_<interval>`` event."""
    return {
        "t": k.open_time,
        "T": k.close_time,
        "s": k.symbol,
        "i": k.interval,
        "f": k.first_trade_id,
        "L": k.last_trade_id,
        "o": fmt(k.open),
        "c": fmt(k.close),
        "h": fmt(k.high),
        "l": fmt(k.low),
        "v": fmt(k.volume),
        "n": k.trade_count,
        "x": now_ms > k.close_time,
        "q": fmt(k.quote_volume),
        "V": fmt(k.taker_buy_base_volume),
        "Q": fmt(k.taker_buy_quote_volume),
        "B": "0",
    }


def ticker_24hr_json(t: Ticker24h) -> dict[str, Any]:
    return {
        "symbol": t.symbol,
        "priceChange": fmt(t.price_change),
        "priceChangePercent": f"{t.price_change_percent:.3f}",
        "weightedAvgPrice": fmt(t.weighted_avg_price),
        "prevClosePrice": fmt(t.prev_close_price),
        "lastPrice": fmt(t.last_price),
        "lastQty": fmt(t.last_qty),
        "bidPrice": "0.00000000",
        "bidQty": "0.00000000",
        "askPrice": "0.00000000",
        "askQty": "0.00000000",
        "openPrice": fmt(t.open_price),
        "highPrice": fmt(t.high_price),
        "lowPrice": fmt(t.low_price),
        "volume": fmt(t.volume),
        "quoteVolume": fmt(t.quote_volume),
        "openTime": t.open_time,
        "closeTime": t.close_time,
        "firstId": t.first_id,
        "lastId": t.last_id,
        "count": t.count,
    }
