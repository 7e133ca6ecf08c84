"""Koinly's universal CSV format → ledger transactions.

Columns (header names are matched without regard to case): Date (or "Koinly Date"), Sent Amount,
Sent Currency, Received Amount, Received Currency, Fee Amount, Fee Currency, Net Worth Amount,
Net Worth Currency, Label (or "Tag"), Description, TxHash. Dates are UTC. Amounts are unsigned;
the fee is on top of the sent amount, as Koinly reads it.

    sent and received         TRADE   (label empty, "trade", "exchange" or "swap")
    received only             DEPOSIT; INCOME for reward, staking, mining, income, other income,
                              loan interest, lending interest, salary; AIRDROP for airdrop, fork
    sent only                 WITHDRAWAL; SPEND for gift, donation, lost, spend, payment;
                              FEE for cost, margin fee, loan fee, interest payment, tax
Net Worth Amount/Currency is kept as the transaction's `worth`: the value of a swap (a disposal
at fair market value and an acquisition at the same value) and of a reward when received.
Any other label (realized gain, liquidity in/out, stake, unstake, ignored, …) is rejected
with the row named, not guessed: those need a decision the ledger cannot make for the user.
"""

from __future__ import annotations

from decimal import Decimal

from tradewind.portfolio.importers.csv_fields import parse_decimal, parse_utc_ms
from tradewind.portfolio.importers.csv_table import CellError, CsvRow, CsvTable
from tradewind.portfolio.ledger import EntryKind, Movement, Transaction

__all__ = ["KOINLY_SOURCE", "koinly_transactions"]

KOINLY_SOURCE = "csv:koinly"

_INCOMING = {
    "": EntryKind.DEPOSIT,
    "deposit": EntryKind.DEPOSIT,
    "reward": EntryKind.INCOME,
    "staking": EntryKind.INCOME,
    "mining": EntryKind.INCOME,
    "income": EntryKind.INCOME,
    "other income": EntryKind.INCOME,
    "loan interest": EntryKind.INCOME,
    "lending interest": EntryKind.INCOME,
    "salary": EntryKind.INCOME,
    "airdrop": EntryKind.AIRDROP,
    "fork": EntryKind.AIRDROP,
}
_OUTGOING = {
    "": EntryKind.WITHDRAWAL,
    "withdrawal": EntryKind.WITHDRAWAL,
    "gift": EntryKind.SPEND,
    "donation": EntryKind.SPEND,
    "lost": EntryKind.SPEND,
    "spend": EntryKind.SPEND,
    "payment": EntryKind.SPEND,
    "cost": EntryKind.FEE,
    "margin fee": EntryKind.FEE,
    "loan fee": EntryKind.FEE,
    "interest payment": EntryKind.FEE,
    "tax": EntryKind.FEE,
}
_TRADE_LABELS = {"", "trade", "exchange", "swap"}


class _Columns:
    """The file's header names for each field (the first alias present)."""

    def __init__(self, table: CsvTable) -> None:
        self.date = "koinly date" if table.has("koinly date") and not table.has("date") else "date"
        self.label = "tag" if table.has("tag") and not table.has("label") else "label"
        self.tx_hash = "tx hash" if table.has("tx hash") and not table.has("txhash") else "txhash"
        table.require(
            [self.date, "sent amount", "sent currency", "received amount", "received currency"],
            "Koinly universal format",
        )
        self.table = table


def _side(
    row: CsvRow, table: CsvTable, amount_col: str, currency_col: str
) -> tuple[Decimal, str] | None:
    amount_text = row.cells.get(amount_col, "")
    currency = row.cells.get(currency_col, "").strip().upper()
    try:
        amount = parse_decimal(amount_text, allow_empty=True)
    except ValueError as exc:
        raise CellError(table.written(amount_col), str(exc)) from None
    if amount is None and not currency:
        return None
    if amount is None:
        raise CellError(table.written(amount_col), f"currency {currency} given without an amount")
    if not currency:
        raise CellError(
            table.written(currency_col), f"amount {amount_text.strip()} given without a currency"
        )
    if amount < 0:
        raise CellError(
            table.written(amount_col), f"must be unsigned (>= 0), got {amount_text.strip()}"
        )
    if amount == 0:
        return None
    return amount, currency


def _koinly_row(row: CsvRow, columns: _Columns, account: str) -> Transaction:
    table = columns.table
    cells = row.cells
    try:
        timestamp_ms = parse_utc_ms(cells[columns.date])
    except ValueError as exc:
        raise CellError(table.written(columns.date), str(exc)) from None
    sent = _side(row, table, "sent amount", "sent currency")
    received = _side(row, table, "received amount", "received currency")
    fee = _side(row, table, "fee amount", "fee currency")
    label = " ".join(cells.get(columns.label, "").strip().lower().split())
    if sent and received:
        if label not in _TRADE_LABELS:
            raise CellError(
                table.written(columns.label), f"label {label!r} is not supported on a trade row"
            )
        if sent[1] == received[1]:
            raise CellError(
                table.written("received currency"), f"a trade of {sent[1]} against itself"
            )
        kind = EntryKind.TRADE
    elif received:
        kind = _kind(label, _INCOMING, "incoming", table.written(columns.label))
    elif sent:
        kind = _kind(label, _OUTGOING, "outgoing", table.written(columns.label))
    else:
        raise CellError(None, "row has neither a sent nor a received amount")
    movements = []
    if received:
        movements.append(Movement(account, received[1], received[0]))
    if sent:
        movements.append(Movement(account, sent[1], -sent[0]))
    fees = (Movement(account, fee[1], -fee[0]),) if fee else ()
    note_parts = [cells.get("description", "").strip()]
    worth = _side(row, table, "net worth amount", "net worth currency")
    if label:
        note_parts.append(f"label {label}")
    tx_hash = cells.get(columns.tx_hash, "").strip() or None
    return Transaction(
        kind=kind,
        timestamp_ms=timestamp_ms,
        movements=tuple(movements),
        fees=fees,
        source=KOINLY_SOURCE,
        tx_hash=tx_hash,
        note="; ".join(part for part in note_parts if part),
        worth=worth[0] if worth else None,
        worth_currency=worth[1] if worth else "",
    )


def _kind(label: str, table: dict[str, EntryKind], direction: str, column: str) -> EntryKind:
    try:
        return table[label]
    except KeyError:
        supported = ", ".join(repr(k) for k in table if k)
        raise CellError(
            column,
            f"label {label!r} is not supported on an {direction} row (supported: {supported})",
        ) from None


def koinly_transactions(
    table: CsvTable, account: str
) -> tuple[list[Transaction], list[tuple[int, CellError]]]:
    """Every row's transaction, and every bad row's (line, error); the caller decides."""
    columns = _Columns(table)
    transactions: list[Transaction] = []
    errors: list[tuple[int, CellError]] = []
    for row in table.rows:
        try:
            transactions.append(_koinly_row(row, columns, account))
        except CellError as exc:
            errors.append((row.line, exc))
        except ValueError as exc:  # the ledger model refused the values
            errors.append((row.line, CellError(None, str(exc))))
    return transactions, errors
