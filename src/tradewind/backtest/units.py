"""Integer fixed point for the replayed books: prices in ticks, quantities in lots.

A price is held as an integer number of ticks (price / tick_size) and a quantity as an integer
number of lots of 10**-qty_places base units, so every level, queue and fill sum in the per-event
path is exact integer arithmetic. Decimal strings from data files are parsed straight to
integers (no Decimal per value); Decimals are made only at the edge (reports, records).
"""

from __future__ import annotations

from decimal import Decimal

__all__ = ["Scale", "places_of"]


def places_of(step: Decimal) -> int:
    """Decimal places needed to write ``step`` (0.01 → 2, 1 → 0, 0.5 → 1)."""
    exponent = step.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


class Scale:
    """Converts one instrument's prices and quantities between decimal text / Decimal and ints.

    ``tick_size`` in quote per base; quantities in lots of ``10**-qty_places`` base units.
    Parsing raises ValueError with a short reason (the feed adds file and line).
    """

    __slots__ = (
        "_lot",
        "_price_places",
        "_tick",
        "_tick_units",
        "qty_places",
        "tick_size",
    )

    def __init__(self, tick_size: Decimal, qty_places: int = 8) -> None:
        if tick_size <= 0:
            raise ValueError(f"tick size must be > 0, got {tick_size}")
        if not 0 <= qty_places <= 18:
            raise ValueError(f"qty places must be in 0..18, got {qty_places}")
        self.tick_size = tick_size
        self.qty_places = qty_places
        self._price_places = places_of(tick_size)
        self._tick_units = int(tick_size.scaleb(self._price_places))
        self._tick = tick_size
        self._lot = Decimal(1).scaleb(-qty_places)

    # -- text → int -----------------------------------------------------------------------------

    def ticks(self, text: str) -> int:
        """A price string ("30012.34") as ticks; ValueError if off the tick grid or negative."""
        units = _parse_units(text, self._price_places, "price")
        tick = self._tick_units
        if tick == 1:
            return units
        ticks, rest = divmod(units, tick)
        if rest:
            raise ValueError(f"price {text} is not a multiple of the tick size {self._tick}")
        return ticks

    def lots(self, text: str) -> int:
        """A quantity string as lots; ValueError if finer than the lot or negative."""
        return _parse_units(text, self.qty_places, "quantity")

    # -- Decimal ↔ int --------------------------------------------------------------------------

    def price(self, ticks: int) -> Decimal:
        return ticks * self._tick

    def qty(self, lots: int) -> Decimal:
        return Decimal(lots).scaleb(-self.qty_places)

    def ticks_of(self, price: Decimal) -> int:
        """An order's price as ticks; ValueError if it is not on the grid."""
        ticks, rest = divmod(price, self._tick)
        if rest:
            raise ValueError(f"price {price} is not a multiple of the tick size {self._tick}")
        return int(ticks)

    def lots_of(self, qty: Decimal) -> int:
        lots = qty.scaleb(self.qty_places)
        if lots != lots.to_integral_value():
            raise ValueError(f"quantity {qty} is finer than 1e-{self.qty_places}")
        return int(lots)

    # -- int → text (for the depth diffs the node's book reads) ---------------------------------

    def price_text(self, ticks: int) -> str:
        return _format_units(ticks * self._tick_units, self._price_places)

    def qty_text(self, lots: int) -> str:
        return _format_units(lots, self.qty_places)


def _parse_units(text: str, places: int, what: str) -> int:
    whole, _, frac = text.partition(".")
    if len(frac) > places:
        if frac[places:].strip("0"):
            raise ValueError(f"{what} {text} has more than {places} decimal places")
        frac = frac[:places]
    try:
        value = int(whole + frac + "0" * (places - len(frac))) if whole or frac else -1
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a decimal number") from None
    if value < 0 or not (whole.isdigit() or (not whole and frac.isdigit())):
        raise ValueError(f"{what} {text!r} is not a non-negative decimal number")
    return value


def _format_units(units: int, places: int) -> str:
    if not places:
        return str(units)
    digits = str(units).rjust(places + 1, "0")
    return f"{digits[:-places]}.{digits[-places:]}"
