"""Where the portfolio store lives: the database URL and an engine for it (SQLite or PostgreSQL)."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from tradewind.common.private_files import private_sqlite_file

__all__ = ["DEFAULT_DB_URL", "default_db_url", "open_engine"]

DEFAULT_DB_URL = "sqlite:///var/portfolio.sqlite"


def default_db_url() -> str:
    """The store URL: $TRADEWIND_DB_URL, else a SQLite file under ./var."""
    return os.environ.get("TRADEWIND_DB_URL") or DEFAULT_DB_URL


def open_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for `url` (default: `default_db_url()`); creates a SQLite file's folder.

    SQLite gets foreign keys switched on so movements die with their transaction.
    """
    url = url or default_db_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            private_sqlite_file(database)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
