"""Every SQLite file the project writes is created readable by its owner only (0600)."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

from sqlalchemy import text

from tradewind.chain.sqlite_file import open_sqlite
from tradewind.common.private_files import private_sqlite_file
from tradewind.portfolio.store import open_engine
from tradewind.store.migrate import create_store_engine


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_each_engine_factory_creates_private_files(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        kernel = create_store_engine(f"sqlite:///{tmp_path / 'a' / 'kernel.sqlite'}")
        portfolio = open_engine(f"sqlite:///{tmp_path / 'b' / 'portfolio.sqlite'}")
        for engine in (kernel, portfolio):
            with engine.begin() as connection:
                connection.execute(text("CREATE TABLE t (x INTEGER)"))
            engine.dispose()
        chain = asyncio.run(open_sqlite(tmp_path / "c" / "chain.sqlite", "", synchronous="FULL"))
        chain.execute("CREATE TABLE t (x INTEGER)")
        chain.close()
    finally:
        os.umask(old)
    for name in ("a/kernel.sqlite", "b/portfolio.sqlite", "c/chain.sqlite"):
        assert _mode(tmp_path / name) == 0o600, name


def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").write_bytes(b"")
        os.chmod(f"{path}{suffix}", 0o644)
    private_sqlite_file(path)
    for suffix in ("", "-wal", "-shm"):
        assert _mode(Path(f"{path}{suffix}")) == 0o600, suffix
