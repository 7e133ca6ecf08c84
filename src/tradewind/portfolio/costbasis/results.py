"""What a cost-basis run produces. Quantities in asset units; money in the report currency.

    CostBasisResult
      ├─ legs          DisposalLeg: one lot (or part of one) consumed by one disposal
      ├─ unmatched     UnmatchedDisposal: quantity disposed with no known acquisition (flag)
      ├─ price_issues  PriceIssue: a value the run needed and could not price cleanly
      ├─ removals      Removal: lots that left without a sale (unmatched withdrawals)
      ├─ income        IncomeRecord: rewards, staking, interest, airdrops at value when received
      └─ open_lots     OpenLot: what is still held at the end, with basis
A value that could not be determined is None, never zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from tradewind.portfolio.ledger import Transaction
from tradewind.portfolio.prices.states import PriceResult, PriceState, state_of

__all__ = [
    "CostBasisResult",
    "DisposalKind",
    "DisposalLeg",
    "IncomeRecord",
    "OpenLot",
    "PriceIssue",
    "Removal",
    "UnmatchedDisposal",
    "lot_id_of",
]


def lot_id_of(key: str, index: int) -> str:
    """The lot id of movement `index` of the transaction with content key `key`."""
    return f"{key[:16]}/{index}"


class DisposalKind(StrEnum):
    """Why an asset left: sold for cash, traded for another asset, spent, or paid as a fee."""

    SALE = "sale"
    TRADE = "trade"
    SPEND = "spend"
    FEE = "fee"


class DisposalLeg(NamedTuple):
    """One lot, or part of one, consumed by a disposal, with its share of proceeds and basis.

    `proceeds` / `cost_basis` are None when the value could not be priced (see price_issues).
    A NamedTuple rather than a frozen dataclass: a run over a million transactions makes
    hundreds of thousands of these, and tuple construction is several times cheaper.
    """

    tx_index: int
    disposed_ms: int
    kind: DisposalKind
    account: str
    asset: str
    quantity: Decimal
    proceeds: Decimal | None
    cost_basis: Decimal | None
    acquired_ms: int
    long_term: bool
    lot_origin: Transaction
    lot_index: int
    lot_account: str

    @property
    def gain(self) -> Decimal | None:
        """proceeds - cost_basis, or None when either is unknown."""
        if self.proceeds is None or self.cost_basis is None:
            return None
        return self.proceeds - self.cost_basis

    @property
    def lot_id(self) -> str:
        """The id of the lot this leg consumed (content-key prefix / movement index)."""
        return lot_id_of(self.lot_origin.content_key(), self.lot_index)


@dataclass(frozen=True, slots=True)
class UnmatchedDisposal:
    """A quantity disposed with no lot to match: flagged, never given a zero basis."""

    tx_index: int
    disposed_ms: int
    kind: DisposalKind
    account: str
    asset: str
    quantity: Decimal
    proceeds: Decimal | None


@dataclass(frozen=True, slots=True)
class PriceIssue:
    """A value the run needed (asset at a time) whose price was stale, missing or rate-limited."""

    tx_index: int
    timestamp_ms: int
    asset: str
    result: PriceResult

    @property
    def state(self) -> PriceState:
        """The price state (stale, no_price, rate_limited)."""
        return state_of(self.result)


@dataclass(frozen=True, slots=True)
class Removal:
    """Lots that left an account without a sale (a withdrawal not matched to a transfer)."""

    tx_index: int
    timestamp_ms: int
    account: str
    asset: str
    quantity: Decimal
    cost_basis: Decimal | None
    uncovered: Decimal


class OpenLot(NamedTuple):
    """A lot (or the part of it) still held at the end of the run (a NamedTuple, like legs)."""

    lot_origin: Transaction
    lot_index: int
    account: str
    asset: str
    quantity: Decimal
    cost_basis: Decimal | None
    acquired_ms: int

    @property
    def lot_id(self) -> str:
        """The lot's id, as specific identification names it."""
        return lot_id_of(self.lot_origin.content_key(), self.lot_index)


@dataclass(frozen=True, slots=True)
class IncomeRecord:
    """An asset received as income (kind income or airdrop), valued when received.

    `label` is the source's own word for it (staking, lending interest, …; "" when none);
    `value` is None when neither the source nor a price gave a value.
    """

    tx_index: int
    received_ms: int
    kind: str
    label: str
    account: str
    asset: str
    quantity: Decimal
    value: Decimal | None


@dataclass(frozen=True, slots=True)
class CostBasisResult:
    """Everything one cost-basis run over a ledger produced (see module docstring)."""

    method: str
    pooling: str
    jurisdiction: str
    legs: tuple[DisposalLeg, ...]
    unmatched: tuple[UnmatchedDisposal, ...]
    price_issues: tuple[PriceIssue, ...]
    removals: tuple[Removal, ...]
    open_lots: tuple[OpenLot, ...]
    income: tuple[IncomeRecord, ...] = ()
