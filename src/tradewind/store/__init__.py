"""Persistence of kernel state (SQLAlchemy 2 Core + Alembic), SQLite by default, PostgreSQL too.

schema        the tables (money as exact decimal text)
migrate       database URL resolution, engine creation, programmatic Alembic upgrade
kernel_store  KernelStore: orders, fills (once per venue trade id), balances, trade cursors
"""

from __future__ import annotations

from tradewind.store.kernel_store import KernelStore, total_of
from tradewind.store.migrate import DEFAULT_DB_URL, create_store_engine, resolve_url, upgrade

__all__ = [
    "DEFAULT_DB_URL",
    "KernelStore",
    "create_store_engine",
    "resolve_url",
    "total_of",
    "upgrade",
]
