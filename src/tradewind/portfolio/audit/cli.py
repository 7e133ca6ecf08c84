"""`tradewind audit …`: verify the ledger against its tamper-evident log; sign tree heads.

verify   exit 0 when the ledger matches the log and every saved head is a signed prefix of
         the current tree; exit 1 listing each problem (index and kind) otherwise
head     sign and save the current tree head (size, root, time) of a tenant's log
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine, inspect

from tradewind.portfolio.audit.log import AuditLog, LogSnapshot
from tradewind.portfolio.audit.schema import audit_tables_exist
from tradewind.portfolio.audit.tree_head import (
    DEFAULT_KEY_PATH,
    load_or_create_signing_key,
    load_public_key,
)
from tradewind.portfolio.audit.verify import VerifyReport, verify_snapshot
from tradewind.portfolio.ledger import canonical_entry_bytes
from tradewind.portfolio.store import LedgerRepository, TenantScopeError, open_engine
from tradewind.portfolio.store.schema import TransactionRow

__all__ = ["audit_app", "verify_store"]

audit_app = typer.Typer(
    name="audit",
    help="Tamper-evident audit log of the portfolio ledger (RFC 6962 Merkle log).",
    no_args_is_help=True,
    add_completion=False,
)

_SHOWN_PROBLEMS = 200

TenantOption = Annotated[
    str, typer.Option("--tenant", envvar="TRADEWIND_TENANT", help="Tenant whose log to use.")
]
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Store URL (default: $TRADEWIND_DB_URL or sqlite:///var/portfolio.sqlite)."
    ),
]
KeyOption = Annotated[
    Path | None,
    typer.Option(
        "--key",
        envvar="TRADEWIND_AUDIT_KEY",
        help=f"Ed25519 PEM key of the log signer (default: {DEFAULT_KEY_PATH} when present).",
    ),
]


def verify_store(
    engine: Engine,
    tenant: str,
    *,
    trusted_public_key: bytes | None = None,
    check_inclusion: bool = False,
) -> VerifyReport:
    """Verify one tenant's stored ledger against its stored audit log (reads only)."""
    log = AuditLog(engine, create_tables=False)
    # Verification only reads: absent audit tables are an empty log, not something to create.
    snapshot = log.snapshot(tenant) if audit_tables_exist(engine) else LogSnapshot((), (), ())
    entries: list[bytes] = []
    labels: list[str] = []
    if inspect(engine).has_table(TransactionRow.__tablename__):
        for stored in LedgerRepository(engine, tenant).stored(order="seq"):
            entries.append(canonical_entry_bytes(stored.transaction))
            labels.append(f"seq {stored.seq}, key {stored.content_key[:16]}")
    return verify_snapshot(
        tenant,
        entries,
        snapshot,
        labels=labels,
        trusted_public_key=trusted_public_key,
        check_inclusion=check_inclusion,
    )


def _trusted_key(key: Path | None) -> bytes | None:
    path = key if key is not None else DEFAULT_KEY_PATH
    if not path.exists():
        if key is not None:
            typer.echo(f"error: key file {key} does not exist", err=True)
            raise typer.Exit(2)
        return None
    try:
        return load_public_key(path)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@audit_app.command("verify")
def verify_command(
    tenant: TenantOption,
    db: DbOption = None,
    key: KeyOption = None,
    proofs: Annotated[
        bool, typer.Option("--proofs", help="Also check an inclusion proof for every entry.")
    ] = False,
) -> None:
    """Prove the stored ledger matches the log and each saved tree head is a prefix of it."""
    trusted = _trusted_key(key)
    engine = open_engine(db)
    try:
        report = verify_store(engine, tenant, trusted_public_key=trusted, check_inclusion=proofs)
    except TenantScopeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    typer.echo(report.summary())
    if trusted is None and report.tree_heads:
        typer.echo(
            "note: no signer key given; head signatures were checked against the keys recorded "
            "with them, which proves integrity, not who signed (pass --key to pin the signer)"
        )
    if report.uncovered_leaves:
        typer.echo(f"note: {report.uncovered_leaves} leaves are not yet covered by a signed head")
    for problem in report.problems[:_SHOWN_PROBLEMS]:
        typer.echo(f"PROBLEM {problem}")
    if len(report.problems) > _SHOWN_PROBLEMS:
        typer.echo(f"… and {len(report.problems) - _SHOWN_PROBLEMS} more problems")
    raise typer.Exit(0 if report.ok else 1)


@audit_app.command("head")
def head_command(tenant: TenantOption, db: DbOption = None, key: KeyOption = None) -> None:
    """Sign and save the current tree head of the tenant's log (creates the key if absent)."""
    path = key if key is not None else DEFAULT_KEY_PATH
    try:
        signer = load_or_create_signing_key(path)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    engine = open_engine(db)
    try:
        head = AuditLog(engine, signer).publish_tree_head(tenant)
    except TenantScopeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    typer.echo(
        f"tenant {tenant}: tree head size {head.tree_size} root {head.root_hash.hex()} "
        f"key {head.key_id[:16]}"
    )
