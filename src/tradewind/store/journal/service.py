"""Journal: a component's durable, append-only log of its input events; its state is their fold.

    component ──event──▶ Journal.append (durable, once per key) ──new?──▶ reducer.apply
    start:               Journal.replay (append order) ──────────────────▶ reducer.apply

``EventSourced`` ties a journal to a reducer with exactly those two rules — append before
apply, replay on start — so the state after a kill -9 is the replay of the journal whatever
the moment of the kill, and an event seen twice (a redelivery, a retry) is applied once.

Storage: one table per journal (see ``table``) in SQLite (WAL, synchronous=FULL by default: a
committed append survives a power loss too) or PostgreSQL, SQLAlchemy 2 Core. ``open_journal``
creates or upgrades the table with the generic revisions under ``migrations/``; a component
with its own revisions (the index desk) builds ``Journal`` on its engine and table instead.
Events are declarative ``codec.Event``s (a KIND, a unique key, a ts, their JSON); the
journal's ``EventCodec`` reads them back. Methods block, one transaction each; async callers
run them off the event loop. One writer per journal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from sqlalchemy import Connection, Engine, MetaData, Table, func, insert, select
from sqlalchemy.exc import IntegrityError

from tradewind.common.logging import get_logger
from tradewind.store.journal.codec import Event, EventCodec, InvalidRecord
from tradewind.store.journal.table import insert_once, journal_table
from tradewind.store.migrate import create_store_engine, run_migrations

__all__ = [
    "MIGRATIONS",
    "EventSourced",
    "Journal",
    "Reducer",
    "UnknownEventKind",
    "open_journal",
    "upgrade",
]

log = get_logger("store.journal")

MIGRATIONS = Path(__file__).with_name("migrations")
REPLAY_CHUNK = 1000
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")

E = TypeVar("E", bound=Event)
Out = TypeVar("Out")
E_contra = TypeVar("E_contra", bound=Event, contravariant=True)


class UnknownEventKind(ValueError):
    """An event the journal's codec could not read back: refused before anything is written."""


def upgrade(connection: Connection, table: str, revision: str = "head") -> None:
    """Create or upgrade the journal table ``table`` (its own Alembic version table)."""
    run_migrations(connection, MIGRATIONS, revision, {"journal_table": table})


class Journal(Generic[E]):
    """A durable, keyed, append-only event log in one SQL table; events in append order."""

    def __init__(self, engine: Engine, table: Table, codec: EventCodec[E]) -> None:
        self._engine = engine
        self._table = table
        self._codec = codec
        self._insert_once = insert_once(engine.dialect.name, table, "key")

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def table(self) -> Table:
        return self._table

    def close(self) -> None:
        self._engine.dispose()

    def _row(self, event: E) -> dict[str, object]:
        if event.KIND not in self._codec.kinds:
            raise UnknownEventKind(
                f"{self._table.name}: cannot journal {event.KIND!r} events "
                f"(its codec reads {', '.join(self._codec.kinds)})"
            )
        return {"key": event.key, "kind": event.KIND, "payload": event.to_json(), "ts": event.ts}

    def _append(self, connection: Connection, row: dict[str, object]) -> bool:
        if self._insert_once is not None:
            return connection.execute(self._insert_once, row).first() is not None
        # another backend: look first (one writer per journal, so nothing slips in between)
        table = self._table
        found = connection.execute(select(table.c.seq).where(table.c.key == row["key"]))
        if found.first() is not None:
            return False
        connection.execute(insert(table), row)
        return True

    def append(self, event: E) -> bool:
        """Journal ``event``, durably; False (nothing written) if its key is already journaled."""
        row = self._row(event)
        try:
            with self._engine.begin() as connection:
                return self._append(connection, row)
        except IntegrityError:
            return False

    def append_many(self, events: Iterable[E]) -> list[bool]:
        """Journal several events in one transaction, in order; per event whether it was new.
        One refused event writes none of them."""
        rows = [self._row(event) for event in events]
        with self._engine.begin() as connection:
            return [self._append(connection, row) for row in rows]

    def replay(self) -> Iterator[E]:
        """Every journaled event in append order (read in chunks, no connection held between).
        A stored payload the codec refuses raises its error, naming the row's seq."""
        table, last = self._table, 0
        while True:
            with self._engine.connect() as connection:
                rows = connection.execute(
                    select(table.c.seq, table.c.payload)
                    .where(table.c.seq > last)
                    .order_by(table.c.seq)
                    .limit(REPLAY_CHUNK)
                ).all()
            if not rows:
                return
            for seq, payload in rows:
                last = seq
                try:
                    yield self._codec.decode(payload)
                except InvalidRecord as exc:
                    raise type(exc)(f"{table.name} seq {seq}: {exc}") from None

    def contains(self, key: str) -> bool:
        table = self._table
        with self._engine.connect() as connection:
            row = connection.execute(select(table.c.seq).where(table.c.key == key)).first()
        return row is not None

    def event(self, key: str) -> E | None:
        """The journaled event of ``key``, or None."""
        table = self._table
        with self._engine.connect() as connection:
            row = connection.execute(select(table.c.payload).where(table.c.key == key)).first()
        return None if row is None else self._codec.decode(row[0])

    def count(self) -> int:
        """How many events are journaled."""
        with self._engine.connect() as connection:
            total = connection.execute(select(func.count()).select_from(self._table))
            return int(total.scalar_one())


def open_journal(
    url: str,
    *,
    name: str,
    codec: EventCodec[E],
    synchronous: str = "FULL",
    apply_migrations: bool = True,
) -> Journal[E]:
    """The journal ``<name>_journal`` at ``url``, its table created or upgraded; ``codec``
    reads its events."""
    if not _NAME.match(name):
        raise ValueError(f"journal name must be lower-case snake_case, got {name!r}")
    engine = create_store_engine(url, synchronous=synchronous)
    table = journal_table(MetaData(), f"{name}_journal")
    if apply_migrations:
        with engine.connect() as connection:
            upgrade(connection, table.name)
    log.info("journal_opened", journal=table.name, backend=engine.dialect.name)
    return Journal(engine, table, codec)


class Reducer(Protocol[E_contra, Out]):
    """A component's state: folds one event, returns what the event produced."""

    def apply(self, event: E_contra) -> list[Out]: ...


class EventSourced(Generic[E, Out]):
    """A reducer fed only through its journal: append before apply, replay on start."""

    def __init__(self, journal: Journal[E], reducer: Reducer[E, Out]) -> None:
        self.journal = journal
        self.reducer = reducer

    def restore(self) -> list[Out]:
        """Fold every journaled event into the reducer (call once, on start); the outputs."""
        outputs: list[Out] = []
        for event in self.journal.replay():
            outputs += self.reducer.apply(event)
        return outputs

    def record(self, event: E) -> list[Out]:
        """Journal ``event``, then apply it; [] and no change if it was journaled before. If
        the append fails, the exception propagates and the reducer is untouched."""
        if not self.journal.append(event):
            return []
        return self.reducer.apply(event)
