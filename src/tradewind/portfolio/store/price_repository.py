"""Cached candle closes per tenant: (venue, symbol, timeframe, open time) -> close."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from tradewind.portfolio.ledger import normalize_amount
from tradewind.portfolio.store.ledger_repository import LedgerRepository
from tradewind.portfolio.store.schema import PriceRow

__all__ = ["CachedClose", "PriceCacheRepository"]


@dataclass(frozen=True, slots=True)
class CachedClose:
    """One candle close: quote units per base unit; times UTC epoch ms."""

    open_ms: int
    close: Decimal
    fetched_ms: int


class PriceCacheRepository:
    """The tenant's cache of venue candles, so a report never fetches the same candle twice."""

    def __init__(self, ledger: LedgerRepository) -> None:
        self._ledger = ledger

    def closes(
        self, venue: str, symbol: str, timeframe: str, start_ms: int, end_ms: int
    ) -> list[CachedClose]:
        """Cached candles with open time in [start_ms, end_ms], oldest first."""
        query = (
            select(PriceRow.open_ms, PriceRow.close, PriceRow.fetched_ms)
            .where(
                PriceRow.venue == venue,
                PriceRow.symbol == symbol,
                PriceRow.timeframe == timeframe,
                PriceRow.open_ms >= start_ms,
                PriceRow.open_ms <= end_ms,
            )
            .order_by(PriceRow.open_ms)
        )
        with self._ledger.session() as session:
            return [CachedClose(o, Decimal(c), f) for o, c, f in session.execute(query)]

    def store(
        self,
        venue: str,
        symbol: str,
        timeframe: str,
        candles: Iterable[tuple[int, Decimal]],
        fetched_ms: int,
    ) -> int:
        """Cache (open_ms, close) candles, replacing cached ones; returns how many were given."""
        incoming = {open_ms: close for open_ms, close in candles}
        if not incoming:
            return 0
        with self._ledger.session() as session, session.begin():
            existing = {
                row.open_ms: row
                for row in session.scalars(
                    select(PriceRow).where(
                        PriceRow.venue == venue,
                        PriceRow.symbol == symbol,
                        PriceRow.timeframe == timeframe,
                        PriceRow.open_ms.in_(list(incoming)),
                    )
                )
            }
            for open_ms, close in incoming.items():
                text = normalize_amount(close)
                row = existing.get(open_ms)
                if row is None:
                    session.add(
                        PriceRow(
                            venue=venue,
                            symbol=symbol,
                            timeframe=timeframe,
                            open_ms=open_ms,
                            close=text,
                            fetched_ms=fetched_ms,
                        )
                    )
                else:
                    row.close = text
                    row.fetched_ms = fetched_ms
        return len(incoming)
