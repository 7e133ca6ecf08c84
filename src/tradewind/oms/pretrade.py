"""Pre-trade shaping: round an order onto the venue's grid, then check it against the filters.

Rounding is side-aware so it never makes an order worse for us: a buy price rounds down, a sell
price rounds up (to the tick), and quantity always rounds down (to the step). An order that
then breaks a filter is refused with a PreTradeRejection naming that filter, before any request.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal

from tradewind.core.enums import OrderSide, OrderType
from tradewind.core.instruments import Instrument

__all__ = ["PreTradeRejection", "PreparedOrder", "prepare_order", "round_price", "round_quantity"]

# enough digits for any price/tick ratio a venue lists; quantize never hits the limit
_GRID = Context(prec=60)


@dataclass(frozen=True, slots=True)
class PreparedOrder:
    """An order on the venue's grid. Price in quote per base (None for market), qty in base."""

    side: OrderSide
    order_type: OrderType
    quantity: Decimal
    price: Decimal | None
    notional: Decimal | None  # quote units; None for a market order without a reference price


@dataclass(frozen=True, slots=True)
class PreTradeRejection:
    """The order breaks ``filter`` (an InstrumentFilters field name); ``reason`` has the numbers."""

    filter: str
    reason: str


def _on_grid(value: Decimal, increment: Decimal, rounding: str) -> Decimal:
    steps = _GRID.divide(value, increment).to_integral_value(rounding=rounding)
    return _GRID.multiply(steps, increment)


def round_price(price: Decimal, tick_size: Decimal, side: OrderSide) -> Decimal:
    """``price`` on the tick grid: down for a buy, up for a sell (never a worse price for us)."""
    _require_positive("price", price)
    _require_positive("tick_size", tick_size)
    return _on_grid(price, tick_size, ROUND_FLOOR if side is OrderSide.BUY else ROUND_CEILING)


def round_quantity(quantity: Decimal, step_size: Decimal) -> Decimal:
    """``quantity`` down to the step grid (never more than asked)."""
    _require_positive("quantity", quantity)
    _require_positive("step_size", step_size)
    return _on_grid(quantity, step_size, ROUND_FLOOR)


def prepare_order(
    instrument: Instrument,
    *,
    side: OrderSide,
    order_type: OrderType,
    quantity: Decimal,
    price: Decimal | None = None,
    reference_price: Decimal | None = None,
) -> PreparedOrder | PreTradeRejection:
    """Round the order and check every filter; a market order's notional uses ``reference_price``.

    Bad input (a non-positive quantity, a price on a market order, none on a limit order) raises
    ValueError; an order the venue would refuse returns a PreTradeRejection.
    """
    filters = instrument.filters
    _require_positive("quantity", quantity)
    is_market = order_type is OrderType.MARKET
    if is_market and price is not None:
        raise ValueError("a market order takes no price (pass reference_price for the notional)")
    if not is_market and price is None:
        raise ValueError(f"a {order_type} order needs a price")
    if reference_price is not None:
        _require_positive("reference_price", reference_price)

    step = (filters.market_step_size or filters.step_size) if is_market else filters.step_size
    step_filter = "market_step_size" if is_market and filters.market_step_size else "step_size"
    rounded_qty = round_quantity(quantity, step)
    if rounded_qty == 0:
        return PreTradeRejection(step_filter, f"quantity {quantity} rounds to 0 at step {step}")

    min_qty = filters.market_min_qty if is_market and filters.market_min_qty is not None else None
    max_qty = filters.market_max_qty if is_market and filters.market_max_qty is not None else None
    min_name = "market_min_qty" if min_qty is not None else "min_qty"
    max_name = "market_max_qty" if max_qty is not None else "max_qty"
    min_qty = filters.min_qty if min_qty is None else min_qty
    max_qty = filters.max_qty if max_qty is None else max_qty
    if rounded_qty < min_qty:
        return PreTradeRejection(min_name, f"quantity {rounded_qty} < {min_qty}")
    if rounded_qty > max_qty:
        return PreTradeRejection(max_name, f"quantity {rounded_qty} > {max_qty}")

    rounded_price: Decimal | None = None
    if price is not None:
        rounded_price = round_price(price, filters.tick_size, side)
        if rounded_price == 0:
            return PreTradeRejection(
                "tick_size", f"price {price} rounds to 0 at tick {filters.tick_size}"
            )
    valuation = rounded_price if rounded_price is not None else reference_price
    if valuation is None:
        if filters.min_notional > 0 or filters.max_notional is not None:
            return PreTradeRejection(
                "min_notional", "a market order needs a reference price to check its notional"
            )
        return PreparedOrder(side, order_type, rounded_qty, None, None)
    notional = rounded_qty * valuation
    if notional < filters.min_notional:
        return PreTradeRejection(
            "min_notional", f"notional {notional} < {filters.min_notional} (qty × price)"
        )
    if filters.max_notional is not None and notional > filters.max_notional:
        return PreTradeRejection(
            "max_notional", f"notional {notional} > {filters.max_notional} (qty × price)"
        )
    return PreparedOrder(side, order_type, rounded_qty, rounded_price, notional)


def _require_positive(name: str, value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise ValueError(f"{name} must be a positive Decimal, got {value!r}")
