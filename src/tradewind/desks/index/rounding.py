"""Exact rounding of the index desk's amounts onto their grids (steps, quote precision).

Every amount the desk keeps is a Decimal on a grid: constituent quantities on the venue's step,
index quantities on the definition's ``quantity_step``, quote amounts at ``collateral_precision``
decimal places. Arithmetic runs in a 60-digit context so no intermediate product or ratio is
rounded by Decimal's default 28 digits before it reaches its grid.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Context, Decimal

__all__ = ["EXACT", "ceil_to", "floor_to", "half_even_to", "quantum_of"]

EXACT = Context(prec=60)
"""The context the desk's state arithmetic runs in (see ``decimal.localcontext``)."""


def quantum_of(precision: int) -> Decimal:
    """The smallest amount with ``precision`` decimal places (8 → 0.00000001)."""
    if precision < 0:
        raise ValueError(f"precision must be >= 0, got {precision}")
    return Decimal(1).scaleb(-precision)


def _to(value: Decimal, increment: Decimal, rounding: str) -> Decimal:
    # quantize to a whole number of steps: exponent 0, so zero comes out as 0, not 0E+3
    steps = EXACT.divide(value, increment).quantize(Decimal(1), rounding=rounding, context=EXACT)
    return EXACT.multiply(steps, increment)


def floor_to(value: Decimal, increment: Decimal) -> Decimal:
    """``value`` down to a multiple of ``increment`` (toward minus infinity)."""
    return _to(value, increment, ROUND_FLOOR)


def ceil_to(value: Decimal, increment: Decimal) -> Decimal:
    """``value`` up to a multiple of ``increment`` (toward plus infinity)."""
    return _to(value, increment, ROUND_CEILING)


def half_even_to(value: Decimal, increment: Decimal) -> Decimal:
    """``value`` to the nearest multiple of ``increment`` (ties to even); for figures we report."""
    return _to(value, increment, ROUND_HALF_EVEN)
