"""Where intents are kept so a restarted manager resumes them instead of sending twice.

IntentStore (protocol: get, put, unfinished)
  ├─ InMemoryIntentStore   one process, tests
  └─ SqliteIntentStore     a SQLite file; every query runs in a worker thread, one at a time

A record is written before its transaction leaves the process (write-ahead), so after a crash
the signed bytes are there to re-broadcast or to replace at the same nonce.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Protocol

from tradewind.chain.sqlite_file import open_sqlite
from tradewind.chain.tx.model import OPEN, IntentRecord

__all__ = ["InMemoryIntentStore", "IntentStore", "SqliteIntentStore"]


class IntentStore(Protocol):
    """Persisted intents keyed by (chain id, intent id)."""

    async def get(self, chain_id: int, intent_id: str) -> IntentRecord | None: ...

    async def put(self, record: IntentRecord) -> None:
        """Insert or replace the record of ``(record.chain_id, record.intent_id)``."""

    async def unfinished(self, chain_id: int, sender: str) -> list[IntentRecord]:
        """Open records of ``sender`` on ``chain_id`` (signed, broadcast or mined), by nonce."""


class InMemoryIntentStore:
    """Intents in a dict: survives a manager being rebuilt, not the process."""

    def __init__(self) -> None:
        self._records: dict[tuple[int, str], IntentRecord] = {}

    async def get(self, chain_id: int, intent_id: str) -> IntentRecord | None:
        return self._records.get((chain_id, intent_id))

    async def put(self, record: IntentRecord) -> None:
        self._records[(record.chain_id, record.intent_id)] = record

    async def unfinished(self, chain_id: int, sender: str) -> list[IntentRecord]:
        return sorted(
            (
                r
                for r in self._records.values()
                if r.chain_id == chain_id and r.sender == sender and r.status in OPEN
            ),
            key=lambda r: r.nonce,
        )


_SCHEMA = """
CREATE TABLE IF NOT EXISTS chain_tx_intents (
    chain_id   INTEGER NOT NULL,
    intent_id  TEXT    NOT NULL,
    sender     TEXT    NOT NULL,
    nonce      INTEGER NOT NULL,
    status     TEXT    NOT NULL,
    updated_ns INTEGER NOT NULL,
    body       TEXT    NOT NULL,
    PRIMARY KEY (chain_id, intent_id)
);
CREATE INDEX IF NOT EXISTS chain_tx_intents_open
    ON chain_tx_intents (chain_id, sender, status);
"""


class SqliteIntentStore:
    """Intents in a SQLite file (WAL). Open with ``await SqliteIntentStore.open(path)``."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> SqliteIntentStore:
        # FULL: a signed transaction must survive a power cut
        return cls(await open_sqlite(path, _SCHEMA, synchronous="FULL"))

    async def close(self) -> None:
        async with self._lock:
            await asyncio.to_thread(self._conn.close)

    async def get(self, chain_id: int, intent_id: str) -> IntentRecord | None:
        def query() -> str | None:
            row = self._conn.execute(
                "SELECT body FROM chain_tx_intents WHERE chain_id = ? AND intent_id = ?",
                (chain_id, intent_id),
            ).fetchone()
            return None if row is None else str(row[0])

        async with self._lock:
            body = await asyncio.to_thread(query)
        return None if body is None else IntentRecord.from_json(body)

    async def put(self, record: IntentRecord) -> None:
        row = (
            record.chain_id,
            record.intent_id,
            record.sender,
            record.nonce,
            record.status.value,
            record.updated_ns,
            record.to_json(),
        )

        def write() -> None:
            self._conn.execute(
                "INSERT OR REPLACE INTO chain_tx_intents "
                "(chain_id, intent_id, sender, nonce, status, updated_ns, body) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )

        async with self._lock:
            await asyncio.to_thread(write)

    async def unfinished(self, chain_id: int, sender: str) -> list[IntentRecord]:
        open_ = tuple(sorted(status.value for status in OPEN))

        def query() -> list[str]:
            rows = self._conn.execute(
                "SELECT body FROM chain_tx_intents WHERE chain_id = ? AND sender = ? "
                f"AND status IN ({', '.join('?' * len(open_))}) ORDER BY nonce",
                (chain_id, sender, *open_),
            ).fetchall()
            return [str(row[0]) for row in rows]

        async with self._lock:
            bodies = await asyncio.to_thread(query)
        return [IntentRecord.from_json(body) for body in bodies]
