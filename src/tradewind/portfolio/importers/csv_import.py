"""CSV imports: Koinly's universal format, Binance's trade history and transaction history,
Coinbase's transaction history and Kraken's ledgers.

`read_csv(path, fmt, account)` reads and validates the whole file before returning anything: a
file with any bad row raises `CsvImportError` listing each bad row by file, line and column, and
yields nothing (no partial import). Transactions that share a content key within the file are
merged first (see coalesce.py), so twin fills are not lost to deduplication.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tradewind.common.logging import get_logger
from tradewind.portfolio.importers.binance_csv import BINANCE_SOURCE, binance_transactions
from tradewind.portfolio.importers.binance_history import (
    BINANCE_HISTORY_SOURCE,
    binance_history_transactions,
)
from tradewind.portfolio.importers.coalesce import coalesce_same_key
from tradewind.portfolio.importers.coinbase_csv import (
    COINBASE_HEADER_MARKER,
    COINBASE_SOURCE,
    coinbase_transactions,
)
from tradewind.portfolio.importers.csv_table import read_table
from tradewind.portfolio.importers.errors import CsvImportError, ImportInputError, RowProblem
from tradewind.portfolio.importers.koinly_csv import KOINLY_SOURCE, koinly_transactions
from tradewind.portfolio.importers.kraken_csv import KRAKEN_SOURCE, kraken_transactions
from tradewind.portfolio.ledger import Transaction

__all__ = ["CSV_FORMATS", "CsvImportError", "load_csv", "read_csv"]

_log = get_logger("portfolio.import.csv")
_PARSERS = {
    "koinly": koinly_transactions,
    "binance": binance_transactions,
    "binance-history": binance_history_transactions,
    "coinbase": coinbase_transactions,
    "kraken": kraken_transactions,
}
CSV_FORMATS = tuple(_PARSERS)
_SOURCES = {
    "koinly": KOINLY_SOURCE,
    "binance": BINANCE_SOURCE,
    "binance-history": BINANCE_HISTORY_SOURCE,
    "coinbase": COINBASE_SOURCE,
    "kraken": KRAKEN_SOURCE,
}
_HEADER_MARKERS = {"coinbase": COINBASE_HEADER_MARKER}


def load_csv(path: Path, fmt: str, account: str) -> list[Transaction]:
    """All transactions of `path` in format `fmt` (see CSV_FORMATS) for `account`."""
    fmt = fmt.strip().lower()
    parser = _PARSERS.get(fmt)
    if parser is None:
        raise ImportInputError(f"unknown CSV format {fmt!r}; known: {', '.join(CSV_FORMATS)}")
    if not account or not account.strip():
        raise ImportInputError("an account (e.g. binance:main) is required for a CSV import")
    path = Path(path)
    table = read_table(path, _HEADER_MARKERS.get(fmt))
    transactions, errors = parser(table, account.strip())
    if errors or table.problems:
        problems = [RowProblem(line, error.column, error.message) for line, error in errors]
        problems.extend(table.problems)
        problems.sort(key=lambda p: p.line)
        raise CsvImportError(path, problems)
    merged = coalesce_same_key(transactions)
    _log.info(
        "csv_read",
        path=str(path),
        format=_SOURCES[fmt],
        rows=len(table.rows),
        transactions=len(merged),
    )
    return merged


def read_csv(path: Path, fmt: str, account: str) -> Iterator[Transaction]:
    """Iterate the transactions of a fully validated CSV file (see `load_csv`)."""
    return iter(load_csv(path, fmt, account))
