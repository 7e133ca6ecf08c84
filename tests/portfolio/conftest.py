"""Store fixtures for the portfolio tests: a migrated SQLite file, and PostgreSQL in its own schema.

`store_engine` runs each test on both backends. PostgreSQL is at $TRADEWIND_PG_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/test). Unreachable: under CI=true the test FAILS;
otherwise it is skipped with a message naming PostgreSQL and how to start it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from tradewind.portfolio.migrations import upgrade
from tradewind.portfolio.store import open_engine

PG_URL = os.environ.get("TRADEWIND_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


def _sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'portfolio.sqlite'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def _postgres(schemas: list[str] | None = None) -> Iterator[Engine]:
    admin = create_engine(PG_URL, connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:  # any driver error means: not reachable
        admin.dispose()
        message = (
            f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}); start it with: "
            f"{PG_START}  (or point TRADEWIND_PG_URL at a server)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    schema = f"portfolio_test_{uuid.uuid4().hex[:12]}"
    if schemas is not None:
        schemas.append(schema)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = open_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty portfolio store on each backend."""
    if request.param == "sqlite":
        yield from _sqlite(tmp_path)
    else:
        yield from _postgres()


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
    schemas: list[str] = []
    for _engine in _postgres(schemas):
        # libpq's `options` puts the test schema first on the search path of every connection.
        yield f"{PG_URL}?options=-csearch_path%3D{schemas[0]}"


@pytest.fixture(autouse=True)
def _audit_key_in_tmp(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CLI imports sign tree heads; keep the test signer's key out of the working tree.
    The audit tests choose their keys themselves."""
    if "audit" not in request.node.path.parts:
        monkeypatch.setenv("TRADEWIND_AUDIT_KEY", str(tmp_path / "audit_ed25519.pem"))
