"""Binance's Spot trade-history export (Orders → Spot Order → Trade History → Export) → trades.

Two header variants are read (names matched without regard to case or inner blanks):

    current  Date(UTC), Pair, Side, Price, Executed, Amount, Fee [, Fee Coin]
             Executed = base quantity, Amount = quote quantity, each usually with its asset
             appended ("0.00100000BTC", "50.00000000USDT", fee "0.00007500BNB")
    legacy   Date(UTC), Market, Type, Price, Amount, Total, Fee, Fee Coin
             Amount = base quantity, Total = quote quantity, plain numbers

Dates are UTC ("2025-01-02 03:04:05", or the short "25-01-02 03:04:05"). Pair is split into base
and quote by the asset suffixes of Executed and Amount when present, else at the longest known
quote asset ("BTCUSDT" → BTC/USDT, see pairs.KNOWN_QUOTES). A fee suffix is matched against the
base, the quote and BNB first, so assets whose names start with a digit ("1INCH") read correctly
as base or quote; an unusual fee asset beginning with a digit needs a Fee Coin column.
"""

from __future__ import annotations

from decimal import Decimal

from tradewind.portfolio.importers.csv_fields import parse_suffixed_amount, parse_utc_ms
from tradewind.portfolio.importers.csv_table import CellError, CsvRow, CsvTable
from tradewind.portfolio.importers.pairs import KNOWN_QUOTES, PairSplitError, split_pair
from tradewind.portfolio.importers.spot_trades import spot_trade
from tradewind.portfolio.ledger import Transaction

__all__ = ["BINANCE_SOURCE", "binance_transactions"]

BINANCE_SOURCE = "csv:binance"
_DATE_ALIASES = ("date(utc)", "date (utc)", "date(utc+0)", "date", "time")


class _Layout:
    """Which header names hold the date, pair, side, base and quote quantities of this file."""

    def __init__(self, table: CsvTable) -> None:
        self.table = table
        self.date = next((d for d in _DATE_ALIASES if table.has(d)), "date(utc)")
        if table.has("executed"):
            self.pair, self.side, self.base_qty, self.quote_qty = (
                "pair",
                "side",
                "executed",
                "amount",
            )
        elif table.has("market") and table.has("total"):
            self.pair, self.side, self.base_qty, self.quote_qty = (
                "market",
                "type",
                "amount",
                "total",
            )
        else:
            self.pair, self.side, self.base_qty, self.quote_qty = (
                "pair",
                "side",
                "executed",
                "amount",
            )
        table.require(
            [self.date, self.pair, self.side, "price", self.base_qty, self.quote_qty, "fee"],
            "Binance trade history",
        )
        self.fee_coin = "fee coin" if table.has("fee coin") else None


def _base_quote(pair: str, base_text: str, quote_text: str) -> tuple[str, str]:
    text = pair.strip().upper()
    if any(sep in text for sep in "/-_"):
        return split_pair(text)
    base_up, quote_up = base_text.strip().upper(), quote_text.strip().upper()
    candidates = [
        (text[:k], text[k:])
        for k in range(1, len(text))
        if base_up.endswith(text[:k]) and quote_up.endswith(text[k:])
    ]
    if len(candidates) == 1:
        return candidates[0]
    known = [c for c in candidates if c[1] in KNOWN_QUOTES]
    if known:
        return max(known, key=lambda c: len(c[1]))
    return split_pair(text)


def _quantity(row: CsvRow, table: CsvTable, column: str, asset: str) -> Decimal:
    try:
        value, suffix = parse_suffixed_amount(row.cells[column], [asset])
    except ValueError as exc:
        raise CellError(table.written(column), str(exc)) from None
    if suffix is not None and suffix != asset:
        raise CellError(
            table.written(column), f"asset {suffix} does not belong to this pair ({asset} expected)"
        )
    return value


def _binance_row(row: CsvRow, layout: _Layout, account: str) -> Transaction:
    table, cells = layout.table, row.cells
    try:
        timestamp_ms = parse_utc_ms(cells[layout.date])
    except ValueError as exc:
        raise CellError(table.written(layout.date), str(exc)) from None
    try:
        base, quote = _base_quote(
            cells[layout.pair], cells[layout.base_qty], cells[layout.quote_qty]
        )
    except PairSplitError as exc:
        raise CellError(table.written(layout.pair), str(exc)) from None
    side = cells[layout.side].strip().lower()
    if side not in ("buy", "sell"):
        raise CellError(
            table.written(layout.side), f"must be BUY or SELL, got {cells[layout.side]!r}"
        )
    try:
        parse_suffixed_amount(cells["price"], [quote])
    except ValueError as exc:
        raise CellError(table.written("price"), str(exc)) from None
    amount = _quantity(row, table, layout.base_qty, base)
    cost = _quantity(row, table, layout.quote_qty, quote)
    try:
        fee, fee_asset = parse_suffixed_amount(cells["fee"], [base, quote, "BNB"])
    except ValueError as exc:
        raise CellError(table.written("fee"), str(exc)) from None
    if layout.fee_coin is not None and cells[layout.fee_coin].strip():
        coin = cells[layout.fee_coin].strip().upper()
        if fee_asset is not None and fee_asset != coin:
            raise CellError(
                table.written("fee"), f"fee asset {fee_asset} differs from Fee Coin {coin}"
            )
        fee_asset = coin
    if fee and fee_asset is None:
        raise CellError(
            table.written("fee"), "fee has no asset: append it (0.1BNB) or add a Fee Coin column"
        )
    for column, value in ((layout.base_qty, amount), (layout.quote_qty, cost)):
        if value <= 0:
            raise CellError(table.written(column), f"must be > 0, got {cells[column].strip()}")
    if fee < 0:
        raise CellError(table.written("fee"), f"must be >= 0, got {cells['fee'].strip()}")
    return spot_trade(
        account=account,
        base=base,
        quote=quote,
        side=side,
        amount=amount,
        cost=cost,
        fees=[(fee_asset, fee)] if fee and fee_asset else [],
        timestamp_ms=timestamp_ms,
        source=BINANCE_SOURCE,
    )


def binance_transactions(
    table: CsvTable, account: str
) -> tuple[list[Transaction], list[tuple[int, CellError]]]:
    """Every row's trade, and every bad row's (line, error); the caller decides."""
    layout = _Layout(table)
    transactions: list[Transaction] = []
    errors: list[tuple[int, CellError]] = []
    for row in table.rows:
        try:
            transactions.append(_binance_row(row, layout, account))
        except CellError as exc:
            errors.append((row.line, exc))
        except ValueError as exc:
            errors.append((row.line, CellError(None, str(exc))))
    return transactions, errors
