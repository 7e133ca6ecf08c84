"""Review commands of `tradewind portfolio`: transactions, open lots, lot choices, transfers.

Registered on `portfolio_app` by cli.py.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import typer

from tradewind.portfolio.cli_support import (
    DbOption,
    PoolingOption,
    TenantOption,
    fail,
    open_audited_ledger,
    open_ledger,
    print_table,
    require_data,
)
from tradewind.portfolio.costbasis import LotPooling
from tradewind.portfolio.ledger import Transaction
from tradewind.portfolio.reports.money import UNKNOWN, money_text, quantity_text
from tradewind.portfolio.reports.tax_year import decimal_text, local_date
from tradewind.portfolio.store import LotSelectionRepository

__all__ = ["lots_command", "select_lots_command", "transactions_command", "transfers_command"]


def lots_command(
    tenant: TenantOption,
    db: DbOption = None,
    asset: Annotated[str | None, typer.Option("--asset")] = None,
    pooled: PoolingOption = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    """Open lots (FIFO view) with the ids specific identification names."""
    from tradewind.portfolio.books import close_books
    from tradewind.portfolio.costbasis import CostBasisConfig

    pooling = LotPooling.POOLED if pooled else LotPooling.PER_WALLET
    with open_ledger(tenant, db) as repo:
        require_data(repo)
        books = close_books(repo, CostBasisConfig(pooling=pooling))
    rows = [
        [
            lot.lot_id,
            lot.account,
            lot.asset,
            quantity_text(lot.quantity),
            money_text(lot.cost_basis, unknown=UNKNOWN),
            local_date(lot.acquired_ms, "UTC"),
        ]
        for lot in books.result.open_lots
        if asset is None or lot.asset == asset
    ]
    if as_json:
        keys = ["lot_id", "account", "asset", "quantity", "cost_basis", "acquired"]
        typer.echo(json.dumps([dict(zip(keys, row, strict=True)) for row in rows], indent=2))
        return
    # The lots' basis is in USD (cost basis's default cash); quantities add up per asset only.
    costs = [row[4] for row in rows]
    assets = {row[2] for row in rows}
    total_qty = (
        quantity_text(sum((Decimal(row[3]) for row in rows), Decimal(0)))
        if len(assets) == 1
        else ""
    )
    total_cost = (
        UNKNOWN if UNKNOWN in costs else money_text(sum((Decimal(c) for c in costs), Decimal(0)))
    )
    print_table(
        ["lot id", "account", "asset", "quantity", "cost basis (USD)", "acquired"],
        [*rows, ["total", "", "", total_qty, total_cost, ""]],
    )


def transactions_command(
    tenant: TenantOption,
    db: DbOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    """The newest transactions with the refs specific identification names disposals by."""
    with open_ledger(tenant, db) as repo:
        require_data(repo)
        stored = repo.stored()[-limit:]
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "ref": s.content_key[:16],
                        "timestamp_ms": s.transaction.timestamp_ms,
                        "kind": str(s.transaction.kind),
                        "source": s.transaction.source,
                        "movements": [
                            [m.account, m.asset, decimal_text(m.amount)]
                            for m in s.transaction.movements
                        ],
                        "fees": [
                            [m.account, m.asset, decimal_text(m.amount)] for m in s.transaction.fees
                        ],
                    }
                    for s in stored
                ],
                indent=2,
            )
        )
        return
    print_table(
        ["ref", "time (UTC)", "kind", "movements", "fees", "source"],
        [
            [
                s.content_key[:16],
                local_date(s.transaction.timestamp_ms, "UTC", "%Y-%m-%d %H:%M:%S"),
                str(s.transaction.kind),
                _moves(s.transaction.movements),
                _moves(s.transaction.fees),
                s.transaction.source,
            ]
            for s in stored
        ],
    )


def _moves(moves: tuple[Any, ...]) -> str:
    return ", ".join(f"{decimal_text(m.amount)} {m.asset} @ {m.account}" for m in moves)


def select_lots_command(
    disposal: Annotated[str, typer.Argument(help="Disposal ref (see `transactions`).")],
    lots: Annotated[list[str], typer.Argument(help="LOT_ID=QUANTITY, one or more.")],
    tenant: TenantOption,
    db: DbOption = None,
) -> None:
    """Record which lots a disposal consumes under specific identification (checked first)."""
    from tradewind.portfolio.books import ledger_with_transfers
    from tradewind.portfolio.lot_choice import LotChoiceError, check_lot_choice

    chosen: dict[str, Decimal] = {}
    for item in lots:
        lot_id, sep, qty = item.partition("=")
        try:
            amount = Decimal(qty)
        except InvalidOperation:
            amount = Decimal(0)
        if not sep or not lot_id or not amount.is_finite() or amount <= 0:
            raise fail(f"expected LOT_ID=QUANTITY with a positive quantity, got {item!r}")
        chosen[lot_id] = amount
    with open_audited_ledger(tenant, db) as (repo, log):
        require_data(repo)
        txs, keys, _matching = ledger_with_transfers(repo)
        selections = LotSelectionRepository(repo, on_write=log.append_selection)
        try:
            ref = check_lot_choice(txs, keys, disposal, chosen, selections.all())
        except LotChoiceError as exc:
            raise fail(str(exc)) from exc
        selections.select(ref, chosen)
    typer.echo(f"disposal {ref}: {len(chosen)} lots named")


def transfers_command(tenant: TenantOption, db: DbOption = None) -> None:
    """Withdrawals and deposits: matched as transfers, or waiting for review."""
    from tradewind.portfolio.books import ledger_with_transfers

    with open_ledger(tenant, db) as repo:
        require_data(repo)
        stored = repo.stored()
        _txs, _keys, matching = ledger_with_transfers(repo)
    raw = [s.transaction for s in stored]
    typer.echo(f"{len(matching.matched)} transfers matched")
    for match in matching.matched:
        typer.echo(
            f"  matched: {_describe(raw[match.withdrawal_index])} -> "
            f"{_describe(raw[match.deposit_index])}{' (tx hash)' if match.by_hash else ''}"
        )
    for index in matching.unmatched_withdrawals:
        typer.echo(f"  review, no deposit found: {_describe(raw[index])}")
    for index in matching.unmatched_deposits:
        typer.echo(f"  review, no withdrawal found: {_describe(raw[index])}")
    for group in matching.ambiguous:
        sides = [raw[i] for i in (*group.withdrawal_indices, *group.deposit_indices)]
        typer.echo("  review, ambiguous: " + " | ".join(_describe(tx) for tx in sides))


def _describe(tx: Transaction) -> str:
    when = local_date(tx.timestamp_ms, "UTC", "%Y-%m-%d %H:%M:%S")
    return f"{tx.kind} {when} {_moves(tx.movements)}"
