"""Tables of the audit log: leaf hashes and signed tree heads, per tenant.

Both tables carry the store's `TenantScoped` mixin, so they are read and written only through a
`TenantSession` and fall under the same enforced tenant mechanism as the ledger tables. They live
in their own MetaData (`AuditBase`) because the portfolio store's Alembic history belongs to the
ledger; `create_audit_tables(engine)` creates them idempotently.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Engine,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tradewind.portfolio.store.schema import TenantScoped

__all__ = [
    "AuditBase",
    "AuditLeafRow",
    "AuditSelectionRow",
    "AuditTreeHeadRow",
    "audit_tables_exist",
    "create_audit_tables",
]


class AuditBase(DeclarativeBase):
    """Declarative base of the audit tables (`audit_*`)."""


class AuditLeafRow(TenantScoped, AuditBase):
    """One log leaf: its 0-based index in the tenant's tree and its RFC 6962 leaf hash."""

    __tablename__ = "audit_leaves"
    __table_args__ = (UniqueConstraint("tenant_id", "leaf_index", name="uq_audit_leaf_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    leaf_index: Mapped[int] = mapped_column(BigInteger, nullable=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    created_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)


class AuditTreeHeadRow(TenantScoped, AuditBase):
    """One saved signed tree head (size, root, time, Ed25519 signature and the signing key)."""

    __tablename__ = "audit_tree_heads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    timestamp_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    key_id: Mapped[str] = mapped_column(String(64), nullable=False)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64), nullable=False)


class AuditSelectionRow(TenantScoped, AuditBase):
    """The entry a lot-selection write logged: the leaf it is and the full selection set then.

    The ledger's own entries are recomputed from the ledger; lot selections are replaced in
    place, so the logged bodies are kept here, and the log's leaf hashes vouch for them."""

    __tablename__ = "audit_selection_leaves"
    __table_args__ = (UniqueConstraint("tenant_id", "leaf_index", name="uq_audit_selection_leaf"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    leaf_index: Mapped[int] = mapped_column(BigInteger, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)


def create_audit_tables(engine: Engine) -> None:
    """Create the audit tables if they do not exist yet (a newer table is added to an older
    store the same way)."""
    AuditBase.metadata.create_all(engine)


def audit_tables_exist(engine: Engine) -> bool:
    """Whether both audit tables exist at `engine` (verification must not create them)."""
    names = set(inspect(engine).get_table_names())
    return {AuditLeafRow.__tablename__, AuditTreeHeadRow.__tablename__} <= names
