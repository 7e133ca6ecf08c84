"""The portfolio store's tables. Every table is tenant-scoped through `TenantScoped`.

    portfolio_transactions   one row per Transaction; (tenant_id, content_key) unique: dedup
      └─ portfolio_movements  its movements and fees (is_fee), amounts as canonical decimal text
    portfolio_import_cursors  where an incremental importer stopped, per (source, key)
    portfolio_price_cache     candle closes from venues, per (venue, symbol, timeframe, open time)
    portfolio_lot_selections  specific-identification choices: which lots a disposal consumes
    portfolio_saved_reports   reports as generated, for the record

Amounts are stored as text, not NUMERIC: SQLite has no exact decimal type and the canonical text
(`ledger.normalize_amount`) round-trips a Decimal exactly on every backend.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "Base",
    "CursorRow",
    "LotSelectionRow",
    "MovementRow",
    "PriceRow",
    "SavedReportRow",
    "TenantScoped",
    "TransactionRow",
]


class Base(DeclarativeBase):
    """Declarative base of the portfolio tables (their own MetaData, own Alembic history)."""


class TenantScoped:
    """Mixin of every tenant-owned row; the tenant session filters and guards on `tenant_id`."""

    tenant_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)


class TransactionRow(TenantScoped, Base):
    """One stored ledger transaction; `id` is the insertion (and audit-log) order."""

    __tablename__ = "portfolio_transactions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "content_key", name="uq_portfolio_tx_tenant_key"),
        Index("ix_portfolio_tx_tenant_ts", "tenant_id", "timestamp_ms"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    content_key: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    timestamp_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    source: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    external_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    tx_hash: Mapped[str | None] = mapped_column(String(128), nullable=True)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    worth: Mapped[str | None] = mapped_column(String(80), nullable=True)
    worth_currency: Mapped[str | None] = mapped_column(String(16), nullable=True)
    movements: Mapped[list[MovementRow]] = relationship(
        back_populates="transaction", order_by="MovementRow.position", lazy="selectin"
    )


class MovementRow(TenantScoped, Base):
    """One movement or fee of a stored transaction, in its original position."""

    __tablename__ = "portfolio_movements"
    __table_args__ = (
        Index("ix_portfolio_mv_tenant_account_asset", "tenant_id", "account", "asset"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("portfolio_transactions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    is_fee: Mapped[bool] = mapped_column(Boolean, nullable=False)
    account: Mapped[str] = mapped_column(String(200), nullable=False)
    asset: Mapped[str] = mapped_column(String(32), nullable=False)
    amount: Mapped[str] = mapped_column(String(80), nullable=False)
    transaction: Mapped[TransactionRow] = relationship(back_populates="movements")


class CursorRow(TenantScoped, Base):
    """An importer's saved position (e.g. last trade id or timestamp for one symbol)."""

    __tablename__ = "portfolio_import_cursors"
    __table_args__ = (UniqueConstraint("tenant_id", "source", "key", name="uq_portfolio_cursor"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64), nullable=False)
    key: Mapped[str] = mapped_column(String(200), nullable=False)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    updated_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)


class PriceRow(TenantScoped, Base):
    """One cached candle close (quote units per base unit) as the venue reported it."""

    __tablename__ = "portfolio_price_cache"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "venue", "symbol", "timeframe", "open_ms", name="uq_portfolio_price"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    venue: Mapped[str] = mapped_column(String(64), nullable=False)
    symbol: Mapped[str] = mapped_column(String(64), nullable=False)
    timeframe: Mapped[str] = mapped_column(String(8), nullable=False)
    open_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    close: Mapped[str] = mapped_column(String(80), nullable=False)
    fetched_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)


class LotSelectionRow(TenantScoped, Base):
    """A specific-identification choice: disposal `disposal_ref` consumes `amount` of `lot_id`."""

    __tablename__ = "portfolio_lot_selections"
    __table_args__ = (
        UniqueConstraint("tenant_id", "disposal_ref", "lot_id", name="uq_portfolio_lot_selection"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    disposal_ref: Mapped[str] = mapped_column(String(120), nullable=False)
    lot_id: Mapped[str] = mapped_column(String(120), nullable=False)
    amount: Mapped[str] = mapped_column(String(80), nullable=False)
    created_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)


class SavedReportRow(TenantScoped, Base):
    """A report as generated (body text: JSON, CSV or HTML) with the parameters that made it."""

    __tablename__ = "portfolio_saved_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    params: Mapped[str] = mapped_column(Text, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
