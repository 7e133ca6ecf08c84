"""Index desk journal (input events, unique per key) and mint invoices.

Revision ID: 0001_index_journal
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_index_journal"
down_revision = None
branch_labels = None
depends_on = None

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias), not a BIGINT one
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "index_journal",
        sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("key", name="uq_index_journal_key"),
    )
    op.create_table(
        "index_invoices",
        sa.Column("invoice_id", sa.String(64), primary_key=True),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("client_order_id", sa.String(128), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
    )
    op.create_index("ix_index_invoices_ts", "index_invoices", ["ts"])
    op.create_index("ix_index_invoices_account", "index_invoices", ["chain_id", "address"])


def downgrade() -> None:
    op.drop_index("ix_index_invoices_account", table_name="index_invoices")
    op.drop_index("ix_index_invoices_ts", table_name="index_invoices")
    op.drop_table("index_invoices")
    op.drop_table("index_journal")
