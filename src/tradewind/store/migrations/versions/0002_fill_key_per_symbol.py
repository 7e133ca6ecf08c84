"""Fills keyed by (venue, symbol, trade id): venues number trades per symbol.

Revision ID: 0002_fill_key_per_symbol
Revises: 0001_kernel_state
"""

from __future__ import annotations

from alembic import op

revision = "0002_fill_key_per_symbol"
down_revision = "0001_kernel_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot alter a primary key in place, so the table is rebuilt
    with op.batch_alter_table("kernel_fills", recreate="always") as batch:
        batch.drop_constraint("pk_kernel_fills", type_="primary")
        batch.create_primary_key("pk_kernel_fills", ["venue", "symbol", "trade_id"])


def downgrade() -> None:
    with op.batch_alter_table("kernel_fills", recreate="always") as batch:
        batch.drop_constraint("pk_kernel_fills", type_="primary")
        batch.create_primary_key("pk_kernel_fills", ["venue", "trade_id"])
