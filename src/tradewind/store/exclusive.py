"""One process per store: an exclusive lock taken before a store is touched, naming its holder.

A second ``tradewind serve`` on the same databases must refuse at once, before it reconciles or
writes anything, and say which process holds them.

- SQLite file ``x.sqlite``: ``flock`` on ``x.sqlite.lock`` (released by the kernel when the
  holder dies, even on kill -9); the file holds the holder's pid.
- PostgreSQL: a session advisory lock keyed by the database name, held by one open connection
  whose ``application_name`` carries the pid, so a refused process can read it from
  ``pg_stat_activity``.
- In-memory SQLite: private to its process, nothing to lock.

Cost: one file or one connection per store for the life of the process.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from tradewind.store.migrate import resolve_url

__all__ = ["StoreLock", "StoreLocked", "lock_store"]

_APP_PREFIX = "tradewind pid="


class StoreLocked(RuntimeError):
    """Another live process holds the store; ``pid`` is that process (None when unknown)."""

    def __init__(self, store: str, pid: int | None) -> None:
        holder = f"process {pid}" if pid is not None else "another process"
        super().__init__(
            f"store {store} is in use by {holder}; stop it first or point this one at "
            "another database"
        )
        self.store = store
        self.pid = pid


@dataclass(slots=True)
class StoreLock:
    """A held lock; ``release()`` (or process exit) frees it."""

    store: str
    _file: IO[str] | None = field(default=None, repr=False)
    _connection: Connection | None = field(default=None, repr=False)

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the descriptor drops the flock
            self._file = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def lock_store(url: str | None) -> StoreLock:
    """Take the exclusive lock of the store at ``url`` (resolved like KernelStore.open; a plain
    path is a SQLite file). Raises StoreLocked naming the holder's pid when another process has it.
    """
    resolved = resolve_url(url)
    parsed = make_url(resolved)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if not database or database == ":memory:":
            return StoreLock(store=resolved)
        return _lock_file(Path(database))
    return _lock_postgres(resolved, parsed.database or "")


def _lock_file(database: Path) -> StoreLock:
    database.parent.mkdir(parents=True, exist_ok=True)
    path = database.with_name(database.name + ".lock")
    handle = path.open("a+", encoding="ascii")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        text_pid = handle.read().strip()
        handle.close()
        raise StoreLocked(str(database), int(text_pid) if text_pid.isdigit() else None) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return StoreLock(store=str(database), _file=handle)


def _advisory_key(database: str) -> int:
    digest = hashlib.sha256(f"tradewind-store:{database}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _lock_postgres(url: str, database: str) -> StoreLock:
    key = _advisory_key(database)
    engine = create_engine(url, connect_args={"application_name": f"{_APP_PREFIX}{os.getpid()}"})
    connection = engine.connect()
    got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
    connection.commit()
    if got:
        return StoreLock(store=database, _connection=connection)
    holder = connection.execute(
        text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted "
            "AND l.classid::bigint = :high AND l.objid::bigint = :low"
        ),
        {"high": (key & 0xFFFFFFFFFFFFFFFF) >> 32, "low": key & 0xFFFFFFFF},
    ).scalar()
    connection.close()
    engine.dispose()
    pid = None
    if isinstance(holder, str) and holder.startswith(_APP_PREFIX):
        tail = holder[len(_APP_PREFIX) :]
        pid = int(tail) if tail.isdigit() else None
    raise StoreLocked(database, pid)
