"""A component's journal: input events, unique per key, in append order.

Revision ID: 0001_journal
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0001_journal"
down_revision = None
branch_labels = None
depends_on = None

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias), not a BIGINT one
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _table() -> str:
    name: str = context.config.attributes["journal_table"]
    return name


def upgrade() -> None:
    name = _table()
    op.create_table(
        name,
        sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("key", name=f"uq_{name}_key"),
    )


def downgrade() -> None:
    op.drop_table(_table())
