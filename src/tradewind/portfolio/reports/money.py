"""How reports print numbers: money in cents, quantities in 8 decimals, totals from the lines.

Tax forms add up the amounts printed on their lines, so a total is the sum of the rounded
lines, never the rounded exact sum (they can differ by a cent per line). Money is rounded
half-up to 0.01 of the report currency; quantities half-even to 1e-8 of the asset. Unknown is
printed as "unknown", never as 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

__all__ = ["UNKNOWN", "cents", "money_text", "quantity_text", "rounded_total"]

UNKNOWN = "unknown"
_CENT = Decimal("0.01")
_QUANTUM = Decimal("1e-8")
_ZERO = Decimal(0)


def cents(value: Decimal) -> Decimal:
    """`value` rounded half-up to the cent (a negative zero becomes zero)."""
    rounded = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    return rounded + _ZERO if rounded.is_zero() else rounded


def money_text(value: Decimal | None, currency: str | None = None, *, unknown: str = "") -> str:
    """ "1234.50" (or "1234.50 EUR" with a currency); `unknown` for None."""
    if value is None:
        return unknown
    text = f"{cents(value):f}"
    if text.startswith("-0.00"):
        text = text[1:]
    return f"{text} {currency}" if currency else text


def quantity_text(value: Decimal | None, *, unknown: str = "") -> str:
    """A quantity with exactly 8 decimals ("0.00100000"); `unknown` for None."""
    if value is None:
        return unknown
    rounded = value.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)
    if rounded.is_zero():
        rounded = abs(rounded)
    return f"{rounded:f}"


def rounded_total(values: Iterable[Decimal]) -> Decimal:
    """The sum of the values each rounded to the cent, as a form adds its lines."""
    total = _ZERO
    for value in values:
        total += cents(value)
    return total
