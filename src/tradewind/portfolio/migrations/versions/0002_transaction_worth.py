"""A transaction's own valuation (Koinly's Net Worth Amount/Currency), kept for cost basis.

Revision ID: 0002_transaction_worth
Revises: 0001_portfolio_tables
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_transaction_worth"
down_revision = "0001_portfolio_tables"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("portfolio_transactions") as batch:
        batch.add_column(sa.Column("worth", sa.String(80), nullable=True))
        batch.add_column(sa.Column("worth_currency", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("portfolio_transactions") as batch:
        batch.drop_column("worth_currency")
        batch.drop_column("worth")
