"""Store fixtures for the audit tests: a SQLite file per test, and PostgreSQL in its own schema.

PostgreSQL is at $TRADEWIND_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
Unreachable: under CI=true the test fails; otherwise it is skipped with how to start it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from tradewind.portfolio.store import open_engine

PG_URL = os.environ.get("TRADEWIND_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'portfolio.sqlite'}")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    admin = create_engine(PG_URL, connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:  # any driver error means: not reachable
        admin.dispose()
        message = (
            f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}); "
            f"start it with: {PG_START}"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    schema = f"audit_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = open_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """The store on each backend; the PostgreSQL run skips (or fails under CI) when absent."""
    name = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]
