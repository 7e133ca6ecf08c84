"""Binance's transaction history export (Wallet → Transaction History → Generate all statements).

Columns: User_ID, UTC_Time, Account, Operation, Coin, Change, Remark. One row is one balance
change; rows of one trade share UTC_Time. How operations become ledger transactions:

    income (INCOME, label in the note)   Staking Rewards, ETH 2.0 Staking Rewards, Simple Earn
        Flexible/Locked Rewards or Interest, Savings Interest, POS savings interest, Launchpool
        Interest, BNB Vault Rewards, Mining (pool) distributions, Commission/Referral rebates,
        Cash Voucher distribution
    AIRDROP                              Distribution, Airdrop Assets
    DEPOSIT / WITHDRAWAL                 Deposit, Withdraw
    TRADE                                Buy, Sell, Fee, Transaction Buy/Spend/Sold/Revenue/Fee,
        Small assets exchange BNB, Binance Convert: the rows at one time make one trade, one
        coin in and one out (fees apart)
    skipped                              moves between Binance's own wallets (subscriptions,
        redemptions, transfers between Spot/Earn/Funding): the user owns the same coins
Any other operation, a positive income row that is negative, or a trade group that is not one
coin in and one out is reported with its line; the file is then imported not at all.
"""

from __future__ import annotations

from decimal import Decimal

from tradewind.portfolio.importers.csv_fields import parse_decimal, parse_utc_ms
from tradewind.portfolio.importers.csv_table import CellError, CsvRow, CsvTable
from tradewind.portfolio.ledger import EntryKind, Movement, Transaction

__all__ = ["BINANCE_HISTORY_SOURCE", "binance_history_transactions"]

BINANCE_HISTORY_SOURCE = "csv:binance-history"

_INCOME = {
    "staking rewards": "staking",
    "eth 2.0 staking rewards": "staking",
    "bnb vault rewards": "staking",
    "simple earn locked rewards": "staking",
    "locked staking rewards": "staking",
    "simple earn flexible interest": "lending interest",
    "simple earn flexible airdrop": "airdrop",
    "savings interest": "lending interest",
    "pos savings interest": "staking",
    "launchpool interest": "reward",
    "launchpool airdrop": "airdrop",
    "mining": "mining",
    "pool distribution": "mining",
    "commission history": "reward",
    "commission rebate": "reward",
    "referral kickback": "reward",
    "referral commission": "reward",
    "cash voucher distribution": "reward",
}
_AIRDROP = {"distribution", "airdrop assets"}
_TRADE = {
    "buy",
    "sell",
    "fee",
    "transaction buy",
    "transaction spend",
    "transaction sold",
    "transaction revenue",
    "transaction fee",
    "small assets exchange bnb",
    "binance convert",
    "large otc trading",
}
_FEE_OPS = {"fee", "transaction fee"}
_INTERNAL_WORDS = ("subscription", "redemption", "transfer between", "transfer_in", "transfer_out")


def _internal(operation: str) -> bool:
    return any(word in operation for word in _INTERNAL_WORDS)


def _row(row: CsvRow, table: CsvTable) -> tuple[int, str, str, Decimal]:
    cells = row.cells
    try:
        ms = parse_utc_ms(cells["utc_time"])
    except ValueError as exc:
        raise CellError(table.written("utc_time"), str(exc)) from None
    coin = cells["coin"].strip().upper()
    if not coin:
        raise CellError(table.written("coin"), "a coin is required")
    try:
        change = parse_decimal(cells["change"])
    except ValueError as exc:
        raise CellError(table.written("change"), str(exc)) from None
    assert change is not None
    operation = " ".join(cells["operation"].strip().lower().split())
    return ms, operation, coin, change


def binance_history_transactions(
    table: CsvTable, account: str
) -> tuple[list[Transaction], list[tuple[int, CellError]]]:
    """Every row's (or trade group's) transaction, and every bad row's (line, error)."""
    table.require(["utc_time", "operation", "coin", "change"], "Binance transaction history")
    out: list[Transaction] = []
    errors: list[tuple[int, CellError]] = []
    trades: dict[int, list[tuple[int, str, str, Decimal]]] = {}
    for row in table.rows:
        try:
            ms, operation, coin, change = _row(row, table)
            if change == 0 or _internal(operation):
                continue
            if operation in _TRADE:
                trades.setdefault(ms, []).append((row.line, operation, coin, change))
                continue
            move = (Movement(account, coin, change),)
            if operation in _INCOME or operation in _AIRDROP:
                if change < 0:
                    raise CellError(table.written("change"), f"{operation} cannot be negative")
                label = _INCOME.get(operation, "airdrop")
                kind = EntryKind.AIRDROP if operation in _AIRDROP else EntryKind.INCOME
                out.append(
                    Transaction(
                        kind, ms, move, source=BINANCE_HISTORY_SOURCE, note=f"label {label}"
                    )
                )
            elif operation == "deposit" and change > 0:
                out.append(Transaction(EntryKind.DEPOSIT, ms, move, source=BINANCE_HISTORY_SOURCE))
            elif operation in {"withdraw", "withdrawal"} and change < 0:
                out.append(
                    Transaction(EntryKind.WITHDRAWAL, ms, move, source=BINANCE_HISTORY_SOURCE)
                )
            else:
                raise CellError(
                    table.written("operation"),
                    f"operation {operation!r} with change {change} is not supported",
                )
        except CellError as exc:
            errors.append((row.line, exc))
    for ms, rows in sorted(trades.items()):
        moves: dict[str, Decimal] = {}
        fees: dict[str, Decimal] = {}
        for _line, operation, coin, change in rows:
            target = fees if operation in _FEE_OPS else moves
            target[coin] = target.get(coin, Decimal(0)) + change
        ins = [(c, q) for c, q in moves.items() if q > 0]
        outs = [(c, q) for c, q in moves.items() if q < 0]
        if len(ins) != 1 or len(outs) != 1 or any(q > 0 for q in fees.values()):
            errors.append(
                (
                    rows[0][0],
                    CellError(
                        None,
                        f"the trade rows at this time ({len(rows)} rows, lines "
                        f"{', '.join(str(r[0]) for r in rows)}) are not one coin in and one out",
                    ),
                )
            )
            continue
        out.append(
            Transaction(
                EntryKind.TRADE,
                ms,
                (Movement(account, *ins[0]), Movement(account, *outs[0])),
                fees=tuple(Movement(account, c, q) for c, q in fees.items() if q),
                source=BINANCE_HISTORY_SOURCE,
            )
        )
    out.sort(key=lambda tx: tx.timestamp_ms)
    return out, errors
