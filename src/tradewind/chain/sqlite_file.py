"""One way the chain stores (intents, routes, follower cursors) open their SQLite files."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Literal

from tradewind.common.private_files import private_sqlite_file

__all__ = ["open_sqlite"]


async def open_sqlite(
    path: Path | str, schema: str, *, synchronous: Literal["FULL", "NORMAL"]
) -> sqlite3.Connection:
    """A WAL-mode autocommit connection to ``path`` with ``schema`` applied, opened off the
    event loop. ``synchronous``: FULL where a lost commit would lose money or a signed
    transaction, NORMAL where it only means something is delivered again."""

    def connect() -> sqlite3.Connection:
        private_sqlite_file(path)
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.executescript(schema)
        return conn

    return await asyncio.to_thread(connect)
