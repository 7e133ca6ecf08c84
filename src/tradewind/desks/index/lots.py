"""Lots: exchange fills of batch legs, the slices of them each order holds, the house inventory.

    Lot           one fill: net base quantity and its quote value, split among owners
      └─ Slice    an order's share of a lot: base quantity, quote value, fee share
    HouseInventory  what no order needs: FIFO slices per constituent, deficits, nothing else

A lot's net quantity is its quantity less a fee paid in the base asset; its value is quantity x
price plus a quote fee (buy: what it cost) or minus it (sell: what it brought in). Slices are
prorated by net quantity: what an order is charged (a buy slice's value) rounds UP to the quote
quantum, what it is credited (a sell slice's value) rounds DOWN; the house absorbs the dust.
``share_out`` splits a lot among orders in proportion to what each can take, rounded down to the
constituent's step, with the residual given first-come first-served.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from tradewind.core.enums import OrderSide
from tradewind.core.identifiers import parse_symbol
from tradewind.desks.index.events import LotRecorded, OrderKey
from tradewind.desks.index.rounding import ceil_to, floor_to, half_even_to

__all__ = [
    "HOUSE",
    "HouseInventory",
    "HouseTake",
    "Lot",
    "Owner",
    "Slice",
    "prorate",
    "share_out",
    "split_slices",
]

HOUSE = "house"
"""The owner of lot quantity no order holds."""

Owner = OrderKey | str
_ZERO = Decimal(0)
K = TypeVar("K")


@dataclass(slots=True)
class Lot:
    """One exchange fill of a batch leg and who holds it. ``net_qty`` base units; ``value`` in
    quote (buy: cost, sell: proceeds); ``allocations`` base units per owner, summing to at most
    ``net_qty``."""

    lot_id: str
    batch_id: str
    leg_client_order_id: str
    symbol: str
    side: OrderSide
    price: Decimal
    qty: Decimal
    fee: Decimal
    fee_asset: str
    ts: int
    net_qty: Decimal
    value: Decimal
    allocations: dict[Owner, Decimal] = field(default_factory=dict)

    @classmethod
    def of(cls, event: LotRecorded) -> Lot:
        base, quote = parse_symbol(event.symbol)
        net_qty = event.qty - event.fee if event.fee_asset == base else event.qty
        notional = event.qty * event.price
        quote_fee = event.fee if event.fee_asset == quote else _ZERO
        value = notional + quote_fee if event.side is OrderSide.BUY else notional - quote_fee
        return cls(
            lot_id=event.key,
            batch_id=event.batch_id,
            leg_client_order_id=event.client_order_id,
            symbol=event.symbol,
            side=event.side,
            price=event.price,
            qty=event.qty,
            fee=event.fee,
            fee_asset=event.fee_asset,
            ts=event.ts,
            net_qty=net_qty,
            value=value,
        )

    @property
    def allocated(self) -> Decimal:
        return sum(self.allocations.values(), _ZERO)

    def allocate(self, owner: Owner, qty: Decimal) -> None:
        """Move ``qty`` to ``owner`` (negative: take it back)."""
        held = self.allocations.get(owner, _ZERO) + qty
        if held < 0:
            raise ValueError(f"lot {self.lot_id}: {owner} would hold {held}")
        if held == 0:
            self.allocations.pop(owner, None)
        else:
            self.allocations[owner] = held
        if self.allocated > self.net_qty:
            raise ValueError(f"lot {self.lot_id} over-assigned: {self.allocated} > {self.net_qty}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Slice:
    """An order's share of a lot: ``qty`` base units, ``value`` quote (buy: charged, sell:
    credited), ``fee`` its share of the lot's venue fee in ``fee_asset``."""

    lot_id: str
    symbol: str
    side: OrderSide
    price: Decimal
    qty: Decimal
    value: Decimal
    fee: Decimal
    fee_asset: str


def _value_share(
    total: Decimal, part: Decimal, whole: Decimal, side: OrderSide, quantum: Decimal
) -> Decimal:
    exact = total * part / whole
    # the user pays rounded up and is credited rounded down: the desk never owes dust
    return ceil_to(exact, quantum) if side is OrderSide.BUY else floor_to(exact, quantum)


def prorate(lot: Lot, qty: Decimal, quantum: Decimal) -> Slice:
    """The slice of ``qty`` net base units of ``lot`` (value and fee prorated)."""
    return Slice(
        lot_id=lot.lot_id,
        symbol=lot.symbol,
        side=lot.side,
        price=lot.price,
        qty=qty,
        value=_value_share(lot.value, qty, lot.net_qty, lot.side, quantum),
        fee=half_even_to(lot.fee * qty / lot.net_qty, quantum),
        fee_asset=lot.fee_asset,
    )


def split_slices(
    slices: Sequence[Slice], keep: Decimal, quantum: Decimal
) -> tuple[list[Slice], list[Slice]]:
    """(kept, released): the first ``keep`` base units of ``slices`` in order, and the rest. A
    slice cut in two keeps its value rounded as the side says (charged up, credited down)."""
    kept: list[Slice] = []
    released: list[Slice] = []
    left = keep
    for piece in slices:
        if left >= piece.qty:
            kept.append(piece)
            left -= piece.qty
            continue
        if left <= 0:
            released.append(piece)
            continue
        value = _value_share(piece.value, left, piece.qty, piece.side, quantum)
        fee = half_even_to(piece.fee * left / piece.qty, quantum)
        kept.append(_replace(piece, qty=left, value=value, fee=fee))
        released.append(
            _replace(piece, qty=piece.qty - left, value=piece.value - value, fee=piece.fee - fee)
        )
        left = _ZERO
    return kept, released


def _replace(piece: Slice, *, qty: Decimal, value: Decimal, fee: Decimal) -> Slice:
    return Slice(
        lot_id=piece.lot_id,
        symbol=piece.symbol,
        side=piece.side,
        price=piece.price,
        qty=qty,
        value=value,
        fee=fee,
        fee_asset=piece.fee_asset,
    )


def share_out(
    available: Decimal, caps: Sequence[tuple[K, Decimal]], step: Decimal
) -> dict[K, Decimal]:
    """Split ``available`` among claimants (in acceptance order) each taking at most its cap.

    Enough for all: each gets its cap. Otherwise each gets ``available * cap / total`` rounded
    down to ``step``, then what is left goes first-come first-served up to each cap. Never hands
    out more than ``available`` nor more than a cap.
    """
    wanted = [(key, cap) for key, cap in caps if cap > 0]
    total = sum((cap for _, cap in wanted), _ZERO)
    if total <= available:
        return dict(wanted)
    shares = {key: floor_to(available * cap / total, step) for key, cap in wanted}
    residual = available - sum(shares.values(), _ZERO)
    for key, cap in wanted:
        if residual <= 0:
            break
        extra = min(cap - shares[key], residual)
        shares[key] += extra
        residual -= extra
    return {key: share for key, share in shares.items() if share > 0}


@dataclass(slots=True)
class _HouseSlice:
    lot_id: str
    qty: Decimal
    cost: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class HouseTake:
    """Inventory handed out of the house: ``qty`` base units of lot ``lot_id`` costing ``cost``."""

    lot_id: str
    qty: Decimal
    cost: Decimal


class HouseInventory:
    """Constituents the desk holds for no order (base units, FIFO by arrival, with their quote
    cost), and per constituent the deficit: what the desk sold beyond what orders redeemed and
    now owes to the backing of outstanding index tokens."""

    def __init__(self, quantum: Decimal) -> None:
        self._quantum = quantum
        self._slices: dict[str, list[_HouseSlice]] = {}
        self._deficit: dict[str, Decimal] = {}

    def available(self, symbol: str) -> Decimal:
        return sum((s.qty for s in self._slices.get(symbol, ())), _ZERO)

    def deficit(self, symbol: str) -> Decimal:
        return self._deficit.get(symbol, _ZERO)

    def holdings(self) -> dict[str, Decimal]:
        """Positive holdings by symbol."""
        out = {symbol: self.available(symbol) for symbol in sorted(self._slices)}
        return {symbol: qty for symbol, qty in out.items() if qty > 0}

    def deficits(self) -> dict[str, Decimal]:
        return {s: q for s, q in sorted(self._deficit.items()) if q > 0}

    def receive(self, symbol: str, lot_id: str, qty: Decimal, cost: Decimal) -> None:
        """``qty`` base units of ``lot_id`` costing ``cost`` join the house; a deficit of the
        constituent is covered first."""
        if qty <= 0:
            return
        owed = self._deficit.get(symbol, _ZERO)
        cover = min(owed, qty)
        if cover > 0:
            self._deficit[symbol] = owed - cover
            if cover == qty:
                return
            cost = ceil_to(cost * (qty - cover) / qty, self._quantum)
            qty -= cover
        self._slices.setdefault(symbol, []).append(_HouseSlice(lot_id, qty, cost))

    def head(self, symbol: str) -> HouseTake | None:
        """The oldest held slice of ``symbol`` (whole), or None."""
        queue = self._slices.get(symbol)
        if not queue:
            return None
        first = queue[0]
        return HouseTake(lot_id=first.lot_id, qty=first.qty, cost=first.cost)

    def take_head(self, symbol: str, qty: Decimal) -> HouseTake:
        """Hand out ``qty`` (at most the head's) of the oldest slice; its cost is prorated,
        rounded up (the receiver pays), never below zero."""
        queue = self._slices[symbol]
        head = queue[0]
        if not 0 < qty <= head.qty:
            raise ValueError(f"take {qty} of {symbol}: the oldest slice holds {head.qty}")
        if qty == head.qty:
            cost = max(_ZERO, head.cost)
            queue.pop(0)
        else:
            cost = max(_ZERO, ceil_to(head.cost * qty / head.qty, self._quantum))
            head.qty -= qty
            head.cost -= cost
        return HouseTake(lot_id=head.lot_id, qty=qty, cost=cost)

    def consume(self, symbol: str, qty: Decimal) -> list[HouseTake]:
        """The desk sold ``qty`` beyond what orders redeemed: held slices go first (oldest
        first), the rest becomes a deficit. Returns the held parts consumed."""
        out: list[HouseTake] = []
        queue = self._slices.get(symbol, [])
        left = qty
        while queue and left > 0:
            head = queue[0]
            part = min(left, head.qty)
            cost = (
                head.cost
                if part == head.qty
                else ceil_to(head.cost * part / head.qty, self._quantum)
            )
            out.append(HouseTake(lot_id=head.lot_id, qty=part, cost=cost))
            head.qty -= part
            head.cost -= cost
            left -= part
            if head.qty == 0:
                queue.pop(0)
        if left > 0:
            self._deficit[symbol] = self._deficit.get(symbol, _ZERO) + left
        return out
