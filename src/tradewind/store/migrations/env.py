"""Alembic environment: always run with a connection handed over by tradewind.store.migrate."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through tradewind.store.migrate.upgrade(connection)")

context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
