"""Saved positions of incremental importers (last trade id, last timestamp), per tenant."""

from __future__ import annotations

import time

from sqlalchemy import select

from tradewind.portfolio.store.ledger_repository import LedgerRepository
from tradewind.portfolio.store.schema import CursorRow

__all__ = ["CursorRepository"]


class CursorRepository:
    """Importer cursors of one tenant: text under (source, key), e.g. ("ccxt:binance", "X/Y")."""

    def __init__(self, ledger: LedgerRepository) -> None:
        self._ledger = ledger

    def get(self, source: str, key: str) -> str | None:
        """The saved cursor, or None when the importer has not run for (source, key)."""
        with self._ledger.session() as session:
            return session.scalar(
                select(CursorRow.value).where(CursorRow.source == source, CursorRow.key == key)
            )

    def set(self, source: str, key: str, value: str) -> None:
        """Save (or replace) the cursor for (source, key)."""
        now = int(time.time() * 1000)
        with self._ledger.session() as session, session.begin():
            row = session.scalar(
                select(CursorRow).where(CursorRow.source == source, CursorRow.key == key)
            )
            if row is None:
                session.add(CursorRow(source=source, key=key, value=value, updated_ms=now))
            else:
                row.value = value
                row.updated_ms = now

    def all(self, source: str | None = None) -> dict[tuple[str, str], str]:
        """Every saved cursor of this tenant (optionally of one source)."""
        query = select(CursorRow.source, CursorRow.key, CursorRow.value)
        if source is not None:
            query = query.where(CursorRow.source == source)
        with self._ledger.session() as session:
            return {(s, k): v for s, k, v in session.execute(query)}
