"""What the `portfolio` commands share: options, the tenant's ledger, dates, tables, errors.

The tenant defaults for a single user: `--tenant`, else $TRADEWIND_TENANT, else `tenant` in the
[portfolio] table of the TOML file $TRADEWIND_CONFIG names, else "default".
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from tradewind.portfolio.costbasis import CostBasisMethod
from tradewind.portfolio.ledger import Transaction
from tradewind.portfolio.store import LedgerRepository, TenantScopeError, open_engine

__all__ = [
    "CurrencyOption",
    "DbOption",
    "FetchOption",
    "MethodOption",
    "PoolingOption",
    "PriceUrlOption",
    "PriceVenueOption",
    "TenantOption",
    "default_tenant",
    "fail",
    "open_ledger",
    "parse_day",
    "print_table",
    "require_data",
    "write_batches",
]

DEFAULT_TENANT = "default"


def default_tenant() -> str:
    """The tenant when no --tenant or $TRADEWIND_TENANT is given (see module docstring)."""
    from tradewind.common.config import ConfigError, load_config

    if not os.environ.get("TRADEWIND_CONFIG"):
        return DEFAULT_TENANT
    try:
        return load_config().portfolio.tenant.strip() or DEFAULT_TENANT
    except ConfigError as exc:
        raise fail(str(exc)) from None


TenantOption = Annotated[
    str,
    typer.Option(
        "--tenant",
        envvar="TRADEWIND_TENANT",
        default_factory=default_tenant,
        show_default="$TRADEWIND_TENANT, config [portfolio] tenant, or 'default'",
        help="Tenant whose books to use.",
    ),
]
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Store URL (default: $TRADEWIND_DB_URL or sqlite:///var/portfolio.sqlite)."
    ),
]
MethodOption = Annotated[
    CostBasisMethod, typer.Option("--method", case_sensitive=False, help="Lot order.")
]
PoolingOption = Annotated[
    bool,
    typer.Option("--pooled/--per-wallet", help="One lot pool across accounts, or one per account."),
]
CurrencyOption = Annotated[str, typer.Option("--currency", help="USD or EUR.")]
FetchOption = Annotated[
    bool, typer.Option("--fetch-prices", help="Fetch missing candles from the price venue.")
]
PriceVenueOption = Annotated[
    str, typer.Option("--price-venue", help="CCXT exchange whose candles price assets.")
]
PriceUrlOption = Annotated[
    str | None,
    typer.Option("--price-url", help="Base URL of the price venue (e.g. tradewind sim)."),
]


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@contextmanager
def open_ledger(
    tenant: str, db: str | None, *, audited: bool = False
) -> Iterator[LedgerRepository]:
    with _open(tenant, db, audited=audited) as (repo, _log):
        yield repo


@contextmanager
def open_audited_ledger(tenant: str, db: str | None) -> Iterator[tuple[LedgerRepository, Any]]:
    """The tenant's ledger and its audit log (an ``AuditLog``); the session ends with a signed
    head written to the store and the witness."""
    with _open(tenant, db, audited=True) as opened:
        yield opened


@contextmanager
def _open(tenant: str, db: str | None, *, audited: bool) -> Iterator[tuple[LedgerRepository, Any]]:
    from tradewind.portfolio.migrations import upgrade

    engine = open_engine(db)
    try:
        upgrade(engine)
        log = _audit_log(engine, tenant) if audited else None
        batch = (lambda t, entries: log.append_many(t, entries)) if log is not None else None
        repo = LedgerRepository(engine, tenant, on_write_batch=batch)
        yield repo, log
        if log is not None:
            from tradewind.portfolio.audit.cli import publish_and_witness

            # Every audited write session ends with a signed tree head, in the store and in
            # the witness outside it, so a later `tradewind audit verify` can prove the log
            # only ever grew from here.
            publish_and_witness(log, repo.tenant)
    except TenantScopeError as exc:
        raise fail(str(exc)) from exc
    finally:
        engine.dispose()


def _audit_log(engine: Any, tenant: str) -> Any:
    from tradewind.portfolio.audit.log import AuditLog
    from tradewind.portfolio.audit.tree_head import load_or_create_signing_key, signing_key_path

    try:
        key_path = signing_key_path(tenant)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    return AuditLog(engine, load_or_create_signing_key(key_path))


def require_data(repo: LedgerRepository) -> None:
    """Refuse (exit 2) when the tenant has no transactions: a wrong --tenant, not empty books."""
    if not repo.count():
        raise fail(
            f"tenant {repo.tenant!r} has no data: import a file or sync first "
            "(or check --tenant / $TRADEWIND_TENANT)"
        )


def parse_day(text: str, *, end_of_day: bool = False) -> int:
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError as exc:
        raise fail(f"date must be YYYY-MM-DD, got {text!r}") from exc
    ms = int(day.timestamp()) * 1000
    return ms + 86_400_000 - 1 if end_of_day else ms


def write_batches(repo: LedgerRepository, txs: list[Transaction], label: str) -> tuple[int, int]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    added = duplicates = 0
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=len(txs))
        for start in range(0, len(txs), 1000):
            chunk = txs[start : start + 1000]
            result = repo.add_many(chunk)
            added += result.added
            duplicates += result.duplicates
            progress.advance(task, len(chunk))
    return added, duplicates


def print_table(headers: list[str], rows: list[list[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*headers)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    Console(width=200).print(table)
