"""Lot pools: the open lots of one (account, asset) or one asset, ordered for a method.

A disposal takes lots from a pool in method order without ever sorting:
    FIFO  a deque, oldest at the left; acquisitions arrive in time order and are appended
    LIFO  the same deque used as a stack, newest at the right
    HIFO  a binary heap keyed (-cost per unit, seq): highest unit cost first, then the older
          (seq grows with acquisition time and pieces keep their lot's); unknown cost last.
          The key starts with the integer part of -cost per unit (an int compares far faster
          than a Decimal, and truncation keeps the order); equal prefixes fall through to the
          exact Decimal
A lot that arrives out of time order (moved in by a transfer, keeping its original acquisition
date) goes to a small side heap; FIFO/LIFO take from whichever of deque end and heap top comes
first in method order. Specific identification is a FIFO pool (used for transfers and fees nobody
named lots for); the engine indexes lot id -> pieces across pools and takes named pieces with
`take_from`. A lot emptied that way stays in the deque with quantity zero and is dropped when it
reaches the end.
A partial take shrinks quantity and cost in proportion, so ordering keys stay valid.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import count
from operator import attrgetter

from tradewind.portfolio.ledger import Transaction

__all__ = [
    "HEAP_TIEBREAK",
    "MODE_FIFO",
    "MODE_HIFO",
    "MODE_LIFO",
    "SHARE_EXPONENT",
    "WORK_PRECISION",
    "Lot",
    "LotPool",
    "Piece",
    "share_of",
]

_ZERO = Decimal(0)
_UNKNOWN_COST_KEY = Decimal("Infinity")
_UNKNOWN_COST_PREFIX = math.inf  # above every int: an int compares exactly with a float
MODE_FIFO, MODE_LIFO, MODE_HIFO = 0, 1, 2
_MODES = {"fifo": MODE_FIFO, "specific_id": MODE_FIFO, "lifo": MODE_LIFO, "hifo": MODE_HIFO}
HEAP_TIEBREAK = count()
"""Orders heap entries that tie on their keys (pieces of one lot): shared by every pool."""
_tiebreak = HEAP_TIEBREAK
_ACQUISITION_ORDER = attrgetter("seq")  # seq grows with acquisition time (see Lot)

WORK_PRECISION = 60
"""Significant digits the engine computes with (see share_of)."""
SHARE_EXPONENT = Decimal("1e-18")


def share_of(value: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """value x part / whole, rounded to 18 decimal places (half-even).

    Proportional shares are the only inexact step of the engine. Rounding them to a fixed
    exponent, with the remainder assigned to the last share, and computing at 60 significant
    digits keeps every sum and difference of the run exact: basis and proceeds are conserved
    to the last digit.
    """
    return (value * part / whole).quantize(SHARE_EXPONENT)


class Lot:
    """A mutable open lot inside a pool: quantity (asset units) and cost (report currency).

    `cost` None means the basis is unknown (unpriced acquisition). `seq` orders lots acquired
    in the same millisecond; pieces of one lot share it.
    """

    __slots__ = ("account", "acquired_ms", "cost", "index", "lot_id", "origin", "qty", "seq")

    def __init__(
        self,
        qty: Decimal,
        cost: Decimal | None,
        acquired_ms: int,
        seq: int,
        origin: Transaction,
        index: int,
        account: str,
        lot_id: str | None = None,
    ) -> None:
        self.qty = qty
        self.cost = cost
        self.acquired_ms = acquired_ms
        self.seq = seq
        self.origin = origin
        self.index = index
        self.account = account
        self.lot_id = lot_id


Piece = tuple[Lot, Decimal, Decimal | None]
"""(the lot taken from, quantity taken, cost of that quantity or None)."""


def _older(a: Lot, b: Lot) -> bool:
    return a.acquired_ms < b.acquired_ms or (a.acquired_ms == b.acquired_ms and a.seq < b.seq)


class LotPool:
    """The open lots one disposal may draw from, in the order of one method.

    `main` (deque), `late` (heap) and `mode` are read by the fast pass (ledger_pass.py), which
    takes lots the same way. `total` (asset units) is only read by specific identification;
    the fast pass keeps it for that method only.
    """

    __slots__ = ("late", "main", "mode", "total")

    def __init__(self, method: str) -> None:
        self.mode = _MODES[method]
        self.main: deque[Lot] = deque()
        self.late: list[tuple[object, ...]] = []
        self.total = _ZERO

    def add(self, lot: Lot) -> None:
        """Put a lot into the pool (an acquisition, or a lot arriving by transfer)."""
        self.total += lot.qty
        mode = self.mode
        if mode == MODE_HIFO:
            if lot.cost is not None and lot.qty > _ZERO:
                unit = -(lot.cost / lot.qty)
                entry: tuple[object, ...] = (int(unit), unit, lot.seq, next(_tiebreak), lot)
            else:
                entry = (_UNKNOWN_COST_PREFIX, _UNKNOWN_COST_KEY, lot.seq, next(_tiebreak), lot)
            heapq.heappush(self.late, entry)
            return
        main = self.main
        if main:
            tail = main[-1]
            if lot.acquired_ms < tail.acquired_ms or (
                lot.acquired_ms == tail.acquired_ms and lot.seq < tail.seq
            ):
                if mode == MODE_FIFO:
                    entry = (lot.acquired_ms, lot.seq, next(_tiebreak), lot)
                else:
                    entry = (-lot.acquired_ms, -lot.seq, next(_tiebreak), lot)
                heapq.heappush(self.late, entry)
                return
        main.append(lot)

    def take(self, qty: Decimal) -> tuple[list[Piece], Decimal]:
        """Take `qty` in method order; returns the pieces and the quantity no lot covered."""
        pieces: list[Piece] = []
        remaining = qty
        main = self.main
        late = self.late
        mode = self.mode
        if mode == MODE_HIFO:
            return self._take_heap(qty)
        while remaining > _ZERO:
            if not main:
                if not late:
                    break
                lot: Lot = late[0][-1]  # type: ignore[assignment]
                from_main = False
            else:
                lot = main[0] if mode == MODE_FIFO else main[-1]
                from_main = True
                if late:
                    other: Lot = late[0][-1]  # type: ignore[assignment]
                    if _older(other, lot) if mode == MODE_FIFO else _older(lot, other):
                        lot = other
                        from_main = False
            have = lot.qty
            if have <= remaining:
                if not from_main:
                    heapq.heappop(late)
                elif mode == MODE_FIFO:
                    main.popleft()
                else:
                    main.pop()
                if have <= _ZERO:
                    continue
                pieces.append((lot, have, lot.cost))
                lot.qty = _ZERO
                lot.cost = None if lot.cost is None else _ZERO
                remaining -= have
            else:
                pieces.append((lot, remaining, _shrink(lot, remaining)))
                remaining = _ZERO
        self.total -= qty - remaining
        return pieces, remaining

    def _take_heap(self, qty: Decimal) -> tuple[list[Piece], Decimal]:
        # HIFO: every lot is in the heap; the same steps as take() without the deque cases.
        pieces: list[Piece] = []
        remaining = qty
        late = self.late
        while remaining > _ZERO and late:
            lot: Lot = late[0][-1]  # type: ignore[assignment]
            have = lot.qty
            if have <= remaining:
                heapq.heappop(late)
                if have <= _ZERO:
                    continue
                pieces.append((lot, have, lot.cost))
                lot.qty = _ZERO
                lot.cost = None if lot.cost is None else _ZERO
                remaining -= have
            else:
                pieces.append((lot, remaining, _shrink(lot, remaining)))
                remaining = _ZERO
        self.total -= qty - remaining
        return pieces, remaining

    def take_from(self, lots: Iterable[Lot], qty: Decimal) -> tuple[list[Piece], Decimal]:
        """Take `qty` from the given lots of this pool, in that order (specific identification);
        returns the pieces and how much of `qty` they lacked. Emptied lots stay queued with
        quantity zero until they reach the end they are taken from."""
        pieces: list[Piece] = []
        remaining = qty
        for lot in lots:
            if remaining <= _ZERO:
                break
            if lot.qty <= _ZERO:
                continue
            part = min(lot.qty, remaining)
            pieces.append((lot, part, _shrink(lot, part)))
            remaining -= part
        self.total -= qty - remaining
        return pieces, remaining

    def lots(self) -> Iterator[Lot]:
        """The open lots (quantity > 0), oldest acquisition first."""
        every: list[Lot] = list(self.main)  # in acquisition order already
        if self.late:
            every.extend(entry[-1] for entry in self.late)  # type: ignore[misc]
            every.sort(key=_ACQUISITION_ORDER)
        for lot in every:
            if lot.qty > _ZERO:
                yield lot


def _shrink(lot: Lot, part: Decimal) -> Decimal | None:
    # The cost of a part is proportional; the lot keeps the exact remainder so the pieces of a
    # lot always add up to its original cost (share_of, inlined: this is the hot path).
    cost = lot.cost
    qty = lot.qty
    lot.qty = qty - part
    if cost is None:
        return None
    part_cost = cost if part == qty else (cost * part / qty).quantize(SHARE_EXPONENT)
    lot.cost = cost - part_cost
    return part_cost
