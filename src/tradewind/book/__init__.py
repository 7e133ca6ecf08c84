"""L2 order books: the book itself, its sequence-checked sync, and a cross-venue view.

L2OrderBook          price levels in integer fixed point; VWAP, impact, microprice
BinanceDepthSync     snapshot + diff stream → a book that is synced, uncrossed, fresh, or
                     explicitly not ready (BookNotReady)
ConsolidatedBook     best prices and merged depth across venues, attributed per venue
"""

from __future__ import annotations

from tradewind.book.consolidated import (
    ConsolidatedBook,
    ConsolidatedFill,
    ConsolidatedLevel,
    VenueAllocation,
    VenueLevel,
)
from tradewind.book.depth_sync import (
    BinanceDepthSync,
    BookNotReady,
    BookView,
    DepthDiff,
    DepthSnapshot,
    ReadyBook,
    SyncOutcome,
    SyncState,
)
from tradewind.book.levels import BookDepth, BookLevel, FillEstimate
from tradewind.book.order_book import BookValueError, L2OrderBook, LevelInput

__all__ = [
    "BinanceDepthSync",
    "BookDepth",
    "BookLevel",
    "BookNotReady",
    "BookValueError",
    "BookView",
    "ConsolidatedBook",
    "ConsolidatedFill",
    "ConsolidatedLevel",
    "DepthDiff",
    "DepthSnapshot",
    "FillEstimate",
    "L2OrderBook",
    "LevelInput",
    "ReadyBook",
    "SyncOutcome",
    "SyncState",
    "VenueAllocation",
    "VenueLevel",
]
