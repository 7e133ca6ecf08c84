"""The index desk's input events: the journal holds these, and the desk's state is their fold.

    IndexEvent
      ├─ CollateralDeposited     "dep:{deposit_id}"        collateral credited to an account
      ├─ IndexTokensReturned     "ret:{return_id}"         index tokens handed back to redeem
      ├─ IndexOrderAccepted      "ord:{chain}:{address}:{client_order_id}"
      ├─ IndexOrderCancelled     "cxl:{chain}:{address}:{client_order_id}:{cancel_id}"
      ├─ BatchPlanned            "batch:{batch_id}"        legs, targets, inventory, completions
      ├─ LotRecorded             "lot:{venue}:{symbol}:{trade_id}"  one exchange fill, exactly once
      └─ BatchClosed             "close:{batch_id}"

Each event is a frozen dataclass that checks its fields on construction (``InvalidIndexEvent``),
has a unique ``key`` and round-trips through ``to_json()`` / ``from_json()`` (Decimals as strings,
timestamps integer nanoseconds). ``decode_event(text)`` reads any of them and refuses unknown
kinds. Amounts: collateral in the index's quote asset, index quantities in index tokens,
constituent quantities in base units, prices in quote per base.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Self

from eth_utils import is_checksum_address

from tradewind.core.enums import OrderSide
from tradewind.core.fills import Fill
from tradewind.core.identifiers import parse_symbol

__all__ = [
    "BatchClosed",
    "BatchPlanned",
    "CollateralDeposited",
    "IndexEvent",
    "IndexOrderAccepted",
    "IndexOrderCancelled",
    "IndexTokensReturned",
    "InvalidIndexEvent",
    "InventoryAssignment",
    "LotRecorded",
    "OrderKey",
    "OrderTarget",
    "PlannedLeg",
    "decode_event",
]

_ID = re.compile(r"^[\x21-\x7e]{1,128}$")  # visible ASCII, no spaces
_ASSET = re.compile(r"^[A-Z0-9]{1,20}$")


class InvalidIndexEvent(ValueError):
    """An index desk event with a bad field, or JSON that is not one; names the kind and field."""


# -- field checks -------------------------------------------------------------------------------
def _fail(owner: str, field: str, problem: str) -> InvalidIndexEvent:
    return InvalidIndexEvent(f"{owner}.{field}: {problem}")


def _check_id(owner: str, field: str, value: object) -> None:
    if not isinstance(value, str) or not _ID.match(value):
        raise _fail(owner, field, f"must be 1-128 visible ASCII characters, got {value!r}")


def _check_asset(owner: str, field: str, value: object) -> None:
    if not isinstance(value, str) or not _ASSET.match(value):
        raise _fail(owner, field, f"must be an upper-case asset or index symbol, got {value!r}")


def _check_pair(owner: str, field: str, value: object) -> None:
    if not isinstance(value, str):
        raise _fail(owner, field, f"must be BASE/QUOTE, got {value!r}")
    try:
        parse_symbol(value)
    except ValueError as exc:
        raise _fail(owner, field, str(exc)) from None


def _check_chain(owner: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise _fail(owner, "chain_id", f"must be a positive integer, got {value!r}")


def _check_address(owner: str, value: object) -> None:
    if not isinstance(value, str) or not is_checksum_address(value):
        raise _fail(owner, "address", f"must be an EIP-55 checksummed address, got {value!r}")


def _check_ts(owner: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _fail(owner, "ts", f"must be integer nanoseconds >= 0, got {value!r}")


def _check_decimal(owner: str, field: str, value: object, *, minimum: str = "positive") -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise _fail(owner, field, f"must be a finite Decimal, got {value!r}")
    if minimum == "positive" and value <= 0:
        raise _fail(owner, field, f"must be > 0, got {value}")
    if minimum == "non_negative" and value < 0:
        raise _fail(owner, field, f"must be >= 0, got {value}")


def _check_side(owner: str, value: object) -> None:
    if not isinstance(value, OrderSide):
        raise _fail(owner, "side", f"must be an OrderSide, got {value!r}")


def _dec(value: Decimal) -> str:
    return format(value, "f")


class _Reader:
    """Reads one JSON object's fields strictly: every field present, no extra, right types."""

    def __init__(self, kind: str, data: object, fields: Iterable[str]) -> None:
        if not isinstance(data, dict):
            raise InvalidIndexEvent(f"{kind}: expected a JSON object, got {type(data).__name__}")
        expected = set(fields)
        missing = sorted(expected - set(data))
        extra = sorted(set(data) - expected)
        if missing:
            raise _fail(kind, missing[0], "missing")
        if extra:
            raise _fail(kind, extra[0], "unknown field")
        self.kind = kind
        self.data: dict[str, Any] = data

    def text(self, name: str) -> str:
        value = self.data[name]
        if not isinstance(value, str):
            raise _fail(self.kind, name, f"must be a string, got {value!r}")
        return value

    def integer(self, name: str) -> int:
        value = self.data[name]
        if not isinstance(value, int) or isinstance(value, bool):
            raise _fail(self.kind, name, f"must be an integer, got {value!r}")
        return value

    def decimal(self, name: str) -> Decimal:
        value = self.data[name]
        if not isinstance(value, str):
            # a JSON number would have passed through a float somewhere: refuse it
            raise _fail(self.kind, name, f"must be a decimal string, got {value!r}")
        try:
            return Decimal(value)
        except InvalidOperation:
            raise _fail(self.kind, name, f"not a decimal number: {value!r}") from None

    def side(self, name: str = "side") -> OrderSide:
        value = self.text(name)
        try:
            return OrderSide(value)
        except ValueError:
            raise _fail(self.kind, name, f"must be 'buy' or 'sell', got {value!r}") from None

    def items(self, name: str) -> list[Any]:
        value = self.data[name]
        if not isinstance(value, list):
            raise _fail(self.kind, name, f"must be a list, got {value!r}")
        return value


class _Event:
    """JSON plumbing shared by the events: ``kind`` tags the payload."""

    __slots__ = ()
    KIND: ClassVar[str]
    FIELDS: ClassVar[tuple[str, ...]]

    @property
    def key(self) -> str:
        raise NotImplementedError

    def _body(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def _read(cls, reader: _Reader) -> Self:
        raise NotImplementedError

    def to_json(self) -> str:
        """Compact JSON with sorted keys; Decimals as strings."""
        return json.dumps(
            {"kind": self.KIND, **self._body()}, sort_keys=True, separators=(",", ":")
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        """The event encoded by ``to_json``; raises ``InvalidIndexEvent``."""
        data = _load(text)
        kind = data.get("kind")
        if kind != cls.KIND:
            raise InvalidIndexEvent(f"expected kind {cls.KIND!r}, got {kind!r}")
        body = {k: v for k, v in data.items() if k != "kind"}
        return cls._read(_Reader(cls.KIND, body, cls.FIELDS))


def _load(text: str | bytes) -> dict[str, Any]:
    try:
        data = json.loads(text, parse_float=Decimal)
    except (ValueError, TypeError) as exc:
        raise InvalidIndexEvent(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidIndexEvent("an event is a JSON object")
    return data


# -- order keys ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, order=True)
class OrderKey:
    """What names an index order: the account (chain id, EIP-55 address) and its client id."""

    chain_id: int
    address: str
    client_order_id: str

    def __post_init__(self) -> None:
        _check_chain("OrderKey", self.chain_id)
        _check_address("OrderKey", self.address)
        _check_id("OrderKey", "client_order_id", self.client_order_id)

    @property
    def account(self) -> tuple[int, str]:
        return (self.chain_id, self.address)

    @property
    def text(self) -> str:
        return f"{self.chain_id}:{self.address}:{self.client_order_id}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "address": self.address,
            "client_order_id": self.client_order_id,
        }

    @classmethod
    def from_dict(cls, data: object, owner: str = "OrderKey") -> OrderKey:
        reader = _Reader(owner, data, ("chain_id", "address", "client_order_id"))
        return cls(
            chain_id=reader.integer("chain_id"),
            address=reader.text("address"),
            client_order_id=reader.text("client_order_id"),
        )


# -- collateral and index tokens ----------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class CollateralDeposited(_Event):
    """``amount`` of ``asset`` credited to the account; ``routing_fees`` (same asset, part of
    ``amount``) is what bringing it to the exchange cost, charged on the next mint invoice."""

    KIND: ClassVar[str] = "collateral_deposited"
    FIELDS: ClassVar[tuple[str, ...]] = (
        "deposit_id",
        "chain_id",
        "address",
        "asset",
        "amount",
        "routing_fees",
        "ts",
    )

    deposit_id: str
    chain_id: int
    address: str
    asset: str
    amount: Decimal
    ts: int
    routing_fees: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _check_id(self.KIND, "deposit_id", self.deposit_id)
        _check_chain(self.KIND, self.chain_id)
        _check_address(self.KIND, self.address)
        _check_asset(self.KIND, "asset", self.asset)
        _check_decimal(self.KIND, "amount", self.amount)
        _check_decimal(self.KIND, "routing_fees", self.routing_fees, minimum="non_negative")
        if self.routing_fees > self.amount:
            raise _fail(self.KIND, "routing_fees", "exceeds the amount deposited")
        _check_ts(self.KIND, self.ts)

    @property
    def key(self) -> str:
        return f"dep:{self.deposit_id}"

    def _body(self) -> dict[str, Any]:
        return {
            "deposit_id": self.deposit_id,
            "chain_id": self.chain_id,
            "address": self.address,
            "asset": self.asset,
            "amount": _dec(self.amount),
            "routing_fees": _dec(self.routing_fees),
            "ts": self.ts,
        }

    @classmethod
    def _read(cls, reader: _Reader) -> Self:
        return cls(
            deposit_id=reader.text("deposit_id"),
            chain_id=reader.integer("chain_id"),
            address=reader.text("address"),
            asset=reader.text("asset"),
            amount=reader.decimal("amount"),
            routing_fees=reader.decimal("routing_fees"),
            ts=reader.integer("ts"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexTokensReturned(_Event):
    """``quantity`` index tokens of ``symbol`` handed back by the account, free to redeem."""

    KIND: ClassVar[str] = "index_tokens_returned"
    FIELDS: ClassVar[tuple[str, ...]] = (
        "return_id",
        "chain_id",
        "address",
        "symbol",
        "quantity",
        "ts",
    )

    return_id: str
    chain_id: int
    address: str
    symbol: str
    quantity: Decimal
    ts: int

    def __post_init__(self) -> None:
        _check_id(self.KIND, "return_id", self.return_id)
        _check_chain(self.KIND, self.chain_id)
        _check_address(self.KIND, self.address)
        _check_asset(self.KIND, "symbol", self.symbol)
        _check_decimal(self.KIND, "quantity", self.quantity)
        _check_ts(self.KIND, self.ts)

    @property
    def key(self) -> str:
        return f"ret:{self.return_id}"

    def _body(self) -> dict[str, Any]:
        return {
            "return_id": self.return_id,
            "chain_id": self.chain_id,
            "address": self.address,
            "symbol": self.symbol,
            "quantity": _dec(self.quantity),
            "ts": self.ts,
        }

    @classmethod
    def _read(cls, reader: _Reader) -> Self:
        return cls(
            return_id=reader.text("return_id"),
            chain_id=reader.integer("chain_id"),
            address=reader.text("address"),
            symbol=reader.text("symbol"),
            quantity=reader.decimal("quantity"),
            ts=reader.integer("ts"),
        )


# -- index orders -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class IndexOrderAccepted(_Event):
    """An index order the desk took: buy spends ``amount`` collateral (fees included), sell
    redeems ``amount`` index tokens. Accepting reserves the amount."""

    KIND: ClassVar[str] = "index_order_accepted"
    FIELDS: ClassVar[tuple[str, ...]] = (
        "chain_id",
        "address",
        "client_order_id",
        "symbol",
        "side",
        "amount",
        "ts",
    )

    chain_id: int
    address: str
    client_order_id: str
    symbol: str
    side: OrderSide
    amount: Decimal
    ts: int

    def __post_init__(self) -> None:
        _check_chain(self.KIND, self.chain_id)
        _check_address(self.KIND, self.address)
        _check_id(self.KIND, "client_order_id", self.client_order_id)
        _check_asset(self.KIND, "symbol", self.symbol)
        _check_side(self.KIND, self.side)
        _check_decimal(self.KIND, "amount", self.amount)
        _check_ts(self.KIND, self.ts)

    @property
    def order_key(self) -> OrderKey:
        return OrderKey(self.chain_id, self.address, self.client_order_id)

    @property
    def key(self) -> str:
        return f"ord:{self.order_key.text}"

    def _body(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "address": self.address,
            "client_order_id": self.client_order_id,
            "symbol": self.symbol,
            "side": self.side.value,
            "amount": _dec(self.amount),
            "ts": self.ts,
        }

    @classmethod
    def _read(cls, reader: _Reader) -> Self:
        return cls(
            chain_id=reader.integer("chain_id"),
            address=reader.text("address"),
            client_order_id=reader.text("client_order_id"),
            symbol=reader.text("symbol"),
            side=reader.side(),
            amount=reader.decimal("amount"),
            ts=reader.integer("ts"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexOrderCancelled(_Event):
    """Take ``amount`` (collateral for a buy, index tokens for a sell) off the order's unfilled
    part; the whole remainder, ending the order, when ``amount`` >= it. ``cancel_id`` makes each
    cancel of one order distinct (the gateway's message id)."""

    KIND: ClassVar[str] = "index_order_cancelled"
    FIELDS: ClassVar[tuple[str, ...]] = (
        "chain_id",
        "address",
        "client_order_id",
        "cancel_id",
        "amount",
        "ts",
    )

    chain_id: int
    address: str
    client_order_id: str
    cancel_id: str
    amount: Decimal
    ts: int

    def __post_init__(self) -> None:
        _check_chain(self.KIND, self.chain_id)
        _check_address(self.KIND, self.address)
        _check_id(self.KIND, "client_order_id", self.client_order_id)
        _check_id(self.KIND, "cancel_id", self.cancel_id)
        _check_decimal(self.KIND, "amount", self.amount)
        _check_ts(self.KIND, self.ts)

    @property
    def order_key(self) -> OrderKey:
        return OrderKey(self.chain_id, self.address, self.client_order_id)

    @property
    def key(self) -> str:
        return f"cxl:{self.order_key.text}:{self.cancel_id}"

    def _body(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "address": self.address,
            "client_order_id": self.client_order_id,
            "cancel_id": self.cancel_id,
            "amount": _dec(self.amount),
            "ts": self.ts,
        }

    @classmethod
    def _read(cls, reader: _Reader) -> Self:
        return cls(
            chain_id=reader.integer("chain_id"),
            address=reader.text("address"),
            client_order_id=reader.text("client_order_id"),
            cancel_id=reader.text("cancel_id"),
            amount=reader.decimal("amount"),
            ts=reader.integer("ts"),
        )


# -- batches ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedLeg:
    """One venue order of a batch: ``quantity`` base units at ``limit_price`` (quote per base)."""

    symbol: str
    side: OrderSide
    quantity: Decimal
    limit_price: Decimal
    client_order_id: str

    def __post_init__(self) -> None:
        _check_pair("PlannedLeg", "symbol", self.symbol)
        _check_side("PlannedLeg", self.side)
        _check_decimal("PlannedLeg", "quantity", self.quantity)
        _check_decimal("PlannedLeg", "limit_price", self.limit_price)
        _check_id("PlannedLeg", "client_order_id", self.client_order_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "side": self.side.value,
            "quantity": _dec(self.quantity),
            "limit_price": _dec(self.limit_price),
            "client_order_id": self.client_order_id,
        }

    @classmethod
    def from_dict(cls, data: object) -> PlannedLeg:
        reader = _Reader(
            "PlannedLeg", data, ("symbol", "side", "quantity", "limit_price", "client_order_id")
        )
        return cls(
            symbol=reader.text("symbol"),
            side=reader.side(),
            quantity=reader.decimal("quantity"),
            limit_price=reader.decimal("limit_price"),
            client_order_id=reader.text("client_order_id"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderTarget:
    """What a batch aims to add to ``order`` in ``symbol`` (base units), house inventory
    handed over by the same batch included."""

    order: OrderKey
    symbol: str
    quantity: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.order, OrderKey):
            raise _fail("OrderTarget", "order", f"must be an OrderKey, got {self.order!r}")
        _check_pair("OrderTarget", "symbol", self.symbol)
        _check_decimal("OrderTarget", "quantity", self.quantity)

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": self.order.to_dict(),
            "symbol": self.symbol,
            "quantity": _dec(self.quantity),
        }

    @classmethod
    def from_dict(cls, data: object) -> Self:
        reader = _Reader(cls.__name__, data, ("order", "symbol", "quantity"))
        return cls(
            order=OrderKey.from_dict(reader.data["order"], cls.__name__),
            symbol=reader.text("symbol"),
            quantity=reader.decimal("quantity"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class InventoryAssignment(OrderTarget):
    """House inventory of ``symbol`` (base units) handed to a buy order before any leg is sent."""


def _unique(owner: str, field: str, keys: Iterable[object]) -> None:
    seen: set[object] = set()
    for key in keys:
        if key in seen:
            raise _fail(owner, field, f"{key!r} appears twice")
        seen.add(key)


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchPlanned(_Event):
    """A batch the solver planned: the venue ``legs`` to send, per order and constituent what
    the batch aims to add (``targets``), house inventory handed over now
    (``inventory_assignments``, counted toward the targets) and the orders it declares done
    (``completions``: a buy whose remaining collateral cannot buy one quantity step, a sell with
    nothing left to sell), which the state settles before anything else of the batch."""

    KIND: ClassVar[str] = "batch_planned"
    FIELDS: ClassVar[tuple[str, ...]] = (
        "batch_id",
        "legs",
        "targets",
        "inventory_assignments",
        "completions",
        "ts",
    )

    batch_id: str
    legs: tuple[PlannedLeg, ...] = ()
    targets: tuple[OrderTarget, ...] = ()
    inventory_assignments: tuple[InventoryAssignment, ...] = ()
    completions: tuple[OrderKey, ...] = ()
    ts: int

    def __post_init__(self) -> None:
        _check_id(self.KIND, "batch_id", self.batch_id)
        for field, items, kind in (
            ("legs", self.legs, PlannedLeg),
            ("targets", self.targets, OrderTarget),
            ("inventory_assignments", self.inventory_assignments, InventoryAssignment),
            ("completions", self.completions, OrderKey),
        ):
            if not isinstance(items, tuple) or not all(isinstance(i, kind) for i in items):
                raise _fail(self.KIND, field, f"must be a tuple of {kind.__name__}")
        _unique(self.KIND, "legs", (leg.client_order_id for leg in self.legs))
        _unique(self.KIND, "targets", ((t.order, t.symbol) for t in self.targets))
        _unique(
            self.KIND,
            "inventory_assignments",
            ((a.order, a.symbol) for a in self.inventory_assignments),
        )
        _unique(self.KIND, "completions", self.completions)
        _check_ts(self.KIND, self.ts)

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

    def _body(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "legs": [leg.to_dict() for leg in self.legs],
            "targets": [t.to_dict() for t in self.targets],
            "inventory_assignments": [a.to_dict() for a in self.inventory_assignments],
            "completions": [k.to_dict() for k in self.completions],
            "ts": self.ts,
        }

    @classmethod
    def _read(cls, reader: _Reader) -> Self:
        return cls(
            batch_id=reader.text("batch_id"),
            legs=tuple(PlannedLeg.from_dict(d) for d in reader.items("legs")),
            targets=tuple(OrderTarget.from_dict(d) for d in reader.items("targets")),
            inventory_assignments=tuple(
                InventoryAssignment.from_dict(d) for d in reader.items("inventory_assignments")
            ),
            completions=tuple(OrderKey.from_dict(d, cls.KIND) for d in reader.items("completions")),
            ts=reader.integer("ts"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class LotRecorded(_Event):
    """One exchange fill of a batch leg: ``qty`` base at ``price`` quote per base, ``fee`` in
    ``fee_asset`` (negative: a rebate). ``client_order_id`` is the leg's venue client id."""

    KIND: ClassVar[str] = "lot_recorded"
    FIELDS: ClassVar[tuple[str, ...]] = (
        "venue",
        "trade_id",
        "batch_id",
        "client_order_id",
        "symbol",
        "side",
        "price",
        "qty",
        "fee",
        "fee_asset",
        "ts",
    )

    venue: str
    trade_id: str
    batch_id: str
    client_order_id: str
    symbol: str
    side: OrderSide
    price: Decimal
    qty: Decimal
    fee: Decimal
    fee_asset: str
    ts: int

    def __post_init__(self) -> None:
        _check_id(self.KIND, "venue", self.venue)
        _check_id(self.KIND, "trade_id", self.trade_id)
        _check_id(self.KIND, "batch_id", self.batch_id)
        _check_id(self.KIND, "client_order_id", self.client_order_id)
        _check_pair(self.KIND, "symbol", self.symbol)
        _check_side(self.KIND, self.side)
        _check_decimal(self.KIND, "price", self.price)
        _check_decimal(self.KIND, "qty", self.qty)
        _check_decimal(self.KIND, "fee", self.fee, minimum="any")
        _check_asset(self.KIND, "fee_asset", self.fee_asset)
        _check_ts(self.KIND, self.ts)
        base, quote = parse_symbol(self.symbol)
        if self.fee_asset == base and self.fee >= self.qty:
            raise _fail(self.KIND, "fee", f"a base fee of {self.fee} leaves nothing of {self.qty}")
        if (
            self.fee_asset == quote
            and self.side is OrderSide.SELL
            and (self.fee >= self.qty * self.price)
        ):
            raise _fail(self.KIND, "fee", "a quote fee that eats all the proceeds")

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

    def _body(self) -> dict[str, Any]:
        return {
            "venue": self.venue,
            "trade_id": self.trade_id,
            "batch_id": self.batch_id,
            "client_order_id": self.client_order_id,
            "symbol": self.symbol,
            "side": self.side.value,
            "price": _dec(self.price),
            "qty": _dec(self.qty),
            "fee": _dec(self.fee),
            "fee_asset": self.fee_asset,
            "ts": self.ts,
        }

    @classmethod
    def _read(cls, reader: _Reader) -> Self:
        return cls(
            venue=reader.text("venue"),
            trade_id=reader.text("trade_id"),
            batch_id=reader.text("batch_id"),
            client_order_id=reader.text("client_order_id"),
            symbol=reader.text("symbol"),
            side=reader.side(),
            price=reader.decimal("price"),
            qty=reader.decimal("qty"),
            fee=reader.decimal("fee"),
            fee_asset=reader.text("fee_asset"),
            ts=reader.integer("ts"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchClosed(_Event):
    """Every leg of the batch is terminal; targets it did not meet are dropped (the next batch
    plans from what orders still need)."""

    KIND: ClassVar[str] = "batch_closed"
    FIELDS: ClassVar[tuple[str, ...]] = ("batch_id", "ts")

    batch_id: str
    ts: int

    def __post_init__(self) -> None:
        _check_id(self.KIND, "batch_id", self.batch_id)
        _check_ts(self.KIND, self.ts)

    @property
    def key(self) -> str:
        return f"close:{self.batch_id}"

    def _body(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "ts": self.ts}

    @classmethod
    def _read(cls, reader: _Reader) -> Self:
        return cls(batch_id=reader.text("batch_id"), ts=reader.integer("ts"))


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

_KINDS: dict[str, type[_Event]] = {
    cls.KIND: cls
    for cls in (
        CollateralDeposited,
        IndexTokensReturned,
        IndexOrderAccepted,
        IndexOrderCancelled,
        BatchPlanned,
        LotRecorded,
        BatchClosed,
    )
}


def decode_event(text: str | bytes) -> IndexEvent:
    """The event ``text`` encodes (any kind); raises ``InvalidIndexEvent`` for an unknown kind
    or a bad field."""
    data = _load(text)
    kind = data.get("kind")
    cls = _KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise InvalidIndexEvent(f"unknown event kind {kind!r}")
    event = cls.from_json(text)
    assert isinstance(event, IndexEvent)
    return event
