"""Index orders inside the desk state, the fee arithmetic, and the read-only views of them.

    IndexOrder       mutable record the state owns: amount, slices per constituent, status
    OrderView        a frozen copy for readers
    OrderDemand      what an open order still wants, in the solver's terms

Derived figures (exact):
    filled_quantity  = floor_step(min_j assigned_j / units_j)        index tokens
    buy  desk fee    = max(min_fee, ceil_q(spent * mint_bps / 1e4))  once anything was spent
    sell desk fee    = max(min_fee, ceil_q(gross * redeem_bps / 1e4)), at most the gross
    max_spend(amount): the largest spent with spent + fee(spent) <= amount
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from tradewind.core.enums import OrderSide
from tradewind.desks.index.definitions import FeeSchedule, IndexDefinition
from tradewind.desks.index.events import OrderKey
from tradewind.desks.index.lots import Slice, split_slices
from tradewind.desks.index.reports import IndexOrderStatus
from tradewind.desks.index.rounding import ceil_to, floor_to

__all__ = [
    "RATE_QUANTUM",
    "IndexOrder",
    "OrderDemand",
    "OrderView",
    "committed_quantity",
    "filled_quantity",
    "max_spend",
    "mint_fee",
    "redeem_fee",
]

RATE_QUANTUM = Decimal("0.00000001")
"""Fill rates are reported rounded down to this."""

_ZERO = Decimal(0)


def mint_fee(spent: Decimal, fees: FeeSchedule, quantum: Decimal) -> Decimal:
    """The desk's fee on ``spent`` quote of basket (zero while nothing is spent)."""
    if spent <= 0:
        return _ZERO
    return max(fees.min_fee, ceil_to(spent * fees.mint_rate, quantum))


def redeem_fee(gross: Decimal, fees: FeeSchedule, quantum: Decimal) -> Decimal:
    """The desk's fee on ``gross`` quote of proceeds, never more than the proceeds."""
    if gross <= 0:
        return _ZERO
    return min(gross, max(fees.min_fee, ceil_to(gross * fees.redeem_rate, quantum)))


def max_spend(amount: Decimal, fees: FeeSchedule, quantum: Decimal) -> Decimal:
    """The most a buy of ``amount`` collateral may spend on the basket, its fee left room."""
    spend = floor_to(amount / (1 + fees.mint_rate), quantum)
    if fees.min_fee > 0:
        spend = min(spend, floor_to(amount - fees.min_fee, quantum))
    # ceil rounding of the fee may overshoot by a quantum or two
    while spend > 0 and spend + mint_fee(spend, fees, quantum) > amount:
        spend -= quantum
    return max(spend, _ZERO)


def filled_quantity(definition: IndexDefinition, assigned: Mapping[str, Decimal]) -> Decimal:
    """Index tokens the assigned constituents fully back, down to the quantity step."""
    ratio = min(assigned.get(c.symbol, _ZERO) / c.units for c in definition.constituents)
    return floor_to(ratio, definition.quantity_step)


def committed_quantity(
    definition: IndexDefinition, assigned: Mapping[str, Decimal], amount: Decimal
) -> Decimal:
    """Index tokens of a sell that some constituent has already started to sell (up to the step),
    at most ``amount``: what a cancel can no longer give back."""
    ratio = max(assigned.get(c.symbol, _ZERO) / c.units for c in definition.constituents)
    return min(amount, ceil_to(ratio, definition.quantity_step))


@dataclass(slots=True)
class IndexOrder:
    """One index order as the state holds it. ``amount``: collateral (buy) or index tokens (sell)
    after cancels; ``value``: quote charged for its slices (buy) or their gross proceeds (sell);
    ``fee``: the buy's desk fee on ``value`` (a sell's is set when it ends)."""

    key: OrderKey
    definition: IndexDefinition
    side: OrderSide
    original_amount: Decimal
    amount: Decimal
    sequence: int
    ts_accepted: int
    ts_last: int
    status: IndexOrderStatus = IndexOrderStatus.NEW
    slices: dict[str, list[Slice]] = field(default_factory=dict)
    assigned: dict[str, Decimal] = field(default_factory=dict)
    value: Decimal = _ZERO
    fee: Decimal = _ZERO
    filled: Decimal = _ZERO
    credited: Decimal = _ZERO
    reason: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    @property
    def account(self) -> tuple[int, str]:
        return self.key.account

    def add(self, piece: Slice) -> None:
        """Take a slice; ``filled`` follows the scarcest constituent."""
        self.slices.setdefault(piece.symbol, []).append(piece)
        self.assigned[piece.symbol] = self.assigned.get(piece.symbol, _ZERO) + piece.qty
        self.value += piece.value
        self.filled = filled_quantity(self.definition, self.assigned)

    def backing(self, symbol: str) -> Decimal:
        """Base units of ``symbol`` the filled quantity needs."""
        constituent = self.definition.constituent(symbol)
        return _ZERO if constituent is None else self.filled * constituent.units

    def sell_need(self, symbol: str) -> Decimal:
        """Base units of ``symbol`` a sell still has to sell for its whole amount."""
        constituent = self.definition.constituent(symbol)
        if constituent is None:
            return _ZERO
        return max(_ZERO, self.amount * constituent.units - self.assigned.get(symbol, _ZERO))

    def kept_slices(self, quantum: Decimal) -> tuple[list[Slice], list[Slice]]:
        """(slices backing the filled quantity, slices beyond it), constituents in order."""
        kept: list[Slice] = []
        released: list[Slice] = []
        for constituent in self.definition.constituents:
            pieces = self.slices.get(constituent.symbol, [])
            keep, extra = split_slices(pieces, self.filled * constituent.units, quantum)
            kept.extend(keep)
            released.extend(extra)
        return kept, released

    def spendable(self, quantum: Decimal) -> Decimal:
        """Quote a buy may still spend on its basket (its fee accounted for)."""
        return max(_ZERO, max_spend(self.amount, self.definition.fees, quantum) - self.value)

    def collateral_remaining(self) -> Decimal:
        """Buy: collateral neither spent nor owed as fee. Sell: index tokens not redeemed."""
        if self.side is OrderSide.BUY:
            return self.amount - self.value - self.fee
        return self.amount - self.filled

    def sell_credit(self, quantum: Decimal) -> tuple[Decimal, Decimal]:
        """(gross proceeds, desk fee) of the slices backing the filled quantity of a sell."""
        kept, _ = self.kept_slices(quantum)
        gross = sum((piece.value for piece in kept), _ZERO)
        fee = redeem_fee(gross, self.definition.fees, quantum) if self.filled > 0 else _ZERO
        return gross, fee

    def fill_rate(self) -> Decimal:
        """Buy: (spent + fee) / amount; sell: filled / amount; down to RATE_QUANTUM."""
        if self.amount <= 0:
            return _ZERO
        if self.side is OrderSide.BUY:
            return floor_to((self.value + self.fee) / self.amount, RATE_QUANTUM)
        return floor_to(self.filled / self.amount, RATE_QUANTUM)


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderView:
    """A read-only copy of an index order. Amounts as in IndexOrder; ``assigned`` base units
    per constituent; ``collateral_spent``: buy spent on the basket, sell collateral credited
    (or creditable now)."""

    key: OrderKey
    symbol: str
    side: OrderSide
    status: IndexOrderStatus
    original_amount: Decimal
    amount: Decimal
    filled_quantity: Decimal
    assigned: Mapping[str, Decimal]
    collateral_spent: Decimal
    desk_fee: Decimal
    collateral_remaining: Decimal
    fill_rate: Decimal
    sequence: int
    ts_accepted: int
    ts_last: int
    reason: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderDemand:
    """What an open order still wants, for the solver. Buy: ``remaining`` collateral not spent
    nor owed as fee and ``spendable`` the part of it that may buy assets (fee room kept); sell:
    ``remaining`` index tokens not yet redeemed, ``spendable`` zero. ``assigned`` base units per
    constituent so far; ``assigned_beyond_filled`` what of it exceeds filled x units (already
    owned toward the next index units); ``in_flight`` base units still targeted by open batches.
    ``sequence`` is the acceptance order (FIFO)."""

    key: OrderKey
    definition: IndexDefinition
    side: OrderSide
    remaining: Decimal
    spendable: Decimal
    filled_quantity: Decimal
    assigned: Mapping[str, Decimal]
    assigned_beyond_filled: Mapping[str, Decimal]
    in_flight: Mapping[str, Decimal]
    sequence: int
