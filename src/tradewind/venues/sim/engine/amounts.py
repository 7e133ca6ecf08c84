"""Exact conversion between Decimal amounts and the engine's integer amount units.

One engine-wide scale (10^-scale of an asset) holds every balance, notional and commission
exactly: it is at least 8 (Binance's commission precision) and fine enough for any
price x quantity of the configured symbols.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Context, Decimal, Inexact, InvalidOperation

from tradewind.venues.sim.engine.spec import SymbolSpec, decimals_of

# Wide enough that no realistic balance is rounded; Inexact trapped so a rounding is an error.
EXACT = Context(prec=60, traps=[Inexact, InvalidOperation])
COMMISSION_PLACES = 8


def to_units(value: Decimal, places: int) -> int | None:
    """``value`` in units of 10^-places, or None when it has more decimals than that."""
    scaled = value.scaleb(places, EXACT)
    integral = scaled.to_integral_value()
    if scaled != integral:
        return None
    return int(integral)


ZERO = Decimal(0)


class AmountScale:
    """Amount units of 10^-``scale``; values that fit 8 decimals come back with exactly 8."""

    __slots__ = ("_coarse", "commission_unit", "scale")

    def __init__(self, scale: int) -> None:
        if scale < COMMISSION_PLACES:
            raise ValueError(f"amount scale must be at least {COMMISSION_PLACES}, got {scale}")
        self.scale = scale
        # Amount units per 10^-8: commissions are whole multiples of this.
        self.commission_unit = 10 ** (scale - COMMISSION_PLACES)
        self._coarse = self.commission_unit

    def to_decimal(self, units: int) -> Decimal:
        # Most amounts fit 8 decimals; printing them that way reads like Binance.
        if not units:
            return ZERO
        coarse = self._coarse
        if units % coarse == 0:
            return Decimal(units // coarse).scaleb(-COMMISSION_PLACES, EXACT)
        return Decimal(units).scaleb(-self.scale, EXACT)

    def to_units(self, value: Decimal) -> int | None:
        return to_units(value, self.scale)


def amount_scale_for(specs: Iterable[SymbolSpec]) -> int:
    """The finest decimal place any balance can reach: notionals need tick decimals plus the
    base precision; commissions need 8."""
    scale = 8
    for spec in specs:
        scale = max(
            scale,
            decimals_of(spec.tick_size) + spec.base_asset_precision,
            spec.quote_asset_precision,
            spec.base_asset_precision,
        )
    return scale
