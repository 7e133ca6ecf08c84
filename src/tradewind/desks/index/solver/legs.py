"""Sizing one leg on the venue's grid: the step, min quantity and min notional, by padding.

A buy leg takes what the orders need beyond house inventory, grossed up by the taker fee (the
venue keeps it out of the base bought), rounded UP to the step, then padded up to ``min_qty`` and
to ``min_notional`` x (1 + padding) at the limit price; the padding goes to house inventory. A
sell leg rounds UP too, but what it sells beyond the orders' need must come out of house
inventory: when inventory cannot cover that, the leg rounds DOWN to the step instead (its orders
get the rest later), and if that is below the venue's minimums the leg cannot be sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradewind.core.enums import OrderSide
from tradewind.core.instruments import InstrumentFilters
from tradewind.desks.index.solver.grid import EXACT, ZERO, ceil_to, floor_to

__all__ = ["LegRefusal", "LegSize", "padding_bound", "size_leg"]


@dataclass(frozen=True, slots=True)
class LegSize:
    """A valid leg: ``quantity`` base units; ``from_inventory`` base units a sell takes from
    house inventory beyond the orders' need (0 for a buy)."""

    quantity: Decimal
    from_inventory: Decimal


@dataclass(frozen=True, slots=True)
class LegRefusal:
    """A leg that cannot be made valid; ``reason`` names the filter and the numbers;
    ``below_minimum``: the leg is under the venue's min quantity or min notional (a larger
    need could make it valid), not over a maximum."""

    reason: str
    below_minimum: bool = False


def _minimum_quantity(
    filters: InstrumentFilters, limit_price: Decimal, padding: Decimal
) -> Decimal:
    """The smallest quantity on the step meeting ``min_qty`` and the padded ``min_notional``."""
    step = filters.step_size
    smallest = max(step, ceil_to(filters.min_qty, step))
    if filters.min_notional > 0:
        floor_notional = filters.min_notional * (1 + padding)
        smallest = max(smallest, ceil_to(EXACT.divide(floor_notional, limit_price), step))
        while smallest * limit_price < floor_notional:  # the division rounded down
            smallest += step
    return smallest


def padding_bound(filters: InstrumentFilters, limit_price: Decimal, padding: Decimal) -> Decimal:
    """Most quote notional padding can add to a leg: its smallest valid quantity at the limit.

    Rounding up to the step adds less than one step; padding a small leg up to the minimums
    adds less than the minimum quantity; the smallest valid quantity bounds both.
    """
    return _minimum_quantity(filters, limit_price, padding) * limit_price


def _within_maximums(
    quantity: Decimal, filters: InstrumentFilters, limit_price: Decimal
) -> str | None:
    if quantity > filters.max_qty:
        return f"quantity {quantity} > max_qty {filters.max_qty}"
    if filters.max_notional is not None and quantity * limit_price > filters.max_notional:
        return f"notional {quantity * limit_price} > max_notional {filters.max_notional}"
    return None


def size_leg(
    side: OrderSide,
    needed: Decimal,
    limit_price: Decimal,
    filters: InstrumentFilters,
    *,
    padding: Decimal,
    net_factor: Decimal,
    spare_inventory: Decimal,
) -> LegSize | LegRefusal:
    """Size a leg for ``needed`` base units (> 0) at ``limit_price``.

    ``net_factor``: base units received per unit bought (1 - taker fee); ``spare_inventory``:
    house base units a sell leg may add beyond ``needed``.
    """
    step = filters.step_size
    smallest = _minimum_quantity(filters, limit_price, padding)
    if side is OrderSide.BUY:
        gross = ceil_to(EXACT.divide(needed, net_factor), step)
        while gross > step and (gross - step) * net_factor >= needed:
            gross -= step  # the division rounded up past a grid point
        while gross * net_factor < needed:
            gross += step
        quantity = max(gross, smallest)
        problem = _within_maximums(quantity, filters, limit_price)
        return LegRefusal(problem) if problem else LegSize(quantity, ZERO)
    rounded_up = max(ceil_to(needed, step), smallest)
    extra = rounded_up - needed
    if extra <= spare_inventory and _within_maximums(rounded_up, filters, limit_price) is None:
        return LegSize(rounded_up, extra)
    rounded_down = floor_to(needed, step)
    if rounded_down >= smallest:
        problem = _within_maximums(rounded_down, filters, limit_price)
        return LegRefusal(problem) if problem else LegSize(rounded_down, ZERO)
    return LegRefusal(
        f"sell {needed} is below the venue minimum {smallest} (min_qty {filters.min_qty}, "
        f"min_notional {filters.min_notional} at {limit_price}) and house inventory "
        f"{spare_inventory} cannot pad it by {extra}",
        below_minimum=True,
    )
