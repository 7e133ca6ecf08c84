"""One view of a symbol's liquidity across venues, with every level attributed to its venue.

Built from books that passed their sync's ``view`` gate, so a stale, crossed or unsynced venue
is left out (and listed in ``excluded`` with the reason) rather than polluting the view.
Prices in quote per base, quantities in base units; venues may use different precisions, so the
merge works in Decimal.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from tradewind.book.depth_sync import BookNotReady, BookView, ReadyBook
from tradewind.book.order_book import L2OrderBook
from tradewind.core.enums import OrderSide

__all__ = [
    "ConsolidatedBook",
    "ConsolidatedFill",
    "ConsolidatedLevel",
    "VenueAllocation",
    "VenueLevel",
]


@dataclass(frozen=True, slots=True)
class VenueLevel:
    """A level on one venue."""

    venue: str
    price: Decimal
    qty: Decimal


@dataclass(frozen=True, slots=True)
class ConsolidatedLevel:
    """All size at one price across venues; ``by_venue`` lists (venue, qty) by venue name."""

    price: Decimal
    qty: Decimal
    by_venue: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True, slots=True)
class VenueAllocation:
    """The part of a sweep that one venue would fill: ``qty`` base units for ``notional`` quote."""

    venue: str
    qty: Decimal
    notional: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsolidatedFill:
    """A taker sweep across venues, best price first. ``complete`` False if liquidity ran out."""

    side: OrderSide
    filled_qty: Decimal
    notional: Decimal
    vwap: Decimal | None
    worst_price: Decimal | None
    complete: bool
    allocations: tuple[VenueAllocation, ...]


class ConsolidatedBook:
    """Best prices and merged depth of one symbol over several venues' books."""

    def __init__(
        self, books: Mapping[str, L2OrderBook], excluded: Mapping[str, str] | None = None
    ) -> None:
        symbols = {book.symbol for book in books.values()}
        if len(symbols) > 1:
            raise ValueError(f"a consolidated book is for one symbol, got {sorted(symbols)}")
        for venue, book in books.items():
            if book.is_crossed:
                raise ValueError(f"{venue}: crossed book cannot be consolidated")
        self._books = dict(sorted(books.items()))
        self.excluded: dict[str, str] = dict(excluded or {})

    @classmethod
    def from_views(cls, views: Mapping[str, BookView]) -> ConsolidatedBook:
        """Use the ready books; record why the others were left out."""
        ready = {venue: view.book for venue, view in views.items() if isinstance(view, ReadyBook)}
        excluded = {
            venue: view.reason for venue, view in views.items() if isinstance(view, BookNotReady)
        }
        return cls(ready, excluded)

    @property
    def venues(self) -> tuple[str, ...]:
        return tuple(self._books)

    def best_bid(self) -> VenueLevel | None:
        """Highest bid over venues; ties go to the larger size, then the venue name."""
        return self._best(OrderSide.SELL)

    def best_ask(self) -> VenueLevel | None:
        """Lowest ask over venues; ties go to the larger size, then the venue name."""
        return self._best(OrderSide.BUY)

    def _best(self, taker_side: OrderSide) -> VenueLevel | None:
        best: VenueLevel | None = None
        for venue, book in self._books.items():
            level = book.best_ask() if taker_side is OrderSide.BUY else book.best_bid()
            if level is None:
                continue
            candidate = VenueLevel(venue, level.price, level.qty)
            if best is None or _better(candidate, best, taker_side):
                best = candidate
        return best

    def depth(self, side: OrderSide, levels: int) -> tuple[ConsolidatedLevel, ...]:
        """Best ``levels`` merged price levels a taker on ``side`` would hit (asks for a buy)."""
        if levels < 0:
            raise ValueError(f"depth levels must be >= 0, got {levels}")
        merged: list[ConsolidatedLevel] = []
        current_price: Decimal | None = None
        parts: dict[str, Decimal] = {}
        for level in self._merged(side):
            if level.price != current_price:
                if current_price is not None:
                    merged.append(_consolidate(current_price, parts))
                    if len(merged) == levels:
                        return tuple(merged)
                current_price, parts = level.price, {}
            parts[level.venue] = parts.get(level.venue, Decimal(0)) + level.qty
        if current_price is not None and len(merged) < levels:
            merged.append(_consolidate(current_price, parts))
        return tuple(merged)

    def estimate_fill(self, side: OrderSide, qty: Decimal) -> ConsolidatedFill:
        """Sweep ``qty`` base units across venues, best price first, attributing each part."""
        if not qty.is_finite() or qty <= 0:
            raise ValueError(f"fill size must be > 0, got {qty}")
        remaining = qty
        allocated: dict[str, tuple[Decimal, Decimal]] = {}
        worst: Decimal | None = None
        for level in self._merged(side):
            if remaining == 0:
                break
            take = min(level.qty, remaining)
            filled, notional = allocated.get(level.venue, (Decimal(0), Decimal(0)))
            allocated[level.venue] = (filled + take, notional + take * level.price)
            remaining -= take
            worst = level.price
        filled_qty = qty - remaining
        notional = sum((notional for _, notional in allocated.values()), Decimal(0))
        return ConsolidatedFill(
            side=side,
            filled_qty=filled_qty,
            notional=notional,
            vwap=notional / filled_qty if filled_qty else None,
            worst_price=worst,
            complete=remaining == 0,
            allocations=tuple(
                VenueAllocation(venue, filled, notional_part)
                for venue, (filled, notional_part) in sorted(allocated.items())
            ),
        )

    def _merged(self, side: OrderSide) -> Iterator[VenueLevel]:
        # best first: ascending price for asks, descending for bids; venue name breaks ties
        direction = 1 if side is OrderSide.BUY else -1

        def stream(venue: str, book: L2OrderBook) -> Iterator[tuple[Decimal, str, VenueLevel]]:
            for level in book.iter_levels(side):
                yield direction * level.price, venue, VenueLevel(venue, level.price, level.qty)

        streams = [stream(venue, book) for venue, book in self._books.items()]
        for _, _, level in heapq.merge(*streams, key=lambda item: (item[0], item[1])):
            yield level


def _better(candidate: VenueLevel, incumbent: VenueLevel, taker_side: OrderSide) -> bool:
    if candidate.price != incumbent.price:
        if taker_side is OrderSide.BUY:
            return candidate.price < incumbent.price
        return candidate.price > incumbent.price
    if candidate.qty != incumbent.qty:
        return candidate.qty > incumbent.qty
    return candidate.venue < incumbent.venue


def _consolidate(price: Decimal, parts: dict[str, Decimal]) -> ConsolidatedLevel:
    by_venue = tuple(sorted(parts.items()))
    return ConsolidatedLevel(price, sum((qty for _, qty in by_venue), Decimal(0)), by_venue)
