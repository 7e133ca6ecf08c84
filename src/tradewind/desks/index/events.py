"""The index desk's input events: the journal holds these, and the desk's state is their fold.

    IndexEvent
      ├─ CollateralDeposited     "dep:{deposit_id}"        collateral credited to an account
      ├─ IndexTokensReturned     "ret:{return_id}"         index tokens handed back to redeem
      ├─ IndexOrderAccepted      "ord:{chain}:{address}:{client_order_id}"
      ├─ IndexOrderCancelled     "cxl:{chain}:{address}:{client_order_id}:{cancel_id}"
      ├─ BatchPlanned            "batch:{batch_id}"        legs, targets, inventory, completions
      ├─ LotRecorded             "lot:{venue}:{symbol}:{trade_id}"  one exchange fill, exactly once
      └─ BatchClosed             "close:{batch_id}"

Each event is a frozen dataclass declared with the journal's codec
(``tradewind.store.journal.codec``): the ``Annotated`` type of each field below is its only
definition, and gives the check on construction (``InvalidIndexEvent``), the JSON encoding and
the strict decoding. Each event has a unique ``key`` and round-trips through ``to_json()`` /
``from_json()`` (Decimals as strings, timestamps integer nanoseconds, compact sorted-key JSON:
the bytes journals written before this codec hold). ``decode_event(text)`` reads any of them
and refuses unknown kinds. Amounts: collateral in the index's quote asset, index quantities in
index tokens, constituent quantities in base units, prices in quote per base.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Self

from eth_utils.address import is_checksum_address

from tradewind.core.enums import OrderSide
from tradewind.core.fills import Fill
from tradewind.core.identifiers import parse_symbol
from tradewind.store.journal.codec import (
    TIMESTAMP_NS,
    DecimalField,
    EnumField,
    Event,
    EventCodec,
    Integer,
    InvalidRecord,
    Nested,
    Record,
    Text,
    TupleOf,
)

__all__ = [
    "INDEX_EVENTS",
    "BatchClosed",
    "BatchPlanned",
    "CollateralDeposited",
    "HouseFill",
    "IndexEvent",
    "IndexOrderAccepted",
    "IndexOrderCancelled",
    "IndexTokensReturned",
    "InvalidIndexEvent",
    "InventoryAssignment",
    "LotRecorded",
    "OrderEnd",
    "OrderKey",
    "OrderTarget",
    "PlannedLeg",
    "decode_event",
]


class InvalidIndexEvent(InvalidRecord):
    """An index desk event with a bad field, or JSON that is not one; names the kind and field."""


def _checksummed(value: str) -> None:
    if not is_checksum_address(value):
        raise ValueError(f"must be an EIP-55 checksummed address, got {value!r}")


# -- field types: one definition each -----------------------------------------------------------
Id = Annotated[str, Text(r"^[\x21-\x7e]{1,128}$", "1-128 visible ASCII characters")]
Asset = Annotated[str, Text(r"^[A-Z0-9]{1,20}$", "an upper-case asset or index symbol")]
Pair = Annotated[str, Text(None, "BASE/QUOTE", parse_symbol)]
"""A unified symbol BASE/QUOTE."""
Address = Annotated[str, Text(None, "an EIP-55 checksummed address", _checksummed)]
ChainId = Annotated[int, Integer(1, "a positive integer")]
Timestamp = Annotated[int, TIMESTAMP_NS]
Side = Annotated[OrderSide, EnumField(OrderSide)]
Positive = Annotated[Decimal, DecimalField("positive")]
NonNegative = Annotated[Decimal, DecimalField("non_negative")]
Signed = Annotated[Decimal, DecimalField("any")]


class _IndexRecord(Record):
    __slots__ = ()
    Invalid: ClassVar[type[InvalidRecord]] = InvalidIndexEvent


class _IndexEvent(Event):
    __slots__ = ()
    Invalid: ClassVar[type[InvalidRecord]] = InvalidIndexEvent


# -- order keys ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, order=True)
class OrderKey(_IndexRecord):
    """What names an index order: the account (chain id, EIP-55 address) and its client id."""

    chain_id: ChainId
    address: Address
    client_order_id: Id

    @property
    def account(self) -> tuple[int, str]:
        return (self.chain_id, self.address)

    @property
    def text(self) -> str:
        return f"{self.chain_id}:{self.address}:{self.client_order_id}"


# -- collateral and index tokens ----------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class CollateralDeposited(_IndexEvent):
    """``amount`` of ``asset`` credited to the account; ``routing_fees`` (same asset, part of
    ``amount``) is what bringing it to the exchange cost, charged on the next mint invoice."""

    KIND: ClassVar[str] = "collateral_deposited"

    deposit_id: Id
    chain_id: ChainId
    address: Address
    asset: Asset
    amount: Positive
    ts: Timestamp
    routing_fees: NonNegative = Decimal(0)

    def _check_record(self) -> None:
        if self.routing_fees > self.amount:
            raise self._fail("routing_fees", "exceeds the amount deposited")

    @property
    def key(self) -> str:
        return f"dep:{self.deposit_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexTokensReturned(_IndexEvent):
    """``quantity`` index tokens of ``symbol`` handed back by the account, free to redeem."""

    KIND: ClassVar[str] = "index_tokens_returned"

    return_id: Id
    chain_id: ChainId
    address: Address
    symbol: Asset
    quantity: Positive
    ts: Timestamp

    @property
    def key(self) -> str:
        return f"ret:{self.return_id}"


# -- index orders -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class IndexOrderAccepted(_IndexEvent):
    """An index order the desk took: buy spends ``amount`` collateral (fees included), sell
    redeems ``amount`` index tokens. Accepting reserves the amount."""

    KIND: ClassVar[str] = "index_order_accepted"

    chain_id: ChainId
    address: Address
    client_order_id: Id
    symbol: Asset
    side: Side
    amount: Positive
    ts: Timestamp

    @property
    def order_key(self) -> OrderKey:
        return OrderKey(self.chain_id, self.address, self.client_order_id)

    @property
    def key(self) -> str:
        return f"ord:{self.order_key.text}"


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexOrderCancelled(_IndexEvent):
    """Take ``amount`` (collateral for a buy, index tokens for a sell) off the order's unfilled
    part; the whole remainder, ending the order, when ``amount`` >= it. ``cancel_id`` makes each
    cancel of one order distinct (the gateway's message id)."""

    KIND: ClassVar[str] = "index_order_cancelled"

    chain_id: ChainId
    address: Address
    client_order_id: Id
    cancel_id: Id
    amount: Positive
    ts: Timestamp

    @property
    def order_key(self) -> OrderKey:
        return OrderKey(self.chain_id, self.address, self.client_order_id)

    @property
    def key(self) -> str:
        return f"cxl:{self.order_key.text}:{self.cancel_id}"


# -- batches ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedLeg(_IndexRecord):
    """One venue order of a batch: ``quantity`` base units at ``limit_price`` (quote per base)."""

    symbol: Pair
    side: Side
    quantity: Positive
    limit_price: Positive
    client_order_id: Id


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderTarget(_IndexRecord):
    """What a batch aims to add to ``order`` in ``symbol`` (base units), house inventory
    handed over by the same batch included."""

    order: Annotated[OrderKey, Nested(OrderKey)]
    symbol: Pair
    quantity: Positive


@dataclass(frozen=True, slots=True, kw_only=True)
class InventoryAssignment(OrderTarget):
    """House inventory of ``symbol`` (base units) handed to a buy order before any leg is sent."""


def _order_and_symbol(target: OrderTarget) -> tuple[OrderKey, str]:
    return (target.order, target.symbol)


@dataclass(frozen=True, slots=True, kw_only=True)
class HouseFill(_IndexRecord):
    """A sell leg under the venue's minimums that the house takes instead of the venue:
    ``quantity`` base units of ``symbol`` bought into house inventory at ``price`` (the
    reference price, quote per base); recorded as a lot shared out like a venue fill."""

    symbol: Pair
    quantity: Positive
    price: Positive


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderEnd(_IndexRecord):
    """Why a batch ends ``order`` early: ``reason`` reaches the client in the order's final
    fill report and MintInvoice."""

    order: Annotated[OrderKey, Nested(OrderKey)]
    reason: Annotated[str, Text(r"^[^\x00-\x1f]{1,1000}$", "1-1000 printable characters")]


# fields added to BatchPlanned after journals were written: left out of the JSON while empty,
# so earlier journals decode and encode back to the same bytes
_OPTIONAL_BATCH_FIELDS = ("house_fills", "end_reasons")


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchPlanned(_IndexEvent):
    """A batch the solver planned: the venue ``legs`` to send, per order and constituent what
    the batch aims to add (``targets``), house inventory handed over now
    (``inventory_assignments``, counted toward the targets) and the orders it declares done
    (``completions``: a buy whose remaining collateral cannot buy one quantity step, a sell with
    nothing left to sell), which the state settles before anything else of the batch."""

    KIND: ClassVar[str] = "batch_planned"

    batch_id: Id
    legs: Annotated[
        tuple[PlannedLeg, ...],
        TupleOf(Nested(PlannedLeg), unique_by=lambda leg: leg.client_order_id),
    ] = ()
    targets: Annotated[
        tuple[OrderTarget, ...], TupleOf(Nested(OrderTarget), unique_by=_order_and_symbol)
    ] = ()
    inventory_assignments: Annotated[
        tuple[InventoryAssignment, ...],
        TupleOf(Nested(InventoryAssignment), unique_by=_order_and_symbol),
    ] = ()
    completions: Annotated[
        tuple[OrderKey, ...], TupleOf(Nested(OrderKey), unique_by=lambda key: key)
    ] = ()
    ts: Timestamp
    house_fills: Annotated[
        tuple[HouseFill, ...], TupleOf(Nested(HouseFill), unique_by=lambda fill: fill.symbol)
    ] = ()
    end_reasons: Annotated[
        tuple[OrderEnd, ...], TupleOf(Nested(OrderEnd), unique_by=lambda end: end.order)
    ] = ()

    def _check_record(self) -> None:
        ended = set(self.completions)
        for end in self.end_reasons:
            if end.order not in ended:
                raise self._fail("end_reasons", f"{end.order.text} is not among the completions")

    def to_dict(self) -> dict[str, Any]:
        data = super(BatchPlanned, self).to_dict()
        for name in _OPTIONAL_BATCH_FIELDS:
            if not data[name]:
                del data[name]
        return data

    @classmethod
    def from_dict(cls, data: object) -> Self:
        if isinstance(data, dict):
            data = {**{name: [] for name in _OPTIONAL_BATCH_FIELDS}, **data}
        return super(BatchPlanned, cls).from_dict(data)

    def end_reason(self, order: OrderKey) -> str | None:
        """Why this batch ends ``order`` early, or None (no reason given)."""
        for end in self.end_reasons:
            if end.order == order:
                return end.reason
        return None

    @classmethod
    def build(
        cls,
        *,
        batch_id: str,
        legs: Iterable[PlannedLeg] = (),
        targets: Mapping[OrderKey, Mapping[str, Decimal]] | None = None,
        inventory: Mapping[OrderKey, Mapping[str, Decimal]] | None = None,
        completions: Iterable[OrderKey] = (),
        ts: int,
    ) -> BatchPlanned:
        """From mappings (as a planner gives them), in a canonical order; zero entries dropped."""
        return cls(
            batch_id=batch_id,
            legs=tuple(legs),
            targets=tuple(
                OrderTarget(order=order, symbol=symbol, quantity=quantity)
                for order in sorted(targets or {})
                for symbol, quantity in sorted((targets or {})[order].items())
                if quantity != 0
            ),
            inventory_assignments=tuple(
                InventoryAssignment(order=order, symbol=symbol, quantity=quantity)
                for order in sorted(inventory or {})
                for symbol, quantity in sorted((inventory or {})[order].items())
                if quantity != 0
            ),
            completions=tuple(completions),
            ts=ts,
        )

    @property
    def key(self) -> str:
        return f"batch:{self.batch_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class LotRecorded(_IndexEvent):
    """One exchange fill of a batch leg: ``qty`` base at ``price`` quote per base, ``fee`` in
    ``fee_asset`` (negative: a rebate). ``client_order_id`` is the leg's venue client id."""

    KIND: ClassVar[str] = "lot_recorded"

    venue: Id
    trade_id: Id
    batch_id: Id
    client_order_id: Id
    symbol: Pair
    side: Side
    price: Positive
    qty: Positive
    fee: Signed
    fee_asset: Asset
    ts: Timestamp

    def _check_record(self) -> None:
        base, quote = parse_symbol(self.symbol)
        if self.fee_asset == base and self.fee >= self.qty:
            raise self._fail("fee", f"a base fee of {self.fee} leaves nothing of {self.qty}")
        if (
            self.fee_asset == quote
            and self.side is OrderSide.SELL
            and (self.fee >= self.qty * self.price)
        ):
            raise self._fail("fee", "a quote fee that eats all the proceeds")

    @classmethod
    def from_fill(cls, fill: Fill, batch_id: str) -> LotRecorded:
        """The lot of a kernel fill of one of ``batch_id``'s legs."""
        return cls(
            venue=fill.venue,
            trade_id=fill.trade_id,
            batch_id=batch_id,
            client_order_id=fill.client_order_id or fill.venue_order_id,
            symbol=fill.symbol,
            side=fill.side,
            price=fill.price,
            qty=fill.qty,
            fee=fill.fee,
            fee_asset=fill.fee_asset,
            ts=fill.ts_event,
        )

    @property
    def key(self) -> str:
        # venues number trades per symbol, so the symbol is part of the key
        return f"lot:{self.venue}:{self.symbol}:{self.trade_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchClosed(_IndexEvent):
    """Every leg of the batch is terminal; targets it did not meet are dropped (the next batch
    plans from what orders still need)."""

    KIND: ClassVar[str] = "batch_closed"

    batch_id: Id
    ts: Timestamp

    @property
    def key(self) -> str:
        return f"close:{self.batch_id}"


IndexEvent = (
    CollateralDeposited
    | IndexTokensReturned
    | IndexOrderAccepted
    | IndexOrderCancelled
    | BatchPlanned
    | LotRecorded
    | BatchClosed
)
"""Any input event of the index desk."""

INDEX_EVENTS: EventCodec[IndexEvent] = EventCodec(
    (
        CollateralDeposited,
        IndexTokensReturned,
        IndexOrderAccepted,
        IndexOrderCancelled,
        BatchPlanned,
        LotRecorded,
        BatchClosed,
    ),
    invalid=InvalidIndexEvent,
)
"""Decodes any index desk event; what the desk's journal reads with."""


def decode_event(text: str | bytes) -> IndexEvent:
    """The event ``text`` encodes (any kind); raises ``InvalidIndexEvent`` for an unknown kind
    or a bad field."""
    return INDEX_EVENTS.decode(text)
