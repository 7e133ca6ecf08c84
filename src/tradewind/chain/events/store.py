"""Where a follower keeps its place, so a restart neither misses nor re-confirms an event.

FollowerState    what a follower reloads: cursor (last block read), recent canonical block
                 hashes, unconfirmed logs (raw JSON, decoded again on load)
FollowerCommit   what one ``commit()`` writes: the new cursor and hashes, the unconfirmed logs
                 added and removed since the last commit, the confirmations emitted
ConfirmedKey     an emitted confirmation: (chain id, tx hash, log index, block hash) + block

FollowerStore (protocol: load, commit, confirmed_since)
  ├─ InMemoryFollowerStore   one process, tests
  └─ SqliteFollowerStore     a SQLite file; one transaction per commit, in a worker thread

A commit costs what changed, not what is pending: unconfirmed logs are rows of their own.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tradewind.chain.events.errors import FollowerStateError
from tradewind.chain.sqlite_file import open_sqlite

__all__ = [
    "ConfirmedKey",
    "FollowerCommit",
    "FollowerState",
    "FollowerStore",
    "InMemoryFollowerStore",
    "LogId",
    "PendingLog",
    "SqliteFollowerStore",
]

LogId = tuple[str, int, str]
"""(tx hash, log index, block hash) of one log in one block, hashes 0x-hex lower case."""


@dataclass(frozen=True, slots=True)
class ConfirmedKey:
    """A confirmation that was emitted; hashes 0x-hex lower case."""

    chain_id: int
    tx_hash: str
    log_index: int
    block_hash: str
    block_number: int


@dataclass(frozen=True, slots=True)
class PendingLog:
    """An unconfirmed log as the node returned it (JSON-able dict), with its id and block."""

    log_id: LogId
    block_number: int
    raw: dict[str, Any]


@dataclass(frozen=True, slots=True)
class FollowerState:
    """A follower's place on its chain: every log up to ``cursor`` (block number) was read;
    ``recent_blocks`` are (number, hash) of the newest canonical blocks it checked; ``pending``
    the logs seen but not yet confirmed, in chain order."""

    chain_id: int
    cursor: int
    recent_blocks: tuple[tuple[int, str], ...]
    pending: tuple[PendingLog, ...]


@dataclass(frozen=True, slots=True)
class FollowerCommit:
    """One acknowledgement: the follower's new place and what changed since the last one."""

    chain_id: int
    cursor: int
    recent_blocks: tuple[tuple[int, str], ...]
    pending_added: tuple[PendingLog, ...]
    pending_removed: tuple[LogId, ...]
    confirmed: tuple[ConfirmedKey, ...]


class FollowerStore(Protocol):
    """Follower states by stream id, and the confirmations each stream emitted."""

    async def load(self, stream_id: str) -> FollowerState | None: ...

    async def commit(self, stream_id: str, change: FollowerCommit) -> None:
        """Apply ``change`` atomically (all or nothing)."""

    async def confirmed_since(self, stream_id: str, block_number: int) -> list[ConfirmedKey]:
        """Confirmations of the stream in blocks >= ``block_number``, in chain order."""


def _blocks_json(blocks: tuple[tuple[int, str], ...]) -> str:
    return json.dumps([list(pair) for pair in blocks], separators=(",", ":"))


def _blocks_from_json(text: str) -> tuple[tuple[int, str], ...]:
    try:
        return tuple((int(n), str(h)) for n, h in json.loads(text))
    except (json.JSONDecodeError, TypeError, ValueError) as exc:
        raise FollowerStateError(f"stored recent blocks are corrupt: {exc}") from None


@dataclass(slots=True)
class _MemoryStream:
    chain_id: int
    cursor: int
    recent_blocks: tuple[tuple[int, str], ...]
    pending: dict[LogId, PendingLog]
    confirmed: dict[tuple[int, str, int, str], ConfirmedKey]


class InMemoryFollowerStore:
    """Follower states in dicts: survives a follower being rebuilt, not the process."""

    def __init__(self) -> None:
        self._streams: dict[str, _MemoryStream] = {}

    async def load(self, stream_id: str) -> FollowerState | None:
        stream = self._streams.get(stream_id)
        if stream is None:
            return None
        pending = sorted(stream.pending.values(), key=lambda p: (p.block_number, p.log_id[1]))
        return FollowerState(stream.chain_id, stream.cursor, stream.recent_blocks, tuple(pending))

    async def commit(self, stream_id: str, change: FollowerCommit) -> None:
        stream = self._streams.get(stream_id)
        pending = dict(stream.pending) if stream else {}
        confirmed = dict(stream.confirmed) if stream else {}
        for log_id in change.pending_removed:
            pending.pop(log_id, None)
        for entry in change.pending_added:
            pending[entry.log_id] = entry
        for key in change.confirmed:
            confirmed[(key.chain_id, key.tx_hash, key.log_index, key.block_hash)] = key
        self._streams[stream_id] = _MemoryStream(
            change.chain_id, change.cursor, change.recent_blocks, pending, confirmed
        )

    async def confirmed_since(self, stream_id: str, block_number: int) -> list[ConfirmedKey]:
        stream = self._streams.get(stream_id)
        keys = stream.confirmed.values() if stream else ()
        return sorted(
            (k for k in keys if k.block_number >= block_number),
            key=lambda k: (k.block_number, k.log_index),
        )


_SCHEMA = """
CREATE TABLE IF NOT EXISTS chain_follower_state (
    stream_id     TEXT PRIMARY KEY,
    chain_id      INTEGER NOT NULL,
    cursor        INTEGER NOT NULL,
    recent_blocks TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS chain_follower_pending (
    stream_id    TEXT    NOT NULL,
    tx_hash      TEXT    NOT NULL,
    log_index    INTEGER NOT NULL,
    block_hash   TEXT    NOT NULL,
    block_number INTEGER NOT NULL,
    raw          TEXT    NOT NULL,
    PRIMARY KEY (stream_id, tx_hash, log_index, block_hash)
);
CREATE TABLE IF NOT EXISTS chain_follower_confirmed (
    stream_id    TEXT    NOT NULL,
    chain_id     INTEGER NOT NULL,
    tx_hash      TEXT    NOT NULL,
    log_index    INTEGER NOT NULL,
    block_hash   TEXT    NOT NULL,
    block_number INTEGER NOT NULL,
    PRIMARY KEY (stream_id, chain_id, tx_hash, log_index, block_hash)
);
CREATE INDEX IF NOT EXISTS chain_follower_confirmed_block
    ON chain_follower_confirmed (stream_id, block_number);
"""


class SqliteFollowerStore:
    """Follower states in a SQLite file (WAL); open with ``await SqliteFollowerStore.open(p)``."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> SqliteFollowerStore:
        # NORMAL: a lost commit only means a batch is delivered again (consumers deduplicate)
        return cls(await open_sqlite(path, _SCHEMA, synchronous="NORMAL"))

    async def close(self) -> None:
        async with self._lock:
            await asyncio.to_thread(self._conn.close)

    async def load(self, stream_id: str) -> FollowerState | None:
        def query() -> tuple[Any, list[Any]] | None:
            row = self._conn.execute(
                "SELECT chain_id, cursor, recent_blocks FROM chain_follower_state "
                "WHERE stream_id = ?",
                (stream_id,),
            ).fetchone()
            if row is None:
                return None
            pending = self._conn.execute(
                "SELECT tx_hash, log_index, block_hash, block_number, raw "
                "FROM chain_follower_pending WHERE stream_id = ? "
                "ORDER BY block_number, log_index",
                (stream_id,),
            ).fetchall()
            return row, pending

        async with self._lock:
            found = await asyncio.to_thread(query)
        if found is None:
            return None
        (chain_id, cursor, blocks), rows = found
        try:
            pending = tuple(
                PendingLog((str(t), int(i), str(h)), int(n), dict(json.loads(raw)))
                for t, i, h, n, raw in rows
            )
        except (json.JSONDecodeError, TypeError, ValueError) as exc:
            raise FollowerStateError(f"stored pending log is corrupt: {exc}") from None
        return FollowerState(int(chain_id), int(cursor), _blocks_from_json(blocks), pending)

    async def commit(self, stream_id: str, change: FollowerCommit) -> None:
        added = [
            (stream_id, *p.log_id, p.block_number, json.dumps(p.raw, separators=(",", ":")))
            for p in change.pending_added
        ]
        removed = [(stream_id, *log_id) for log_id in change.pending_removed]
        confirmed = [
            (stream_id, k.chain_id, k.tx_hash, k.log_index, k.block_hash, k.block_number)
            for k in change.confirmed
        ]
        state = (stream_id, change.chain_id, change.cursor, _blocks_json(change.recent_blocks))

        def write() -> None:
            with self._conn:  # one transaction: all of the change lands, or none of it
                self._conn.execute("BEGIN")
                self._conn.execute(
                    "INSERT OR REPLACE INTO chain_follower_state "
                    "(stream_id, chain_id, cursor, recent_blocks) VALUES (?, ?, ?, ?)",
                    state,
                )
                self._conn.executemany(
                    "DELETE FROM chain_follower_pending WHERE stream_id = ? AND tx_hash = ? "
                    "AND log_index = ? AND block_hash = ?",
                    removed,
                )
                self._conn.executemany(
                    "INSERT OR REPLACE INTO chain_follower_pending "
                    "(stream_id, tx_hash, log_index, block_hash, block_number, raw) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    added,
                )
                self._conn.executemany(
                    "INSERT OR IGNORE INTO chain_follower_confirmed "
                    "(stream_id, chain_id, tx_hash, log_index, block_hash, block_number) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    confirmed,
                )

        async with self._lock:
            await asyncio.to_thread(write)

    async def confirmed_since(self, stream_id: str, block_number: int) -> list[ConfirmedKey]:
        def query() -> list[tuple[Any, ...]]:
            return self._conn.execute(
                "SELECT chain_id, tx_hash, log_index, block_hash, block_number "
                "FROM chain_follower_confirmed WHERE stream_id = ? AND block_number >= ? "
                "ORDER BY block_number, log_index",
                (stream_id, block_number),
            ).fetchall()

        async with self._lock:
            rows = await asyncio.to_thread(query)
        return [ConfirmedKey(int(c), str(t), int(i), str(h), int(n)) for c, t, i, h, n in rows]
