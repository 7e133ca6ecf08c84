"""DeskBooks: what the index desk's state holds, and the money moves every part of the fold
shares (charging a buy for a slice, the house's cash, the house selling for no order).

Mutated only by the reducer (``reducer.apply_event``) and by ending orders
(``invoicing.finish_order``); read by ``views`` and ``checks``. Quote amounts at
``precision`` decimal places (``quantum``), base quantities on their steps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from tradewind.desks.index.collateral import CollateralBook, PositionBook
from tradewind.desks.index.definitions import IndexDefinition
from tradewind.desks.index.events import OrderKey, PlannedLeg
from tradewind.desks.index.lots import HOUSE, HouseInventory, Lot, Slice
from tradewind.desks.index.orders import IndexOrder, mint_fee
from tradewind.desks.index.reports import MintInvoice
from tradewind.desks.index.rounding import ceil_to, floor_to, quantum_of

__all__ = ["BatchRecord", "DeskBooks", "Snapshot"]

_ZERO = Decimal(0)


@dataclass(slots=True)
class BatchRecord:
    """A planned batch: its legs by client id, base units filled per leg, what each order's
    target still lacks (base units per constituent) and whether it is closed."""

    batch_id: str
    legs: dict[str, PlannedLeg]
    ts_planned: int
    leg_filled: dict[str, Decimal] = field(default_factory=dict)
    remaining: dict[OrderKey, dict[str, Decimal]] = field(default_factory=dict)
    closed: bool = False


Snapshot = tuple[object, ...]
"""The figures of an order's last fill report, to report only changes."""


class DeskBooks:
    """Everything the index desk's state holds (collateral, positions, orders, batches, lots,
    house inventory and cash, invoices), and the money moves every part of the fold shares.
    Quote amounts at ``precision`` decimal places (``quantum``), quantities on their steps."""

    def __init__(
        self,
        definitions: Iterable[IndexDefinition],
        *,
        collateral_precision: int = 8,
        tokens_on_chain: bool = False,
    ) -> None:
        # tokens_on_chain: minted tokens go to the user's wallet on chain (the chain link mints
        # them), so they are not redeemable here until the user sends them back
        # (IndexTokensReturned). Fixed for the life of a journal: replay depends on it.
        self.tokens_on_chain = tokens_on_chain
        self.definitions: dict[str, IndexDefinition] = {}
        for definition in definitions:
            if definition.symbol in self.definitions:
                raise ValueError(f"index {definition.symbol} is defined twice")
            self.definitions[definition.symbol] = definition
        self.precision = collateral_precision
        self.quantum = quantum_of(collateral_precision)
        self.seen: set[str] = set()
        self.collateral = CollateralBook()
        self.positions = PositionBook()
        self.orders: dict[OrderKey, IndexOrder] = {}
        self.sequence = 0
        self.batches: dict[str, BatchRecord] = {}
        self.open_batches: dict[str, BatchRecord] = {}  # not closed yet, in planning order
        self.lots: dict[str, Lot] = {}
        self.house = HouseInventory(self.quantum)
        self.house_cash: dict[str, Decimal] = {}
        self.invoices: dict[OrderKey, MintInvoice] = {}
        self.reported: dict[OrderKey, Snapshot] = {}

    # -- money moves (shared by the reducer and invoicing) --------------------------------
    def step(self, definition: IndexDefinition, symbol: str) -> Decimal:
        constituent = definition.constituent(symbol)
        assert constituent is not None
        return constituent.step_size

    def affordable(self, order: IndexOrder, value: Decimal, qty: Decimal, step: Decimal) -> Decimal:
        """Base units (down to ``step``) a buy can pay for at ``value`` quote per ``qty``."""
        if value <= 0:
            return qty
        budget = order.spendable(self.quantum)
        if budget <= 0:
            return _ZERO
        most = floor_to(budget * qty / value, step)
        while most > 0 and ceil_to(value * most / qty, self.quantum) > budget:
            most -= step
        return max(most, _ZERO)

    def charge(self, order: IndexOrder, piece: Slice) -> None:
        """A buy takes a slice: it pays the slice's value (and the fee change) from reserved."""
        before_value, before_fee = order.value, order.fee
        order.add(piece)
        order.fee = mint_fee(order.value, order.definition.fees, self.quantum)
        spent, fee = order.value - before_value, order.fee - before_fee
        asset = order.definition.quote_asset
        self.collateral.charge(order.account, asset, spent, fee)
        self.add_cash(asset, spent + fee)

    def add_cash(self, asset: str, delta: Decimal) -> None:
        self.house_cash[asset] = self.house_cash.get(asset, _ZERO) + delta

    def house_sold(self, symbol: str, qty: Decimal) -> None:
        """The desk sold ``qty`` of ``symbol`` for no order: house inventory, else a deficit."""
        for taken in self.house.consume(symbol, qty):
            self.lots[taken.lot_id].allocate(HOUSE, -taken.qty)
