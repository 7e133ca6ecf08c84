"""Portfolio desk: ledger, store, cost basis, transfers, prices, PnL, reports and reconciliation."""

from __future__ import annotations

from tradewind.portfolio.ledger import EntryKind, Movement, Transaction

__all__ = ["EntryKind", "Movement", "Transaction"]
