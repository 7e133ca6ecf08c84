"""Kernel state: orders, fills (unique per venue trade id), balances, trade cursors.

Revision ID: 0001_kernel_state
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_kernel_state"
down_revision = None
branch_labels = None
depends_on = None

_MONEY = sa.String(64)  # decimal text, never a float


def upgrade() -> None:
    op.create_table(
        "kernel_orders",
        sa.Column("client_order_id", sa.String(64), primary_key=True),
        sa.Column("strategy_id", sa.String(128), nullable=False),
        sa.Column("venue", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("order_type", sa.String(32), nullable=False),
        sa.Column("time_in_force", sa.String(8), nullable=False),
        sa.Column("quantity", _MONEY, nullable=False),
        sa.Column("price", _MONEY, nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("venue_order_id", sa.String(128), nullable=True),
        sa.Column("filled_qty", _MONEY, nullable=False),
        sa.Column("filled_notional", _MONEY, nullable=False),
        sa.Column("ts_init", sa.BigInteger(), nullable=False),
        sa.Column("ts_last", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_kernel_orders_venue", "kernel_orders", ["venue"])
    op.create_table(
        "kernel_fills",
        sa.Column("venue", sa.String(64), nullable=False),
        sa.Column("trade_id", sa.String(128), nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("venue_order_id", sa.String(128), nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=True),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("price", _MONEY, nullable=False),
        sa.Column("qty", _MONEY, nullable=False),
        sa.Column("fee", _MONEY, nullable=False),
        sa.Column("fee_asset", sa.String(32), nullable=False),
        sa.Column("liquidity_side", sa.String(16), nullable=False),
        sa.Column("ts_event", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("venue", "trade_id", name="pk_kernel_fills"),
    )
    op.create_index("ix_kernel_fills_client_order_id", "kernel_fills", ["client_order_id"])
    op.create_table(
        "kernel_balances",
        sa.Column("venue", sa.String(64), nullable=False),
        sa.Column("asset", sa.String(32), nullable=False),
        sa.Column("free", _MONEY, nullable=False),
        sa.Column("locked", _MONEY, nullable=False),
        sa.Column("ts_updated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("venue", "asset", name="pk_kernel_balances"),
    )
    op.create_table(
        "kernel_trade_cursors",
        sa.Column("venue", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("last_trade_id", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("venue", "symbol", name="pk_kernel_trade_cursors"),
    )


def downgrade() -> None:
    op.drop_table("kernel_trade_cursors")
    op.drop_table("kernel_balances")
    op.drop_index("ix_kernel_fills_client_order_id", table_name="kernel_fills")
    op.drop_table("kernel_fills")
    op.drop_index("ix_kernel_orders_venue", table_name="kernel_orders")
    op.drop_table("kernel_orders")
