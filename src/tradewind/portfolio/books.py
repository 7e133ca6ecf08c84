"""One tenant's books: the stored ledger, transfers matched, cost basis run, ready to report.

    ledger (store) -> match_transfers -> apply_transfers -> compute_cost_basis -> CostBasisResult
The steps are pure except reading the store; prices come in as a synchronous lookup that the
caller filled beforehand (see prices/table.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tradewind.portfolio.costbasis import CostBasisConfig, CostBasisResult, compute_cost_basis
from tradewind.portfolio.ledger import Transaction
from tradewind.portfolio.prices.states import PriceLookup
from tradewind.portfolio.store.ledger_repository import LedgerRepository
from tradewind.portfolio.transfers import (
    TransferMatchConfig,
    TransferMatchResult,
    apply_transfers,
    match_transfers,
)

__all__ = ["Books", "close_books", "ledger_with_transfers"]


@dataclass(frozen=True, slots=True)
class Books:
    """The ledger as cost basis saw it (transfers merged), the matching, and the run's result."""

    transactions: tuple[Transaction, ...]
    transfers: TransferMatchResult
    result: CostBasisResult

    def transfer_counts(self) -> dict[str, Any]:
        """How many transfers matched and how many sides wait for review."""
        return {
            "matched": len(self.transfers.matched),
            "unmatched_withdrawals": len(self.transfers.unmatched_withdrawals),
            "unmatched_deposits": len(self.transfers.unmatched_deposits),
            "ambiguous_groups": len(self.transfers.ambiguous),
        }


def ledger_with_transfers(
    repo: LedgerRepository,
    *,
    until_ms: int | None = None,
    match_config: TransferMatchConfig | None = None,
) -> tuple[list[Transaction], list[str], TransferMatchResult]:
    """The stored ledger up to `until_ms`, with matched withdrawal/deposit pairs merged.

    Returns the transactions (time order), their content keys, and the matching result.
    """
    stored = repo.stored(until_ms=until_ms)
    raw = [s.transaction for s in stored]
    matching = match_transfers(raw, match_config)
    merged = apply_transfers(raw, matching)
    known = {id(s.transaction): s.content_key for s in stored}
    keys = [known.get(id(tx)) or tx.content_key() for tx in merged]
    return merged, keys, matching


def close_books(
    repo: LedgerRepository,
    config: CostBasisConfig,
    *,
    prices: PriceLookup | None = None,
    selections: Mapping[str, Mapping[str, Decimal]] | None = None,
    until_ms: int | None = None,
    match_config: TransferMatchConfig | None = None,
    ledger: tuple[Sequence[Transaction], Sequence[str], TransferMatchResult] | None = None,
) -> Books:
    """Run cost basis over the tenant's ledger (transfers merged) up to `until_ms`."""
    txs, keys, matching = ledger or ledger_with_transfers(
        repo, until_ms=until_ms, match_config=match_config
    )
    result = compute_cost_basis(txs, config, prices=prices, selections=selections, keys=keys)
    return Books(tuple(txs), matching, result)
