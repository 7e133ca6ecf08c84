"""Store fixtures for the audit tests: a SQLite file per test, and PostgreSQL in its own schema.

PostgreSQL is at $TRADEWIND_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
Unreachable: under CI=true the test fails; otherwise it is skipped with how to start it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tradewind.portfolio.store import open_engine


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'portfolio.sqlite'}")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = open_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """The store on each backend; the PostgreSQL run skips (or fails under CI) when absent."""
    name = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]
