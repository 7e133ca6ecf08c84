"""Where routing records are kept, so a restarted router resumes each deposit where it stopped.

RouteStore (protocol: get, put, unfinished, all)
  ├─ InMemoryRouteStore   one process, tests
  └─ SqliteRouteStore     a SQLite file; every query in a worker thread, one at a time
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Protocol

from tradewind.chain.sqlite_file import open_sqlite
from tradewind.desks.index.routing.record import RouteStage, RoutingRecord

__all__ = ["InMemoryRouteStore", "RouteStore", "SqliteRouteStore"]

_DONE = (RouteStage.DELIVERED.value, RouteStage.FAILED.value)


class RouteStore(Protocol):
    """Routing records by deposit id."""

    async def get(self, deposit_id: str) -> RoutingRecord | None: ...

    async def put(self, record: RoutingRecord) -> None:
        """Insert or replace the record of ``record.deposit_id``."""

    async def unfinished(self) -> list[RoutingRecord]:
        """Records neither delivered nor failed, oldest first."""

    async def all(self) -> list[RoutingRecord]:
        """Every record, oldest first."""


class InMemoryRouteStore:
    """Routing records in a dict: survives a router being rebuilt, not the process."""

    def __init__(self) -> None:
        self._records: dict[str, RoutingRecord] = {}

    async def get(self, deposit_id: str) -> RoutingRecord | None:
        return self._records.get(deposit_id)

    async def put(self, record: RoutingRecord) -> None:
        self._records[record.deposit_id] = record

    async def unfinished(self) -> list[RoutingRecord]:
        return [r for r in await self.all() if not r.finished]

    async def all(self) -> list[RoutingRecord]:
        return sorted(self._records.values(), key=lambda r: (r.created_ns, r.deposit_id))


_SCHEMA = """
CREATE TABLE IF NOT EXISTS chain_routes (
    deposit_id TEXT PRIMARY KEY,
    stage      TEXT NOT NULL,
    created_ns INTEGER NOT NULL,
    body       TEXT NOT NULL
);
"""


class SqliteRouteStore:
    """Routing records in a SQLite file (WAL). Open with ``await SqliteRouteStore.open(path)``."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> SqliteRouteStore:
        return cls(await open_sqlite(path, _SCHEMA, synchronous="FULL"))

    async def close(self) -> None:
        async with self._lock:
            await asyncio.to_thread(self._conn.close)

    async def _rows(self, sql: str, params: tuple[object, ...] = ()) -> list[str]:
        def query() -> list[str]:
            return [str(row[0]) for row in self._conn.execute(sql, params).fetchall()]

        async with self._lock:
            return await asyncio.to_thread(query)

    async def get(self, deposit_id: str) -> RoutingRecord | None:
        rows = await self._rows("SELECT body FROM chain_routes WHERE deposit_id = ?", (deposit_id,))
        return RoutingRecord.from_json(rows[0]) if rows else None

    async def put(self, record: RoutingRecord) -> None:
        row = (record.deposit_id, record.stage.value, record.created_ns, record.to_json())

        def write() -> None:
            self._conn.execute(
                "INSERT OR REPLACE INTO chain_routes (deposit_id, stage, created_ns, body) "
                "VALUES (?, ?, ?, ?)",
                row,
            )

        async with self._lock:
            await asyncio.to_thread(write)

    async def unfinished(self) -> list[RoutingRecord]:
        rows = await self._rows(
            "SELECT body FROM chain_routes WHERE stage NOT IN (?, ?) "
            "ORDER BY created_ns, deposit_id",
            _DONE,
        )
        return [RoutingRecord.from_json(body) for body in rows]

    async def all(self) -> list[RoutingRecord]:
        rows = await self._rows("SELECT body FROM chain_routes ORDER BY created_ns, deposit_id")
        return [RoutingRecord.from_json(body) for body in rows]
