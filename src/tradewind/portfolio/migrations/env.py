"""Alembic environment of the portfolio tables; run through `migrations.upgrade(url)`."""

from __future__ import annotations

from alembic import context

from tradewind.portfolio.migrations import VERSION_TABLE
from tradewind.portfolio.store.engine import open_engine
from tradewind.portfolio.store.schema import Base

target_metadata = Base.metadata


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        url = context.config.get_main_option("sqlalchemy.url")
        engine = open_engine(url)
        with engine.begin() as owned:
            _migrate(owned)
        engine.dispose()
    else:
        _migrate(connection)


def _migrate(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    _run()
