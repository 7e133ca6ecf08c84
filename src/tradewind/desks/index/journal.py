"""DeskJournal: the index desk's append-only journal of input events, and its mint invoices.

    index_journal   seq (order of application), key (unique: an event is journaled once),
                    kind, payload (the event's JSON), ts
    index_invoices  invoice_id (sha256 of chain:address:client order id), account, ts, payload

The desk's state is ``IndexDeskState`` folded over ``replay()``; invoices are stored as issued so
the REST API can serve them and a restart does not issue them again. SQLAlchemy 2 Core on SQLite
(default file ``var/index_desk.sqlite``) or PostgreSQL; the schema is brought up to date by the
Alembic revisions under ``migrations/`` (own version table). Methods are blocking, each one
transaction; ``append`` returns only once the event is durable (SQLite: WAL with
synchronous=FULL; PostgreSQL: the commit). Async callers run them off the event loop.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from tradewind.common.logging import get_logger
from tradewind.desks.index.events import IndexEvent, decode_event
from tradewind.desks.index.reports import MintInvoice, invoice_id_of
from tradewind.store.migrate import create_store_engine

__all__ = [
    "DEFAULT_JOURNAL_URL",
    "MIGRATIONS",
    "DeskJournal",
    "invoices",
    "journal",
    "metadata",
    "resolve_journal_url",
    "upgrade",
]

log = get_logger("desks.index.journal")

DEFAULT_JOURNAL_URL = "sqlite:///var/index_desk.sqlite"
MIGRATIONS = Path(__file__).with_name("migrations")
_REPLAY_CHUNK = 1000
_TS_MIN, _TS_MAX = -(2**63), 2**63 - 1  # what a BIGINT holds
_SEQ = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

journal = Table(
    "index_journal",
    metadata,
    Column("seq", _SEQ, primary_key=True, autoincrement=True),
    Column("key", String(512), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("payload", Text(), nullable=False),
    Column("ts", BigInteger(), nullable=False),
    UniqueConstraint("key", name="uq_index_journal_key"),
)

invoices = Table(
    "index_invoices",
    metadata,
    Column("invoice_id", String(64), primary_key=True),
    Column("chain_id", BigInteger(), nullable=False),
    Column("address", String(42), nullable=False),
    Column("client_order_id", String(128), nullable=False),
    Column("ts", BigInteger(), nullable=False),
    Column("payload", Text(), nullable=False),
    Index("ix_index_invoices_ts", "ts"),
    Index("ix_index_invoices_account", "chain_id", "address"),
)


def resolve_journal_url(url: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """``url``, else ``$TRADEWIND_DB_URL`` (the kernel's database), else the SQLite default."""
    environ = os.environ if environ is None else environ
    return url or environ.get("TRADEWIND_DB_URL") or DEFAULT_JOURNAL_URL


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Apply the journal's Alembic revisions up to ``revision`` (committed on return)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
    connection.commit()


class DeskJournal:
    """The index desk's durable journal and invoice store (one SQL database)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name

    @classmethod
    def open(cls, url: str | None = None, *, apply_migrations: bool = True) -> DeskJournal:
        """Connect to ``url`` (see resolve_journal_url) and bring the schema to the newest."""
        # FULL: a committed append survives a power loss too, not only a kill -9
        engine = create_store_engine(resolve_journal_url(url), synchronous="FULL")
        if apply_migrations:
            with engine.connect() as connection:
                upgrade(connection)
        log.info("index_journal_opened", backend=engine.dialect.name)
        return cls(engine)

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        self._engine.dispose()

    # -- events ---------------------------------------------------------------------------------
    def _insert_ignoring_duplicates(self, table: Table, unique: str) -> Any:
        """INSERT .. ON CONFLICT DO NOTHING RETURNING the unique column: a row back means the
        insert happened (rowcount is not reliable for this across drivers)."""
        if self._dialect == "sqlite":
            statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=[unique])
        elif self._dialect == "postgresql":
            statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=[unique])
        else:
            return None
        return statement.returning(table.c[unique])

    def _append(self, connection: Connection, item: IndexEvent) -> bool:
        row = {"key": item.key, "kind": item.KIND, "payload": item.to_json(), "ts": item.ts}
        statement = self._insert_ignoring_duplicates(journal, "key")
        if statement is not None:
            return connection.execute(statement, row).first() is not None
        # another backend: look first (the desk has one writer, so nothing slips in between)
        found = connection.execute(select(journal.c.seq).where(journal.c.key == item.key))
        if found.first() is not None:
            return False
        connection.execute(insert(journal), row)
        return True

    def append(self, item: IndexEvent) -> bool:
        """Journal ``item``; False (and nothing written) if its key is already journaled."""
        try:
            with self._engine.begin() as connection:
                return self._append(connection, item)
        except IntegrityError:
            return False

    def append_many(self, items: Iterable[IndexEvent]) -> list[bool]:
        """Journal several events in one transaction, in order; per event whether it was new."""
        batch = list(items)
        with self._engine.begin() as connection:
            return [self._append(connection, item) for item in batch]

    def replay(self) -> Iterator[IndexEvent]:
        """Every journaled event in journal order (read in chunks, no connection held between)."""
        last = 0
        while True:
            with self._engine.connect() as connection:
                rows = connection.execute(
                    select(journal.c.seq, journal.c.payload)
                    .where(journal.c.seq > last)
                    .order_by(journal.c.seq)
                    .limit(_REPLAY_CHUNK)
                ).all()
            if not rows:
                return
            for seq, payload in rows:
                last = seq
                yield decode_event(payload)

    def contains(self, key: str) -> bool:
        with self._engine.connect() as connection:
            row = connection.execute(select(journal.c.seq).where(journal.c.key == key)).first()
        return row is not None

    def event(self, key: str) -> IndexEvent | None:
        """The journaled event of ``key``, or None."""
        with self._engine.connect() as connection:
            row = connection.execute(select(journal.c.payload).where(journal.c.key == key)).first()
        return None if row is None else decode_event(row[0])

    def count(self) -> int:
        """How many events are journaled."""
        with self._engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(journal)).scalar_one())

    # -- invoices -------------------------------------------------------------------------------
    def put_invoice(self, invoice: MintInvoice) -> bool:
        """Store ``invoice``; False (nothing changed) if its id is already stored."""
        row = {
            "invoice_id": invoice.invoice_id,
            "chain_id": invoice.chain_id,
            "address": invoice.address,
            "client_order_id": invoice.client_order_id,
            "ts": invoice.ts,
            "payload": invoice.to_json(),
        }
        statement = self._insert_ignoring_duplicates(invoices, "invoice_id")
        try:
            with self._engine.begin() as connection:
                if statement is not None:
                    return connection.execute(statement, row).first() is not None
                connection.execute(insert(invoices), row)
                return True
        except IntegrityError:
            return False

    def record_invoice_tx(self, invoice_id: str, tx_hash: str) -> bool:
        """Put the chain transaction (mint or burn) on a stored invoice, once: False if the
        invoice is unknown or already carries a transaction hash."""
        with self._engine.begin() as connection:
            row = connection.execute(
                select(invoices.c.payload).where(invoices.c.invoice_id == invoice_id)
            ).first()
            if row is None:
                return False
            invoice = MintInvoice.from_json(row[0])
            if invoice.tx_hash is not None:
                return False
            updated = dataclasses.replace(invoice, tx_hash=tx_hash)
            connection.execute(
                update(invoices)
                .where(invoices.c.invoice_id == invoice_id)
                .values(payload=updated.to_json())
            )
            return True

    def invoices_without_tx(self) -> list[MintInvoice]:
        """Stored invoices that settled nothing on chain yet (oldest first)."""
        with self._engine.connect() as connection:
            rows = connection.execute(select(invoices.c.payload).order_by(invoices.c.ts)).all()
        found = [MintInvoice.from_json(row[0]) for row in rows]
        return [invoice for invoice in found if invoice.tx_hash is None and invoice.quantity > 0]

    def get_invoice(self, chain_id: int, address: str, client_order_id: str) -> MintInvoice | None:
        invoice_id = invoice_id_of(chain_id, address, client_order_id)
        with self._engine.connect() as connection:
            row = connection.execute(
                select(invoices.c.payload).where(invoices.c.invoice_id == invoice_id)
            ).first()
        return None if row is None else MintInvoice.from_json(row[0])

    def invoices_between(
        self,
        start_ns: int,
        end_ns: int,
        chain_id: int | None = None,
        address: str | None = None,
    ) -> list[MintInvoice]:
        """Invoices with start_ns <= ts <= end_ns (optionally of one chain / account), oldest
        first (ties by invoice id). Bounds beyond a 64-bit timestamp are clamped."""
        start_ns, end_ns = max(start_ns, _TS_MIN), min(end_ns, _TS_MAX)
        if start_ns > end_ns:
            return []
        query = select(invoices.c.payload).where(invoices.c.ts >= start_ns, invoices.c.ts <= end_ns)
        if chain_id is not None:
            query = query.where(invoices.c.chain_id == chain_id)
        if address is not None:
            query = query.where(invoices.c.address == address)
        query = query.order_by(invoices.c.ts, invoices.c.invoice_id)
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [MintInvoice.from_json(row[0]) for row in rows]
