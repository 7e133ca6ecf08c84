"""Portfolio tables: transactions, movements, import cursors, price cache, lot selections, reports.

Revision ID: 0001_portfolio_tables
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_portfolio_tables"
down_revision = None
branch_labels = None
depends_on = None


def _tenant() -> sa.Column[str]:
    return sa.Column("tenant_id", sa.String(64), nullable=False)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "portfolio_transactions",
        _id(),
        sa.Column("content_key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=True),
        sa.Column("tx_hash", sa.String(128), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        _tenant(),
        sa.UniqueConstraint("tenant_id", "content_key", name="uq_portfolio_tx_tenant_key"),
    )
    op.create_index(
        "ix_portfolio_tx_tenant_ts", "portfolio_transactions", ["tenant_id", "timestamp_ms"]
    )
    op.create_index("ix_portfolio_transactions_tenant_id", "portfolio_transactions", ["tenant_id"])

    op.create_table(
        "portfolio_movements",
        _id(),
        sa.Column(
            "transaction_id",
            sa.Integer(),
            sa.ForeignKey("portfolio_transactions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_fee", sa.Boolean(), nullable=False),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("asset", sa.String(32), nullable=False),
        sa.Column("amount", sa.String(80), nullable=False),
        _tenant(),
    )
    op.create_index(
        "ix_portfolio_mv_tenant_account_asset",
        "portfolio_movements",
        ["tenant_id", "account", "asset"],
    )
    op.create_index("ix_portfolio_movements_tenant_id", "portfolio_movements", ["tenant_id"])
    op.create_index(
        "ix_portfolio_movements_transaction_id", "portfolio_movements", ["transaction_id"]
    )

    op.create_table(
        "portfolio_import_cursors",
        _id(),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        _tenant(),
        sa.UniqueConstraint("tenant_id", "source", "key", name="uq_portfolio_cursor"),
    )
    op.create_index(
        "ix_portfolio_import_cursors_tenant_id", "portfolio_import_cursors", ["tenant_id"]
    )

    op.create_table(
        "portfolio_price_cache",
        _id(),
        sa.Column("venue", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("timeframe", sa.String(8), nullable=False),
        sa.Column("open_ms", sa.BigInteger(), nullable=False),
        sa.Column("close", sa.String(80), nullable=False),
        sa.Column("fetched_ms", sa.BigInteger(), nullable=False),
        _tenant(),
        sa.UniqueConstraint(
            "tenant_id", "venue", "symbol", "timeframe", "open_ms", name="uq_portfolio_price"
        ),
    )
    op.create_index("ix_portfolio_price_cache_tenant_id", "portfolio_price_cache", ["tenant_id"])

    op.create_table(
        "portfolio_lot_selections",
        _id(),
        sa.Column("disposal_ref", sa.String(120), nullable=False),
        sa.Column("lot_id", sa.String(120), nullable=False),
        sa.Column("amount", sa.String(80), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        _tenant(),
        sa.UniqueConstraint(
            "tenant_id", "disposal_ref", "lot_id", name="uq_portfolio_lot_selection"
        ),
    )
    op.create_index(
        "ix_portfolio_lot_selections_tenant_id", "portfolio_lot_selections", ["tenant_id"]
    )

    op.create_table(
        "portfolio_saved_reports",
        _id(),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _tenant(),
    )
    op.create_index(
        "ix_portfolio_saved_reports_tenant_id", "portfolio_saved_reports", ["tenant_id"]
    )


def downgrade() -> None:
    for table in (
        "portfolio_saved_reports",
        "portfolio_lot_selections",
        "portfolio_price_cache",
        "portfolio_import_cursors",
        "portfolio_movements",
        "portfolio_transactions",
    ):
        op.drop_table(table)
