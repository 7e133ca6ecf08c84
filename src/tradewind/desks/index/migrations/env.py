"""Alembic environment of the index desk journal: run through tradewind.desks.index.journal.

The desk keeps its own version table so its revisions and the kernel store's can live in one
database without either seeing the other's history.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through tradewind.desks.index.journal.upgrade(connection)")

context.configure(
    connection=connection, target_metadata=None, version_table="index_alembic_version"
)
with context.begin_transaction():
    context.run_migrations()
