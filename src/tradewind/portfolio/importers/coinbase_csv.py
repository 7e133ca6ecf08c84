"""Coinbase's transaction history CSV (Statements → Transaction history → CSV).

The table starts after a few lines of prose, at the header naming "Transaction Type". Columns
(older / newer export): [ID,] Timestamp, Transaction Type, Asset, Quantity Transacted,
Spot Price Currency | Price Currency, Spot Price at Transaction | Price at Transaction,
Subtotal, Total (inclusive of fees and/or spread), Fees and/or Spread, Notes. Money cells may
carry a currency sign and thousands separators ("$1,234.56"); a quantity may be negative in
the newer export (outflows). Types:

    Buy, Advanced Trade Buy      TRADE  +quantity ASSET, -subtotal in the price currency, fee
    Sell, Advanced Trade Sell    TRADE  -quantity ASSET, +subtotal, fee
    Convert                      TRADE  -quantity ASSET, +the converted-to amount read from the
                                        Notes ("Converted 1 ETH to 0.05 BTC"), worth = subtotal
    Rewards Income, Staking Income, Inflation Reward, Learning Reward, Coinbase Earn
                                 INCOME at subtotal (else quantity x spot price)
    Receive / Send               DEPOSIT / WITHDRAWAL of the asset
    Deposit / Withdrawal         DEPOSIT / WITHDRAWAL of cash
Other types are reported with their line, and the file is not imported.
"""

from __future__ import annotations

import re
from decimal import Decimal

from tradewind.portfolio.importers.csv_fields import parse_decimal, parse_utc_ms
from tradewind.portfolio.importers.csv_table import CellError, CsvRow, CsvTable
from tradewind.portfolio.importers.spot_trades import spot_trade
from tradewind.portfolio.ledger import EntryKind, Movement, Transaction

__all__ = ["COINBASE_HEADER_MARKER", "COINBASE_SOURCE", "coinbase_transactions"]

COINBASE_SOURCE = "csv:coinbase"
COINBASE_HEADER_MARKER = "transaction type"
_INCOME = {
    "rewards income": "reward",
    "staking income": "staking",
    "inflation reward": "staking",
    "learning reward": "reward",
    "coinbase earn": "reward",
}
_CONVERTED = re.compile(
    r"converted\s+([\d.,]+)\s+(\S+)\s+to\s+([\d.,]+)\s+(\S+)", flags=re.IGNORECASE
)
_MONEY_JUNK = re.compile(r"[^\d.\-eE]")


def _money(row: CsvRow, table: CsvTable, column: str) -> Decimal | None:
    text = row.cells.get(column, "").strip()
    if not text:
        return None
    negative = text.startswith("-") or text.startswith("(")
    cleaned = _MONEY_JUNK.sub("", text.replace(",", "")).lstrip("-")
    try:
        value = parse_decimal(cleaned)
    except ValueError:
        raise CellError(table.written(column), f"{text!r} is not an amount") from None
    assert value is not None
    return -value if negative else value


def _first(table: CsvTable, *names: str) -> str:
    return next((n for n in names if table.has(n)), names[0])


def _coinbase_row(row: CsvRow, table: CsvTable, account: str) -> Transaction:
    cells = row.cells
    try:
        ms = parse_utc_ms(cells["timestamp"])
    except ValueError as exc:
        raise CellError(table.written("timestamp"), str(exc)) from None
    kind = " ".join(cells["transaction type"].strip().lower().split())
    asset = cells["asset"].strip().upper()
    quantity = _money(row, table, "quantity transacted")
    if quantity is None or quantity == 0:
        raise CellError(table.written("quantity transacted"), "a quantity is required")
    quantity = abs(quantity)
    currency_col = _first(table, "spot price currency", "price currency")
    price_col = _first(table, "spot price at transaction", "price at transaction")
    currency = cells.get(currency_col, "").strip().upper() or "USD"
    subtotal = _money(row, table, "subtotal")
    fee = _money(row, table, "fees and/or spread") or Decimal(0)
    price = _money(row, table, price_col)
    value = abs(subtotal) if subtotal is not None else None
    if value is None and price is not None:
        value = quantity * price
    if kind in {"buy", "advanced trade buy", "sell", "advanced trade sell"}:
        if value is None or value == 0:
            raise CellError(table.written("subtotal"), f"a {kind} needs a subtotal")
        return spot_trade(
            account=account,
            base=asset,
            quote=currency,
            side="buy" if "buy" in kind else "sell",
            amount=quantity,
            cost=value,
            fees=[(currency, abs(fee))],
            timestamp_ms=ms,
            source=COINBASE_SOURCE,
            external_id=cells.get("id") or None,
        )
    if kind == "convert":
        match = _CONVERTED.search(cells.get("notes", ""))
        if match is None:
            raise CellError(
                table.written("notes"), "a Convert needs 'Converted Q ASSET to Q ASSET' in Notes"
            )
        received = parse_decimal(match[3])
        assert received is not None
        return Transaction(
            EntryKind.TRADE,
            ms,
            (
                Movement(account, match[4].upper(), received),
                Movement(account, asset, -quantity),
            ),
            source=COINBASE_SOURCE,
            external_id=cells.get("id") or None,
            worth=value,
            worth_currency=currency if value is not None else "",
        )
    if kind in _INCOME:
        return Transaction(
            EntryKind.INCOME,
            ms,
            (Movement(account, asset, quantity),),
            source=COINBASE_SOURCE,
            note=f"label {_INCOME[kind]}",
            worth=value,
            worth_currency=currency if value is not None else "",
        )
    if kind in {"receive", "deposit"}:
        return Transaction(
            EntryKind.DEPOSIT, ms, (Movement(account, asset, quantity),), source=COINBASE_SOURCE
        )
    if kind in {"send", "withdrawal"}:
        # The export states a send's network fee in the price currency, not in the asset;
        # the quantity sent is what left the account.
        return Transaction(
            EntryKind.WITHDRAWAL, ms, (Movement(account, asset, -quantity),), source=COINBASE_SOURCE
        )
    raise CellError(table.written("transaction type"), f"type {kind!r} is not supported")


def coinbase_transactions(
    table: CsvTable, account: str
) -> tuple[list[Transaction], list[tuple[int, CellError]]]:
    """Every row's transaction, and every bad row's (line, error)."""
    table.require(
        ["timestamp", "transaction type", "asset", "quantity transacted", "subtotal"],
        "Coinbase transaction history",
    )
    out: list[Transaction] = []
    errors: list[tuple[int, CellError]] = []
    for row in table.rows:
        try:
            out.append(_coinbase_row(row, table, account))
        except CellError as exc:
            errors.append((row.line, exc))
        except ValueError as exc:
            errors.append((row.line, CellError(None, str(exc))))
    return out, errors
