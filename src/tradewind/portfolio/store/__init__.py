"""The portfolio store: SQLAlchemy tables, one tenant mechanism, and repositories over them.

open_engine(url)             SQLite file (default) or PostgreSQL
TenantSession                the only way in; bound to one tenant (see tenancy.py)
LedgerRepository(engine, t)  transactions, dedup, balances, audit entries
  ├─ CursorRepository        importer cursors
  ├─ PriceCacheRepository    cached candle closes
  ├─ LotSelectionRepository  specific-identification choices
  └─ ReportRepository        saved reports
"""

from __future__ import annotations

from tradewind.portfolio.store.cursor_repository import CursorRepository
from tradewind.portfolio.store.engine import DEFAULT_DB_URL, default_db_url, open_engine
from tradewind.portfolio.store.ledger_repository import (
    AddResult,
    LedgerRepository,
    OnWrite,
    OnWriteBatch,
    StoredTransaction,
)
from tradewind.portfolio.store.price_repository import CachedClose, PriceCacheRepository
from tradewind.portfolio.store.selection_repository import (
    LotSelectionRepository,
    ReportRepository,
    SavedReport,
)
from tradewind.portfolio.store.tenancy import TenantScopeError, TenantSession, validate_tenant_id

__all__ = [
    "DEFAULT_DB_URL",
    "AddResult",
    "CachedClose",
    "CursorRepository",
    "LedgerRepository",
    "LotSelectionRepository",
    "OnWrite",
    "OnWriteBatch",
    "PriceCacheRepository",
    "ReportRepository",
    "SavedReport",
    "StoredTransaction",
    "TenantScopeError",
    "TenantSession",
    "default_db_url",
    "open_engine",
    "validate_tenant_id",
]
