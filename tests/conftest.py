"""Fixtures shared by the whole suite.

``pg_url``: a PostgreSQL URL whose search_path is a fresh schema of its own, dropped afterwards,
so parallel tests never see each other's tables. The server comes from ``$TRADEWIND_PG_URL``.
Unreachable: under ``CI=true`` the test fails (CI must run it); elsewhere it is skipped with the
command that starts the server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

# The anvil fixtures serve tests/chain and the index desk's on-chain tests alike.
pytest_plugins = ["tests.fixtures.chain"]

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


def _with_search_path(url: str, schema: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a schema of its own, dropped afterwards."""
    base = os.environ.get("TRADEWIND_PG_URL", DEFAULT_PG_URL)
    admin = create_engine(base, connect_args={"connect_timeout": 3})
    schema = f"tw_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL unreachable at {base} ({exc.orig}); start it with: {PG_START}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield _with_search_path(base, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
