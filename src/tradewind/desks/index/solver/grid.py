"""Exact Decimal arithmetic for the solver: a 60-digit context and rounding onto a step grid.

Every amount the solver hands out (index quantities, leg quantities, limit prices) is a multiple
of its grid. Quantities may be zero here, which ``tradewind.oms.pretrade.round_quantity`` (made for
orders, so strictly positive) refuses; prices go through ``round_price`` directly.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal

__all__ = ["EXACT", "UPWARD", "ZERO", "ceil_to", "floor_to", "steps_in"]

EXACT = Context(prec=60)
"""Enough digits that no product or sum of the solver's amounts is ever rounded."""

UPWARD = Context(prec=60, rounding=ROUND_CEILING)
"""For a quotient that must not come out below the exact one (a bound to stay past)."""

ZERO = Decimal(0)


def steps_in(value: Decimal, step: Decimal) -> int:
    """How many whole ``step`` fit in ``value`` (floor; ``value`` >= 0)."""
    return int(EXACT.divide(value, step).to_integral_value(rounding=ROUND_FLOOR))


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    """``value`` down to a multiple of ``step``."""
    steps = EXACT.divide(value, step).to_integral_value(rounding=ROUND_FLOOR)
    return EXACT.multiply(steps, step)


def ceil_to(value: Decimal, step: Decimal) -> Decimal:
    """``value`` up to a multiple of ``step``."""
    steps = EXACT.divide(value, step).to_integral_value(rounding=ROUND_CEILING)
    return EXACT.multiply(steps, step)
