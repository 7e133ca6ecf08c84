"""An L2 (price-level) order book kept in integer fixed point.

Prices are stored as integer multiples of 10**-price_precision and sizes as integer multiples of
10**-size_precision: integer keys hash and compare faster than Decimal, and sums of them are
exact. Levels come in as Decimals or as the venue's decimal strings (parsed straight to integers,
which skips a Decimal per value); Decimals come out.

Each side is a dict (price → size) plus a plain sorted list of its prices, best first (bids are
negated). A new or removed level costs one C-level bisect and a short memmove, a size change
only the dict write; for books of up to a few thousand levels this beats a balanced tree
(bench/bench_book.py measures it against a SortedDict).
The book applies what it is given; BinanceDepthSync decides whether an update may be applied and
treats a crossed result as a fault, so read books through a sync, not directly.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator, Sequence
from decimal import Decimal
from itertools import islice

from tradewind.book.levels import BookDepth, BookLevel, FillEstimate
from tradewind.core.enums import OrderSide
from tradewind.core.instruments import Instrument

__all__ = ["BookValueError", "L2OrderBook", "LevelInput"]

LevelInput = tuple[Decimal | str, Decimal | str]
"""(price, quantity) of one level as Decimals or plain decimal strings ("30012.34000000");
quantity 0 removes the level."""

_Units = list[tuple[int, int]]
_POWERS: tuple[int, ...] = tuple(10**places for places in range(19))


class _Side:
    """One side of the book: sizes by key, and the keys sorted best first."""

    __slots__ = ("keys", "levels")

    def __init__(self, levels: dict[int, int] | None = None) -> None:
        self.levels: dict[int, int] = levels or {}
        self.keys: list[int] = sorted(self.levels)

    def items(self) -> Iterator[tuple[int, int]]:
        levels = self.levels
        for key in self.keys:
            yield key, levels[key]

    def __len__(self) -> int:
        return len(self.keys)


class BookValueError(ValueError):
    """A price or size cannot be represented at the book's precision, or is negative."""


class L2OrderBook:
    """Aggregated depth for one symbol on one venue.

    ``price_precision`` / ``size_precision``: decimal places of prices (quote per base) and
    sizes (base units) this book accepts; more places raise BookValueError, never round.
    """

    __slots__ = (
        "_asks",
        "_bids",
        "price_precision",
        "size_precision",
        "symbol",
        "ts_event",
        "ts_last",
        "update_count",
        "update_id",
        "venue",
    )

    def __init__(
        self, *, venue: str, symbol: str, price_precision: int, size_precision: int
    ) -> None:
        for name, places in (("price", price_precision), ("size", size_precision)):
            if not 0 <= places <= 18:
                raise BookValueError(f"{name} precision must be 0..18, got {places}")
        self.venue = venue
        self.symbol = symbol
        self.price_precision = price_precision
        self.size_precision = size_precision
        self._bids = _Side()  # -price units → size units
        self._asks = _Side()  # price units → size units
        self.update_id = 0
        self.ts_event = 0
        self.ts_last = 0
        self.update_count = 0

    @classmethod
    def for_instrument(cls, instrument: Instrument) -> L2OrderBook:
        """A book at the instrument's tick and step precision."""
        return cls(
            venue=instrument.venue,
            symbol=instrument.symbol,
            price_precision=instrument.filters.price_precision,
            size_precision=instrument.filters.size_precision,
        )

    # -- updates -------------------------------------------------------------------------------

    def apply_snapshot(
        self,
        bids: Sequence[LevelInput],
        asks: Sequence[LevelInput],
        *,
        update_id: int,
        ts_event: int,
        ts_init: int,
    ) -> None:
        """Replace the whole book. Zero-quantity levels are skipped. No change on bad input."""
        bid_units = self._units(bids)
        ask_units = self._units(asks)
        self._bids = _Side({-price: size for price, size in bid_units if size})
        self._asks = _Side({price: size for price, size in ask_units if size})
        self._stamp(update_id, ts_event, ts_init)

    def apply_diff(
        self,
        bids: Sequence[LevelInput],
        asks: Sequence[LevelInput],
        *,
        update_id: int,
        ts_event: int,
        ts_init: int,
    ) -> None:
        """Set each level to its new absolute quantity (0 deletes). No change on bad input."""
        bid_units = self._units(bids)
        ask_units = self._units(asks)
        # inlined rather than a _Side method: this loop is the hot path of every book
        levels, keys = self._bids.levels, self._bids.keys
        for price, size in bid_units:
            key = -price
            if size:
                if key not in levels:
                    insort(keys, key)
                levels[key] = size
            elif levels.pop(key, None) is not None:
                del keys[bisect_left(keys, key)]
        levels, keys = self._asks.levels, self._asks.keys
        for price, size in ask_units:
            if size:
                if price not in levels:
                    insort(keys, price)
                levels[price] = size
            elif levels.pop(price, None) is not None:
                del keys[bisect_left(keys, price)]
        self._stamp(update_id, ts_event, ts_init)

    def clear(self) -> None:
        """Empty both sides (after a fault, before a new snapshot)."""
        self._bids = _Side()
        self._asks = _Side()

    def _stamp(self, update_id: int, ts_event: int, ts_init: int) -> None:
        self.update_id = update_id
        self.ts_event = ts_event
        self.ts_last = ts_init
        self.update_count += 1

    def _units(self, levels: Sequence[LevelInput]) -> _Units:
        # convert every level before touching the book, so bad input changes nothing
        price_places = self.price_precision
        size_places = self.size_precision
        converted: _Units = []
        try:
            for price, size in levels:
                price_units = _to_units(price, price_places)
                size_units = _to_units(size, size_places)
                if price_units <= 0:
                    raise ValueError("price must be > 0")
                converted.append((price_units, size_units))
        except (ValueError, ArithmeticError) as exc:
            raise BookValueError(
                f"{self.symbol}: level ({price}, {size}) refused at {price_places} price / "
                f"{size_places} size decimal places: {exc}"
            ) from None
        return converted

    # -- conversions ---------------------------------------------------------------------------

    def _price(self, units: int) -> Decimal:
        return Decimal(units).scaleb(-self.price_precision)

    def _size(self, units: int) -> Decimal:
        return Decimal(units).scaleb(-self.size_precision)

    # -- queries -------------------------------------------------------------------------------

    @property
    def is_empty(self) -> bool:
        return not self._bids and not self._asks

    @property
    def is_crossed(self) -> bool:
        """Best bid at or above best ask: impossible on a correct book, so a fault."""
        if not self._bids or not self._asks:
            return False
        return -self._bids.keys[0] >= self._asks.keys[0]

    def bid_levels(self) -> int:
        return len(self._bids)

    def ask_levels(self) -> int:
        return len(self._asks)

    def best_bid(self) -> BookLevel | None:
        if not self._bids:
            return None
        price = self._bids.keys[0]
        return BookLevel(self._price(-price), self._size(self._bids.levels[price]))

    def best_ask(self) -> BookLevel | None:
        if not self._asks:
            return None
        price = self._asks.keys[0]
        return BookLevel(self._price(price), self._size(self._asks.levels[price]))

    def mid(self) -> Decimal | None:
        """(best bid + best ask) / 2, exact; None if a side is empty."""
        if not self._bids or not self._asks:
            return None
        total = -self._bids.keys[0] + self._asks.keys[0]
        return self._price(total) / 2

    def spread(self) -> Decimal | None:
        """best ask - best bid, exact; None if a side is empty."""
        if not self._bids or not self._asks:
            return None
        return self._price(self._asks.keys[0] + self._bids.keys[0])

    def microprice(self) -> Decimal | None:
        """Size-weighted mid: (bid·ask_qty + ask·bid_qty) / (bid_qty + ask_qty).

        Leans toward the side with less size, where the next trade is likelier to move the price.
        """
        if not self._bids or not self._asks:
            return None
        neg_bid, ask = self._bids.keys[0], self._asks.keys[0]
        bid_size, ask_size = self._bids.levels[neg_bid], self._asks.levels[ask]
        weighted = -neg_bid * ask_size + ask * bid_size
        return self._price(1) * Decimal(weighted) / Decimal(bid_size + ask_size)

    def depth(self, levels: int) -> BookDepth:
        """The best ``levels`` levels per side, best first."""
        if levels < 0:
            raise ValueError(f"depth levels must be >= 0, got {levels}")
        return BookDepth(
            bids=tuple(
                BookLevel(self._price(-price), self._size(size))
                for price, size in islice(self._bids.items(), levels)
            ),
            asks=tuple(
                BookLevel(self._price(price), self._size(size))
                for price, size in islice(self._asks.items(), levels)
            ),
        )

    def iter_levels(self, side: OrderSide) -> Iterator[BookLevel]:
        """Resting levels a taker on ``side`` would hit (asks for a buy), best first."""
        if side is OrderSide.BUY:
            for price, size in self._asks.items():
                yield BookLevel(self._price(price), self._size(size))
        else:
            for price, size in self._bids.items():
                yield BookLevel(self._price(-price), self._size(size))

    def estimate_fill(self, side: OrderSide, qty: Decimal) -> FillEstimate:
        """Sweep ``qty`` base units as a taker on ``side``: VWAP, worst price, impact, slippage.

        ``qty`` must be representable at the book's size precision (BookValueError otherwise).
        """
        if not qty.is_finite() or qty <= 0:
            raise ValueError(f"fill size must be > 0, got {qty}")
        scaled = qty.scaleb(self.size_precision)
        wanted = int(scaled)
        if wanted != scaled:
            raise BookValueError(f"{qty} is finer than {self.size_precision} size decimal places")
        filled = notional = worst = consumed = 0
        for price, size in self._side(side).items():
            if filled == wanted:
                break
            take = min(size, wanted - filled)
            worst = abs(price)
            notional += worst * take
            filled += take
            consumed += 1
        return self._estimate(side, filled, notional, worst, consumed, filled == wanted)

    def estimate_fill_notional(self, side: OrderSide, notional: Decimal) -> FillEstimate:
        """Sweep until ``notional`` quote units are spent (received, for a sell).

        Only whole size units are taken, so the notional used may fall short of the request by
        less than one size unit's worth; ``complete`` is False only when the book ran out.
        """
        if not notional.is_finite() or notional <= 0:
            raise ValueError(f"notional must be > 0, got {notional}")
        remaining = notional.scaleb(self.price_precision + self.size_precision)
        filled = spent = worst = consumed = 0
        stopped_by_budget = False
        for price, size in self._side(side).items():
            level_price = abs(price)
            affordable = int(remaining // level_price)
            if affordable == 0:
                stopped_by_budget = True
                break
            take = min(size, affordable)
            spent += level_price * take
            remaining -= level_price * take
            filled += take
            worst = level_price
            consumed += 1
            if take < size:
                stopped_by_budget = True
                break
        complete = stopped_by_budget or remaining == 0
        return self._estimate(side, filled, spent, worst, consumed, complete)

    def _side(self, side: OrderSide) -> _Side:
        return self._asks if side is OrderSide.BUY else self._bids

    def _estimate(
        self,
        side: OrderSide,
        filled_units: int,
        notional_units: int,
        worst_units: int,
        consumed: int,
        complete: bool,
    ) -> FillEstimate:
        filled = self._size(filled_units)
        notional = Decimal(notional_units).scaleb(-(self.price_precision + self.size_precision))
        if filled_units == 0:
            return FillEstimate(
                side=side,
                filled_qty=filled,
                notional=notional,
                vwap=None,
                worst_price=None,
                levels_consumed=0,
                complete=False,
                impact=None,
                slippage=None,
            )
        vwap = notional / filled
        direction = 1 if side is OrderSide.BUY else -1
        mid = self.mid()
        best = self.best_ask() if side is OrderSide.BUY else self.best_bid()
        return FillEstimate(
            side=side,
            filled_qty=filled,
            notional=notional,
            vwap=vwap,
            worst_price=self._price(worst_units),
            levels_consumed=consumed,
            complete=complete,
            impact=None if mid is None else direction * (vwap - mid) / mid,
            slippage=None if best is None else direction * (vwap - best.price) / best.price,
        )


def _to_units(value: Decimal | str, places: int) -> int:
    """``value`` as an integer count of 10**-places; ValueError if finer or not a plain decimal."""
    if type(value) is str:
        # the venue's text, parsed without a Decimal: "30012.34000000" at 2 places → 3001234
        whole, _, fraction = value.partition(".")
        fraction = fraction.rstrip("0")
        digits = whole + fraction
        if not (digits.isdecimal() and value.isascii()):
            raise ValueError(f"{value!r} is not a plain non-negative decimal")
        if len(fraction) > places:
            raise ValueError(f"{value} has more than {places} decimal places")
        return int(digits) * _POWERS[places - len(fraction)]
    if not isinstance(value, Decimal):
        raise ValueError(f"expected a Decimal or a decimal string, got {type(value).__name__}")
    scaled = value.scaleb(places)
    units = int(scaled)
    if units != scaled:
        raise ValueError(f"{value} has more than {places} decimal places")
    if units < 0:
        raise ValueError(f"{value} is negative")
    return units
