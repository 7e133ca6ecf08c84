"""The SQL table of one journal, and where a component's journal lives by default.

    <name>_journal   seq   BIGINT (INTEGER on SQLite: its auto-increment) primary key, the
                           order events were appended and are replayed in
                     key   unique: an event is journaled once
                     kind  the event's KIND
                     payload  the event's JSON (the codec's bytes, as text)
                     ts    the event's timestamp, integer nanoseconds

Every journal has this shape (the index desk's ``index_journal`` included), so one ``Journal``
class reads and writes them all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, Text, UniqueConstraint
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["insert_once", "journal_table"]

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias), not a BIGINT one
_SEQ = BigInteger().with_variant(Integer(), "sqlite")


def journal_table(metadata: MetaData, name: str) -> Table:
    """The table ``name`` of one journal, declared on ``metadata``."""
    return Table(
        name,
        metadata,
        Column("seq", _SEQ, primary_key=True, autoincrement=True),
        Column("key", String(512), nullable=False),
        Column("kind", String(64), nullable=False),
        Column("payload", Text(), nullable=False),
        Column("ts", BigInteger(), nullable=False),
        UniqueConstraint("key", name=f"uq_{name}_key"),
    )


def insert_once(dialect: str, table: Table, unique: str) -> Any:
    """INSERT .. ON CONFLICT DO NOTHING RETURNING the unique column, for ``dialect`` (SQLite or
    PostgreSQL; None for another backend): a row back means the insert happened (rowcount is
    not reliable for this across drivers)."""
    if dialect == "sqlite":
        statement: Any = sqlite.insert(table).on_conflict_do_nothing(index_elements=[unique])
    elif dialect == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=[unique])
    else:
        return None
    return statement.returning(table.c[unique])
