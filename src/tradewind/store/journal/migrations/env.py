"""Alembic environment of a component's journal: run through ``open_journal`` / ``upgrade``.

One set of revisions serves every journal: the table name comes in
``config.attributes["journal_table"]`` and each journal keeps its own version table
(``<table>_alembic_version``), so journals and the kernel store share a database without seeing
each other's history.
"""

from __future__ import annotations

from alembic import context

attributes = context.config.attributes
connection = attributes.get("connection")
table = attributes.get("journal_table")
if connection is None or not isinstance(table, str):
    raise RuntimeError("run journal migrations through tradewind.store.journal.upgrade()")

context.configure(
    connection=connection, target_metadata=None, version_table=f"{table}_alembic_version"
)
with context.begin_transaction():
    context.run_migrations()
