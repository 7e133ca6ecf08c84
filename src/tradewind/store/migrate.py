"""Where the kernel database lives and how it is brought to the newest schema.

URL: an explicit one, else ``$TRADEWIND_DB_URL``, else ``sqlite:///var/kernel.sqlite``.
Migrations are Alembic revisions under ``migrations/``, applied in-process at start (no
``alembic`` command, no ini file): ``upgrade(connection)``. ``run_migrations`` does the same for
any other folder of revisions (the journals' own).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from tradewind.common.private_files import private_sqlite_file

__all__ = [
    "DEFAULT_DB_URL",
    "MIGRATIONS",
    "create_store_engine",
    "current_revision",
    "head",
    "resolve_url",
    "run_migrations",
    "upgrade",
]

DEFAULT_DB_URL = "sqlite:///var/kernel.sqlite"
MIGRATIONS = Path(__file__).with_name("migrations")


def resolve_url(url: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """``url``, else ``$TRADEWIND_DB_URL``, else the SQLite default; a plain path (no
    ``scheme://``) is a SQLite file."""
    environ = os.environ if environ is None else environ
    resolved = url or environ.get("TRADEWIND_DB_URL") or DEFAULT_DB_URL
    return resolved if "://" in resolved else f"sqlite:///{resolved}"


def create_store_engine(url: str, *, synchronous: str = "NORMAL") -> Engine:
    """An Engine for ``url``; for a SQLite file, its folder is created and WAL mode switched on.

    WAL with synchronous=NORMAL keeps every committed transaction across a kill -9 of this
    process (only a power loss can drop the newest ones), at a fraction of the fsync cost;
    ``synchronous="FULL"`` survives a power loss too. ``sqlite://`` is one in-memory database
    shared by every connection of the engine (tests).
    """
    if synchronous not in ("NORMAL", "FULL"):
        raise ValueError(f"synchronous must be NORMAL or FULL, got {synchronous!r}")
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    database = parsed.database
    if database and database != ":memory:":
        private_sqlite_file(database)
        engine = create_engine(url)
    else:
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    return engine


def run_migrations(
    connection: Connection,
    script_location: Path,
    revision: str = "head",
    attributes: Mapping[str, object] | None = None,
) -> None:
    """Apply the Alembic revisions under ``script_location`` up to ``revision`` on
    ``connection`` (committed on return). Its ``env.py`` finds the connection, and any
    ``attributes``, in ``context.config.attributes``."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes.update(attributes or {})
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
    connection.commit()


def head() -> str:
    """The newest revision shipped with this code."""
    script = ScriptDirectory(str(MIGRATIONS))
    revision = script.get_current_head()
    assert revision is not None
    return revision


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Apply every kernel migration up to ``revision`` on ``connection`` (committed on return)."""
    run_migrations(connection, MIGRATIONS, revision)


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None: never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()
