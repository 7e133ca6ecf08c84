"""Binance Spot payloads → core types. Every function validates what it reads and raises
MalformedPayload (or UnknownSymbol) rather than let a half-read value through.

Binance sends decimals as strings ("30012.34000000"); they become Decimals directly, never floats.
Times arrive in epoch milliseconds and leave in nanoseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from tradewind.book.depth_sync import DepthDiff, DepthSnapshot
from tradewind.core.balances import Balance
from tradewind.core.enums import LiquiditySide, OrderSide, OrderStatus, OrderType, TimeInForce
from tradewind.core.errors import DomainValueError
from tradewind.core.instruments import Instrument, InstrumentFilters
from tradewind.core.market import TradeTick
from tradewind.core.reports import FillReport, OrderStatusReport
from tradewind.oms.rate_limiter import RateLimit, RateLimitKind, interval_ns
from tradewind.venues.base import MalformedPayload, UnknownSymbol

__all__ = [
    "SymbolMap",
    "balances",
    "depth_diff",
    "depth_snapshot",
    "execution_report",
    "instruments",
    "order_report",
    "rate_limits",
    "trade_report",
    "venue_order_type",
    "venue_side",
    "venue_time_in_force",
]

_MS = 1_000_000
_T = TypeVar("_T")

_STATUS = {
    "NEW": OrderStatus.NEW,
    "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELED,
    "PENDING_CANCEL": OrderStatus.CANCELED,
    "REJECTED": OrderStatus.REJECTED,
    "EXPIRED": OrderStatus.EXPIRED,
    "EXPIRED_IN_MATCH": OrderStatus.EXPIRED,
}
_TYPES = {
    "LIMIT": OrderType.LIMIT,
    "MARKET": OrderType.MARKET,
    "LIMIT_MAKER": OrderType.LIMIT_MAKER,
    "STOP_LOSS_LIMIT": OrderType.STOP_LOSS_LIMIT,
    "TAKE_PROFIT_LIMIT": OrderType.TAKE_PROFIT_LIMIT,
}
_VENUE_TYPES = {value: key for key, value in _TYPES.items()}
_SIDES = {"BUY": OrderSide.BUY, "SELL": OrderSide.SELL}


class SymbolMap:
    """Unified "BTC/USDT" ↔ venue "BTCUSDT", filled from exchangeInfo."""

    def __init__(self) -> None:
        self._to_venue: dict[str, str] = {}
        self._to_unified: dict[str, str] = {}

    def add(self, unified: str, venue_symbol: str) -> None:
        self._to_venue[unified] = venue_symbol
        self._to_unified[venue_symbol] = unified

    def venue(self, venue_name: str, unified: str) -> str:
        try:
            return self._to_venue[unified]
        except KeyError:
            raise UnknownSymbol(venue_name, f"unknown symbol {unified!r}") from None

    def unified(self, venue_name: str, venue_symbol: object) -> str:
        try:
            return self._to_unified[venue_symbol]  # type: ignore[index]
        except (KeyError, TypeError):
            raise UnknownSymbol(venue_name, f"unknown venue symbol {venue_symbol!r}") from None

    def __len__(self) -> int:
        return len(self._to_venue)


# -- field readers -----------------------------------------------------------------------------


def _field(venue: str, payload: Mapping[str, Any], key: str) -> Any:
    if not isinstance(payload, Mapping):
        raise MalformedPayload(venue, f"expected an object, got {type(payload).__name__}")
    try:
        return payload[key]
    except KeyError:
        raise MalformedPayload(venue, f"missing field {key!r}") from None


def _decimal(venue: str, payload: Mapping[str, Any], key: str) -> Decimal:
    raw = _field(venue, payload, key)
    if isinstance(raw, float | bool):
        raise MalformedPayload(venue, f"field {key!r} is a {type(raw).__name__}, not a decimal")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise MalformedPayload(venue, f"field {key!r} is not a decimal: {raw!r}") from None
    if not value.is_finite():
        raise MalformedPayload(venue, f"field {key!r} is not finite: {raw!r}")
    return value


def _int(venue: str, payload: Mapping[str, Any], key: str) -> int:
    raw = _field(venue, payload, key)
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise MalformedPayload(venue, f"field {key!r} is not an integer: {raw!r}")
    try:
        return int(raw)
    except ValueError:
        raise MalformedPayload(venue, f"field {key!r} is not an integer: {raw!r}") from None


def _text(venue: str, payload: Mapping[str, Any], key: str) -> str:
    raw = _field(venue, payload, key)
    if not isinstance(raw, str) or not raw:
        raise MalformedPayload(venue, f"field {key!r} is not a non-empty string: {raw!r}")
    return raw


def _choice(venue: str, payload: Mapping[str, Any], key: str, table: Mapping[str, Any]) -> Any:
    raw = _field(venue, payload, key)
    try:
        return table[raw]
    except (KeyError, TypeError):
        raise MalformedPayload(venue, f"field {key!r} has unknown value {raw!r}") from None


def _levels(venue: str, raw: Any, key: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list):
        raise MalformedPayload(venue, f"field {key!r} is not a list of levels")
    out: list[tuple[str, str]] = []
    for level in raw:
        if not isinstance(level, list | tuple) or len(level) < 2:
            raise MalformedPayload(venue, f"bad level in {key!r}: {level!r}")
        price, qty = level[0], level[1]
        if not isinstance(price, str) or not isinstance(qty, str):
            raise MalformedPayload(venue, f"level in {key!r} is not two decimal strings")
        try:
            values = (Decimal(price), Decimal(qty))
        except InvalidOperation:
            raise MalformedPayload(venue, f"level in {key!r} is not decimal: {level!r}") from None
        if not all(v.is_finite() for v in values):
            raise MalformedPayload(venue, f"level in {key!r} is not finite: {level!r}")
        if values[0] < 0 or values[1] < 0:
            raise MalformedPayload(venue, f"negative level in {key!r}: {level!r}")
        out.append((price, qty))
    return tuple(out)


def _domain(source: str, build: Callable[..., _T], **fields: Any) -> _T:
    try:
        return build(**fields)
    except DomainValueError as exc:
        raise MalformedPayload(source, str(exc)) from None


# -- exchangeInfo --------------------------------------------------------------------------------


def instruments(venue: str, info: Mapping[str, Any], symbols: SymbolMap) -> list[Instrument]:
    """Trading spot pairs of an exchangeInfo payload; fills ``symbols``."""
    raw_symbols = _field(venue, info, "symbols")
    if not isinstance(raw_symbols, list):
        raise MalformedPayload(venue, "exchangeInfo.symbols is not a list")
    out: list[Instrument] = []
    pairs: list[tuple[str, str]] = []
    for entry in raw_symbols:
        if not isinstance(entry, Mapping):
            raise MalformedPayload(venue, f"exchangeInfo symbol entry is not an object: {entry!r}")
        if entry.get("status", "TRADING") != "TRADING":
            continue
        venue_symbol = _text(venue, entry, "symbol")
        unified = f"{_text(venue, entry, 'baseAsset')}/{_text(venue, entry, 'quoteAsset')}"
        raw_filters = _field(venue, entry, "filters")
        if not isinstance(raw_filters, list) or not all(
            isinstance(f, Mapping) for f in raw_filters
        ):
            raise MalformedPayload(venue, f"{venue_symbol} filters are not a list of objects")
        filters = {f.get("filterType"): f for f in raw_filters}
        price = filters.get("PRICE_FILTER")
        lot = filters.get("LOT_SIZE")
        if price is None or lot is None:
            raise MalformedPayload(venue, f"{venue_symbol} lacks PRICE_FILTER or LOT_SIZE")
        notional = filters.get("NOTIONAL") or filters.get("MIN_NOTIONAL") or {}
        market = filters.get("MARKET_LOT_SIZE")
        market_step = _decimal(venue, market, "stepSize") if market else None
        max_notional = (
            _decimal(venue, notional, "maxNotional") if "maxNotional" in notional else None
        )
        instrument_filters = _domain(
            venue,
            InstrumentFilters,
            tick_size=_decimal(venue, price, "tickSize"),
            step_size=_decimal(venue, lot, "stepSize"),
            min_qty=_decimal(venue, lot, "minQty"),
            max_qty=_decimal(venue, lot, "maxQty"),
            min_notional=_decimal(venue, notional, "minNotional") if notional else Decimal(0),
            max_notional=max_notional or None,
            market_step_size=market_step or None,
            market_min_qty=_decimal(venue, market, "minQty") if market else None,
            market_max_qty=(_decimal(venue, market, "maxQty") or None) if market else None,
        )
        out.append(_domain(venue, Instrument, venue=venue, symbol=unified,
                           filters=instrument_filters))  # fmt: skip
        pairs.append((unified, venue_symbol))
    # map symbols only once the whole payload has read cleanly: a bad one changes nothing
    for unified, venue_symbol in pairs:
        symbols.add(unified, venue_symbol)
    return out


def rate_limits(venue: str, info: Mapping[str, Any]) -> tuple[RateLimit, ...]:
    """The rateLimits an exchangeInfo payload declares."""
    out: list[RateLimit] = []
    for entry in info.get("rateLimits", []) or []:
        try:
            kind = RateLimitKind(entry["rateLimitType"])
            window = interval_ns(entry["interval"], int(entry["intervalNum"]))
            out.append(RateLimit(kind, window, int(entry["limit"])))
        except (KeyError, ValueError, TypeError):
            raise MalformedPayload(venue, f"unreadable rate limit {entry!r}") from None
    return tuple(out)


# -- market data -------------------------------------------------------------------------------


def depth_snapshot(venue: str, payload: Mapping[str, Any], now_ns: int) -> DepthSnapshot:
    """GET /api/v3/depth → DepthSnapshot (the snapshot carries no time: ``now_ns`` stamps it)."""
    return DepthSnapshot(
        last_update_id=_int(venue, payload, "lastUpdateId"),
        bids=_levels(venue, _field(venue, payload, "bids"), "bids"),
        asks=_levels(venue, _field(venue, payload, "asks"), "asks"),
        ts_event=now_ns,
        ts_init=now_ns,
    )


def depth_diff(
    venue: str, payload: Mapping[str, Any], expected_symbol: str, now_ns: int
) -> DepthDiff:
    """A depthUpdate stream message → DepthDiff; a message for another symbol is malformed."""
    if _field(venue, payload, "s") != expected_symbol:
        raise UnknownSymbol(venue, f"depth update for {payload.get('s')!r} on the "
                            f"{expected_symbol} stream")  # fmt: skip
    first, final = _int(venue, payload, "U"), _int(venue, payload, "u")
    if not 0 <= first <= final:
        raise MalformedPayload(venue, f"depth update ids out of order: U={first} u={final}")
    return DepthDiff(
        first_update_id=first,
        final_update_id=final,
        bids=_levels(venue, _field(venue, payload, "b"), "b"),
        asks=_levels(venue, _field(venue, payload, "a"), "a"),
        ts_event=_int(venue, payload, "E") * _MS,
        ts_init=now_ns,
    )


def trade_tick(
    venue: str, payload: Mapping[str, Any], expected_symbol: str, unified: str, now_ns: int
) -> TradeTick:
    """A ``<symbol>@trade`` stream message → TradeTick; another symbol's trade is refused."""
    if _field(venue, payload, "s") != expected_symbol:
        raise UnknownSymbol(venue, f"trade for {payload.get('s')!r} on the "
                            f"{expected_symbol} stream")  # fmt: skip
    buyer_maker = _field(venue, payload, "m")
    if not isinstance(buyer_maker, bool):
        raise MalformedPayload(venue, f"trade 'm' is not a boolean: {buyer_maker!r}")
    return _domain(
        venue,
        TradeTick,
        venue=venue,
        symbol=unified,
        trade_id=str(_int(venue, payload, "t")),
        price=_decimal(venue, payload, "p"),
        qty=_decimal(venue, payload, "q"),
        # the buyer was the maker: the seller hit the bid
        aggressor=OrderSide.SELL if buyer_maker else OrderSide.BUY,
        ts_event=_int(venue, payload, "T") * _MS,
        ts_init=now_ns,
    )


# -- orders and trades -------------------------------------------------------------------------


def order_report(
    venue: str, payload: Mapping[str, Any], symbols: SymbolMap, now_ns: int
) -> OrderStatusReport:
    """An order object of REST (new order FULL/RESULT, get order, open orders, cancel)."""
    symbol = symbols.unified(venue, _field(venue, payload, "symbol"))
    price = _decimal(venue, payload, "price") if "price" in payload else Decimal(0)
    order_type = _choice(venue, payload, "type", _TYPES)
    time_ms = payload.get("updateTime") or payload.get("transactTime") or payload.get("time")
    client_id = payload.get("origClientOrderId") or payload.get("clientOrderId")
    return _domain(
        venue,
        OrderStatusReport,
        venue=venue,
        symbol=symbol,
        venue_order_id=str(_int(venue, payload, "orderId")),
        client_order_id=client_id if isinstance(client_id, str) and client_id else None,
        side=_choice(venue, payload, "side", _SIDES),
        order_type=order_type,
        status=_choice(venue, payload, "status", _STATUS),
        quantity=_decimal(venue, payload, "origQty"),
        filled_qty=_decimal(venue, payload, "executedQty"),
        price=price if price > 0 else None,
        ts_event=int(time_ms) * _MS if isinstance(time_ms, int) else now_ns,
        ts_init=now_ns,
    )


def trade_report(
    venue: str, payload: Mapping[str, Any], symbols: SymbolMap, now_ns: int
) -> FillReport:
    """GET /api/v3/myTrades item → FillReport (client order id unknown to this endpoint)."""
    return _domain(
        venue,
        FillReport,
        venue=venue,
        symbol=symbols.unified(venue, _field(venue, payload, "symbol")),
        trade_id=str(_int(venue, payload, "id")),
        venue_order_id=str(_int(venue, payload, "orderId")),
        client_order_id=None,
        side=OrderSide.BUY if _field(venue, payload, "isBuyer") else OrderSide.SELL,
        price=_decimal(venue, payload, "price"),
        qty=_decimal(venue, payload, "qty"),
        fee=_decimal(venue, payload, "commission"),
        fee_asset=_text(venue, payload, "commissionAsset"),
        liquidity_side=LiquiditySide.MAKER
        if _field(venue, payload, "isMaker")
        else LiquiditySide.TAKER,
        ts_event=_int(venue, payload, "time") * _MS,
        ts_init=now_ns,
    )


def execution_report(
    venue: str, payload: Mapping[str, Any], symbols: SymbolMap, now_ns: int
) -> tuple[OrderStatusReport, FillReport | None]:
    """A user-data executionReport → the order's status, plus its fill for a TRADE event."""
    symbol = symbols.unified(venue, _field(venue, payload, "s"))
    execution = _text(venue, payload, "x")
    client_id = _text(venue, payload, "c")
    original = payload.get("C")
    # a cancel carries the cancel request's id in "c" and the order's own in "C"
    if isinstance(original, str) and original:
        client_id = original
    side = _choice(venue, payload, "S", _SIDES)
    venue_order_id = str(_int(venue, payload, "i"))
    ts_event = _int(venue, payload, "E") * _MS
    price = _decimal(venue, payload, "p")
    status = _domain(
        venue,
        OrderStatusReport,
        venue=venue,
        symbol=symbol,
        venue_order_id=venue_order_id,
        client_order_id=client_id,
        side=side,
        order_type=_choice(venue, payload, "o", _TYPES),
        status=_choice(venue, payload, "X", _STATUS),
        quantity=_decimal(venue, payload, "q"),
        filled_qty=_decimal(venue, payload, "z"),
        price=price if price > 0 else None,
        ts_event=ts_event,
        ts_init=now_ns,
    )
    fill: FillReport | None = None
    if execution == "TRADE":
        fee_asset = payload.get("N")
        fill = _domain(
            venue,
            FillReport,
            venue=venue,
            symbol=symbol,
            trade_id=str(_int(venue, payload, "t")),
            venue_order_id=venue_order_id,
            client_order_id=client_id,
            side=side,
            price=_decimal(venue, payload, "L"),
            qty=_decimal(venue, payload, "l"),
            fee=_decimal(venue, payload, "n"),
            fee_asset=fee_asset if isinstance(fee_asset, str) and fee_asset else "UNKNOWN",
            liquidity_side=LiquiditySide.MAKER if payload.get("m") else LiquiditySide.TAKER,
            ts_event=_int(venue, payload, "T") * _MS if "T" in payload else ts_event,
            ts_init=now_ns,
        )
    return status, fill


def balances(venue: str, account: Mapping[str, Any]) -> dict[str, Balance]:
    """GET /api/v3/account → non-zero balances by asset."""
    raw = _field(venue, account, "balances")
    if not isinstance(raw, list):
        raise MalformedPayload(venue, "account.balances is not a list")
    out: dict[str, Balance] = {}
    for entry in raw:
        free, locked = _decimal(venue, entry, "free"), _decimal(venue, entry, "locked")
        if free == 0 and locked == 0:
            continue
        asset = _text(venue, entry, "asset")
        out[asset] = _domain(venue, Balance, asset=asset, free=free, locked=locked)
    return out


# -- outgoing ----------------------------------------------------------------------------------


def venue_side(side: OrderSide) -> str:
    return "BUY" if side is OrderSide.BUY else "SELL"


def venue_order_type(order_type: OrderType) -> str:
    return _VENUE_TYPES[order_type]


def venue_time_in_force(tif: TimeInForce) -> str:
    return tif.value.upper()
