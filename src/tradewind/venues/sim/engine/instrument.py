"""One symbol at runtime: its unit conversions, the two sides of its book, its trade statistics
and the log of book levels touched since the last depth diff.

Book side layout: a dict from price tick to ``Level`` (a FIFO list of ``OrderRecord``s with a
head index and an aggregate quantity) plus a heap of ticks for the best price. Empty levels are
deleted from the dict at once and from the heap lazily, when they surface at its top.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from tradewind.venues.sim.engine.amounts import EXACT, ZERO, AmountScale, to_units
from tradewind.venues.sim.engine.records import OrderRecord
from tradewind.venues.sim.engine.spec import SymbolSpec

_MINUTE_MS = 60_000


@dataclass(frozen=True, slots=True)
class DepthSnapshot:
    """The aggregated book, best first: (price, quantity) in quote and base units."""

    last_update_id: int
    bids: list[tuple[Decimal, Decimal]]
    asks: list[tuple[Decimal, Decimal]]


@dataclass(frozen=True, slots=True)
class DepthChanges:
    """Levels touched in update ids ``first_update_id..final_update_id`` with their current
    quantity (0 = removed); prices in quote units, quantities in base units."""

    first_update_id: int
    final_update_id: int
    bids: list[tuple[Decimal, Decimal]]
    asks: list[tuple[Decimal, Decimal]]


class Level:
    """Orders resting at one price in time priority. ``qty`` is their remaining total (qty
    units) and ``count`` how many are still in the book; entries before ``head`` and entries
    with ``in_book`` False are dead and skipped."""

    __slots__ = ("count", "head", "orders", "qty")

    def __init__(self) -> None:
        self.orders: list[OrderRecord] = []
        self.head = 0
        self.qty = 0
        self.count = 0

    def compact(self) -> None:
        orders = self.orders
        if self.head > 32 and self.head * 2 > len(orders):
            del orders[: self.head]
            self.head = 0
        if len(orders) - self.head > 2 * self.count + 16:
            orders[:] = [o for o in orders[self.head :] if o.in_book]
            self.head = 0


class BookSide:
    """One side of a book: levels by tick and a heap that yields the best tick first."""

    __slots__ = ("_heap", "_in_heap", "changed", "is_bid", "levels")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.levels: dict[int, Level] = {}
        self._heap: list[int] = []  # ticks, negated for bids
        self._in_heap: set[int] = set()
        # ticks whose aggregate changed since the last depth diff (a dict as an ordered set)
        self.changed: dict[int, None] = {}

    def best(self) -> int | None:
        heap = self._heap
        levels = self.levels
        while heap:
            tick = -heap[0] if self.is_bid else heap[0]
            if tick in levels:
                return tick
            heapq.heappop(heap)
            self._in_heap.discard(tick)
        return None

    def best_first(self) -> Iterator[int]:
        """Ticks with a level, best first, computed lazily (a taker rarely goes deep)."""
        heap = self._heap[:]
        levels = self.levels
        is_bid = self.is_bid
        while heap:
            key = heapq.heappop(heap)
            tick = -key if is_bid else key
            if tick in levels:
                yield tick

    def new_level(self, tick: int) -> Level:
        level = Level()
        self.levels[tick] = level
        if tick not in self._in_heap:
            self._in_heap.add(tick)
            heapq.heappush(self._heap, -tick if self.is_bid else tick)
            if len(self._heap) > 64 + 4 * len(self.levels):
                self._rebuild_heap()
        return level

    def _rebuild_heap(self) -> None:
        ticks = list(self.levels)
        self._in_heap = set(ticks)
        self._heap = [-t for t in ticks] if self.is_bid else ticks
        heapq.heapify(self._heap)

    def top(self, limit: int) -> list[tuple[int, int]]:
        """Up to ``limit`` (tick, qty) levels, best first."""
        levels = self.levels
        pick = heapq.nlargest if self.is_bid else heapq.nsmallest
        ticks = pick(limit, levels)
        return [(t, levels[t].qty) for t in ticks]


_CACHE_LIMIT = 1 << 16


def _remember(cache: dict[int, Decimal], key: int, value: Decimal) -> None:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value


def _fraction(value: Decimal) -> tuple[int, int]:
    ratio = Fraction(value)
    return ratio.numerator, ratio.denominator


class Instrument:
    """Runtime state of one symbol. See the module docstring for units."""

    __slots__ = (
        "amounts",
        "ask_down",
        "ask_up",
        "asks",
        "base",
        "base_per_qty",
        "bid_down",
        "bid_up",
        "bids",
        "last_tick",
        "limit_qtys",
        "market_max_qty",
        "market_min_qty",
        "market_qtys",
        "market_step",
        "max_num_orders",
        "max_pq",
        "max_qty",
        "min_pq",
        "min_qty",
        "next_trade_id",
        "notional_filter",
        "price_of_tick",
        "price_ticks",
        "qty_of_units",
        "qty_places",
        "quote",
        "quote_per_pq",
        "spec",
        "step",
        "symbol",
        "taken_update_id",
        "tick_size",
        "update_id",
        "window",
        "window_ms",
        "window_pq",
        "window_qty",
    )

    def __init__(self, spec: SymbolSpec, amounts: AmountScale) -> None:
        self.spec = spec
        self.symbol = spec.symbol
        self.base = spec.base_asset
        self.quote = spec.quote_asset
        self.amounts = amounts
        self.tick_size = spec.tick_size
        self.qty_places = qp = spec.base_asset_precision
        # amount units per (1 tick x 1 qty unit) and per qty unit
        per_pq = to_units(spec.tick_size.scaleb(-qp, EXACT), amounts.scale)
        assert per_pq is not None, "the amount scale is derived from the specs"
        self.quote_per_pq = per_pq
        self.base_per_qty = 10 ** (amounts.scale - qp)
        self.step = self._qty(spec.step_size)
        self.market_step = self._qty(spec.market_step_size)
        self.min_qty = self._qty(spec.min_qty)
        self.max_qty = self._qty(spec.max_qty)
        self.market_min_qty = self._qty(spec.market_min_qty)
        self.market_max_qty = self._qty(spec.market_max_qty)
        # notional bounds in (tick x qty unit): p*q >= min_pq and p*q <= max_pq
        pq_value = Fraction(spec.tick_size) / 10**qp
        min_ratio = Fraction(spec.min_notional) / pq_value
        self.min_pq = -((-min_ratio.numerator) // min_ratio.denominator)  # ceiling
        max_ratio = Fraction(spec.max_notional) / pq_value
        # the legacy MIN_NOTIONAL filter has no maximum
        self.max_pq = (
            max_ratio.numerator // max_ratio.denominator
            if not spec.legacy_min_notional
            else 1 << 200
        )
        self.max_num_orders = spec.max_num_orders
        self.bid_up = _fraction(spec.bid_multiplier_up)
        self.bid_down = _fraction(spec.bid_multiplier_down)
        self.ask_up = _fraction(spec.ask_multiplier_up)
        self.ask_down = _fraction(spec.ask_multiplier_down)
        self.notional_filter = "MIN_NOTIONAL" if spec.legacy_min_notional else "NOTIONAL"
        # request values that passed their value-only checks (see filters._values)
        # (keyed by str of the request's Decimal, see filters._remember)
        self.price_ticks: dict[str, int] = {}
        self.limit_qtys: dict[str, int] = {}
        self.market_qtys: dict[str, int] = {}
        # the way back, for reports: ticks and sizes repeat, a Decimal product does not come free
        self.price_of_tick: dict[int, Decimal] = {}
        self.qty_of_units: dict[int, Decimal] = {}
        self.bids = BookSide(is_bid=True)
        self.asks = BookSide(is_bid=False)
        self.update_id = 0
        self.taken_update_id = 0
        self.next_trade_id = 1
        self.last_tick: int | None = None
        self.window: deque[tuple[int, int, int]] = deque()  # (time ms, price tick x qty, qty)
        self.window_ms = spec.avg_price_mins * _MINUTE_MS
        self.window_pq = 0
        self.window_qty = 0

    def _qty(self, value: Decimal) -> int:
        units = to_units(value, self.qty_places)
        assert units is not None, "SymbolSpec checks decimals against base_asset_precision"
        return units

    # -- conversions ---------------------------------------------------------------------------
    def price(self, tick: int) -> Decimal:
        price = self.price_of_tick.get(tick)
        if price is None:
            price = tick * self.tick_size
            _remember(self.price_of_tick, tick, price)
        return price

    def notional(self, pq: int) -> Decimal:
        """tick x qty units as a quote amount."""
        return (pq * self.tick_size).scaleb(-self.qty_places, EXACT)

    def qty(self, units: int) -> Decimal:
        qty = self.qty_of_units.get(units)
        if qty is None:
            qty = Decimal(units).scaleb(-self.qty_places, EXACT) if units else ZERO
            _remember(self.qty_of_units, units, qty)
        return qty

    # -- book ----------------------------------------------------------------------------------
    def rest(self, order: OrderRecord) -> None:
        """Append ``order`` to the back of its price level."""
        side = self.bids if order.is_buy else self.asks
        tick = order.price_tick
        level = side.levels.get(tick)
        if level is None:
            level = side.new_level(tick)
        level.orders.append(order)
        level.qty += order.orig_qty - order.executed
        level.count += 1
        order.in_book = True
        side.changed[tick] = None
        self.update_id += 1

    def unrest(self, order: OrderRecord) -> None:
        """Take ``order`` out of the book (cancel or expiry); its remaining leaves the level."""
        side = self.bids if order.is_buy else self.asks
        tick = order.price_tick
        level = side.levels[tick]
        level.qty -= order.orig_qty - order.executed
        count = level.count = level.count - 1
        order.in_book = False
        if count == 0:
            del side.levels[tick]
        elif level.head > 32 or len(level.orders) - level.head > 2 * count + 16:
            level.compact()  # (its own conditions, checked here first to save the call)
        side.changed[tick] = None
        self.update_id += 1

    def depth(self, limit: int) -> DepthSnapshot:
        return DepthSnapshot(
            self.update_id,
            [(self.price(t), self.qty(q)) for t, q in self.bids.top(limit)],
            [(self.price(t), self.qty(q)) for t, q in self.asks.top(limit)],
        )

    def take_changes(self) -> DepthChanges | None:
        if self.update_id == self.taken_update_id:
            return None
        changes = DepthChanges(
            self.taken_update_id + 1,
            self.update_id,
            self._changed_levels(self.bids, reverse=True),
            self._changed_levels(self.asks, reverse=False),
        )
        self.taken_update_id = self.update_id
        return changes

    def _changed_levels(self, side: BookSide, reverse: bool) -> list[tuple[Decimal, Decimal]]:
        levels = side.levels
        out = []
        for tick in sorted(side.changed, reverse=reverse):
            level = levels.get(tick)
            out.append((self.price(tick), self.qty(level.qty if level is not None else 0)))
        side.changed.clear()
        return out

    # -- trade statistics ----------------------------------------------------------------------
    def restore_stats(
        self,
        next_trade_id: int,
        update_id: int,
        last_tick: int | None,
        trades: list[tuple[int, int, int]],
    ) -> None:
        """Counters and average-price volume from a saved state; ``trades`` are (time ms, qty,
        tick x qty). Re-resting orders count as book changes on top of the saved update id, and
        a restored book starts with no pending depth diff."""
        self.next_trade_id = next_trade_id
        self.update_id += update_id
        self.taken_update_id = self.update_id
        self.bids.changed.clear()
        self.asks.changed.clear()
        self.last_tick = last_tick
        self.window.clear()
        self.window_pq = self.window_qty = 0
        for time, qty, pq in trades:
            self.record_trade(time, 0, qty, pq)
        self.last_tick = last_tick

    def record_trade(self, time: int, last_tick: int, qty: int, pq: int) -> None:
        """Trades at ``time`` ending at ``last_tick``: ``qty`` in total, ``pq`` the sum of
        tick x qty."""
        self.last_tick = last_tick
        if self.window_ms:
            self.window.append((time, pq, qty))
            self.window_pq += pq
            self.window_qty += qty

    def reference(self, now: int) -> tuple[int, int] | None:
        """The weighted average price as (sum of tick x qty, sum of qty): the trades of the last
        ``avg_price_mins``; the last trade when that window is empty or 0; None before any trade."""
        if self.last_tick is None:
            return None
        window = self.window
        horizon = now - self.window_ms
        while window and window[0][0] <= horizon:
            _, pq, q = window.popleft()
            self.window_pq -= pq
            self.window_qty -= q
        if self.window_qty == 0:
            return self.last_tick, 1
        return self.window_pq, self.window_qty
