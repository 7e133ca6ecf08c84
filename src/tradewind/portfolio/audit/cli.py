"""`tradewind audit …`: verify the ledger against its tamper-evident log; sign tree heads.

verify   exit 0 when the ledger matches the log, every saved head and the witnessed head are
         signed by the tenant's trusted key and are prefixes of the current tree, and the lot
         selections are the last logged ones; exit 1 listing each problem (index and kind);
         exit 2 when no trusted key is configured (it is never taken from the store)
head     sign and save the current tree head of a tenant's log, and write it to the witness

Trust model (docs/portfolio.md): the CLI is an operator tool; ``--tenant`` selects data, it does
not authenticate anyone. Each tenant's heads are signed by its own key
(``$TRADEWIND_AUDIT_KEY_DIR/<tenant>.pem``); the witness (``$TRADEWIND_AUDIT_WITNESS_DIR``)
must live where the store's writers cannot rewrite it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine, inspect

from tradewind.portfolio.audit.log import AuditLog, LogSnapshot
from tradewind.portfolio.audit.schema import audit_tables_exist
from tradewind.portfolio.audit.tree_head import (
    SignedTreeHead,
    load_or_create_signing_key,
    load_public_key,
    signing_key_path,
)
from tradewind.portfolio.audit.verify import VerifyReport, verify_snapshot
from tradewind.portfolio.audit.witness import (
    InvalidWitness,
    read_witness,
    witness_path,
    write_witness,
)
from tradewind.portfolio.ledger import canonical_entry_bytes, canonical_selection_bytes
from tradewind.portfolio.store import LedgerRepository, TenantScopeError, open_engine
from tradewind.portfolio.store.schema import LotSelectionRow, TransactionRow
from tradewind.portfolio.store.selection_repository import LotSelectionRepository

__all__ = ["audit_app", "publish_and_witness", "verify_store"]

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
        help="Ed25519 PEM key of the tenant's signer (default: $TRADEWIND_AUDIT_KEY_DIR/"
        "<tenant>.pem, var/audit_keys when unset). verify needs only the public key.",
    ),
]
WitnessOption = Annotated[
    Path | None,
    typer.Option(
        "--witness",
        help="The tenant's witness file (default: $TRADEWIND_AUDIT_WITNESS_DIR/"
        "<tenant>.sth.json, var/audit_witness when unset).",
    ),
]


def publish_and_witness(log: AuditLog, tenant: str, witness: Path | None = None) -> SignedTreeHead:
    """Sign and save the tenant's current head, then write it to the witness file."""
    head = log.publish_tree_head(tenant)
    write_witness(witness or witness_path(tenant), head)
    return head


def verify_store(
    engine: Engine,
    tenant: str,
    *,
    trusted_public_key: bytes,
    witness: SignedTreeHead | None = None,
    require_witness: bool = False,
    check_inclusion: bool = False,
) -> VerifyReport:
    """Verify one tenant's stored ledger and lot selections against its stored audit log and
    the witnessed head (reads only)."""
    log = AuditLog(engine, create_tables=False)
    # Verification only reads: absent audit tables are an empty log, not something to create.
    snapshot = log.snapshot(tenant) if audit_tables_exist(engine) else LogSnapshot((), (), ())
    entries: list[bytes] = []
    labels: list[str] = []
    selections = canonical_selection_bytes({})
    if inspect(engine).has_table(TransactionRow.__tablename__):
        repo = LedgerRepository(engine, tenant)
        for stored in repo.stored(order="seq"):
            entries.append(canonical_entry_bytes(stored.transaction))
            labels.append(f"seq {stored.seq}, key {stored.content_key[:16]}")
        if inspect(engine).has_table(LotSelectionRow.__tablename__):
            selections = canonical_selection_bytes(LotSelectionRepository(repo).all())
    return verify_snapshot(
        tenant,
        entries,
        snapshot,
        labels=labels,
        trusted_public_key=trusted_public_key,
        witness=witness,
        require_witness=require_witness,
        current_selections=selections,
        check_inclusion=check_inclusion,
    )


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _trusted_key(tenant: str, key: Path | None) -> bytes:
    try:
        path = key if key is not None else signing_key_path(tenant)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    if not path.exists():
        raise _fail(
            f"no trusted key for tenant {tenant!r} at {path}: pass --key (the key is "
            "configured by the operator, never taken from the store it checks)"
        )
    try:
        return load_public_key(path)
    except ValueError as exc:
        raise _fail(str(exc)) from exc


def _witness(tenant: str, path: Path | None) -> SignedTreeHead | None:
    try:
        location = path if path is not None else witness_path(tenant)
    except TenantScopeError as exc:
        raise _fail(str(exc)) from exc
    if not location.exists():
        return None
    try:
        return read_witness(location)
    except InvalidWitness as exc:
        raise _fail(str(exc)) from exc


@audit_app.command("verify")
def verify_command(
    tenant: TenantOption,
    db: DbOption = None,
    key: KeyOption = None,
    witness: WitnessOption = None,
    proofs: Annotated[
        bool, typer.Option("--proofs", help="Also check an inclusion proof for every entry.")
    ] = False,
) -> None:
    """Prove the stored ledger matches the log, and every saved head and the witnessed head are
    signed prefixes of it."""
    trusted = _trusted_key(tenant, key)
    witnessed = _witness(tenant, witness)
    engine = open_engine(db)
    try:
        report = verify_store(
            engine,
            tenant,
            trusted_public_key=trusted,
            witness=witnessed,
            require_witness=True,
            check_inclusion=proofs,
        )
    except TenantScopeError as exc:
        raise _fail(str(exc)) from exc
    finally:
        engine.dispose()
    typer.echo(report.summary())
    if report.witness_size is not None:
        typer.echo(f"witnessed head of size {report.witness_size} is a prefix of the log")
    if report.uncovered_leaves:
        typer.echo(f"note: {report.uncovered_leaves} leaves are not yet covered by a signed head")
    for problem in report.problems[:_SHOWN_PROBLEMS]:
        typer.echo(f"PROBLEM {problem}")
    if len(report.problems) > _SHOWN_PROBLEMS:
        typer.echo(f"… and {len(report.problems) - _SHOWN_PROBLEMS} more problems")
    raise typer.Exit(0 if report.ok else 1)


@audit_app.command("head")
def head_command(
    tenant: TenantOption, db: DbOption = None, key: KeyOption = None, witness: WitnessOption = None
) -> None:
    """Sign and save the current tree head of the tenant's log and write it to the witness
    (creates the tenant's key if absent)."""
    try:
        signer = load_or_create_signing_key(key if key is not None else signing_key_path(tenant))
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    engine = open_engine(db)
    try:
        head = publish_and_witness(AuditLog(engine, signer), tenant, witness)
    except TenantScopeError as exc:
        raise _fail(str(exc)) from exc
    finally:
        engine.dispose()
    typer.echo(
        f"tenant {tenant}: tree head size {head.tree_size} root {head.root_hash.hex()} "
        f"key {head.key_id[:16]}"
    )
