"""Importers: every source of ledger transactions, each validating its input at the edge.

    csv_import.read_csv(path, fmt, account)   Koinly universal / Binance trade-history CSV
    ccxt_import.CcxtImporter                  any CCXT exchange: trades, deposits, withdrawals
    evm_import.EvmWalletImporter              ERC-20 Transfer logs and native transfers (web3)
    fills_import.fills_to_transactions        Tradewind's own fills
All trades go through spot_trades.spot_trade, so one fill has one content key on every path;
twins (same key) inside one import are merged by coalesce.coalesce_same_key.
"""

from __future__ import annotations

from tradewind.portfolio.importers.csv_import import CSV_FORMATS, load_csv, read_csv
from tradewind.portfolio.importers.cursors import CursorStore, MemoryCursorStore
from tradewind.portfolio.importers.errors import (
    CsvImportError,
    ImportInputError,
    RowProblem,
    SourcePayloadError,
)
from tradewind.portfolio.importers.fills_import import FillRecord, fills_to_transactions

__all__ = [
    "CSV_FORMATS",
    "CsvImportError",
    "CursorStore",
    "FillRecord",
    "ImportInputError",
    "MemoryCursorStore",
    "RowProblem",
    "SourcePayloadError",
    "fills_to_transactions",
    "load_csv",
    "read_csv",
]
