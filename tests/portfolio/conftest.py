"""Store fixtures for the portfolio tests: a migrated SQLite file, and PostgreSQL in its own schema.

`store_engine` runs each test on both backends. PostgreSQL is at $TRADEWIND_PG_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/test). Unreachable: under CI=true the test FAILS;
otherwise it is skipped with a message naming PostgreSQL and how to start it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tradewind.portfolio.migrations import upgrade
from tradewind.portfolio.store import open_engine


def _sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'portfolio.sqlite'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def _postgres(url: str) -> Iterator[Engine]:
    engine = open_engine(url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty portfolio store on each backend."""
    if request.param == "sqlite":
        yield from _sqlite(tmp_path)
    else:
        yield from _postgres(request.getfixturevalue("pg_url"))


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty SQLite store (for tests about logic rather than backends)."""
    yield from _sqlite(tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a migrated, empty store on each backend (for the command line's --db)."""
    if request.param == "sqlite":
        for engine in _sqlite(tmp_path):
            yield engine.url.render_as_string(hide_password=False)
        return
    # libpq's `options` in pg_url puts the test schema first on every connection's search path.
    url: str = request.getfixturevalue("pg_url")
    for _engine in _postgres(url):
        yield url


@pytest.fixture(autouse=True)
def _audit_key_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CLI imports sign tree heads and write witnesses: keep the tenants' keys and the witness
    files out of the working tree."""
    monkeypatch.setenv("TRADEWIND_AUDIT_KEY_DIR", str(tmp_path / "audit_keys"))
    monkeypatch.setenv("TRADEWIND_AUDIT_WITNESS_DIR", str(tmp_path / "audit_witness"))
