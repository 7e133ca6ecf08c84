"""What a batch plan says: the venue legs to send and, per order, what the batch aims to add.

    BatchPlan
      ├─ legs            PlannedLeg per (symbol, side): LIMIT IOC quantity at a limit price
      ├─ target_units    order key → cumulative index quantity the order reaches if targets fill
      ├─ targets         order key → constituent → base units this batch adds (inventory included)
      ├─ inventory_use   order key → constituent → base units handed from house inventory first
      ├─ house_fills     sell legs under the venue's minimums the house takes at the reference
      │                  price instead (it holds the asset), per constituent
      ├─ skipped         order key → why the batch gives the order nothing
      ├─ exhausted       orders that cannot fill one more quantity step at all (done)
      └─ dead_ends       order key → why no batch can make it progress (end it with that reason)

Every order passed to the planner is in exactly one of ``target_units`` and ``skipped``.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, Mapping, ValuesView
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from tradewind.core.enums import OrderSide
from tradewind.desks.index.solver.grid import EXACT

__all__ = ["BatchPlan", "HouseFill", "LackingUnits", "PlannedLeg", "ScaledUnits"]


class ScaledUnits(Mapping[str, Decimal]):
    """A basket's units times an index quantity: the targets of an order with nothing assigned.

    Built from the two factors in O(1); the per-constituent products are made (exactly) the
    first time the mapping is read, so planning many fresh orders does not pay for them up
    front. Reads like any Mapping (equal to the dict of its items).
    """

    __slots__ = ("_quantity", "_units", "_values")

    def __init__(self, units: Mapping[str, Decimal], quantity: Decimal) -> None:
        self._units = units
        self._quantity = quantity
        self._values: dict[str, Decimal] | None = None

    def _made(self) -> dict[str, Decimal]:
        if self._values is None:
            quantity = self._quantity
            with localcontext(EXACT):
                self._values = {symbol: quantity * unit for symbol, unit in self._units.items()}
        return self._values

    def __getitem__(self, symbol: str) -> Decimal:
        return self._made()[symbol]

    def __iter__(self) -> Iterator[str]:
        return iter(self._units)

    def __len__(self) -> int:
        return len(self._units)

    def items(self) -> ItemsView[str, Decimal]:
        return self._made().items()

    def values(self) -> ValuesView[Decimal]:
        return self._made().values()

    def __repr__(self) -> str:
        return f"ScaledUnits({self._made()!r})"


class LackingUnits(Mapping[str, Decimal]):
    """What an order holding ``assigned`` lacks of a basket's units times an index quantity:
    the targets of a partly filled order (only constituents it lacks, base units).

    Like ScaledUnits, built in O(1) and worked out exactly the first time it is read, so a plan
    for many partly filled orders does not pay for targets no one reads.
    """

    __slots__ = ("_assigned", "_quantity", "_units", "_values")

    def __init__(
        self, units: Mapping[str, Decimal], quantity: Decimal, assigned: Mapping[str, Decimal]
    ) -> None:
        self._units = units
        self._quantity = quantity
        self._assigned = assigned
        self._values: dict[str, Decimal] | None = None

    def _made(self) -> dict[str, Decimal]:
        if self._values is None:
            quantity = self._quantity
            assigned = self._assigned
            values: dict[str, Decimal] = {}
            with localcontext(EXACT):
                for symbol, unit in self._units.items():
                    need = quantity * unit - assigned.get(symbol, Decimal(0))
                    if need > 0:
                        values[symbol] = need
            self._values = values
        return self._values

    def __getitem__(self, symbol: str) -> Decimal:
        return self._made()[symbol]

    def __iter__(self) -> Iterator[str]:
        return iter(self._made())

    def __len__(self) -> int:
        return len(self._made())

    def items(self) -> ItemsView[str, Decimal]:
        return self._made().items()

    def values(self) -> ValuesView[Decimal]:
        return self._made().values()

    def __repr__(self) -> str:
        return f"LackingUnits({self._made()!r})"


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedLeg:
    """One venue order of a batch: LIMIT IOC, ``quantity`` base units at ``limit_price`` quote.

    ``needed``: base units the batch's orders need from the venue (net of house inventory,
    before the taker-fee gross-up and padding). ``quantity`` - ``needed`` is padding: for a
    buy it goes to house inventory; for a sell it comes from house inventory. A sell leg may
    also be below ``needed`` (rounded down to the step when inventory cannot pad it): its
    orders then get the rest in a later batch.
    """

    symbol: str
    side: OrderSide
    quantity: Decimal
    limit_price: Decimal
    needed: Decimal

    @property
    def notional(self) -> Decimal:
        """Quote notional at the limit price."""
        return self.quantity * self.limit_price


@dataclass(frozen=True, slots=True, kw_only=True)
class HouseFill:
    """A sell leg the venue would refuse as under its minimums, taken by the house instead:
    ``quantity`` base units of ``symbol`` bought by the house's inventory at ``price`` (the
    reference price, quote per base); the batch's targets share it out like a venue fill."""

    symbol: str
    quantity: Decimal
    price: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchPlan:
    """One batch: legs plus per-order targets. Quantities in base units of each constituent,
    index quantities in index tokens (multiples of the basket's ``quantity_step``)."""

    legs: tuple[PlannedLeg, ...]
    targets: Mapping[str, Mapping[str, Decimal]]
    target_units: Mapping[str, Decimal]
    inventory_use: Mapping[str, Mapping[str, Decimal]]
    skipped: Mapping[str, str]
    exhausted: frozenset[str] = frozenset()
    house_fills: tuple[HouseFill, ...] = ()
    dead_ends: Mapping[str, str] = field(default_factory=dict)

    @property
    def notional(self) -> Decimal:
        """Quote notional of all legs at their limit prices."""
        return sum((leg.notional for leg in self.legs), Decimal(0))
