"""Request validation for new orders, in Binance's order: parameters, values, precision, then the
symbol filters PRICE_FILTER, LOT_SIZE / MARKET_LOT_SIZE, PERCENT_PRICE_BY_SIDE,
NOTIONAL (or MIN_NOTIONAL) and MAX_NUM_ORDERS.

Pure functions over an ``Instrument``: nothing here changes state. Comparisons against the
weighted average price are done in integers, so a boundary case is decided exactly.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple, TypeVar

from tradewind.venues.sim.engine.amounts import to_units
from tradewind.venues.sim.engine.errors import (
    SimError,
    filter_failure,
    missing_parameter,
    too_much_precision,
    unexpected_parameter,
)
from tradewind.venues.sim.engine.instrument import Instrument
from tradewind.venues.sim.engine.orders import NewOrder, OrderType, Side, StpMode, TimeInForce

_ZERO = Decimal(0)
E = TypeVar("E", bound=StrEnum)


class CheckedOrder(NamedTuple):
    """A validated request in engine units. ``qty`` is 0 for a quote-quantity market order and
    ``quote`` (amount units) is 0 otherwise; ``price_tick`` is 0 for market orders."""

    side: Side
    is_buy: bool
    type: OrderType
    tif: TimeInForce
    price_tick: int
    price: Decimal
    qty: int
    quote: int
    quote_decimal: Decimal
    stp_mode: StpMode


def _enum(value: str, enum: type[E], name: str) -> E:
    if value.__class__ is enum:
        return value
    try:
        return enum(value)
    except ValueError as exc:
        raise missing_parameter(name) from exc


def _positive(value: Decimal, name: str, message: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise missing_parameter(name)
    if value <= 0:
        raise SimError(-1013, message)
    return value


def _units(value: Decimal, places: int, name: str) -> int:
    units = to_units(value, places)
    if units is None:
        raise too_much_precision(name)
    return units


_CACHE_LIMIT = 1 << 16


def _request_shape(order: NewOrder) -> tuple[Side, OrderType, TimeInForce, StpMode]:
    """Which parameters an order type needs and forbids, as Binance checks them."""
    side = _enum(order.side, Side, "side")
    order_type = _enum(order.type, OrderType, "type")
    stp = _enum(order.stp_mode, StpMode, "selfTradePreventionMode")
    quantity, quote_qty, price = order.quantity, order.quote_order_qty, order.price
    tif = _GTC
    if order_type is _LIMIT:
        if order.time_in_force is None:
            raise missing_parameter("timeInForce")
        tif = _enum(order.time_in_force, TimeInForce, "timeInForce")
        if quantity is None:
            raise missing_parameter("quantity")
        if price is None:
            raise missing_parameter("price")
        if quote_qty is not None:
            raise unexpected_parameter("quoteOrderQty")
    elif order_type is _LIMIT_MAKER:
        if quantity is None:
            raise missing_parameter("quantity")
        if price is None:
            raise missing_parameter("price")
        if order.time_in_force is not None:
            raise unexpected_parameter("timeInForce")
        if quote_qty is not None:
            raise unexpected_parameter("quoteOrderQty")
    else:
        if price is not None:
            raise unexpected_parameter("price")
        if order.time_in_force is not None:
            raise unexpected_parameter("timeInForce")
        if quantity is None and quote_qty is None:
            raise SimError(
                -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"
            )
        if quantity is not None and quote_qty is not None:
            raise unexpected_parameter("quoteOrderQty")
    return side, order_type, tif, stp


def _values(
    inst: Instrument, order_type: OrderType, order: NewOrder, quote_scale: int
) -> tuple[int, int, int]:
    """(price tick, qty units, quote amount units) after the value, precision, PRICE_FILTER and
    LOT_SIZE / MARKET_LOT_SIZE checks. Values that passed are remembered per symbol: those checks
    depend on the value alone, and traders repeat their prices and sizes."""
    quantity, quote_qty, price = order.quantity, order.quote_order_qty, order.price
    if order_type is not _MARKET:
        if price.__class__ is Decimal and quantity.__class__ is Decimal:
            tick = inst.price_ticks.get(str(price))
            qty = inst.limit_qtys.get(str(quantity))
            if tick is not None and qty is not None:
                return tick, qty, 0
    elif quantity.__class__ is Decimal:
        qty = inst.market_qtys.get(str(quantity))
        if qty is not None:
            return 0, qty, 0

    spec = inst.spec
    qty = quote = tick = 0
    if quantity is not None:
        _positive(quantity, "quantity", "Invalid quantity.")
    if quote_qty is not None:
        _positive(quote_qty, "quoteOrderQty", "Invalid quantity.")
    if price is not None:
        _positive(price, "price", "Invalid price.")
    if quantity is not None:
        qty = _units(quantity, spec.base_asset_precision, "quantity")
    if quote_qty is not None:
        _units(quote_qty, spec.quote_asset_precision, "quoteOrderQty")
        quote = _units(quote_qty, quote_scale, "quoteOrderQty")
    if price is not None:
        _units(price, spec.quote_asset_precision, "price")

    # PRICE_FILTER
    if price is not None:
        if (spec.min_price > 0 and price < spec.min_price) or (
            spec.max_price > 0 and price > spec.max_price
        ):
            raise filter_failure("PRICE_FILTER")
        ticks, remainder = divmod(price, spec.tick_size)
        if remainder != 0:
            raise filter_failure("PRICE_FILTER")
        tick = int(ticks)

    # LOT_SIZE / MARKET_LOT_SIZE
    if order_type is _MARKET:
        if quantity is not None:
            if (
                qty < inst.market_min_qty
                or qty > inst.market_max_qty
                or (inst.market_step and qty % inst.market_step)
            ):
                raise filter_failure("MARKET_LOT_SIZE")
            _remember(inst.market_qtys, quantity, qty)
    else:
        if qty < inst.min_qty or qty > inst.max_qty or qty % inst.step:
            raise filter_failure("LOT_SIZE")
        _remember(inst.limit_qtys, quantity, qty)
        _remember(inst.price_ticks, price, tick)
    return tick, qty, quote


def _remember(cache: dict[str, int], key: Decimal | None, value: int) -> None:
    # keyed by the Decimal's text: a fresh Decimal's hash costs ~1.3 us (a modular power), its
    # str a fifth of that, and every request brings fresh ones. Equal text means equal value
    # and exponent, so the same checks passed; only exact Decimals (no subclass) are remembered.
    if key.__class__ is not Decimal:
        return
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[str(key)] = value


def check_order(
    inst: Instrument, order: NewOrder, now: int, open_orders: int, quote_scale: int
) -> CheckedOrder:
    """Validate ``order`` for ``inst``; ``open_orders`` is the account's open count on the symbol
    and ``quote_scale`` the engine's amount scale. Raises ``SimError`` like Binance would:
    parameters, values and precision, then PRICE_FILTER, LOT_SIZE / MARKET_LOT_SIZE,
    PERCENT_PRICE_BY_SIDE, NOTIONAL / MIN_NOTIONAL and MAX_NUM_ORDERS."""
    side = order.side
    order_type = order.type
    tif = order.time_in_force
    stp = order.stp_mode
    price = order.price
    quantity = order.quantity
    price_tick = qty = None
    # only exact Decimals are looked up: a float or a Decimal subclass can print alike
    if price.__class__ is Decimal and quantity.__class__ is Decimal:
        price_tick = inst.price_ticks.get(str(price))
        qty = inst.limit_qtys.get(str(quantity))
    quote = 0
    if not (
        # the common case, a well-formed limit order with a price and size seen before
        order_type is _LIMIT
        and price_tick is not None
        and qty is not None
        and tif.__class__ is TimeInForce
        and side.__class__ is Side
        and stp.__class__ is StpMode
        and order.quote_order_qty is None
    ):
        side, order_type, tif, stp = _request_shape(order)
        price_tick, qty, quote = _values(inst, order_type, order, quote_scale)
    spec = inst.spec
    is_buy = side is _BUY

    # PERCENT_PRICE_BY_SIDE (orders with a price; skipped before the first trade)
    last_tick = inst.last_tick
    if last_tick is None:
        reference = None
    else:
        # Instrument.reference, inline unless a trade has left the window (it drops those)
        window = inst.window
        if window and window[0][0] <= now - inst.window_ms:
            reference = inst.reference(now)
        elif inst.window_qty:
            reference = (inst.window_pq, inst.window_qty)
        else:
            reference = (last_tick, 1)
    if price_tick and reference is not None:
        ref_pq, ref_q = reference
        up_num, up_den = inst.bid_up if is_buy else inst.ask_up
        down_num, down_den = inst.bid_down if is_buy else inst.ask_down
        scaled = price_tick * ref_q
        if scaled * up_den > ref_pq * up_num or scaled * down_den < ref_pq * down_num:
            raise filter_failure("PERCENT_PRICE_BY_SIDE")

    # NOTIONAL / MIN_NOTIONAL (the legacy filter has no maximum)
    if order_type is not _MARKET:
        pq = price_tick * qty
        if pq < inst.min_pq or pq > inst.max_pq:
            raise filter_failure(inst.notional_filter)
    elif quote:
        check_max = not spec.legacy_min_notional
        quote_qty = order.quote_order_qty
        assert quote_qty is not None
        if (spec.apply_min_to_market and quote_qty < spec.min_notional) or (
            check_max and spec.apply_max_to_market and quote_qty > spec.max_notional
        ):
            raise filter_failure(inst.notional_filter)
    elif reference is not None:
        check_max = not spec.legacy_min_notional
        ref_pq, ref_q = reference
        value = qty * ref_pq  # notional x ref_q, in tick x qty units
        if (spec.apply_min_to_market and value < inst.min_pq * ref_q) or (
            check_max and spec.apply_max_to_market and value > inst.max_pq * ref_q
        ):
            raise filter_failure(inst.notional_filter)

    # MAX_NUM_ORDERS
    if open_orders >= inst.max_num_orders:
        raise filter_failure("MAX_NUM_ORDERS")

    return _checked(
        CheckedOrder,
        (
            side,
            is_buy,
            order_type,
            tif if order_type is _LIMIT else _GTC,
            price_tick,
            order.price if order.price is not None else _ZERO,
            qty,
            quote,
            order.quote_order_qty if quote else _ZERO,
            stp,
        ),
    )


# tuple.__new__ skips the NamedTuple's Python-level constructor on the hot path
_checked = tuple.__new__
# enum members as globals: on Python 3.11 ``OrderType.LIMIT`` goes through EnumType.__getattr__
_LIMIT = OrderType.LIMIT
_LIMIT_MAKER = OrderType.LIMIT_MAKER
_MARKET = OrderType.MARKET
_GTC = TimeInForce.GTC
_BUY = Side.BUY
